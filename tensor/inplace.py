"""In-place ops: `add_ sub_ mul_ div_ pow_ neg_ exp_ ... zero_ fill_ copy_ normal_ uniform_
bernoulli_ masked_fill_ index_put_`, `t[key] = value`, and `+= -= *= /= @=`.

They change the tensor's memory itself and return the tensor, so every alias and every view
of that memory sees the new values, as in PyTorch and NumPy:

    w = layer.weight
    with tensor.no_grad():
        w -= 0.1 * w.grad          # layer.weight has changed: w IS layer.weight

One mechanism serves them all (`in_place`): compute the ordinary, out-of-place op, check that
its result fits (same shape; no float written into an int tensor), copy it into the memory,
and count the change on the version counter (tensor/versions.py), so that a backward step that
needs the old values raises an error instead of computing a wrong gradient.

The rules, PyTorch's:

- A leaf that requires grad (a parameter) may only be changed in place while recording is off
  (`with no_grad():`): otherwise the change would be part of the graph, and the graph could no
  longer say how the loss depends on the parameter. Under no_grad it changes, and still
  requires grad.
- A tensor computed inside the graph (`h = x @ w`) may be changed in place while recording:
  `h += b`, `h.relu_()`, `h[mask] = 0`. The tensor then stands for the new node (its grad_fn
  is the in-place op's), and the old node lives on behind it in the graph, as PyTorch rebases
  the graph. Here it is supported when that tensor has not yet been used as an input to any
  other recorded op and is not a view of another tensor: the common cases (a residual `out +=
  identity`, an activation applied in place, a masked assignment). Otherwise the op raises a
  RuntimeError that names the out-of-place form to write instead. (PyTorch would rewrite the
  earlier uses; a tensor that IS the graph node, as here, cannot be two nodes at once, and a
  silently wrong gradient is not an option.)
"""

from tensor import grad_mode
from tensor.dtype import is_floating
from tensor.random import source

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integers < floats: what may be cast down


def in_place(self, op, compute, *args):
    """self := compute(self, *args), written into self's memory; returns self.

    `compute` is the out-of-place op (a function of tensors). While recording, if self or an
    argument requires grad, self becomes the new graph node (see the module docstring)."""
    from tensor.tensor import Tensor

    recording = grad_mode.state.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        _check_may_rebase(self, op)
        previous = _split_off(self)
        result = compute(previous.clone(), *args)  # a private copy of the old values
    else:
        with grad_mode.no_grad():
            result = compute(self, *args)
    _write(self, result, op)
    if recording:
        _become(self, result)
    return self


def _check_may_rebase(self, op):
    if self.is_leaf and self._requires_grad:
        raise RuntimeError(
            f"a leaf tensor that requires grad is being used in an in-place operation "
            f"('{op}'): the graph could no longer say how results depend on it. Update "
            f"parameters inside `with tensor.no_grad():` (as optimizers do), or use the "
            f"out-of-place form (y = x + 1)")
    if self._base is not None:
        raise RuntimeError(
            f"'{op}' in place on a view (made by slicing, reshape, transpose, ...) while the "
            f"graph is recorded: the tensor it views would change without the graph knowing. "
            f"Assign through the base tensor (base[key] = value) or use the out-of-place form "
            f"(y = y + 1 instead of y += 1)")
    if self._uses:
        raise RuntimeError(
            f"'{op}' in place on a tensor that the graph has already used as the input of "
            f"{self._uses} other op(s): their gradients need its old values. Use the "
            f"out-of-place form (y = y * 2 instead of y *= 2), or change it before using it")


def _split_off(self):
    """A new tensor that takes over self's place in the graph as it stands (its parents,
    step and saved versions), sharing self's memory and version counter, so that self can
    become the in-place op's node."""
    from tensor.tensor import Tensor

    previous = object.__new__(Tensor)
    previous._init_leaf(self._data, self._backend)
    previous._counter = self._version_counter()
    previous.op, previous.parents, previous._saved = self.op, self.parents, self._saved
    previous._requires_grad, previous._backward_fn = self._requires_grad, self._backward_fn
    return previous


def _become(self, result):
    """Self takes `result`'s place in the graph. The step of `result` reads only its own
    private arrays, so a version saved for `result` itself is dropped."""
    self.op, self.parents = result.op, result.parents
    self._saved = tuple(entry for entry in result._saved if entry[0] is not None)
    self._requires_grad, self._backward_fn = result._requires_grad, result._backward_fn
    self._uses = 0


def _write(self, result, op):
    """Copy result's values into self's memory and count the change."""
    if result.shape != self.shape:
        raise RuntimeError(f"'{op}' in place: the result has shape {tuple(result.shape)}, which "
                           f"does not fit the tensor of shape {tuple(self.shape)} that it is "
                           f"written into; use the out-of-place form")
    if _KIND_RANK[result.dtype.kind] > _KIND_RANK[self.dtype.kind]:
        raise RuntimeError(f"'{op}' in place: the result type {result.dtype} can't be cast to "
                           f"the tensor's type {self.dtype}; use the out-of-place form, or "
                           f"convert the tensor first (e.g. t = t.float())")
    try:
        self._data[...] = result._data
    except ValueError as error:  # NumPy: "assignment destination is read-only"
        raise RuntimeError(f"'{op}' in place on a tensor whose memory cannot be written "
                           f"(an expand()ed or broadcast view repeats one element many times); "
                           f"use .clone() first ({error})") from None
    self._bump_version()


def _all_of(self, values):
    """A result holding `values` (a Tensor broadcast to self's shape) everywhere: where() of
    an all-True mask, so that a graph through self goes on, with gradient 0 for the old values
    and the gradient of `values` where they came from a tensor."""
    from tensor.ops.elementwise import where
    from tensor.tensor import Tensor

    everywhere = Tensor._wrap(self._backend.xp.ones(self.shape, dtype=bool), self._backend)
    return where(everywhere, values, self)


# ---- arithmetic ----------------------------------------------------------------------------


def add_(self, other, alpha=1):
    return in_place(self, "add_", lambda t, o: t + (o if alpha == 1 else o * alpha), other)


def sub_(self, other, alpha=1):
    return in_place(self, "sub_", lambda t, o: t - (o if alpha == 1 else o * alpha), other)


def mul_(self, other):
    return in_place(self, "mul_", lambda t, o: t * o, other)


def div_(self, other):
    return in_place(self, "div_", lambda t, o: t / o, other)


def pow_(self, exponent):
    return in_place(self, "pow_", lambda t, e: t ** e, exponent)


def matmul_(self, other):
    """`t @= m`: only when the product keeps t's shape (m square)."""
    return in_place(self, "@=", lambda t, o: t @ o, other)


def neg_(self):
    return in_place(self, "neg_", lambda t: -t)


def exp_(self):
    return in_place(self, "exp_", lambda t: t.exp())


def log_(self):
    return in_place(self, "log_", lambda t: t.log())


def sqrt_(self):
    return in_place(self, "sqrt_", lambda t: t.sqrt())


def abs_(self):
    return in_place(self, "abs_", lambda t: t.abs())


def clamp_(self, min=None, max=None):
    return in_place(self, "clamp_", lambda t: t.clamp(min, max))


def relu_(self):
    return in_place(self, "relu_", lambda t: t.relu())


def sigmoid_(self):
    return in_place(self, "sigmoid_", lambda t: t.sigmoid())


def tanh_(self):
    return in_place(self, "tanh_", lambda t: t.tanh())


# ---- filling -------------------------------------------------------------------------------


def fill_(self, value):
    """Every element := value (a number or a one-element tensor)."""
    from tensor.tensor import Tensor

    if not isinstance(value, Tensor):
        value = self._constant(value, "fill_")
    elif value.numel() != 1:
        raise RuntimeError(f"fill_ expects a number or a one-element tensor, got a tensor of "
                           f"shape {tuple(value.shape)}")
    return in_place(self, "fill_", lambda t, v: _all_of(t, v.reshape(())), value)


def zero_(self):
    """Every element := 0 (PyTorch's `p.grad.zero_()`)."""
    if grad_mode.state.enabled and self._requires_grad:  # a graph node or a parameter
        return fill_(self, 0)
    self._data.fill(0)  # the common case, a gradient or a buffer: no graph, no temporary
    self._bump_version()
    return self


def copy_(self, src, non_blocking=False):
    """self := src, broadcast to self's shape and converted to self's dtype and device (from
    any device: the one explicit way, besides .to(), to move values between devices)."""
    from tensor.tensor import Tensor

    if not isinstance(src, Tensor):
        src = Tensor(src)
    return in_place(self, "copy_", lambda t, s: _all_of(t, s.to(t.device, t.dtype)), src)


def masked_fill_(self, mask, value):
    return in_place(self, "masked_fill_", lambda t: t.masked_fill(mask, value))


def index_put_(self, indices, values, accumulate=False):
    """self[indices] := values (or += with accumulate=True, where repeated indices add up);
    `indices` is a tuple of index tensors, as in PyTorch."""
    values = _as_tensor(self, values)
    return in_place(self, "index_put_",
                    lambda t, v: t.index_put(tuple(indices), v, accumulate), values)


def setitem(self, key, value):
    """`t[key] = value`: index_put_ with any key that t[key] accepts (ints, slices, masks,
    integer tensors), value a number or a tensor broadcast to t[key]'s shape."""
    return in_place(self, "[]=", lambda t, v: t.index_put(key, v), _as_tensor(self, value))


def _as_tensor(self, value):
    from tensor.tensor import Tensor

    return value if isinstance(value, Tensor) else self._constant(value, "[]=")


# ---- random filling: values from the tensor's device's generator ---------------------------


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Every element := a sample of N(mean, std**2) (from `generator`'s stream when given)."""
    _require_float(self, "normal_")
    dtype = self.dtype.type
    draw = source(generator, self._backend, "normal_").randn(self.shape, self.dtype)
    return _fill_with(self, "normal_", draw * dtype(std) + dtype(mean))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Every element := a sample of U[a, b) (from `generator`'s stream when given)."""
    _require_float(self, "uniform_")
    dtype = self.dtype.type
    draw = source(generator, self._backend, "uniform_").rand(self.shape, self.dtype)
    return _fill_with(self, "uniform_", draw * dtype(b - a) + dtype(a))


def bernoulli_(self, p=0.5, *, generator=None):
    """Every element := 1 with probability p, else 0."""
    draw = source(generator, self._backend, "bernoulli_").rand(self.shape, "float64") < p
    return _fill_with(self, "bernoulli_", draw.astype(self.dtype))


def _fill_with(self, op, array):
    from tensor.tensor import Tensor

    return in_place(self, op, lambda t, v: _all_of(t, v), Tensor._wrap(array, self._backend))


def _require_float(self, op):
    if not is_floating(self.dtype):
        raise TypeError(f"{op} needs a floating-point tensor, got dtype {self.dtype}")
