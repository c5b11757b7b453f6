"""Indexing: `t[...]` (basic and advanced), `gather`, `masked_fill`, and `index_put` (what
`t[...] = v` computes before tensor/inplace.py writes it into t).

Selecting elements is linear, and its gradient is the reverse move: every selected element
receives the gradient of the output position it went to, every other element receives 0. When
integer arrays select the same element twice (`t[[0, 0]]`), both gradients must add up, which a
plain `grad[index] = g` would not do (the second write overwrites the first): that is what the
backend's scatter-add is for (`numpy.add.at` / `cupyx.scatter_add`).

Where NumPy and PyTorch disagree, PyTorch's rule is kept: an integer in a key selects (drops
its dimension) before any index array is applied. On shape (2, 3, 4), `t[0, :, [0, 1]]` is
`t[0][:, [0, 1]]`, of shape (3, 2); NumPy counts the 0 as a second index array, separated
from [0, 1] by the slice, and so puts their broadcast dimension first: (2, 3).
"""

import numbers

from tensor.ops.broadcast import broadcast_shapes


def _array_key(self, key):
    """The key for indexing self.array, and whether it contains integer arrays (which may repeat
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
            part = part.array
        elif isinstance(part, (list, tuple)):
            part = backend.asarray(part) if part else backend.asarray(part, dtype="int64")
        elif hasattr(part, "shape") and not backend.is_array(part):
            part = backend.asarray(part)  # a host (NumPy) index for a device tensor
        elif not (isinstance(part, (numbers.Integral, slice)) or part is None
                  or part is Ellipsis or hasattr(part, "shape")):
            raise IndexError(f"a tensor index must be an integer, a slice (:), ..., None, a "
                             f"list of integers or an integer or bool tensor; got "
                             f"{type(part).__name__} {part!r}")
        if hasattr(part, "dtype") and part.ndim > 0:
            if part.dtype.kind not in "iub":
                raise IndexError(f"tensors used as indices must be integers or bools, got "
                                 f"dtype {part.dtype}")
            repeats = repeats or part.dtype.kind in "iu"
        converted.append(part)
    return _ellipsis_written_out(tuple(converted), self.ndim), repeats


def _ellipsis_written_out(key, ndim):
    """The key with its `...` replaced by the full slices it stands for, when the key holds
    index arrays. NumPy counts `...` between two index arrays as separating them even where it
    stands for no dimension: on shape (5, 3, 4), `t[:, [0, 1], ..., [0, 1]]` would put the
    indexed dimension first, (2, 5). PyTorch writes `...` out first, and the arrays are
    neighbours: (5, 2)."""
    def arrays(part):
        return hasattr(part, "dtype") and part.ndim > 0

    ellipses = [i for i, part in enumerate(key) if part is Ellipsis]
    if len(ellipses) != 1 or not any(map(arrays, key)):
        return key  # none to write out (or several: NumPy's error says so)

    def dims(part):  # the dimensions of the tensor that a part of the key uses up
        if part is None or part is Ellipsis or isinstance(part, bool):
            return 0
        if hasattr(part, "dtype") and part.dtype.kind == "b":
            return part.ndim  # a mask covers as many dimensions as it has
        return 1

    at = ellipses[0]
    covered = max(ndim - sum(map(dims, key)), 0)
    return key[:at] + (slice(None),) * covered + key[at + 1:]


def getitem(self, key):
    key, repeats = _array_key(self, key)
    # t[0] of a vector is a 0-d VIEW in PyTorch (t[0].zero_() changes t); NumPy gives a copied
    # scalar for a[0] but a 0-d view for a[0, ...], so basic keys get an Ellipsis
    basic = all(isinstance(part, (int, slice)) or part is None for part in key)
    data = self.array[key + (Ellipsis,)] if basic else _take(self.array, key)
    out = self._result(data, (self,), _index_op(key))

    def backward(grad):  # selected elements receive their gradient, the others 0
        spread = self._backend.xp.zeros_like(self.array)
        _put(self._backend, spread, key, grad, add=repeats)  # an index used twice gets both
        self._accumulate(spread)

    out._backward = backward
    return out


def _selects_first(key):
    """PyTorch's order for a key that mixes integers with index arrays: (selects, rest), two
    keys to apply one after the other, `a[selects][rest]`; None when NumPy's rule gives the
    same result (no integer, or no index array). `selects` keeps the integers, slices, None
    and Ellipsis, with a full slice for each dimension an index array (or mask) will take;
    `rest` holds the index arrays, a full slice for every dimension that is left."""
    def is_integer(part):
        return (isinstance(part, numbers.Integral) and not isinstance(part, bool)) or (
            hasattr(part, "dtype") and part.ndim == 0 and part.dtype.kind in "iu")

    def is_array(part):  # an index array or mask (a bool number acts as a 0-d mask)
        return hasattr(part, "dtype") and not is_integer(part) or isinstance(part, bool)

    if not (any(map(is_integer, key)) and any(map(is_array, key))):
        return None
    selects, rest = [], []
    for part in key:
        if is_integer(part):
            selects.append(part)
        elif is_array(part):  # an index array takes one dimension, a mask one per own
            masked = isinstance(part, bool) or part.dtype.kind == "b"
            selects.extend([slice(None)] * (getattr(part, "ndim", 0) if masked else 1))
            rest.append(part)
        elif part is Ellipsis:
            selects.append(part)
            rest.append(part)
        else:  # a slice, or None (a new dimension of size 1)
            selects.append(part)
            rest.append(slice(None))
    return tuple(selects), tuple(rest)


def _take(array, key):
    """array[key], with PyTorch's order for integers mixed with index arrays."""
    split = _selects_first(key)
    if split is None:
        return array[key]
    selects, rest = split
    return array[selects][rest]


def _put(backend, array, key, values, add=False):
    """array[key] = values (or += with add=True, repeated indices adding up), in place, with
    the key read as `_take` reads it."""
    split = _selects_first(key)
    target = array
    if split is not None:
        selects, key = split
        target = array[selects]  # a view, unless a 0-d index tensor made it a copy
    if add:
        backend.scatter_add(target, key, values)
    else:
        target[key] = values
    if split is not None and any(hasattr(part, "dtype") for part in selects):
        array[selects] = target  # write the copy back


def _index_op(key):
    """The op's name, as PyTorch's nodes say it. PyTorch applies a basic key part by part, so
    its last integer or slice names the node: "select" (SelectBackward0) or "slice"; index
    arrays and masks make it "[]" (IndexBackward0)."""
    last = "[]"
    for part in key:
        if hasattr(part, "shape") and part.ndim > 0:
            return "[]"
        if isinstance(part, int):
            last = "select"
        elif isinstance(part, slice):
            last = "slice"
    return last


def index_put(self, key, values, accumulate=False):
    """A copy of self with the elements at `key` replaced by `values` (broadcast to
    self[key]'s shape), or, with accumulate=True, increased by them (repeated indices add
    up). The out-of-place form of `t[key] = values` (tensor/inplace.py).

    The gradient splits along the same key: the replaced elements of self receive 0 (their
    old values no longer matter), `values` receives the gradient of the places it went to,
    summed over broadcasting; with accumulate, self receives the whole gradient."""
    from tensor.ops.broadcast import unbroadcast

    key, repeats = _array_key(self, key if isinstance(key, tuple) else (key,))
    values = values.to(self.dtype) if values.dtype != self.dtype else values
    if values._backend is not self._backend:
        raise RuntimeError(f"assigning a {values.device} tensor into a {self.device} tensor; "
                           "move it with .to(device) first")
    xp = self._backend.xp
    place = _take(self.array, key).shape
    if broadcast_shapes(place, values.shape, "[]=") != tuple(place):
        raise ValueError(f"cannot assign values of shape {tuple(values.shape)} to the "
                         f"selection of shape {tuple(place)}")
    data = self.array.copy()
    if accumulate:
        _put(self._backend, data, key, xp.broadcast_to(values.array, place), add=True)
    else:
        _put(self._backend, data, key, values.array)
    out = self._result(data, (self, values), "index_put")

    def backward(grad):  # each element's gradient goes to whichever value ended up there
        if self.requires_grad:
            if accumulate:
                self._accumulate(grad)
            else:
                kept = grad.copy()
                _put(self._backend, kept, key, grad.dtype.type(0))
                self._accumulate(kept)
        if values.requires_grad:
            values._accumulate(unbroadcast(_take(grad, key), values.shape))

    out._backward = backward
    return out


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
    size = self.shape[axis] if self.ndim else 1
    if index.array.size and bool(((index.array < 0) | (index.array >= size)).any()):
        raise IndexError(f"gather: index values must be in [0, {size - 1}] for dimension {dim} "
                         f"of size {size}, got values from {index.array.min().item()} to "
                         f"{index.array.max().item()} (negative indices do not count from the "
                         "end here, as in PyTorch)")
    key = tuple(index.array if d == axis else
                xp.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1))
                for d, n in enumerate(index.shape))
    out = self._result(self.array[key], (self,), "gather", saved=(index,))

    def backward(grad):  # each picked element receives the gradient of the place it went to
        spread = xp.zeros_like(self.array)
        self._backend.scatter_add(spread, key, grad)
        self._accumulate(spread)

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
    fill = self.array.dtype.type(value)
    out = self._result(xp.where(mask.array, fill, self.array), (self,), "masked_fill",
                       saved=(mask,))

    def backward(grad):  # 0 where filled, the gradient elsewhere
        self._accumulate(xp.where(mask.array, grad.dtype.type(0), grad))

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
