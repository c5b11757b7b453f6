"""Pooling: max_pool1d/2d/3d, avg_pool1d/2d/3d, adaptive_avg_pool1d/2d/3d,
adaptive_max_pool1d/2d/3d and max_unpool1d/2d/3d, with torch.nn.functional's names, arguments
and output shapes. Inputs are (N, C, *spatial) or unbatched (C, *spatial).

Max and average pooling look at the input through the same strided window view as
convolution (tensor/ops/window.py): `windows` gives every window as a view of shape
(N, C, *out, *kernel) without copying, and pooling reduces it over the kernel axes. Each
pooling is ONE fused op (one node) whose backward is derived in its docstring.

The reductions run as a loop over the prod(kernel_size) kernel offsets, each one a vectorized
operation over the whole batch, all channels and all positions (view[..., j] is one strided
slice of the input). Measured on the CPU (NumPy 2.4, float32, (64, 16, 28, 28), 2x2 windows,
stride 2, 1 thread): the max over the offsets 0.8 ms, NumPy's `view.max(axis=(-2, -1))` 20 ms
(a reduction over two short, strided axes); the average 0.6 ms against 8.6 ms for `.sum`.

Adaptive pooling has windows of varying sizes (output i along a dimension of length L covers
input [floor(i L / o), ceil((i+1) L / o))), so it uses no window view: the average is a small
matrix product along each dimension, the max a gather through a table of indices.
"""

import itertools
import math

from nn.functional._checks import _check_tensor
from tensor.ops.window import ntuple, output_size, pad, pad_adjoint, scatter_windows, windows

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


# ---- arguments and shapes -------------------------------------------------------------------

def _batched(input, dims, where, floating=True):
    """The input's array as (N, C, *spatial), and whether it came without a batch dimension."""
    _check_tensor(input, where)
    if input.ndim not in (dims + 1, dims + 2):
        spatial = _SPATIAL[dims]
        raise ValueError(f"{where} expected input of shape (N, C, {spatial}) or (C, {spatial}), "
                         f"got {tuple(input.shape)}")
    if floating and input.dtype.kind != "f":
        raise TypeError(f"{where} expected a floating-point input, got {input.dtype}")
    unbatched = input.ndim == dims + 1
    return (input.array[None] if unbatched else input.array), unbatched


def _unbatch(array, unbatched):
    return array[0] if unbatched else array


def _sizes(value, dims, what, where, minimum=1):
    """`value` as a tuple of dims ints, each at least `minimum` (else a ValueError)."""
    value = ntuple(value, dims, what, where)
    if any(v < minimum for v in value):
        bound = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{where}: {what} must be {bound}, got {value}")
    return value


def _window_options(dims, kernel_size, stride, padding, dilation, where):
    """kernel_size, stride (None or () means kernel_size, as in torch), padding and dilation as
    tuples of dims ints, checked: sizes positive, padding at most half the kernel (PyTorch's
    rule, so that every window holds at least one input element)."""
    kernel = _sizes(kernel_size, dims, "kernel_size", where)
    if stride is None or isinstance(stride, (tuple, list)) and len(stride) == 0:
        stride = kernel
    stride = _sizes(stride, dims, "stride", where)
    padding = _sizes(padding, dims, "padding", where, minimum=0)
    dilation = _sizes(dilation, dims, "dilation", where)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{where}: padding must be at most half of kernel_size {kernel}, got "
                         f"padding={padding}")
    return kernel, stride, padding, dilation


def _pooled_shape(shape, kernel, stride, padding, dilation, ceil_mode, where):
    """The output's spatial shape, or a ValueError when a window does not fit."""
    spatial = shape[2:]
    out = tuple(output_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise ValueError(f"{where} expected a spatial size of at least {spans} (the window's "
                         f"span d(k-1)+1) after padding by {padding} on each side, got input of "
                         f"spatial size {spatial}")
    return out


def _pads(spatial, out, kernel, stride, padding, dilation):
    """(before, after) per dimension: `padding` on both sides, and after it as many more
    elements as the last window needs when ceil_mode lets it run past the padded input."""
    pads = []
    for n, o, k, s, p, d in zip(spatial, out, kernel, stride, padding, dilation):
        needed = (o - 1) * s + d * (k - 1) + 1
        pads.append((p, max(p, needed - n - p)))
    return tuple(pads)


def _offset_slices(offset, stride, dilation, out):
    """The input elements p*s + j*d, p = 0 .. out-1, that kernel offset j reads in all the
    windows: one strided slice per dimension (what view[..., j] is, as a target to write to)."""
    return (Ellipsis,) + tuple(slice(j * d, j * d + s * (o - 1) + 1, s)
                               for j, d, s, o in zip(offset, dilation, stride, out))


def _plane_strides(spatial):
    """How far one step along each spatial dimension moves in a flattened (H*W) plane."""
    return tuple(math.prod(spatial[i + 1:]) for i in range(len(spatial)))


# ---- max pooling ----------------------------------------------------------------------------

def _first_max_masks(xp, view, best, offsets):
    """For each kernel offset j in order, the mask of windows whose FIRST maximum sits at j:
    equal to the max, and no earlier offset was. Ties go to the first, as in PyTorch; a window
    whose max is NaN (NaN equals nothing) leaves everything to its last offset."""
    remaining = xp.ones(best.shape, dtype=bool)
    for offset in offsets[:-1]:
        hit = view[(Ellipsis,) + offset] == best
        hit &= remaining
        remaining ^= hit  # hit is inside remaining: this removes it
        yield offset, hit
    yield offsets[-1], remaining


def max_pool(input, dims, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
             return_indices=False, where=None):
    """The dims-dimensional max pooling behind max_pool1d/2d/3d and MaxPool1d/2d/3d (`where`
    names the caller in errors). Returns the output, or (output, indices) with return_indices.

    out[n, c, p] = max over the window's offsets j of x[n, c, p*s - padding + j*d]. The input
    is padded with -inf (never a max) and ceil_mode's last windows may run past it.

    FUSED, one node. Forward: the running maximum over the kernel offsets, each offset one
    strided slice of the window view (no copy of the windows).

    Backward: max is piecewise the identity of one argument, so dL/dx_i = sum of g over the
    windows whose (first) maximum is x_i, and 0 for the other elements. The first maximum of
    each window is found again in backward, offset by offset (`_first_max_masks`), and
    g * mask is written straight into the strided slice of dL/dx that offset reads: no index
    arrays and no scatter-add. When windows do not overlap (stride >= span in every
    dimension) each slice is written once (`multiply(..., out=slice)`); otherwise they add up.
    Measured, (64, 16, 28, 28) float32, 2x2, stride 2, 1 thread: 1.2 ms, against 6.5 ms for
    numpy.add.at of g at the argmax indices and 4.8 ms for scatter_windows of a one-hot
    (N, C, *out, *kernel) array.

    return_indices gives, per output, the index of its max in the flattened input plane
    (h * W + w in 2-d), PyTorch's convention, which max_unpool takes back.
    """
    where = where or f"max_pool{dims}d"
    x, unbatched = _batched(input, dims, where, floating=False)
    kernel, stride, padding, dilation = _window_options(dims, kernel_size, stride, padding,
                                                        dilation, where)
    out_spatial = _pooled_shape(x.shape, kernel, stride, padding, dilation, ceil_mode, where)
    backend, xp = input._backend, input._backend.xp
    lowest = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
    pads = _pads(x.shape[2:], out_spatial, kernel, stride, padding, dilation)
    padded = pad(backend, x, pads, "constant", lowest)
    view = windows(backend, padded, kernel, stride, dilation)
    offsets = list(itertools.product(*(range(k) for k in kernel)))
    best = view[(Ellipsis,) + offsets[0]].copy()
    for offset in offsets[1:]:
        xp.maximum(best, view[(Ellipsis,) + offset], out=best)
    out = input._result(_unbatch(best, unbatched), (input,), f"max_pool{dims}d", saved=(input,),
                        saves_output=True)
    overlap = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))

    def backward(g):  # dL/dx_i = sum of g over the windows whose first max is x_i
        g = g[None] if unbatched else g
        grad = xp.zeros(padded.shape, dtype=g.dtype)
        for offset, hit in _first_max_masks(xp, view, best, offsets):
            target = _offset_slices(offset, stride, dilation, out_spatial)
            if overlap:
                grad[target] += g * hit
            else:
                xp.multiply(g, hit, out=grad[target])
        input._accumulate(_unbatch(pad_adjoint(backend, grad, pads), unbatched))

    out._backward = backward
    if not return_indices:
        return out
    plane = _plane_strides(x.shape[2:])
    index = xp.zeros(best.shape, dtype=xp.int64)
    for axis, (o, s, p, step) in enumerate(zip(out_spatial, stride, padding, plane)):
        shape = (o,) + (1,) * (dims - 1 - axis)  # window starts along this axis, broadcast
        index += ((xp.arange(o, dtype=xp.int64) * s - p) * step).reshape(shape)
    for offset, hit in _first_max_masks(xp, view, best, offsets):
        index += hit * sum(j * d * step for j, d, step in zip(offset, dilation, plane))
    return out, input._result(_unbatch(index, unbatched), (), f"max_pool{dims}d_indices")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of length kernel_size along L: (N, C, L) -> (N, C, L_out), with
    L_out = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1 (ceil with
    ceil_mode). See `max_pool` for the op and its backward."""
    return max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kernel_size windows of (H, W): (N, C, H, W) -> (N, C, H_out, W_out), each size
    as in max_pool1d. See `max_pool`."""
    return max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kernel_size windows of (D, H, W). See `max_pool`."""
    return max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# ---- average pooling ------------------------------------------------------------------------

def _divisors(xp, dtype, spatial, out, kernel, stride, padding, count_include_pad):
    """The number each window's sum is divided by, shape `out`. PyTorch's rule: a window is
    first cut at the end of the padded input (ceil_mode's overhang never counts); with
    count_include_pad it counts the padding inside that, without it only input elements. Per
    dimension that is a count per window, and the divisor is their product."""
    divisor = xp.ones(out, dtype=dtype)
    for axis, (n, o, k, s, p) in enumerate(zip(spatial, out, kernel, stride, padding)):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        count = (end - start).astype(dtype)
        divisor = divisor * count.reshape((o,) + (1,) * (len(out) - 1 - axis))
    return divisor


def avg_pool(input, dims, kernel_size, stride=None, padding=0, ceil_mode=False,
             count_include_pad=True, divisor_override=None, where=None):
    """The dims-dimensional average pooling behind avg_pool1d/2d/3d and AvgPool1d/2d/3d.

    out[n, c, p] = (sum over the window's offsets j of x[n, c, p*s - padding + j]) / divisor,
    the input padded with zeros; the divisor is prod(kernel_size) in the plain case,
    `divisor_override` when given, and smaller for windows at the border (`_divisors`).

    FUSED, one node. Forward: the sum over kernel offsets of the window view's slices.
    Backward: out is linear in x with coefficient 1/divisor for every element of the window,
    so each element of a window receives g / divisor of that window:

        dL/dx = scatter_windows(g / divisor, repeated over the kernel offsets)

    the window view's adjoint (tensor/ops/window.py), which adds where windows overlap; the
    padding's share is cropped off.
    """
    where = where or f"avg_pool{dims}d"
    x, unbatched = _batched(input, dims, where)
    kernel, stride, padding, _ = _window_options(dims, kernel_size, stride, padding, 1, where)
    ones = (1,) * dims
    out_spatial = _pooled_shape(x.shape, kernel, stride, padding, ones, ceil_mode, where)
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override <= 0):
        raise ValueError(f"{where}: divisor_override must be a positive int or None, got "
                         f"{divisor_override!r}")
    backend, xp = input._backend, input._backend.xp
    pads = _pads(x.shape[2:], out_spatial, kernel, stride, padding, ones)
    padded = pad(backend, x, pads)
    view = windows(backend, padded, kernel, stride, ones)
    offsets = list(itertools.product(*(range(k) for k in kernel)))
    total = view[(Ellipsis,) + offsets[0]].copy()
    for offset in offsets[1:]:
        total += view[(Ellipsis,) + offset]
    if divisor_override is not None:
        divisor = divisor_override
    else:
        divisor = _divisors(xp, x.dtype, x.shape[2:], out_spatial, kernel, stride, padding,
                            count_include_pad)
    total /= divisor
    out = input._result(_unbatch(total, unbatched), (input,), f"avg_pool{dims}d")

    def backward(g):  # every element of a window gets g / divisor; overlaps add up
        g = (g[None] if unbatched else g) / divisor
        cols = xp.broadcast_to(g.reshape(g.shape + ones), g.shape + kernel)
        grad = scatter_windows(backend, cols, padded.shape, kernel, stride, ones)
        input._accumulate(_unbatch(pad_adjoint(backend, grad, pads), unbatched))

    out._backward = backward
    return out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of length kernel_size along L: (N, C, L) -> (N, C, L_out), L_out as in
    max_pool1d (without dilation). See `avg_pool` for the op and its backward."""
    return avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kernel_size windows of (H, W). See `avg_pool`."""
    return avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kernel_size windows of (D, H, W). See `avg_pool`."""
    return avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override)


# ---- adaptive pooling -----------------------------------------------------------------------

def _output_size(output_size, spatial, where):
    """torch's output_size: an int, or a tuple whose None entries keep the input's size."""
    dims = len(spatial)
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * dims
    elif len(output_size) == dims:
        output_size = tuple(n if o is None else o for o, n in zip(output_size, spatial))
    return _sizes(output_size, dims, "output_size", where, minimum=0)


def _adaptive_bounds(xp, size, out):
    """Output i of an adaptive pooling over a dimension of length `size` covers the input
    [start_i, end_i) = [floor(i size / out), ceil((i+1) size / out)): windows that tile the
    input, of one or two different lengths."""
    i = xp.arange(out, dtype=xp.int64)
    return i * size // out, -(-(i + 1) * size // out)


def _adaptive_tables(xp, size, out):
    """The windows of `_adaptive_bounds` as a table: index[i, t] = start_i + t for t < K, the
    longest window's length, clamped to end_i - 1 (a short window repeats its last element,
    which changes no max and is never the first max)."""
    start, end = _adaptive_bounds(xp, size, out)
    longest = int((end - start).max()) if out else 0
    index = start[:, None] + xp.arange(longest, dtype=xp.int64)
    return xp.minimum(index, end[:, None] - 1)


def _gather(x, tables):
    """x[n, c, index_1[o_1, t_1], index_2[o_2, t_2], ...] as (N, C, *out, *K): every window
    of an adaptive pooling, copied (windows of varying length are no strided view)."""
    dims = len(tables)
    keys = []
    for axis, index in enumerate(tables):
        shape = [1] * (2 * dims)
        shape[axis], shape[dims + axis] = index.shape
        keys.append(index.reshape(shape))
    return x[(Ellipsis,) + tuple(keys)]


def _averaging_matrix(xp, dtype, size, out):
    """The (out, size) matrix A of adaptive average pooling along one dimension: row i holds
    1 / len_i over its window [start_i, end_i) and 0 elsewhere, so y = A x."""
    start, end = _adaptive_bounds(xp, size, out)
    j = xp.arange(size)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return inside.astype(dtype) / (end - start)[:, None].astype(dtype)


def apply_along_axes(xp, array, matrices, transpose=False):
    """Apply a linear map to each of the last len(matrices) axes in turn: along that axis,
    y = M x (or M^T x with transpose), with M of shape (out, in); None leaves an axis as it
    is. A map that acts on each axis separately (adaptive averaging, interpolation) is a
    product of such one-axis maps, and its adjoint (its backward) the product of the
    transposes."""
    first = array.ndim - len(matrices)
    for axis, matrix in enumerate(matrices, start=first):
        if matrix is not None:
            product = xp.tensordot(array, matrix, axes=([axis], [0 if transpose else 1]))
            array = xp.moveaxis(product, -1, axis)
    return array


def adaptive_avg_pool(input, dims, output_size, where=None):
    """The adaptive average pooling behind adaptive_avg_pool1d/2d/3d: the output has the given
    spatial size whatever the input's, output i averaging input [floor(i L / o),
    ceil((i+1) L / o)) along each dimension (`_adaptive_bounds`).

    FUSED, one node. An average over a box is an average along each dimension in turn, a
    linear map per dimension: y = A_1 x along the first spatial axis, A_2 along the next, ...,
    with A the (out, L) averaging matrix of `_averaging_matrix`. Each is one matrix product
    (tensordot) over the whole batch. Backward: the adjoint of a product of linear maps is the
    product of the transposes, dL/dx = A_1^T ... A_d^T g, again one product per dimension.
    (A cost of out * L per line, fine for pooling's sizes; a non-finite input spreads NaN
    along its row, since 0 * inf = nan in the product.)
    """
    where = where or f"adaptive_avg_pool{dims}d"
    x, unbatched = _batched(input, dims, where)
    out_spatial = _output_size(output_size, x.shape[2:], where)
    xp = input._backend.xp
    matrices = [_averaging_matrix(xp, x.dtype, n, o) for n, o in zip(x.shape[2:], out_spatial)]
    result = apply_along_axes(xp, x, matrices)
    out = input._result(_unbatch(result, unbatched), (input,), f"adaptive_avg_pool{dims}d")

    def backward(g):  # dL/dx = A_1^T ... A_d^T g
        g = g[None] if unbatched else g
        input._accumulate(_unbatch(apply_along_axes(xp, g, matrices, transpose=True),
                                   unbatched))

    out._backward = backward
    return out


def adaptive_avg_pool1d(input, output_size):
    """(N, C, L) -> (N, C, output_size), each output the mean of its adaptive window. See
    `adaptive_avg_pool`."""
    return adaptive_avg_pool(input, 1, output_size)


def adaptive_avg_pool2d(input, output_size):
    """(N, C, H, W) -> (N, C, *output_size); output_size an int, a pair, or a pair with None
    (keep that size). output_size=1 is global average pooling. See `adaptive_avg_pool`."""
    return adaptive_avg_pool(input, 2, output_size)


def adaptive_avg_pool3d(input, output_size):
    """(N, C, D, H, W) -> (N, C, *output_size). See `adaptive_avg_pool`."""
    return adaptive_avg_pool(input, 3, output_size)


def adaptive_max_pool(input, dims, output_size, return_indices=False, where=None):
    """The adaptive max pooling behind adaptive_max_pool1d/2d/3d: the max over the same
    windows adaptive_avg_pool averages. Returns the output, or (output, indices).

    FUSED, one node. Forward: the windows are gathered into (N, C, *out, *K) (a copy:
    windows of two lengths are no strided view; the short ones repeat their last element,
    which changes no max and is never the first max), and argmax over the flattened K axes
    finds each window's first maximum. Its flat index in the input plane (h * W + w) is kept.

    Backward: dL/dx_i = sum of g over the windows whose maximum is x_i, a scatter-add of g at
    those indices (the backend's scatter_add: adaptive windows may overlap, so one element can
    be the max of two windows and must receive both gradients).
    """
    where = where or f"adaptive_max_pool{dims}d"
    x, unbatched = _batched(input, dims, where)
    spatial = x.shape[2:]
    out_spatial = _output_size(output_size, spatial, where)
    backend, xp = input._backend, input._backend.xp
    tables = [_adaptive_tables(xp, n, o) for n, o in zip(spatial, out_spatial)]
    gathered = _gather(x, tables)
    flat = gathered.reshape(gathered.shape[:2 + dims] + (-1,))
    first = flat.argmax(axis=-1)[..., None]
    best = xp.take_along_axis(flat, first, axis=-1)[..., 0]
    index = xp.zeros(best.shape, dtype=xp.int64)  # the max's flat index in the input plane
    longest = [t.shape[1] for t in tables]
    for axis, (table, step) in enumerate(zip(tables, _plane_strides(spatial))):
        t = first[..., 0] // math.prod(longest[axis + 1:]) % longest[axis]
        o = xp.arange(table.shape[0]).reshape((-1,) + (1,) * (dims - 1 - axis))
        index += table[o, t] * step
    out = input._result(_unbatch(best, unbatched), (input,), f"adaptive_max_pool{dims}d")
    rows = xp.arange(x.shape[0] * x.shape[1])[:, None]
    plane_index = index.reshape(rows.shape[0], -1)

    def backward(g):  # scatter-add g to each window's max
        grad = xp.zeros((rows.shape[0], math.prod(spatial)), dtype=g.dtype)
        backend.scatter_add(grad, (rows, plane_index), g.reshape(rows.shape[0], -1))
        input._accumulate(grad.reshape(input.shape))

    out._backward = backward
    if not return_indices:
        return out
    return out, input._result(_unbatch(index, unbatched), (), f"adaptive_max_pool{dims}d_indices")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """(N, C, L) -> (N, C, output_size), each output the max of its adaptive window. See
    `adaptive_max_pool`."""
    return adaptive_max_pool(input, 1, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """(N, C, H, W) -> (N, C, *output_size), the max of each adaptive window. See
    `adaptive_max_pool`."""
    return adaptive_max_pool(input, 2, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """(N, C, D, H, W) -> (N, C, *output_size). See `adaptive_max_pool`."""
    return adaptive_max_pool(input, 3, output_size, return_indices)


# ---- unpooling ------------------------------------------------------------------------------

def _unpooled_shape(spatial, kernel, stride, padding, output_size, where):
    """The default (n - 1) s - 2 p + k per dimension, the size max pooling came from (up to
    the stride), or `output_size` (the full shape or its spatial part) within a stride of it."""
    default = tuple((n - 1) * s - 2 * p + k
                    for n, k, s, p in zip(spatial, kernel, stride, padding))
    if output_size is None:
        return default
    dims = len(spatial)
    size = tuple(output_size)
    size = size[-dims:] if len(size) == dims + 2 else size
    size = _sizes(size, dims, "output_size", where, minimum=0)
    for d, (o, s) in enumerate(zip(default, stride)):
        if not o - s < size[d] < o + s:
            raise ValueError(f"{where}: output_size {size} is invalid: dimension {d} must be "
                             f"between {o - s + 1} and {o + s - 1}, got {size[d]}")
    return size


def max_unpool(input, indices, dims, kernel_size, stride=None, padding=0, output_size=None,
               where=None):
    """The partial inverse of max pooling behind max_unpool1d/2d/3d: a zero array of the
    pooled input's size, with each value of `input` put back at its `indices` (the flat plane
    indices max_pool returned).

    FUSED, one node. Forward: out.plane[indices] = input, one advanced-index assignment for
    all planes. (Two values sent to the same place keep one of them, as in PyTorch, where
    which one is undefined.) Backward: each input value was copied to one place, so its
    gradient is read from there, dL/dinput = g.plane[indices], a gather.
    """
    where = where or f"max_unpool{dims}d"
    x, unbatched = _batched(input, dims, where, floating=False)
    _check_tensor(indices, where, "indices")
    if indices.shape != input.shape or indices.dtype.kind not in "iu":
        raise ValueError(f"{where} expected integer indices of the input's shape "
                         f"{tuple(input.shape)}, got {indices.dtype} of shape "
                         f"{tuple(indices.shape)}")
    if indices._backend is not input._backend:
        raise RuntimeError(f"{where}: input is on {input.device} but indices is on "
                           f"{indices.device}; move one with .to(device) first")
    kernel, stride, padding, _ = _window_options(dims, kernel_size, stride, padding, 1, where)
    out_spatial = _unpooled_shape(x.shape[2:], kernel, stride, padding, output_size, where)
    xp = input._backend.xp
    planes, size = x.shape[0] * x.shape[1], math.prod(out_spatial)
    index = indices.array.reshape(planes, -1)
    if index.size and bool(((index < 0) | (index >= size)).any()):
        raise ValueError(f"{where}: found an index outside the output plane of "
                         f"{out_spatial} = {size} elements (indices must be in [0, {size}))")
    rows = xp.arange(planes)[:, None]
    result = xp.zeros((planes, size), dtype=x.dtype)
    result[rows, index] = x.reshape(planes, -1)
    result = result.reshape(x.shape[:2] + out_spatial)
    out = input._result(_unbatch(result, unbatched), (input,), f"max_unpool{dims}d")

    def backward(g):  # each value's gradient is read back from where it was put
        input._accumulate(g.reshape(planes, size)[rows, index].reshape(input.shape))

    out._backward = backward
    return out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo max_pool1d: (N, C, L) values and their indices -> (N, C, L_out), zero elsewhere.
    See `max_unpool`."""
    return max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo max_pool2d: each value back at its index in an (H_out, W_out) plane of zeros,
    H_out = (H - 1) stride - 2 padding + kernel_size unless output_size says otherwise. See
    `max_unpool`."""
    return max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo max_pool3d. See `max_unpool`."""
    return max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)
