"""Indexing: `t[...]` (basic and advanced), `gather`, `masked_fill`, and `t[...] = v`.

Selecting elements is linear, and its gradient is the reverse move: every selected element
receives the gradient of the output position it went to, every other element receives 0. When
integer arrays select the same element twice (`t[[0, 0]]`), both gradients must add up, which a
plain `grad[index] = g` would not do (the second write overwrites the first): that is what the
backend's scatter-add is for (`numpy.add.at` / `cupyx.scatter_add`).
"""

from tensor import grad_mode
from tensor.ops.broadcast import broadcast_shapes


def _array_key(self, key):
    """The key for indexing self.data, and whether it contains integer arrays (which may repeat
    an index). Tensors must be on self's device; lists and host arrays become index arrays on
    it (an explicit copy, asked for by writing them as an index)."""
    from tensor.tensor import Tensor  # here, not at the top: tensor.py imports this module

    backend = self._backend
    parts = key if isinstance(key, tuple) else (key,)
    converted, repeats = [], False
    for part in parts:
        if isinstance(part, Tensor):
            if part._backend is not backend:
                raise RuntimeError(f"indexing a {self.device} tensor with a {part.device} "
                                   "tensor; move the index with .to(device) first")
            part = part.data
        elif isinstance(part, (list, tuple)):
            part = backend.asarray(part) if part else backend.asarray(part, dtype="int64")
        elif hasattr(part, "shape") and not backend.is_array(part):
            part = backend.asarray(part)  # a host (NumPy) index for a device tensor
        if hasattr(part, "dtype") and part.ndim > 0:
            if part.dtype.kind not in "iub":
                raise IndexError(f"tensors used as indices must be integers or bools, got "
                                 f"dtype {part.dtype}")
            repeats = repeats or part.dtype.kind in "iu"
        converted.append(part)
    return tuple(converted), repeats


def getitem(self, key):
    key, repeats = _array_key(self, key)
    data = self.data[key]
    if not self._backend.is_array(data):  # NumPy returns a scalar for a single element
        data = self._backend.xp.asarray(data)
    out = self._result(data, (self,), "[]")

    def backward():  # selected elements receive their gradient, the others 0
        grad = self._backend.xp.zeros_like(self.data)
        if repeats:
            self._backend.scatter_add(grad, key, out.grad)  # an index used twice gets both
        else:
            grad[key] = out.grad
        self._accumulate(grad)

    out._backward = backward
    return out


def setitem(self, key, value):
    """t[key] = value, in place. Not recorded in the graph, so it is refused on a tensor that
    requires grad (do it under no_grad(), e.g. to initialize a parameter). Changing a tensor
    that an op has already used would silently falsify that op's gradient: don't."""
    from tensor.tensor import Tensor

    if self._requires_grad and grad_mode.enabled:
        raise RuntimeError("in-place assignment t[...] = ... to a tensor that requires grad "
                           "would bypass autograd; do it inside `with tensor.no_grad():`")
    key, _ = _array_key(self, key)
    if isinstance(value, Tensor):
        if value._backend is not self._backend:
            raise RuntimeError(f"assigning a {value.device} tensor into a {self.device} tensor; "
                               "move it with .to(device) first")
        value = value.data
    else:
        value = self._constant(value, "[]=").data
    self.data[key] = value


def gather(self, dim, index):
    """Pick one element along `dim` for every position of `index` (an int64 tensor with as many
    dimensions as self): for dim=1, out[i][j] = self[i][index[i][j]]. Used to pick each
    sample's target log-probability. Repeated indices receive summed gradients."""
    from tensor.ops.shape import normalize_dim

    _check_index_tensor(self, index, "gather")
    axis = normalize_dim(dim, self.ndim, "gather")
    if index.ndim != self.ndim or any(index.shape[d] > self.shape[d]
                                      for d in range(self.ndim) if d != axis):
        raise ValueError(f"gather: index of shape {index.shape} does not fit input of shape "
                         f"{self.shape} along dim {dim} (same number of dimensions, and no "
                         "larger except along dim)")
    xp = self._backend.xp
    key = tuple(index.data if d == axis else
                xp.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1))
                for d, n in enumerate(index.shape))
    out = self._result(self.data[key], (self,), "gather")

    def backward():  # each picked element receives the gradient of the place it went to
        grad = xp.zeros_like(self.data)
        self._backend.scatter_add(grad, key, out.grad)
        self._accumulate(grad)

    out._backward = backward
    return out


def masked_fill(self, mask, value):
    """A copy with `value` where the bool tensor `mask` (broadcast to self's shape) is True.
    The filled positions get no gradient; the others pass it through."""
    from tensor.tensor import Tensor

    _check_index_tensor(self, mask, "masked_fill", kinds="b")
    if broadcast_shapes(self.shape, mask.shape, "masked_fill") != self.shape:
        raise ValueError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the "
                         f"tensor's shape {self.shape}")
    if isinstance(value, Tensor):
        value = value.item()
    xp = self._backend.xp
    fill = self.data.dtype.type(value)
    out = self._result(xp.where(mask.data, fill, self.data), (self,), "masked_fill")

    def backward():  # 0 where filled, the gradient elsewhere
        self._accumulate(xp.where(mask.data, out.grad.dtype.type(0), out.grad))

    out._backward = backward
    return out


def _check_index_tensor(self, index, op, kinds="iu"):
    from tensor.tensor import Tensor

    if not isinstance(index, Tensor) or index.dtype.kind not in kinds:
        expected = "a bool tensor" if kinds == "b" else "an integer (int64) tensor"
        raise TypeError(f"{op}: expected {expected}, got "
                        f"{getattr(index, 'dtype', type(index).__name__)}")
    if index._backend is not self._backend:
        raise RuntimeError(f"{op}: the tensor is on {self.device} but the index is on "
                           f"{index.device}; move one with .to(device) first")
