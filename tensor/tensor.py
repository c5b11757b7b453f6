"""An array that remembers how it was computed: the `Tensor` autograd engine.

`Tensor` is `engine.Value` with arrays in place of floats. Every op returns a new Tensor that
records the same things a Value records:

- `parents`: the tensors it was computed from (a tuple; `()` for a leaf),
- `op`: the op's name (`"*"`, `"sum"`, `"@"`, ...),
- `_backward`: the op's *local chain-rule step*, a function of one argument: it receives
  `grad` = dL/d out (an array of out's shape) and passes grad * d out/d parent on to each
  parent that requires a gradient, with `parent._accumulate(...)`.

`backward()` calls these steps from the loss down to the leaves in reverse topological order,
exactly as `Value.backward` does (the loop is tensor/backprop.py). What is new:

- Values live in an array of the tensor's device (NumPy, CuPy or the test stand-in; see
  `tensor/backend`), reached through `t.array`; every op is one vectorized array expression.
  As in PyTorch, `t.grad` is a Tensor (or None) and `t.data` a Tensor without the graph that
  shares t's memory. (`Value.data` and `Value.grad` are floats: a Value IS one number.)
- Broadcasting: `a + b` may stretch b over a's shape, so each binary op reduces its parents'
  gradients back to their shapes with the one function `unbroadcast` (tensor/ops/broadcast.py).
- `requires_grad`: only tensors that need a gradient are part of the graph. Leaves you create
  with requires_grad=True (parameters) receive `.grad`; an op's result requires grad when any
  input does, and an op computes no gradient for inputs that don't need one. Under `no_grad()`
  no graph is recorded at all.
- In-place ops (`add_`, `+=`, `t[i] = v`, ...; tensor/inplace.py) change the memory itself, so
  every alias and view sees the change; a version counter (tensor/versions.py) turns a
  gradient that would be computed from changed values into a clear error.
- Memory: a step never holds its own output, so graphs have no reference cycles and are freed
  as soon as the last reference drops; backward() releases each node's step (and the arrays
  it saved) right after using it, unless retain_graph=True.

The ops live in tensor/ops/, one file per family, and are bound to the class below; each one
is written like `Value`'s: compute the forward, create the output with its parents and op name,
define its backward step right below.
"""

import copy

from tensor import backend as backends
from tensor import dtype as dtypes
from tensor import inplace
from tensor.autograd import anomaly
from tensor.backprop import _leaf_backward, run_backward
from tensor.devices import device_of
from tensor.grad_mode import state as grad_mode
from tensor.ops import (
    activation,
    aliases,
    comparison,
    elementwise,
    indexing,
    linalg,
    predicates,
    rearrange,
    reduction,
    sampling,
    scan,
    sorting,
)
from tensor.ops import math as math_ops
from tensor.ops import matmul as matmul_ops
from tensor.ops import scatter as scatter_ops
from tensor.ops import shape as shape_ops
from tensor.ops.broadcast import broadcast_shapes
from tensor.printing import tensor_repr
from tensor.size import Size
from tensor.versions import VersionCounter


def _rebuild(cls, host_data, device, requires_grad, label):
    """Unpickling: a tensor of class `cls` made from host data, on `device`."""
    t = object.__new__(cls)
    Tensor.__init__(t, host_data, requires_grad=requires_grad, device=device, label=label)
    return t


class Tensor:
    """An n-dimensional array on a device, and the graph that produced it.

    `Tensor(data, requires_grad=False, dtype=None, device=None)` copies `data` (numbers, nested
    lists, a NumPy/CuPy array or a Tensor) into a new leaf. dtype: float data becomes float32,
    ints int64, bools bool (arrays keep theirs); see tensor/dtype.py. device: "cpu", "cuda",
    "cuda:N" or "standin"; None means where `data` already is (the CPU for Python data).
    """

    __slots__ = ("_data", "_grad", "label", "parents", "op", "_backend", "_requires_grad",
                 "_backward_fn", "_retains_grad", "_incoming", "_counter", "_saved", "_uses",
                 "_base", "_hooks", "__weakref__")

    __array_ufunc__ = None  # `ndarray * tensor` must call Tensor.__rmul__, not NumPy's multiply
    __hash__ = object.__hash__  # tensors are told apart by identity (== compares elements)

    def __init__(self, data, requires_grad=False, dtype=None, device=None, label=""):
        if isinstance(data, Tensor):
            data, source = data._data, data._backend
        else:
            source = backends.backend_of(data)
        if source is None:  # Python data: NumPy reads it on the host, then we pick the dtype
            source = backends.get_backend("cpu")
            try:
                data = source.asarray(data)
            except (ValueError, TypeError, OverflowError) as error:
                raise TypeError(f"Tensor(data) expects numbers, (nested) lists of numbers or an "
                                f"array; got {type(data).__name__}: {error}") from None
            wanted = None if dtype is None else dtypes.to_dtype(dtype)
            dtypes.check_fits(data, wanted or dtypes.DEFAULT_INT)  # no silent wrap-around
            default_dtype = dtypes.infer_dtype(data) if wanted is None else wanted
        else:
            default_dtype = dtypes.to_dtype(data.dtype)
        dtype = default_dtype if dtype is None else dtypes.to_dtype(dtype)
        target = source if device is None else backends.get_backend(device)
        if target is not source:
            data = source.to_numpy(data)  # explicit: the caller asked for another device
        self._init_leaf(target.array(data, dtype), target)
        self.label = label
        self.requires_grad = requires_grad

    def _init_leaf(self, data, backend):
        """Every slot of a fresh leaf holding the array `data` of `backend`'s device."""
        self._data = data
        self._backend = backend
        self._grad = None
        self.label = ""
        self.parents = ()
        self.op = ""
        self._requires_grad = False
        self._backward_fn = _leaf_backward
        self._retains_grad = False
        self._incoming = None  # dL/d(this tensor) as it accumulates during a backward pass
        self._counter = None  # its VersionCounter, made when first needed (see _version)
        self._saved = ()  # (tensor, version) pairs its backward step reads (tensor/versions.py)
        self._uses = 0  # how many recorded ops took it as an input (see tensor/inplace.py)
        self._base = None  # the graph tensor whose memory it views, if it is a view of one
        self._hooks = None  # gradient hooks (tensor/hooks.py), made on the first registration

    @classmethod
    def _wrap(cls, data, backend, requires_grad=False):
        """A leaf around an array of `backend`'s device, without checks or copies (for
        factories and conversions that made `data` themselves)."""
        out = object.__new__(cls)
        out._init_leaf(data, backend)
        if requires_grad:
            out.requires_grad = True
        return out

    # ---- what a tensor is ---------------------------------------------------------------------

    @property
    def array(self):
        """The values as the raw array of the tensor's device: numpy.ndarray on the CPU,
        cupy.ndarray on a GPU. This is what ops compute with. Computing with it directly is
        outside the graph, and writing into it bypasses the version counter: it is the
        escape hatch under the engine, for ops and lessons that show the arithmetic.

        `t.array -= step` works (NumPy changes the array in place and Python assigns the same
        array back); to replace the values with another array, assign `t.data = ...`."""
        return self._data

    @array.setter
    def array(self, value):
        if value is not self._data:
            raise AttributeError("t.array cannot be rebound to another array; write into it "
                                 "(t.array[...] = values) or replace the values with "
                                 "t.data = Tensor(values)")

    @property
    def data(self):
        """A new Tensor with the same values and the same memory, outside the graph (as
        PyTorch's `.data`): `p.data.normal_(0, 0.01)` changes p.

        Assigning replaces the values, as `p.data = ...` does in PyTorch: the new Tensor (or
        array) may have another shape, dtype or device, and the tensor moves to its device.
        The graph is not told, so do it to leaves only (parameters, between training steps);
        `.grad` is left as it was, so replace or clear it too when the shape or device
        changes. The tensor keeps its identity, which is what `Module.to` needs: an optimizer
        built before still holds its parameters.

            p.data = p.data.to("cuda")        # p now lives on the GPU
            p.data = p.data.double()          # and is float64

        Unlike PyTorch's, this `.data` shares the version counter: changing it in place while
        a graph still needs the old values is an error at backward(), not a wrong gradient.
        """
        view = Tensor._wrap(self._data, self._backend)
        view._counter = self._version_counter()
        return view

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        if value is self._data:  # `p.data -= step` assigns the same memory back: no change
            return
        backend = backends.backend_of(value)
        if backend is None:
            raise TypeError(f"Tensor.data must be set to a Tensor (or an array), got "
                            f"{type(value).__name__}; wrap Python numbers with "
                            f"tensor.Tensor(...) first")
        if self._requires_grad and not dtypes.is_floating(value.dtype):
            raise TypeError(f"this tensor requires grad, so its data must stay floating-point; "
                            f"got dtype {value.dtype}")
        self._data, self._backend = value, backend
        self._counter = None  # new memory: a new history of changes

    @property
    def grad(self):
        """dL/d(this tensor) after backward(): a Tensor of this tensor's shape, dtype and
        device, or None before any gradient arrived. Leaves (parameters) keep theirs and
        ACCUMULATE across backward() calls, in place (so an alias of `.grad` sees the new
        sum), which is why training loops zero them (`optimizer.zero_grad()`, `p.grad =
        None` or `p.grad.zero_()`). Intermediate tensors get one only after retain_grad()."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.shape != self.shape:
                raise ValueError(f"assigned grad has shape {value.shape} but the tensor has "
                                 f"shape {self.shape}; they must be equal")
            if value._backend is not self._backend:
                raise RuntimeError(f"assigned grad is on {value.device} but the tensor is on "
                                   f"{self.device}")
            if value.dtype != self.dtype:
                raise TypeError(f"assigned grad has dtype {value.dtype} but the tensor has "
                                f"dtype {self.dtype}")
        self._grad = value

    @property
    def _version(self):
        """How many times this tensor's memory was changed in place (PyTorch's `t._version`)."""
        return 0 if self._counter is None else self._counter.value

    def _version_counter(self):
        """This tensor's VersionCounter, made on first use (most tensors never need one)."""
        if self._counter is None:
            self._counter = VersionCounter()
        return self._counter

    def _bump_version(self):
        """Record an in-place change of this tensor's memory (and so of its views')."""
        self._version_counter().value += 1

    @property
    def shape(self):
        """The size of each dimension, a `Size` (a tuple: `(2, 3)` for a 2x3 matrix)."""
        return Size(self._data.shape)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        """Where the values live: a `device` (tensor/device.py), which is its name, "cpu",
        "cuda:N" or "standin", so `t.device == "cpu"` holds on the CPU."""
        return device_of(self._backend.device)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def size(self, dim=None):
        """The shape (a `Size`), or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        axis = shape_ops.normalize_dim(dim, self.ndim, "size")
        if self.ndim == 0:
            raise IndexError(f"size({dim}): a 0-d tensor has no dimensions; size() is ()")
        return self._data.shape[axis]

    def numel(self):
        return self._data.size

    nelement = numel
    ndimension = dim

    def element_size(self):
        """Bytes per element (4 for float32)."""
        return self._data.dtype.itemsize

    def is_floating_point(self):
        return dtypes.is_floating(self._data.dtype)

    @property
    def is_cuda(self):
        return self._backend.device.startswith("cuda")

    def is_contiguous(self):
        """Whether the elements lie in memory in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def requires_grad(self):
        """Whether backward() computes a gradient for this tensor. Settable on leaves only."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self._backward_fn is not _leaf_backward:
            raise RuntimeError(
                f"requires_grad can only be changed on a leaf tensor; this one was computed by "
                f"'{self.op}'. Use .detach() to get a leaf that shares its data")
        if value and not dtypes.is_floating(self._data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype "
                            f"{self._data.dtype}; make it a float first, e.g. Tensor(data, "
                            f"dtype=tensor.float32, requires_grad=True)")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self (PyTorch's spelling)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors not computed by a recorded op: inputs, parameters, constants."""
        return self._backward_fn is _leaf_backward

    @property
    def grad_fn(self):
        """The backward node of the op that computed this tensor, as in PyTorch
        (`<MulBackward0>`, with `next_functions` leading to the inputs' nodes); None for a
        leaf. See tensor/autograd/graph.py."""
        from tensor.autograd.graph import grad_fn_of

        return grad_fn_of(self)

    @property
    def _backward(self):
        """This node's local chain-rule step (see the module docstring)."""
        return self._backward_fn

    @_backward.setter
    def _backward(self, step):
        # Ops always write `out._backward = backward`. A result that is not part of the graph
        # keeps no step, so it holds no reference to its inputs.
        if self._requires_grad:
            self._backward_fn = step

    def register_hook(self, hook):
        """Run `hook(grad)` when backward() has this tensor's complete gradient; a Tensor it
        returns replaces the gradient. Returns a handle with `remove()`. See tensor/hooks.py."""
        from tensor import hooks

        return hooks.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Leaves only: run `hook(self)` once backward() has updated `self.grad`. Returns a
        handle with `remove()`. See tensor/hooks.py."""
        from tensor import hooks

        return hooks.register_post_accumulate_grad_hook(self, hook)

    def retain_grad(self):
        """Keep this intermediate tensor's .grad after backward() (leaves always keep theirs)."""
        self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def __repr__(self):
        return tensor_repr(self)

    def __deepcopy__(self, memo):
        """A copy of a leaf (data and grad copied, same device, same requires_grad), for
        copy.deepcopy of models; a graph node cannot be copied, as in PyTorch."""
        if not self.is_leaf:
            raise RuntimeError(f"only leaf tensors can be deep-copied; this one was computed by "
                               f"'{self.op}' (use .detach() first)")
        new = memo[id(self)] = type(self)._wrap(self._data.copy(), self._backend)
        if self._grad is not None:
            new._grad = Tensor._wrap(self._grad._data.copy(), self._backend)
        new.label = self.label
        new._requires_grad = self._requires_grad
        if hasattr(self, "__dict__"):  # attributes of a subclass (nn.Parameter, ...)
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __reduce__(self):
        # pickling: the values go through the host, the tensor comes back on its device
        state = getattr(self, "__dict__", None) or None
        return _rebuild, (type(self), self._backend.to_numpy(self._data), self.device,
                          self._requires_grad, self.label), state

    # ---- the plumbing every op uses -------------------------------------------------------

    def _result(self, data, parents, op, backend=None, saved=(), saves_output=False):
        """The output tensor of an op: `data` computed from `parents` by `op`.

        It joins the graph (keeps its parents, requires grad) only if recording is on, some
        parent requires grad, and its dtype is a float. Otherwise it is a plain leaf, and the
        op's `out._backward = backward` is ignored (see the setter above).

        `saved` names the parents whose values the op's backward step reads, and
        `saves_output` says that it reads the output's; their versions are recorded now and
        checked before the step runs (tensor/versions.py). When `data` is a view into a
        parent's memory (reshape, transpose, slicing, ...), the output shares that parent's
        version counter, since changing one in place changes the other.
        """
        backend = backend or self._backend
        if not data.shape:  # NumPy gives 0-d results as scalars (np.float32): keep an array,
            data = backend.xp.asarray(data)  # which, unlike a scalar, can be written in place
        out = object.__new__(Tensor)
        out._init_leaf(data, backend)
        out.op = op
        if data.base is not None:
            out._share_memory_history(parents)
        if grad_mode.enabled:
            for parent in parents:
                if parent._requires_grad:
                    if data.dtype.kind == "f":
                        out.parents = parents
                        out._requires_grad = True
                        out._record(parents, saved, saves_output)
                    break
        if anomaly.state.enabled:  # detect_anomaly(): check it, remember the caller's line
            anomaly.after_forward(out, parents, op)
        return out

    def _share_memory_history(self, parents):
        """If this new result views the memory of one of `parents`, share its version counter
        (and remember it as the base, for in-place checks)."""
        owner = self._backend.memory_owner(self._data)
        for parent in parents:
            if parent._backend.memory_owner(parent._data) is owner:
                self._counter = parent._version_counter()
                self._base = parent if parent._base is None else parent._base
                return

    def _record(self, parents, saved, saves_output):
        """Bookkeeping of a node joining the graph: its inputs' use counts and its saved
        versions."""
        for parent in parents:
            parent._uses += 1
        if saved or saves_output:
            entries = [(t, t._version) for t in saved if t is not None]
            if saves_output:
                entries.append((None, self._version))
            self._saved = tuple(entries)

    def _constant(self, value, op):
        """A Python number taking part in an op with this tensor, as a constant leaf on this
        device, of the dtype tensor.dtype.scalar_dtype gives (float32 * 2.5 stays float32).
        An array (NumPy's, or the device's) becomes a constant tensor of its own dtype, as
        PyTorch reads `t + ndarray` (float32 + a float64 array is float64); it must be on this
        tensor's device. TypeError for anything that is not a number, an array or a Tensor."""
        kind = dtypes.scalar_kind(value)
        if kind is None and backends.backend_of(value) is not None:
            source = backends.backend_of(value)
            if source is not self._backend:
                raise RuntimeError(f"'{op}' got a {self.device} tensor and an array on "
                                   f"{source.device}; make the array a tensor on "
                                   f"{self.device} first, e.g. tensor.tensor(array, "
                                   f"device='{self.device}')")
            return Tensor._wrap(source.asarray(value, dtypes.to_dtype(value.dtype)), source)
        if kind is None:
            hint = ("; wrap it in a Tensor first" if hasattr(value, "shape")
                    or isinstance(value, (list, tuple)) else "")
            raise TypeError(f"unsupported operand type(s) for {op}: 'Tensor' and "
                            f"'{type(value).__name__}'{hint}")
        dtype = dtypes.scalar_dtype(self._data.dtype, kind)
        if kind == "i":
            dtypes.check_fits(value, dtype, f"'{op}' with a tensor of dtype {self._data.dtype}: ")
        return Tensor._wrap(dtype.type(value), self._backend)

    def _pair(self, other, op, broadcast=True):
        """The two operands of a binary op, ready to compute with.

        `other` becomes a Tensor (a number becomes a constant), both must be on one device (else
        RuntimeError naming both), and an integer operand meeting a float one is cast to the
        float's dtype (PyTorch's promotion: int64 + float32 -> float32). With `broadcast`, the
        shapes must broadcast together (else ValueError naming both shapes and the op).
        """
        if not isinstance(other, Tensor):
            other = self._constant(other, op)
        elif other._backend is not self._backend:
            raise RuntimeError(f"'{op}' got tensors on two devices, {self.device} and "
                               f"{other.device}; move one with .to(device) first")
        a, b = self, other
        if a._data.dtype != b._data.dtype:
            a, b = a._promoted_with(b)
        x, y = a._data, b._data
        if broadcast and x.shape != y.shape and x.ndim and y.ndim:
            broadcast_shapes(x.shape, y.shape, op)  # a 0-d operand always fits
        return a, b

    def _promoted_with(self, other):
        """(self, other) with the non-float one cast to the other's float dtype when NumPy's
        promotion would differ from PyTorch's (int64 with float32: NumPy says float64)."""
        target = dtypes.promote_types(self._data.dtype, other._data.dtype)
        if self._backend.xp.result_type(self._data.dtype, other._data.dtype) == target:
            return self, other
        if self._data.dtype != target:  # only a non-float tensor is cast: it needs no gradient
            return Tensor._wrap(self._data.astype(target), self._backend), other
        return self, Tensor._wrap(other._data.astype(target), other._backend)

    def _accumulate(self, grad):
        """Add `grad` (an array of this tensor's shape) into the gradient arriving at this
        tensor during backward. Never in place: a gradient array may be shared with another
        node (`a + b` hands both the same one)."""
        data = self._data
        if grad.shape != data.shape:
            raise RuntimeError(
                f"a backward step produced a gradient of shape {tuple(grad.shape)} for a tensor "
                f"of shape {self.shape} (made by '{self.op or 'a leaf'}'); a gradient must have "
                "its tensor's shape (was a broadcast input not unbroadcast?)")
        if grad.dtype != data.dtype:
            grad = grad.astype(data.dtype)
        self._incoming = grad if self._incoming is None else self._incoming + grad

    def _add_to_grad(self, grad):
        """The end of a backward pass: add the array `grad` into `.grad`, in place when there
        is one (PyTorch's accumulation, so aliases of `.grad` see the sum)."""
        current = self._grad
        if current is None:
            self._grad = Tensor._wrap(grad, self._backend)
            return
        if current.shape != grad.shape:  # a .grad of another shape: PyTorch refuses as well
            raise RuntimeError(f"cannot add a gradient of shape {tuple(grad.shape)} into .grad "
                               f"of shape {current.shape}; set .grad = None first")
        target = current._data
        if getattr(target.flags, "writeable", True):
            target += grad
            current._bump_version()
        else:
            self._grad = Tensor._wrap(target + grad, self._backend)

    # ---- backpropagation ------------------------------------------------------------------

    def topological_order(self):
        """Every node that `self` depends on through tensors requiring grad, each after all
        of its parents (`self` last). See tensor/backprop.py."""
        from tensor.backprop import topological_order

        return topological_order([self])

    def backward(self, gradient=None, retain_graph=False, inputs=None):
        """Backpropagation: add d(self)/d(leaf) into the .grad of every leaf that requires
        grad (or only of `inputs`, a tensor or a list of tensors, when given).

        `gradient` is dL/d(self); it may be left out when self has one element (a loss), and
        is then 1. Each node's local step runs after all of its consumers have added theirs
        (reverse topological order; the loop is tensor/backprop.py). Leaves' grads ACCUMULATE
        across calls, as in PyTorch (so zero them between steps); intermediate tensors get a
        .grad only if you called retain_grad() on them. If anything fails part-way, no .grad
        has changed.

        Unless retain_graph=True, each node's step is released once used (its saved arrays
        with it) and its parents are forgotten, so the graph is freed as soon as it has been
        used; a second backward() through it raises RuntimeError.
        """
        if not self._requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no graph was recorded. Its "
                "inputs need requires_grad=True, and it must not be computed under no_grad()")
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise ValueError("backward(inputs=...) got an empty list; leave it out to "
                                 "accumulate into every leaf")
        run_backward([self], [self._initial_gradient(gradient)], retain_graph, inputs)

    def _initial_gradient(self, gradient):
        """dL/d(self) to start backward with: ones for a one-element tensor, else `gradient`
        (a Tensor, array or list of self's shape), copied."""
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element output such as a loss; "
                    f"this tensor has shape {self.shape}. Reduce it first (e.g. .sum()) or "
                    f"pass backward(gradient=...) of shape {self.shape}")
            return self._backend.xp.ones_like(self._data)
        if isinstance(gradient, Tensor):
            if gradient._backend is not self._backend:
                raise RuntimeError(f"backward(): the gradient is on {gradient.device} but the "
                                   f"tensor is on {self.device}")
            gradient = gradient._data
        elif not self._backend.is_array(gradient):
            gradient = self._backend.asarray(gradient)
        if gradient.shape != self.shape:
            raise ValueError(f"backward(): the gradient has shape {tuple(gradient.shape)} but "
                             f"the tensor has shape {self.shape}; they must be equal")
        return gradient.astype(self._data.dtype, copy=True)

    # ---- leaving the graph, changing device or dtype -------------------------------------------

    def detach(self):
        """A new leaf sharing this tensor's memory (and its version counter), outside the
        graph (no grad)."""
        out = Tensor._wrap(self._data, self._backend)
        out._counter = self._version_counter()
        return out

    def detach_(self):
        """Make this tensor a leaf outside the graph, in place (PyTorch's detach_)."""
        if self._base is not None and not self.is_leaf:
            raise RuntimeError("detach_() on a view of another graph tensor; use detach()")
        self.parents, self._backward_fn, self._saved = (), _leaf_backward, ()
        self._requires_grad = False
        return self

    def clone(self):
        """A copy of the data that stays in the graph (the gradient flows back unchanged)."""
        out = self._result(self._data.copy(), (self,), "clone")

        def backward(grad):  # d(copy x)/dx = 1
            self._accumulate(grad)

        out._backward = backward
        return out

    def contiguous(self):
        """A C-contiguous tensor with the same values (self if it already is)."""
        if self._data.flags.c_contiguous:
            return self
        return self.clone()

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """This tensor on another device and/or with another dtype: `t.to("cuda")`,
        `t.to(tensor.float64)`, `t.to("cpu", tensor.int64)`, `t.to(other_tensor)`.

        Returns self when nothing changes (unless copy=True). The conversion is recorded in the
        graph: the gradient is sent back to the original device and dtype. Moving between
        devices is an explicit copy (host <-> GPU). non_blocking is accepted and ignored.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, str) or type(arg).__name__ == "device":
                device = arg
            else:
                dtype = arg
        target = self._backend if device is None else backends.get_backend(device)
        dtype = self._data.dtype if dtype is None else dtypes.to_dtype(dtype)
        if target is self._backend and dtype == self._data.dtype and not copy:
            return self
        data = self._data
        if target is not self._backend:
            data = target.array(self._backend.to_numpy(data), dtype)
        else:
            data = data.astype(dtype, copy=True)
        out = self._result(data, (self,), f"to({target.device}, {dtype})", backend=target)
        source = self._backend.device

        def backward(grad):  # the identity, carried back to self's device and dtype
            self._accumulate(backends.to_device(grad, source))

        out._backward = backward
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        """This tensor on GPU `device` (default 0); RuntimeError if no CUDA GPU is usable."""
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool)

    def type(self, dtype):
        return self.to(dtype)

    def type_as(self, other):
        """This tensor converted to `other`'s dtype."""
        return self.to(other.dtype)

    def pin_memory(self):
        """Accepted for PyTorch's data pipelines: there is no pinned memory here, so self."""
        return self

    # new tensors like this one: same dtype and device unless given (PyTorch's new_*)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return Tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new("zeros", size, dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new("ones", size, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new("empty", size, dtype, device, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from tensor.factories import full

        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def _new(self, factory, size, dtype, device, requires_grad):
        from tensor import factories

        return getattr(factories, factory)(*size, dtype=dtype or self.dtype,
                                           device=device or self.device,
                                           requires_grad=requires_grad)

    # ---- leaving for Python, NumPy and other libraries ------------------------------------------

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape "
                             f"{self.shape} ({self._data.size} elements)")
        return self._data.item()

    def tolist(self):
        """The values as (nested) Python lists of numbers; a number for a 0-d tensor."""
        return self._data.tolist()

    def numpy(self):
        """The data as a NumPy array: the array itself on the CPU (shared memory), a copy
        from any other device. Refused while the tensor requires grad, as in PyTorch."""
        if self._requires_grad:
            raise RuntimeError("numpy() on a tensor that requires grad; call .detach().numpy() "
                               "to get the values without the graph")
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        # NumPy's implicit conversion (numpy.asarray(t), plotting): CPU tensors only, as in
        # PyTorch; another device must be copied explicitly with .cpu() or .numpy().
        if self._backend.device != "cpu":
            raise TypeError(f"cannot convert a {self.device} tensor to a NumPy array "
                            "implicitly; use .cpu() or .numpy() to copy it to the host")
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __dlpack__(self, **kwargs):
        """DLPack export: another library (PyTorch, NumPy, CuPy) reads this memory without a
        copy via its from_dlpack(tensor)."""
        if self._requires_grad:
            raise RuntimeError("cannot export a tensor that requires grad through DLPack; "
                               "use .detach() first")
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements is "
                               "ambiguous; use .any() or .all()")
        return bool(self._data.item())

    def __format__(self, spec):
        """f"{loss:.4f}" formats a one-element tensor as its number, and f"{loss}" a 0-d one,
        as in PyTorch; any other tensor formats as its repr."""
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only one-element integer tensors can be used as an index, got "
                            f"dtype {self.dtype} and shape {self.shape}")
        return int(self._data.item())

    def __pos__(self):
        return self

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # ---- the ops, one file per family in tensor/ops/ ----------------------------------------

    # arithmetic, elementwise math (elementwise.py)
    __add__ = elementwise.add
    __radd__ = elementwise.radd
    __sub__ = elementwise.sub
    __rsub__ = elementwise.rsub
    __mul__ = elementwise.mul
    __rmul__ = elementwise.rmul
    __truediv__ = elementwise.truediv
    __rtruediv__ = elementwise.rtruediv
    __pow__ = elementwise.pow
    __rpow__ = elementwise.rpow
    __neg__ = elementwise.neg
    __abs__ = elementwise.abs
    add = elementwise.add
    sub = elementwise.sub
    mul = elementwise.mul
    div = elementwise.truediv
    pow = elementwise.pow
    neg = elementwise.neg
    abs = elementwise.abs
    exp = elementwise.exp
    log = elementwise.log
    sqrt = elementwise.sqrt
    clamp = elementwise.clamp
    clip = elementwise.clamp
    maximum = elementwise.maximum
    minimum = elementwise.minimum

    # more elementwise math: trigonometry, logs, powers, rounding, remainders (math.py)
    __mod__ = math_ops.remainder
    __rmod__ = math_ops.rremainder
    __floordiv__ = math_ops.floor_divide
    __rfloordiv__ = math_ops.rfloor_divide
    sin = math_ops.sin
    cos = math_ops.cos
    tan = math_ops.tan
    asin = arcsin = math_ops.asin
    acos = arccos = math_ops.acos
    atan = arctan = math_ops.atan
    atan2 = arctan2 = math_ops.atan2
    sinh = math_ops.sinh
    cosh = math_ops.cosh
    log10 = math_ops.log10
    log2 = math_ops.log2
    log1p = math_ops.log1p
    expm1 = math_ops.expm1
    square = math_ops.square
    rsqrt = math_ops.rsqrt
    reciprocal = math_ops.reciprocal
    floor = math_ops.floor
    ceil = math_ops.ceil
    round = math_ops.round
    trunc = fix = math_ops.trunc
    frac = math_ops.frac
    sign = math_ops.sign
    sgn = math_ops.sgn
    fmod = math_ops.fmod
    remainder = math_ops.remainder
    floor_divide = math_ops.floor_divide

    # comparisons (comparison.py): bool results, no gradient
    __eq__ = comparison.eq
    __ne__ = comparison.ne
    __lt__ = comparison.lt
    __le__ = comparison.le
    __gt__ = comparison.gt
    __ge__ = comparison.ge
    eq = comparison.eq
    ne = comparison.ne
    lt = comparison.lt
    le = comparison.le
    gt = comparison.gt
    ge = comparison.ge

    # logic on bool (and integer) tensors (comparison.py): no gradient
    __and__ = __rand__ = comparison.bitwise_and
    __or__ = __ror__ = comparison.bitwise_or
    __xor__ = __rxor__ = comparison.bitwise_xor
    __invert__ = comparison.bitwise_not
    bitwise_and = comparison.bitwise_and
    bitwise_or = comparison.bitwise_or
    bitwise_xor = comparison.bitwise_xor
    bitwise_not = comparison.bitwise_not
    logical_and = comparison.logical_and
    logical_or = comparison.logical_or
    logical_xor = comparison.logical_xor
    logical_not = comparison.logical_not

    # matrix product (matmul.py)
    __matmul__ = matmul_ops.matmul
    __rmatmul__ = matmul_ops.rmatmul
    matmul = matmul_ops.matmul

    # linear algebra (linalg.py)
    mm = linalg.mm
    bmm = linalg.bmm
    mv = linalg.mv
    dot = linalg.dot
    outer = linalg.outer
    addmm = linalg.addmm
    baddbmm = linalg.baddbmm
    norm = linalg.norm
    dist = linalg.dist
    trace = linalg.trace
    diag = linalg.diag
    diagonal = linalg.diagonal
    tril = linalg.tril
    triu = linalg.triu
    t = linalg.t

    # running sums and products (scan.py)
    cumsum = scan.cumsum
    cumprod = scan.cumprod
    prod = scan.prod

    # reductions (reduction.py)
    sum = reduction.sum
    mean = reduction.mean
    var = reduction.var
    std = reduction.std
    max = reduction.max
    min = reduction.min
    amax = reduction.amax
    amin = reduction.amin
    logsumexp = reduction.logsumexp
    argmax = reduction.argmax
    argmin = reduction.argmin
    all = reduction.all
    any = reduction.any

    # sorting and order statistics (sorting.py): (values, indices) pairs as in PyTorch
    sort = sorting.sort
    argsort = sorting.argsort
    topk = sorting.topk
    kthvalue = sorting.kthvalue
    median = sorting.median
    mode = sorting.mode
    unique = sorting.unique

    # shapes (shape.py)
    reshape = shape_ops.reshape
    view = shape_ops.view
    flatten = shape_ops.flatten
    squeeze = shape_ops.squeeze
    unsqueeze = shape_ops.unsqueeze
    transpose = shape_ops.transpose
    permute = shape_ops.permute
    T = property(shape_ops.reverse_dims)
    expand = shape_ops.expand
    split = shape_ops.split
    chunk = shape_ops.chunk

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    # rearranging elements (rearrange.py)
    roll = rearrange.roll
    flip = rearrange.flip
    repeat = rearrange.repeat
    tile = rearrange.tile
    repeat_interleave = rearrange.repeat_interleave
    narrow = rearrange.narrow
    unbind = rearrange.unbind
    movedim = moveaxis = rearrange.movedim
    swapaxes = swapdims = rearrange.swapaxes

    # indexing (indexing.py)
    __getitem__ = indexing.getitem
    __setitem__ = inplace.setitem
    index_put = indexing.index_put
    gather = indexing.gather
    masked_fill = indexing.masked_fill

    # selecting and scattering along a dimension (scatter.py)
    index_select = scatter_ops.index_select
    masked_select = scatter_ops.masked_select
    scatter = scatter_ops.scatter
    scatter_add = scatter_ops.scatter_add
    scatter_ = scatter_ops.scatter_
    scatter_add_ = scatter_ops.scatter_add_

    # questions about values (predicates.py): bools, no gradient; nan_to_num
    isnan = predicates.isnan
    isinf = predicates.isinf
    isfinite = predicates.isfinite
    isclose = predicates.isclose
    allclose = predicates.allclose
    equal = predicates.equal
    nonzero = predicates.nonzero
    nan_to_num = predicates.nan_to_num
    where = predicates.where_method

    # sampling with this tensor's values as probabilities (sampling.py)
    bernoulli = sampling.bernoulli
    multinomial = sampling.multinomial

    # activations (activation.py)
    relu = activation.relu
    sigmoid = activation.sigmoid
    tanh = activation.tanh
    softmax = activation.softmax
    log_softmax = activation.log_softmax

    # in-place ops (inplace.py): change this tensor's memory, return self
    add_ = inplace.add_
    sub_ = inplace.sub_
    mul_ = inplace.mul_
    div_ = inplace.div_
    pow_ = inplace.pow_
    neg_ = inplace.neg_
    exp_ = inplace.exp_
    log_ = inplace.log_
    sqrt_ = inplace.sqrt_
    abs_ = inplace.abs_
    clamp_ = inplace.clamp_
    clip_ = inplace.clamp_
    relu_ = inplace.relu_
    sigmoid_ = inplace.sigmoid_
    tanh_ = inplace.tanh_
    zero_ = inplace.zero_
    fill_ = inplace.fill_
    copy_ = inplace.copy_
    normal_ = inplace.normal_
    uniform_ = inplace.uniform_
    bernoulli_ = inplace.bernoulli_
    masked_fill_ = inplace.masked_fill_
    index_put_ = inplace.index_put_
    __iadd__ = inplace.add_
    __isub__ = inplace.sub_
    __imul__ = inplace.mul_
    __itruediv__ = inplace.div_
    __imatmul__ = inplace.matmul_


aliases.install_methods(Tensor)  # x.sum(axis=1, keepdims=True): NumPy's names (ops/aliases.py)
