"""Selecting and scattering along a dimension: index_select, masked_select, scatter,
scatter_add, and the in-place scatter_ and scatter_add_.

They are gather's relatives (tensor/ops/indexing.py), and their gradients are each other's
forwards, because moving elements is linear and the adjoint of "put x_j at place i" is "take
the gradient at place i back to j":

- index_select and masked_select pick elements. Their adjoint puts each output's gradient
  back where the element came from, with a scatter-ADD: an index used twice gives its
  element both gradients.
- scatter(input, dim, index, src) writes src's elements into a copy of input. Its adjoint
  gives input the gradient where nothing was written (the overwritten values no longer
  matter), and src the gradient GATHERED from the places its elements went.
- scatter_add adds src's elements instead: input keeps the whole gradient, src again gets
  the gathered one.

"Along dim" always means the rule gather uses: for dim=1 and a 2-d index,
scatter writes out[i][index[i][j]] = src[i][j], and gather reads out[i][j] = x[i][index[i][j]].
`index_key` turns an index tensor into that NumPy key once, for all of them.
"""

import numbers

from tensor.inplace import in_place
from tensor.ops.broadcast import broadcast_shapes, unbroadcast
from tensor.ops.indexing import _check_index_tensor
from tensor.ops.shape import normalize_dim


def index_key(xp, index, axis):
    """The NumPy key that pairs every position p of the integer array `index` with the element
    of the same position, except along `axis`, where index[p] says which element: with it,
    `x[key]` is gather and `out[key] = values` is scatter. Each other axis d gets arange(n_d),
    shaped to broadcast along d only."""
    return tuple(index if d == axis else
                 xp.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1))
                 for d, n in enumerate(index.shape))


def _check_in_range(index, size, op, dim):
    """IndexError unless every value of the index array lies in [0, size)."""
    if index.size and bool(((index < 0) | (index >= size)).any()):
        raise IndexError(f"{op}: index values must be in [0, {size - 1}] for dimension {dim} of "
                         f"size {size}, got values from {index.min().item()} to "
                         f"{index.max().item()} (negative indices do not count from the end "
                         "here, as in PyTorch)")


def index_select(input, dim, index):
    """The slices of `input` along `dim` listed in `index` (a 1-d integer tensor; repeats
    allowed): index_select(x, 0, [2, 0, 2]) is rows 2, 0 and 2 of x. The gradient of each row
    goes back to the row it was taken from, added up for a row taken twice."""
    _check_index_tensor(input, index, "index_select")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 1-d (or a single number), got shape "
                         f"{index.shape}")
    axis = normalize_dim(dim, input.ndim, "index_select")
    xp, backend = input._backend.xp, input._backend
    source = input.array.reshape(input.shape or (1,))  # a 0-d tensor acts as one element
    chosen = index.array.reshape(-1)
    _check_in_range(chosen, source.shape[axis], "index_select", dim)
    data = xp.take(source, chosen, axis=axis)
    out = input._result(data.reshape(data.shape if input.ndim else index.shape),
                        (input,), "index_select", saved=(index,))

    def backward(grad):  # scatter-add each slice's gradient onto the slice it came from
        spread = xp.zeros_like(source)
        backend.scatter_add(spread, (slice(None),) * axis + (chosen,),
                            grad.reshape(data.shape))
        input._accumulate(spread.reshape(input.shape))

    out._backward = backward
    return out


def masked_select(input, mask):
    """A 1-d tensor of the elements of `input` where the bool tensor `mask` is True, in
    row-major order (mask and input broadcast together). Each selected element's gradient
    goes back to its place; elements not selected get 0 (summed over broadcasting)."""
    _check_index_tensor(input, mask, "masked_select", kinds="b")
    xp = input._backend.xp
    shape = broadcast_shapes(input.shape, mask.shape, "masked_select")
    where = xp.broadcast_to(mask.array, shape)
    out = input._result(xp.broadcast_to(input.array, shape)[where], (input,), "masked_select",
                        saved=(mask,))

    def backward(grad):  # the selected places receive their gradients, the others 0
        spread = xp.zeros(shape, dtype=grad.dtype)
        spread[where] = grad
        input._accumulate(unbroadcast(spread, input.shape))

    out._backward = backward
    return out


def _scalar_as_vector(input, index, src):
    """PyTorch lets a 1-d input take a 0-d index (and src): one place, `zeros(10).scatter_(0,
    tensor(3), value=1)`, the one-hot of a single label. As (1,)-shaped views they follow the
    general rule."""
    from tensor.tensor import Tensor

    if input.ndim == 1 and isinstance(index, Tensor) and index.ndim == 0:
        index = index.reshape(1)
        if isinstance(src, Tensor) and src.ndim == 0:
            src = src.reshape(1)
    return index, src


def _checked(input, dim, index, src, op):
    """The axis, and the index key, of a scatter of `src` (a Tensor, or None for a number)
    into `input` along `dim`, after PyTorch's checks: an integer index with as many dimensions
    as input, no larger than src anywhere nor than input outside `dim`, values in range."""
    _check_index_tensor(input, index, op)
    axis = normalize_dim(dim, input.ndim, op)
    if index.ndim != input.ndim or any(
            index.shape[d] > input.shape[d] for d in range(input.ndim) if d != axis) or (
            src is not None and (src.ndim != index.ndim or any(
                i > s for i, s in zip(index.shape, src.shape)))):
        raise ValueError(f"{op}: index of shape {index.shape} does not fit input of shape "
                         f"{input.shape}" + (f" and src of shape {src.shape}" if src is not None
                                             else "") +
                         f" along dim {dim} (index needs as many dimensions as input, no size "
                         "larger than src's, nor than input's except along dim)")
    if src is not None:
        if src._backend is not input._backend:
            raise RuntimeError(f"{op}: input is on {input.device} but src is on {src.device}; "
                               "move one with .to(device) first")
        if src.dtype != input.dtype:
            raise TypeError(f"{op}: src must have input's dtype {input.dtype}, got {src.dtype}; "
                            f"convert it first, e.g. src.to({input.dtype})")
    _check_in_range(index.array, input.shape[axis] if input.ndim else 1, op, dim)
    return axis, index_key(input._backend.xp, index.array, axis)


def _head(array, shape):
    """The leading block of `array` of the given shape (src may be larger than index)."""
    return array[tuple(slice(0, n) for n in shape)]


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of `input` with src's elements written at the places `index` names along `dim`:
    for dim=1, out[i][index[i][j]] = src[i][j]. `src` may be a tensor or a number (PyTorch's
    `value`). The classic use is one-hot rows: zeros(n, 10).scatter_(1, labels[:, None], 1).

    When index names one place twice, one of the writes wins (which one is not specified, as in
    PyTorch). reduce="add" is scatter_add; reduce="multiply" is not provided (PyTorch
    deprecates both in favour of scatter_reduce)."""
    from tensor.tensor import Tensor

    index, src = _scalar_as_vector(input, index, src)
    if reduce == "add":
        src = src if src is not None else value
        if not isinstance(src, Tensor):  # a number, added at every place index names
            src = Tensor._wrap(input._backend.xp.full(index.shape, src, dtype=input.dtype),
                               input._backend)
        return scatter_add(input, dim, index, src)
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not provided; use "
                                  "reduce='add' (or scatter_add)")
    if not isinstance(src, Tensor):
        value = value if src is None else src
        if not isinstance(value, numbers.Number):
            raise TypeError(f"scatter: expected src to be a Tensor or value a number, got "
                            f"{type(value).__name__}")
        return _scatter_value(input, dim, index, value)
    axis, key = _checked(input, dim, index, src, "scatter")
    data = input.array.copy()
    data[key] = _head(src.array, index.shape)
    out = input._result(data, (input, src), "scatter", saved=(index,))

    def backward(grad):
        if input.requires_grad:  # overwritten places lost their old values: gradient 0
            kept = grad.copy()
            kept[key] = 0
            input._accumulate(kept)
        if src.requires_grad:  # each src element gets the gradient of the place it went to
            spread = src._backend.xp.zeros_like(src.array)
            spread[tuple(slice(0, n) for n in index.shape)] = grad[key]
            src._accumulate(spread)

    out._backward = backward
    return out


def _scatter_value(input, dim, index, value):
    """scatter with a number: those places become `value`, and their gradient is 0."""
    _, key = _checked(input, dim, index, None, "scatter")
    data = input.array.copy()
    data[key] = value
    out = input._result(data, (input,), "scatter(value)", saved=(index,))

    def backward(grad):
        kept = grad.copy()
        kept[key] = 0
        input._accumulate(kept)

    out._backward = backward
    return out


def scatter_add(input, dim, index, src):
    """A copy of `input` with src's elements ADDED at the places `index` names along `dim`:
    out[i][index[i][j]] += src[i][j], places named twice receiving both (a backend scatter-add:
    a plain `+=` with repeated indices would keep only one). Counting, summing per group, and
    the gradient of gather are all scatter_add. d out/d input = 1; d out/d src gathers the
    gradient from the places src went to."""
    from tensor.tensor import Tensor

    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    index, src = _scalar_as_vector(input, index, src)
    axis, key = _checked(input, dim, index, src, "scatter_add")
    data = input.array.copy()
    input._backend.scatter_add(data, key, _head(src.array, index.shape))
    out = input._result(data, (input, src), "scatter_add", saved=(index,))

    def backward(grad):
        if input.requires_grad:
            input._accumulate(grad)
        if src.requires_grad:
            spread = src._backend.xp.zeros_like(src.array)
            spread[tuple(slice(0, n) for n in index.shape)] = grad[key]
            src._accumulate(spread)

    out._backward = backward
    return out


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """scatter, written into this tensor (tensor/inplace.py's mechanism); returns self."""
    from tensor.tensor import Tensor

    if isinstance(src, Tensor):
        return in_place(self, "scatter_",
                        lambda t, s: scatter(t, dim, index, s, reduce=reduce), src)
    return in_place(self, "scatter_",
                    lambda t: scatter(t, dim, index, src, value=value, reduce=reduce))


def scatter_add_(self, dim, index, src):
    """scatter_add, written into this tensor; returns self."""
    return in_place(self, "scatter_add_", lambda t, s: scatter_add(t, dim, index, s), src)
