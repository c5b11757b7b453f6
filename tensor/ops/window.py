"""Sliding windows: the one mechanism under convolution, transposed convolution, pooling and
unfold/fold, in 1, 2 and 3 dimensions, at the array level (raw backend arrays, no autograd).

An array of shape (N, C, *spatial) is looked at through a kernel of size k (per spatial
dimension) that starts every `stride` elements and reads every `dilation`-th element. Window
p (per dimension) covers the elements

    p*s + j*d,   j = 0 .. k-1,          so it spans d(k-1) + 1 elements.

`windows` gives all of them at once as a read-only strided VIEW of shape
(N, C, *out_spatial, *kernel): no value is copied, the view only chooses strides (step s*stride
along an output axis, d*stride along a kernel axis) so that view[n, c, p, j] IS the element
x[n, c, p*s + j*d]. Convolution is then one contraction of this view with the weights, and
pooling a max or mean over its kernel axes.

Its adjoint, `scatter_windows`, is what the view's backward needs: an element of x that sits
in several windows (they overlap when s < d(k-1) + 1) receives the sum of the gradients of
all its copies, dL/dx[i] = sum over (p, j) with p*s + j*d = i of dL/dview[p, j].

Sizes. With padding p on both sides the padded length is n + 2p, and the number of windows
that fit is

    out = floor((n + 2p - d(k-1) - 1) / s) + 1                       (`output_size`)

With ceil_mode (pooling) the division rounds up, so a last, partial window also counts, as
long as it starts inside the input or the left padding (PyTorch's rule). Padding 'valid' is no
padding; 'same' (stride 1 only) pads d(k-1) in total, the odd element after (`same_padding`).

Padding modes (`pad`, and its adjoint `pad_adjoint` for the backward): 'zeros' (or
'constant' with a value), 'reflect' (mirror without repeating the edge: ... x2 x1 | x0 x1 x2),
'replicate' (repeat the edge element), 'circular' (wrap around). A padded element is a copy of
an input element, so the adjoint adds each padded element's gradient back onto the element it
copied; for zeros the padding copied nothing and the adjoint just crops.

Every function takes the `backend` (tensor/backend) and uses only its `xp` and its
`sliding_window_view`, so the same code runs on NumPy, CuPy and the test-only stand-in.
"""

import itertools

PADDING_MODES = {"zeros": "constant", "constant": "constant", "reflect": "reflect",
                 "replicate": "edge", "circular": "wrap"}


def ntuple(value, n, what, where):
    """`value` as a tuple of n ints: an int is repeated, a sequence must have length n (else a
    ValueError naming `where` and `what`)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{where}: {what} must be an int or a tuple of {n} ints, got {value}")
    return value


def output_size(size, kernel, stride=1, padding=0, dilation=1, ceil_mode=False):
    """How many windows fit along one dimension of length `size` padded by `padding` on each
    side: floor((size + 2p - d(k-1) - 1) / s) + 1, or with ceil_mode the ceiling, minus one
    when that last window would start in the right padding (PyTorch's pooling rule). May be
    zero or negative when the kernel does not fit; callers turn that into an error."""
    span = dilation * (kernel - 1) + 1
    room = size + 2 * padding - span
    if not ceil_mode:
        return room // stride + 1
    out = -(-room // stride) + 1
    if (out - 1) * stride >= size + padding:
        out -= 1
    return out


def output_shape(spatial, kernel_size, stride, padding, dilation, ceil_mode=False):
    """`output_size` for every spatial dimension (all arguments tuples of one length)."""
    return tuple(output_size(*args, ceil_mode=ceil_mode)
                 for args in zip(spatial, kernel_size, stride, padding, dilation))


def same_padding(kernel_size, dilation):
    """(before, after) per dimension for padding='same' at stride 1: d(k-1) elements in all,
    split evenly, the odd one after (as PyTorch)."""
    pads = []
    for k, d in zip(kernel_size, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _spatial(ndim, pads):
    """The axes of the last len(pads) dimensions of an ndim-dimensional array."""
    return range(ndim - len(pads), ndim)


def pad(backend, array, pads, mode="zeros", value=0):
    """`array` padded on its last len(pads) dimensions; pads[i] = (before, after) for the i-th
    of them (in dimension order, unlike F.pad's last-dimension-first list). mode: 'zeros',
    'constant' (with `value`, e.g. -inf for max pooling), 'reflect', 'replicate', 'circular'.
    Reflect needs each amount < the size, circular <= the size (ValueError otherwise, as in
    PyTorch). Returns `array` itself when nothing is padded."""
    if not any(before or after for before, after in pads):
        return array
    np_mode = PADDING_MODES.get(mode)
    if np_mode is None:
        raise ValueError(f"padding mode must be one of {sorted(PADDING_MODES)}, got {mode!r}")
    widths = [(0, 0)] * (array.ndim - len(pads)) + [tuple(p) for p in pads]
    for axis, (before, after) in zip(_spatial(array.ndim, pads), pads):
        size = array.shape[axis]
        if (np_mode == "reflect" and max(before, after) >= size
                or np_mode == "wrap" and max(before, after) > size):
            limit = "smaller than" if np_mode == "reflect" else "at most"
            raise ValueError(f"{mode} padding of {(before, after)} must be {limit} the size "
                             f"{size} of the dimension it pads (array of shape {array.shape})")
        if np_mode == "edge" and size == 0 and (before or after):
            raise ValueError(f"{mode} padding of {(before, after)} copies the edge element, "
                             f"but the dimension it pads has size 0 (array of shape "
                             f"{array.shape})")
    xp = backend.xp
    if np_mode == "constant":  # written out: faster than xp.pad (0.04 ms against 0.09 ms for
        # the `cnn` benchmark's first input, (64, 1, 28, 28) float32)
        padded = xp.full(tuple(n + b + a for n, (b, a) in zip(array.shape, widths)),
                         array.dtype.type(value), dtype=array.dtype)
        padded[tuple(slice(b, b + n) for n, (b, _) in zip(array.shape, widths))] = array
        return padded
    return xp.pad(array, widths, mode=np_mode)


def pad_adjoint(backend, grad, pads, mode="zeros"):
    """The backward of `pad`: the gradient of the unpadded array from the gradient `grad` of
    the padded one. Each padded element copied one input element, so its gradient is added to
    that element; the loop is over the (at most three) padded dimensions, one at a time,
    since padding each dimension is a separate copy:

        zeros:     crop (the padding copied nothing)
        replicate: x[0] += sum of the `before` slab, x[n-1] += sum of the `after` slab
        reflect:   padded[b - 1 - i] = x[i + 1]  ->  x[1 : b+1] += flip(before slab),
                   padded[b + n + i] = x[n - 2 - i] -> x[n-1-a : n-1] += flip(after slab)
        circular:  padded[i] = x[n - b + i] -> x[n-b:] += before slab; x[:a] += after slab
    """
    if not any(before or after for before, after in pads):
        return grad
    np_mode = PADDING_MODES[mode]
    if np_mode == "constant":
        inside = tuple(slice(None) for _ in range(grad.ndim - len(pads)))
        inside += tuple(slice(b, size - a) for (b, a), size in zip(pads, grad.shape[-len(pads):]))
        return grad[inside]
    for axis, (b, a) in zip(_spatial(grad.ndim, pads), pads):
        if not (b or a):
            continue
        n = grad.shape[axis] - b - a

        def along(start, stop, step=None, axis=axis):
            return (slice(None),) * axis + (slice(start, stop, step),)

        x = grad[along(b, b + n)].copy()  # a copy: we add into it, `grad` may be shared
        before, after = grad[along(0, b)], grad[along(b + n, b + n + a)]
        if np_mode == "edge":
            x[along(0, 1)] += before.sum(axis=axis, keepdims=True)
            x[along(n - 1, n)] += after.sum(axis=axis, keepdims=True)
        elif np_mode == "reflect":
            x[along(1, b + 1)] += before[along(None, None, -1)]
            x[along(n - 1 - a, n - 1)] += after[along(None, None, -1)]
        else:  # wrap
            x[along(n - b, n)] += before
            x[along(0, a)] += after
        grad = x
    return grad


def windows(backend, array, kernel_size, stride, dilation):
    """Every window of `array` (N, C, *spatial), already padded, as a read-only strided view of
    shape (N, C, *out_spatial, *kernel_size) with view[n, c, *p, *j] = array[n, c, *(p*s + j*d)]
    (see the module docstring). No copy: the backend's sliding_window_view gives every window of
    span d(k-1) + 1 at every position, and basic slicing keeps every s-th position and every
    d-th element of a window, which only multiplies strides."""
    dims = len(kernel_size)
    # EXERCISE ch08.window_view: windows of span d(k-1)+1, then every s-th one, every d-th element
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation))
    view = backend.sliding_window_view(array, spans, axis=tuple(range(array.ndim - dims,
                                                                    array.ndim)))
    lead = (slice(None),) * (array.ndim - dims)
    return view[lead + tuple(slice(None, None, s) for s in stride)
                + tuple(slice(None, None, d) for d in dilation)]
    # END EXERCISE


def offsets(kernel_size, stride, dilation, out_spatial):
    """(j, slices) for every kernel offset j (a tuple, row-major): `slices` selects, in the
    spatial dimensions of a padded array, the elements p*s + j*d at every window position p,
    one strided slice per dimension. view[..., *j] = padded[..., *slices]: the loop that
    `scatter_windows` and convolution's input gradient run."""
    for j in itertools.product(*(range(k) for k in kernel_size)):
        yield j, tuple(slice(jj * d, jj * d + s * (n - 1) + 1, s)
                       for jj, d, s, n in zip(j, dilation, stride, out_spatial))


def scatter_windows(backend, cols, input_shape, kernel_size, stride, dilation):
    """The adjoint of `windows`: an array of `input_shape` (N, C, *spatial) in which element i
    is the sum of cols[..., *p, *j] over every window position p and kernel offset j with
    p*s + j*d = i, for `cols` of shape (N, C, *out_spatial, *kernel_size) (any strides).

    Written as a loop over the prod(kernel_size) kernel offsets j (`offsets`): for a fixed j,
    the elements p*s + j*d of all windows are one strided slice of the output, so each offset
    is one vectorized `out[slice] += cols[..., j]` over the whole batch, all channels and all
    positions. Measured against the loop-free alternatives (NumPy 2.4, float32, 1 thread, the
    adjoint in the `cnn` benchmark's second convolution: cols (16, 64, 14, 14, 3, 3) in the
    kernel-first memory layout convolution makes, best of 10-30): this loop 2.2 ms; the
    backend's scatter_add (numpy.add.at) at precomputed indices 3.8 ms; numpy.bincount with
    weights 4.9 ms (and it returns float64).
    """
    dims = len(kernel_size)
    out = backend.xp.zeros(input_shape, dtype=cols.dtype)
    lead = (slice(None),) * (len(input_shape) - dims)
    for j, target in offsets(kernel_size, stride, dilation, cols.shape[-2 * dims:-dims]):
        out[lead + target] += cols[(Ellipsis,) + j]
    return out
