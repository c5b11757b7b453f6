"""`unfold` (im2col) and `fold` (col2im), torch.nn.functional's names and arguments: the
window view of tensor/ops/window.py as a tensor op, and its adjoint.

unfold(x) for x (N, C, H, W) is (N, C * kh * kw, L): column l holds the window at output
position l (L = out_h * out_w positions, row-major), its rows the channels times kernel
offsets (c, i, j). A convolution is `w.view(O, -1) @ unfold(x)`, which is how
nn/functional/convolution.py computes it (fused there, without this op's node).

fold is the adjoint: it adds each column's values back onto the positions its window covers,
so an element covered by several windows receives the sum. Hence each one's gradient is the
other: d unfold = fold of the gradient, d fold = unfold of the gradient. (fold(unfold(x)) is
x times the number of windows covering each element, not x.)
"""

from nn.functional._checks import _check_tensor
from tensor.ops import window


def _options(name, kernel_size, dilation, padding, stride):
    kernel_size = window.ntuple(kernel_size, 2, "kernel_size", name)
    dilation = window.ntuple(dilation, 2, "dilation", name)
    padding = window.ntuple(padding, 2, "padding", name)
    stride = window.ntuple(stride, 2, "stride", name)
    for what, values, minimum in (("kernel_size", kernel_size, 1), ("dilation", dilation, 1),
                                  ("padding", padding, 0), ("stride", stride, 1)):
        if any(v < minimum for v in values):
            raise ValueError(f"{name}: {what} must be >= {minimum}, got {values}")
    return kernel_size, dilation, tuple((p, p) for p in padding), stride


def _cols_layout(n, c, kernel_size, out_spatial):
    """The shape (N, C, kh, kw, oh, ow) that (N, C*kh*kw, L) is, and the axis order that turns
    it into the window view's (N, C, oh, ow, kh, kw)."""
    return (n, c) + kernel_size + out_spatial, (0, 1, 4, 5, 2, 3)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding windows as columns: (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or
    (C*kh*kw, L). Backward: fold (the window view's adjoint, `scatter_windows`)."""
    _check_tensor(input, "unfold")
    kernel_size, dilation, pads, stride = _options("unfold", kernel_size, dilation, padding,
                                                   stride)
    if input.ndim not in (3, 4):
        raise ValueError(f"unfold expected input of shape (N, C, H, W) or (C, H, W), got "
                         f"{tuple(input.shape)}")
    batched = input.ndim == 4
    backend = input._backend
    xa = input.array if batched else input.array[None]
    xpad = window.pad(backend, xa, pads)
    out_spatial = window.output_shape(xpad.shape[2:], kernel_size, stride, (0, 0), dilation)
    if any(o <= 0 for o in out_spatial):
        raise ValueError(f"unfold: the kernel {kernel_size} with dilation {dilation} is larger "
                         f"than the padded input {tuple(xpad.shape[2:])}")
    n, c = xa.shape[:2]
    view = window.windows(backend, xpad, kernel_size, stride, dilation)  # (N, C, oh, ow, kh, kw)
    cols = view.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel_size[0] * kernel_size[1], -1)
    out = input._result(cols if batched else cols[0], (input,), "unfold")
    shape, order = _cols_layout(n, c, kernel_size, out_spatial)

    def backward(grad):  # fold: each window's gradient added back where it came from
        g = (grad if batched else grad[None]).reshape(shape).transpose(order)
        dx = window.pad_adjoint(backend, window.scatter_windows(
            backend, g, xpad.shape, kernel_size, stride, dilation), pads)
        input._accumulate(dx if batched else dx[0])

    out._backward = backward
    return out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns back into an image, summing where windows overlap: (N, C*kh*kw, L) or
    (C*kh*kw, L) -> (N, C, H, W) or (C, H, W) with (H, W) = output_size. Backward: unfold."""
    _check_tensor(input, "fold")
    output_size = window.ntuple(output_size, 2, "output_size", "fold")
    kernel_size, dilation, pads, stride = _options("fold", kernel_size, dilation, padding, stride)
    padded = tuple(o + b + a for o, (b, a) in zip(output_size, pads))
    out_spatial = window.output_shape(padded, kernel_size, stride, (0, 0), dilation)
    k = kernel_size[0] * kernel_size[1]
    positions = out_spatial[0] * out_spatial[1]
    if (input.ndim not in (2, 3) or input.shape[-2] % k or input.shape[-1] != positions
            or positions <= 0):
        raise ValueError(f"fold expected input of shape (N, C*{k}, {positions}) or "
                         f"(C*{k}, {positions}) for output_size={output_size}, "
                         f"kernel_size={kernel_size}, dilation={dilation}, stride={stride} and "
                         f"padding={tuple(b for b, _ in pads)}, got {tuple(input.shape)}")
    batched = input.ndim == 3
    backend = input._backend
    cols = input.array if batched else input.array[None]
    n, c = cols.shape[0], cols.shape[1] // k
    shape, order = _cols_layout(n, c, kernel_size, out_spatial)
    ypad = window.scatter_windows(backend, cols.reshape(shape).transpose(order), (n, c) + padded,
                                  kernel_size, stride, dilation)
    y = window.pad_adjoint(backend, ypad, pads)
    out = input._result(y if batched else y[0], (input,), "fold")

    def backward(grad):  # unfold: every window of the (padded) gradient, as columns
        gpad = window.pad(backend, grad if batched else grad[None], pads)
        view = window.windows(backend, gpad, kernel_size, stride, dilation)
        dcols = view.transpose(0, 1, 4, 5, 2, 3).reshape(cols.shape)
        input._accumulate(dcols if batched else dcols[0])

    out._backward = backward
    return out
