"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, mode, unique.

Every one of them is a sort along a dimension followed by a choice of positions, and so they
share one gradient rule: the output is a selection of input elements (values[p] =
x[indices[p]]), a linear map whose adjoint sends each output's gradient back to the element
it came from, and 0 to every element not selected. Order itself (which element is largest)
is piecewise constant in x, so it has no derivative of its own: between ties, moving an
element a little moves only its own output.

    y = x.sort(dim=1).values        # y[i][j] = x[i][idx[i][j]]
    dL/dx[i][idx[i][j]] = dL/dy[i][j]

`(values, indices)` pairs are PyTorch's return types: named tuples with .values and
.indices that also unpack as `values, indices = x.topk(3)`.

Ties and NaN: sorts here are stable (equal elements keep their order), descending ones too,
and NaN counts as larger than every number, as in PyTorch. Which of several equal elements
PyTorch's kthvalue or median(dim) returns is not specified; mode returns the last.
"""

from tensor.ops.reduction import ValuesIndices
from tensor.ops.scatter import index_key
from tensor.ops.shape import normalize_dim


def _argsort(xp, a, axis, descending):
    """The stable order of `a` along `axis`. Descending and stable at once: sort the reversed
    array ascending (equal elements then come last-first), reverse that order, and map the
    positions back (position j of the reversed array is n - 1 - j of the original)."""
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    reversed_order = xp.argsort(xp.flip(a, axis=axis), axis=axis, kind="stable")
    return (a.shape[axis] - 1) - xp.flip(reversed_order, axis=axis)


def _as_rows(self, dim, op):
    """self's array with at least one dimension (a 0-d tensor acts as one element) and the
    axis `dim` names in it."""
    axis = normalize_dim(dim, self.ndim, op)
    return self.array.reshape(self.shape or (1,)), axis


def _pick(self, index, axis, op, keep=True):
    """(values, indices): the elements of self at the int64 array `index` along `axis` (index
    has self's number of dimensions, at least 1), with the chosen axis dropped unless `keep`.
    The one backward of this module: each picked element receives its output's gradient."""
    from tensor.tensor import Tensor

    xp = self._backend.xp
    source = self.array.reshape(self.shape or (1,))
    key = index_key(xp, index, axis)
    shape = index.shape if keep else index.shape[:axis] + index.shape[axis + 1:]
    if not self.ndim:
        shape = ()
    indices = Tensor._wrap(index.reshape(shape), self._backend)
    out = self._result(source[key].reshape(shape), (self,), op, saved=(indices,))

    def backward(grad):  # values[p] = x[index[p]]: the gradient goes back to x[index[p]]
        spread = xp.zeros_like(source)
        spread[key] = grad.reshape(index.shape)
        self._accumulate(spread.reshape(self.shape))

    out._backward = backward
    return ValuesIndices(out, indices)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices): the elements of each slice along `dim` in increasing order (or
    decreasing, with descending=True), and where each came from. The sort is always stable,
    so stable=True is what you get either way."""
    a, axis = _as_rows(input, dim, "sort")
    return _pick(input, _argsort(input._backend.xp, a, axis, descending), axis, "sort")


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort each slice along `dim` (sort(...).indices)."""
    from tensor.tensor import Tensor

    a, axis = _as_rows(input, dim, "argsort")
    order = _argsort(input._backend.xp, a, axis, descending)
    return Tensor._wrap(order.reshape(input.shape), input._backend)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest elements along `dim` (the k smallest with
    largest=False), largest first. Computed as a full sort cut after k elements: simple, and
    its gradient is sort's; a selection algorithm (argpartition) would be faster for small k.
    With sorted=False PyTorch may return them in any order; they are sorted here anyway."""
    a, axis = _as_rows(input, dim, "topk")
    n = a.shape[axis]
    if not 0 <= k <= n:
        raise IndexError(f"topk: k ({k}) must be between 0 and the size {n} of dimension {dim}")
    order = _argsort(input._backend.xp, a, axis, descending=largest)
    return _pick(input, order[(slice(None),) * axis + (slice(0, k),)], axis, "topk")


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along `dim` (k counts from 1)."""
    a, axis = _as_rows(input, dim, "kthvalue")
    n = a.shape[axis]
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue: k ({k}) must be between 1 and the size {n} of dimension "
                         f"{dim}")
    order = _argsort(input._backend.xp, a, axis, descending=False)
    return _pick(input, order[(slice(None),) * axis + (slice(k - 1, k),)], axis, "kthvalue",
                 keep=keepdim)


def median(input, dim=None, keepdim=False):
    """The median: for n elements, the ((n - 1) // 2)-th smallest (0-based): with an even n,
    the LOWER of the two middle elements, not their mean (so it is always an element of the
    input, as in PyTorch). A slice that holds NaN has median NaN.

    median() of the whole tensor returns the value, and its gradient is shared equally by all
    the elements equal to it (PyTorch's rule for whole-tensor max, min and median);
    median(dim) returns (values, indices), and the gradient goes to the element at indices."""
    xp = input._backend.xp
    if dim is None:
        return _whole_median(input)
    a, axis = _as_rows(input, dim, "median")
    n = a.shape[axis]
    if n == 0:
        raise IndexError(f"median: dimension {dim} is empty; an empty slice has no median")
    order = _argsort(xp, a, axis, descending=False)
    position = xp.full(a.shape[:axis] + (1,) + a.shape[axis + 1:], (n - 1) // 2, dtype="int64")
    if a.dtype.kind == "f":  # NaN sorts last: a slice with NaN picks its first NaN
        nans = xp.isnan(a).sum(axis=axis, keepdims=True)
        position = xp.where(nans > 0, n - nans, position)
    index = xp.take_along_axis(order, position, axis)
    return _pick(input, index, axis, "median(dim)", keep=keepdim)


def _whole_median(input):
    xp = input._backend.xp
    flat = input.array.reshape(-1)
    if flat.size == 0:
        raise RuntimeError("median() of an empty tensor; it has no elements to choose from")
    ordered = xp.sort(flat)
    if flat.dtype.kind == "f":  # NaN sorts last; if there is one, the median is NaN
        nans = xp.isnan(flat).sum()
        position = xp.where(nans > 0, flat.size - nans, (flat.size - 1) // 2)
    else:
        position = (flat.size - 1) // 2
    value = ordered[position]
    out = input._result(value.reshape(()), (input,), "median", saved=(input,))

    def backward(grad):  # shared equally by the elements equal to the median (or NaN)
        same = input.array == value
        if flat.dtype.kind == "f":
            same = same | (xp.isnan(input.array) & xp.isnan(value))
        input._accumulate(same * (grad / same.sum()))

    out._backward = backward
    return out


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value of each slice along `dim` (the smallest one
    when several are equally frequent) and the index of its LAST occurrence, as PyTorch.

    Vectorized over all slices at once: sort each slice (stable, so equal values keep their
    order), mark where a new run of equal values starts, number the runs across all slices
    with one cumsum, count each run's length with one bincount, and take in each slice the
    first of its longest runs. That run's last element, in the stable order, is the value's
    last occurrence."""
    xp = input._backend.xp
    a, axis = _as_rows(input, dim, "mode")
    n = a.shape[axis]
    if n == 0:
        raise IndexError(f"mode: dimension {dim} is empty; an empty slice has no mode")
    rows = xp.moveaxis(a, axis, -1).reshape(-1, n)
    order = xp.argsort(rows, axis=-1, kind="stable")
    ordered = xp.take_along_axis(rows, order, -1)
    starts = xp.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = xp.cumsum(starts.reshape(-1)) - 1
    length = xp.bincount(run)[run].reshape(ordered.shape)
    first = xp.argmax(length, axis=-1)[:, None]  # the start of the first longest run
    last = first + xp.take_along_axis(length, first, -1) - 1
    index = xp.take_along_axis(order, last, -1)
    kept = xp.moveaxis(index.reshape(xp.moveaxis(a, axis, -1).shape[:-1] + (1,)), -1, axis)
    return _pick(input, kept, axis, "mode", keep=keepdim)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements, in increasing order (or, with dim, the distinct slices along
    dim, in lexicographic order). return_inverse adds, for every element (or slice), the
    position of its value in the result, so that result[inverse] rebuilds the input;
    return_counts adds how often each distinct value occurs. A set has no gradient, and
    neither does this (PyTorch's raises at backward()). The result is always sorted."""
    from tensor.tensor import Tensor

    xp = input._backend.xp
    axis = None if dim is None else normalize_dim(dim, input.ndim, "unique")
    values, inverse, counts = xp.unique(input.array, return_inverse=True, return_counts=True,
                                        axis=axis)
    results = [Tensor._wrap(values, input._backend)]
    if return_inverse:
        shape = input.shape if axis is None else (input.shape[axis],)
        results.append(Tensor._wrap(inverse.reshape(shape).astype("int64"), input._backend))
    if return_counts:
        results.append(Tensor._wrap(counts.astype("int64"), input._backend))
    return results[0] if len(results) == 1 else tuple(results)
