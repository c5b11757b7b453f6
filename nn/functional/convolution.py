"""Convolution and transposed convolution in 1, 2 and 3 dimensions: conv1d/2d/3d and
conv_transpose1d/2d/3d, with torch.nn.functional's names and arguments.

A convolution (a cross-correlation, as in every deep-learning library) of x (N, C, *S) with
weights w (O, C/G, *k) in G groups computes, for output channel o of group g,

    y[n, o, *p] = b[o] + sum over c in g's channels and kernel offsets j of
                  w[o, c, *j] * xpad[n, c, *(p*s + j*d)]

xpad being x padded with zeros. The windows xpad[n, c, *(p*s + j*d)] are one strided view
(tensor/ops/window.py, no copy), so the whole sum is ONE matrix product per call:

    cols[g, (c, j), (n, p)] = the window view, copied into matrices   (C/G * K, N * P) per g
    y[g] = W[g] @ cols[g]          W[g] = w of group g as a matrix (O/G, C/G * K)

(K = prod(k) kernel offsets, P = prod(out spatial) positions: "im2col"). Depthwise
convolution is the case G = C; the G products are one batched matmul call.

FUSED, for speed: each function is one node with its backward derived here, not a
composition of window, reshape, matmul and add nodes. With g = dL/dy as G matrices
(O/G, N * P):

    dL/dW[g] = g[g] @ cols[g]^T                            a contraction over n and p
    dL/db[o] = sum of g[o] over n and positions
    dL/dcols[g] = W[g]^T @ g[g]                            the matmul rule
    dL/dx = scatter_windows(dL/dcols), the padding cropped   the adjoint of the window view

since each element of xpad appears once in cols for every window containing it, and the
gradient of a copied value is the sum of its copies' gradients.

TRANSPOSED convolution is that last line used as a forward: the map x -> dL/dx of a
convolution is linear in its argument, and conv_transpose IS it, with conv_transpose's weight
(C_in, C_out/G, *k) playing the convolution's weight (O, C/G, *k). Each input element spreads
w-weighted copies of itself over a window of the (larger) output: an upsampling. The output
size is (n - 1)s - 2p + d(k - 1) + output_padding + 1, the input size of the convolution
whose output size is n. So its backward is the convolution's forward: dL/dx =
conv(dL/dy, w), and dL/dw the same contraction as above with the roles of x and dL/dy
swapped. `_columns_to_input` below is shared by both.

Speed, measured on the `cnn` benchmark (float32; the step time relative to PyTorch's,
interleaved in one process; it varies by +-0.05 from run to run on a shared 2-core machine):

- dL/dcols formed whole (K times the input's size) and then scattered: 1.5-1.7x at 1 thread
  (timed one after the other, not interleaved). Fusing the product into the scatter loop,
  offset by offset (`_columns_to_input`): 1.21x.
- The batch inside the columns, (C/G * K, N * P), rather than stacked per sample
  (N, C/G * K, P): each product is then one large matrix product, not N small ones. The two
  convolutions' forward and backward alone (best of 60) took 1.7 and 9.9 ms, against 3.8
  and 12.2 ms; the step 1.06-1.18x (mean 1.10). So the arrays are kept channels-major,
  (C, N, *S), inside the op: padding x writes that order in the same copy, and the output,
  dL/dy and dL/dx are transposed once each.
- Per-sample products that write y in (N, O, *S) directly, without those transposes, were
  as fast at 1 thread (1.05-1.19x) but 3.6x PyTorch at 2 threads against 1.5x: hundreds of
  small products per step, each one splitting its work between threads, instead of a dozen.
- Computing on a flattened padded image (each kernel offset one contiguous shift, the
  positions between rows computed and thrown away) was slower: 16.3 ms against 12.6 ms for
  the second convolution's forward and backward.

On that machine the first touch of newly allocated memory costs about 4 us per 4 KiB page
(an extra 3 MB temporary: about 3 ms), so fewer and smaller temporaries count as much as
faster arithmetic: dL/dcols is never held whole, and cols only while dL/dW needs it.
"""

import math

from nn.functional._checks import _check_tensor
from tensor.ops import window

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def _spec(name, dims, value, what, minimum):
    values = window.ntuple(value, dims, what, name)
    if any(v < minimum for v in values):
        raise ValueError(f"{name}: {what} must be >= {minimum}, got {value}")
    return values


def conv_padding(name, dims, padding, kernel_size, stride, dilation):
    """(before, after) per spatial dimension for `padding`: an int, a tuple, 'valid' (none) or
    'same' (stride 1 only; the output keeps the input's size)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' needs stride 1 (the output would not "
                                 f"have the input's size otherwise), got stride={stride}")
            return window.same_padding(kernel_size, dilation)
        raise ValueError(f"{name}: padding must be an int, a tuple of {dims} ints, 'valid' or "
                         f"'same', got {padding!r}")
    return tuple((p, p) for p in _spec(name, dims, padding, "padding", 0))


def check_input(name, input, dims, channels):
    """That input is (N, channels, *S) or (channels, *S) with `dims` spatial dimensions; the
    ValueError names `name` (a function or a layer's repr) and the shapes. Returns whether the
    input is batched."""
    shape = tuple(input.shape)
    if input.ndim not in (dims + 1, dims + 2) or shape[-dims - 1] != channels:
        spatial = _SPATIAL[dims]
        raise ValueError(f"{name} expected input of shape (N, {channels}, {spatial}) or "
                         f"({channels}, {spatial}), got {shape}")
    return input.ndim == dims + 2


def _check_fits(name, padded, kernel_size, dilation, out):
    if any(n <= 0 for n in out):
        spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation))
        raise ValueError(f"{name}: the kernel {kernel_size} (spanning {spans} with dilation "
                         f"{dilation}) is larger than the padded input {padded}")


def _channels_major(backend, a, pads):
    """a (N, C, *S) as (C, N, *padded S), zero-padded by `pads` ((before, after) per spatial
    dimension): one copy that pads and swaps the two axes (a view when nothing is padded)."""
    swapped = a.swapaxes(0, 1)
    if not any(before or after for before, after in pads):
        return swapped
    shape = swapped.shape[:2] + tuple(n + b + e for n, (b, e) in zip(a.shape[2:], pads))
    out = backend.xp.zeros(shape, dtype=a.dtype)
    out[(slice(None),) * 2 + tuple(slice(b, b + n) for n, (b, _) in zip(a.shape[2:], pads))] = \
        swapped
    return out


def _batch_major(backend, a, pads=None, bias=None):
    """a (C, N, *S) as a new contiguous (N, C, *S), the padding `pads` cropped and `bias` (C,)
    added per channel, in one pass."""
    if pads is not None:
        a = window.pad_adjoint(backend, a, pads)  # zeros padding: a crop, no copy
    swapped = a.swapaxes(0, 1)
    out = backend.xp.empty(swapped.shape, dtype=a.dtype)
    if bias is None:
        out[...] = swapped
    else:
        backend.xp.add(swapped, bias.reshape(bias.shape + (1,) * (a.ndim - 2)), out=out)
    return out


def _im2col(backend, xpad, kernel_size, stride, dilation, groups, out_spatial):
    """The first out_spatial windows of xpad (C, N, *S), channels-major, copied into matrices
    cols (G, C/G * K, N * P): the one copy a convolution makes (rows (c, j), columns (n, p)).
    (A transposed convolution's output_padding can leave room for more windows than its
    input has positions: those are not used.)"""
    view = window.windows(backend, xpad, kernel_size, stride, dilation)  # (C, N, *out, *k)
    dims = len(kernel_size)
    if view.shape[2:2 + dims] != out_spatial:
        view = view[(slice(None),) * 2 + tuple(slice(o) for o in out_spatial)]
    kernel_first = (0,) + tuple(range(2 + dims, 2 + 2 * dims)) + (1,) + tuple(range(2, 2 + dims))
    return view.transpose(kernel_first).reshape(groups, -1, xpad.shape[1] * math.prod(out_spatial))


def _saved(x, w):
    """The parents whose values backward reads: w for dL/dx; for dL/dw the columns, copied from
    x (or, for a 1x1 kernel, possibly a view of it), so x too, as PyTorch does."""
    return tuple(t for t, needed in ((w, x.requires_grad), (x, w.requires_grad)) if needed)


def _columns_to_input(backend, wmat, g, padded_shape, out_spatial, kernel_size, stride,
                      dilation):
    """dL/dxpad, channels-major (C, N, *padded), of a convolution from g = dL/dy as matrices
    (G, O/G, N * P), P the positions out_spatial, and its weights as matrices wmat
    (G, O/G, C/G * K): dL/dcols = W^T g, summed back onto xpad by the window view's adjoint
    (window.scatter_windows).

    Fused, per kernel offset j: the rows of dL/dcols that belong to offset j are W_j^T g
    (W_j = the weights at offset j, (G, O/G, C/G)), and they are added at once into their
    strided slice of xpad, the loop of scatter_windows (window.offsets). So dL/dcols, K times
    the size of the input (7.2 MB in the `cnn` benchmark's second convolution), is never held
    whole: K products of 1/K the size instead of one, each into a temporary that the next
    reuses. Measured on that convolution (float32, 1 thread, forward and backward, best of
    60): 9.9 ms, against 11.5 ms for the whole W^T g followed by scatter_windows; of the 9.9
    ms, the three matrix products take 7 and the strided adds 2.4.
    """
    c = padded_shape[0]
    groups, out_per_group = wmat.shape[:2]
    per_offset = wmat.reshape(groups, out_per_group, c // groups, -1)  # (G, O/G, C/G, K)
    dxpad = backend.xp.zeros(padded_shape, dtype=g.dtype)
    whole = (slice(None), slice(None))
    shape = padded_shape[:2] + tuple(out_spatial)
    for k, (_, target) in enumerate(window.offsets(kernel_size, stride, dilation, out_spatial)):
        part = per_offset[..., k].swapaxes(1, 2) @ g  # (G, C/G, N * P)
        dxpad[whole + target] += part.reshape(shape)
    return dxpad


def _operands(name, input, weight, bias):
    _check_tensor(input, name)
    _check_tensor(weight, name, "weight")
    x, w = input._pair(weight, name, broadcast=False)
    b = None
    if bias is not None:
        _check_tensor(bias, name, "bias")
        x, b = x._pair(bias, name, broadcast=False)
    return x, w, b


def _check_weight(name, weight, dims, groups, channels_at):
    """The weight has 2 + dims dimensions and groups divides what it must; returns groups."""
    if weight.ndim != dims + 2:
        raise ValueError(f"{name}: expected a weight of {dims + 2} dimensions "
                         f"(out_channels, in_channels/groups, {_SPATIAL[dims]}) or the transposed "
                         f"layout, got shape {tuple(weight.shape)}")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    if weight.shape[channels_at] % groups:
        raise ValueError(f"{name}: {weight.shape[channels_at]} channels (weight of shape "
                         f"{tuple(weight.shape)}) are not divisible by groups={groups}")
    if any(k <= 0 for k in weight.shape[2:]):
        raise ValueError(f"{name}: kernel sizes must be positive, got weight of shape "
                         f"{tuple(weight.shape)}")


def _check_bias(name, b, channels):
    if b is not None and tuple(b.shape) != (channels,):
        raise ValueError(f"{name}: the bias must have shape ({channels},), got "
                         f"{tuple(b.shape)}")


def _convolution(name, dims, input, weight, bias, stride, padding, dilation, groups):
    x, w, b = _operands(name, input, weight, bias)
    _check_weight(name, w, dims, groups, 0)
    out_channels, cg = w.shape[:2]
    batched = check_input(name, x, dims, cg * groups)
    _check_bias(name, b, out_channels)
    kernel_size = tuple(w.shape[2:])
    stride = _spec(name, dims, stride, "stride", 1)
    dilation = _spec(name, dims, dilation, "dilation", 1)
    pads = conv_padding(name, dims, padding, kernel_size, stride, dilation)
    backend = x._backend
    xa = x.array if batched else x.array[None]
    n = xa.shape[0]
    xpad = _channels_major(backend, xa, pads)  # (C, N, *padded)
    out_spatial = window.output_shape(xpad.shape[2:], kernel_size, stride, (0,) * dims, dilation)
    _check_fits(name, tuple(xpad.shape[2:]), kernel_size, dilation, out_spatial)
    wmat = w.array.reshape(groups, out_channels // groups, -1)  # (G, O/G, C/G * K)

    # EXERCISE ch08.conv_forward: cols = the windows as matrices; y = W @ cols (+ b)
    cols = _im2col(backend, xpad, kernel_size, stride, dilation, groups, out_spatial)
    y = (wmat @ cols).reshape((out_channels, n) + out_spatial)  # (O, N, *out)
    y = _batch_major(backend, y, bias=None if b is None else b.array)
    # END EXERCISE
    parents = (x, w) if b is None else (x, w, b)
    out = x._result(y if batched else y[0], parents, name, saved=_saved(x, w))
    if not w.requires_grad:
        cols = None  # only dL/dW reads the windows: do not keep them alive
    padded_shape = xpad.shape
    del xpad

    def backward(grad):  # grad = dL/dy, (N, O, *out) (or unbatched)
        g = _channels_major(backend, grad if batched else grad[None], ())
        g = backend.xp.ascontiguousarray(g).reshape(groups, out_channels // groups, -1)
        # EXERCISE ch08.conv_backward: dW = g cols^T, db = sum of g, dx = adjoint of W^T g
        if x.requires_grad:
            dxpad = _columns_to_input(backend, w.array.reshape(wmat.shape), g, padded_shape,
                                      out_spatial, kernel_size, stride, dilation)
            dx = _batch_major(backend, dxpad, pads)
            x._accumulate(dx if batched else dx[0])
        if w.requires_grad:
            w._accumulate((g @ cols.swapaxes(1, 2)).reshape(w.shape))  # (G, O/G, C/G * K)
        if b is not None and b.requires_grad:
            b._accumulate(g.sum(axis=2).reshape(-1))
        # END EXERCISE

    out._backward = backward
    return out


def _transposed(name, dims, input, weight, bias, stride, padding, output_padding, groups,
                dilation):
    x, w, b = _operands(name, input, weight, bias)
    _check_weight(name, w, dims, groups, 0)
    in_channels, out_per_group = w.shape[:2]
    out_channels = out_per_group * groups
    batched = check_input(name, x, dims, in_channels)
    _check_bias(name, b, out_channels)
    kernel_size = tuple(w.shape[2:])
    stride = _spec(name, dims, stride, "stride", 1)
    dilation = _spec(name, dims, dilation, "dilation", 1)
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int or a tuple of {dims} ints (no "
                         f"'same'/'valid' for transposed convolution), got {padding!r}")
    padding = _spec(name, dims, padding, "padding", 0)
    output_padding = _spec(name, dims, output_padding, "output_padding", 0)
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{name}: output_padding {output_padding} must be smaller than the "
                         f"stride {stride} or the dilation {dilation}")
    backend = x._backend
    xa = x.array if batched else x.array[None]
    n = xa.shape[0]
    # the padded output of the transposed convolution is the padded input of a convolution
    # with output xa; output_padding adds room at the end that no window reaches
    full = tuple((i - 1) * s + d * (k - 1) + 1 + op for i, s, d, k, op in
                 zip(xa.shape[2:], stride, dilation, kernel_size, output_padding))
    pads = tuple((p, p) for p in padding)
    out_spatial = tuple(f - 2 * p for f, p in zip(full, padding))
    if any(o <= 0 for o in out_spatial):
        raise ValueError(f"{name}: the output size {out_spatial} (input {tuple(xa.shape[2:])}, "
                         f"kernel {kernel_size}, stride {stride}, padding {padding}) is not "
                         "positive")
    wmat = w.array.reshape(groups, in_channels // groups, -1)  # (G, C_in/G, C_out/G * K)
    x2 = backend.xp.ascontiguousarray(_channels_major(backend, xa, ())).reshape(
        groups, in_channels // groups, -1)  # (G, C_in/G, N * P)
    ypad = _columns_to_input(backend, wmat, x2, (out_channels, n) + full, xa.shape[2:],
                             kernel_size, stride, dilation)
    y = _batch_major(backend, ypad, pads, None if b is None else b.array)  # crop, (N, C_out, ..)
    del ypad
    parents = (x, w) if b is None else (x, w, b)
    out = x._result(y if batched else y[0], parents, name, saved=_saved(x, w))
    if not w.requires_grad:
        x2 = None

    def backward(grad):  # the convolution's forward, on dL/dy padded back to `full`
        g = grad if batched else grad[None]
        gpad = _channels_major(backend, g, pads)
        cols = _im2col(backend, gpad, kernel_size, stride, dilation, groups, xa.shape[2:])
        if x.requires_grad:  # dL/dx = conv(dL/dy, w): (G, C_in/G, C_out/G * K) @ cols
            dx = (wmat @ cols).reshape((in_channels, n) + xa.shape[2:])
            dx = _batch_major(backend, dx)
            x._accumulate(dx if batched else dx[0])
        if w.requires_grad:  # dL/dw[g] = x[g] cols[g]^T
            w._accumulate((x2 @ cols.swapaxes(1, 2)).reshape(w.shape))
        if b is not None and b.requires_grad:
            b._accumulate(g.sum(axis=(0,) + tuple(range(2, 2 + dims))))

    out._backward = backward
    return out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of input (N, C, L) or (C, L) with weight (O, C/groups, k); see the
    module docstring."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution of input (N, C, H, W) or (C, H, W) with weight (O, C/groups, kh, kw);
    see the module docstring."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution of input (N, C, D, H, W) or (C, D, H, W) with weight
    (O, C/groups, kd, kh, kw); see the module docstring."""
    return _convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-d transposed convolution of input (N, C_in, L) or (C_in, L) with weight
    (C_in, C_out/groups, k): the gradient of conv1d with respect to its input."""
    return _transposed("conv_transpose1d", 1, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-d transposed convolution of input (N, C_in, H, W) or (C_in, H, W) with weight
    (C_in, C_out/groups, kh, kw): the gradient of conv2d with respect to its input."""
    return _transposed("conv_transpose2d", 2, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-d transposed convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight
    (C_in, C_out/groups, kd, kh, kw): the gradient of conv3d with respect to its input."""
    return _transposed("conv_transpose3d", 3, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)
