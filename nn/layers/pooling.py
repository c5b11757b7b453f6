"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
AdaptiveMaxPool1d/2d/3d and MaxUnpool1d/2d/3d, with torch.nn's arguments, attributes and
reprs. They hold no parameters: each stores its options and calls the fused op of
nn/functional/pooling.py, which names the layer (its repr) in its errors.

Why pool: a max over a 2x2 window keeps the strongest response of a feature detector nearby
and halves the resolution, so later layers see a wider part of the image for the same cost,
and a small shift of the input changes the output little.
"""

from nn.functional.pooling import (
    adaptive_avg_pool,
    adaptive_max_pool,
    avg_pool,
    max_pool,
    max_unpool,
)
from nn.module import Module


def _ntuple(value, n):
    """torch's _single/_pair/_triple: an int repeated n times, a sequence as a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _MaxPoolNd(Module):
    """Max over each kernel_size window, moved by stride (default: kernel_size, windows side
    by side), over the input padded with -inf; dilation spaces a window's elements; ceil_mode
    keeps a last, partial window. With return_indices, forward returns (output, indices),
    the flat index of each max in its input plane, for MaxUnpool."""

    dims = 0

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return max_pool(input, self.dims, self.kernel_size, self.stride, self.padding,
                        self.dilation, self.ceil_mode, self.return_indices, where=repr(self))

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max pooling over L: (N, C, L) or (C, L) -> (.., L_out). See _MaxPoolNd."""

    dims = 1


class MaxPool2d(_MaxPoolNd):
    """Max pooling over (H, W): (N, C, H, W) or (C, H, W) -> (.., H_out, W_out), with
    H_out = floor((H + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1. MaxPool2d(2)
    halves each side. See _MaxPoolNd."""

    dims = 2


class MaxPool3d(_MaxPoolNd):
    """Max pooling over (D, H, W). See _MaxPoolNd."""

    dims = 3


class _AvgPoolNd(Module):
    """Mean over each kernel_size window, moved by stride (default kernel_size), the input
    padded with zeros. count_include_pad counts the padding in a border window's divisor (the
    default) or not; divisor_override (2-d and 3-d) divides every window by that number."""

    dims = 0

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return avg_pool(input, self.dims, self.kernel_size, self.stride, self.padding,
                        self.ceil_mode, self.count_include_pad, self.divisor_override,
                        where=repr(self))

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pooling over L. Like PyTorch's, it keeps its sizes as 1-tuples (kernel_size=(3,))
    and has no divisor_override. See _AvgPoolNd."""

    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(_ntuple(kernel_size, 1),
                         _ntuple(stride if stride is not None else kernel_size, 1),
                         _ntuple(padding, 1), ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Average pooling over (H, W): sizes as in MaxPool2d (without dilation). See
    _AvgPoolNd."""

    dims = 2


class AvgPool3d(_AvgPoolNd):
    """Average pooling over (D, H, W). See _AvgPoolNd."""

    dims = 3


class _AdaptiveAvgPoolNd(Module):
    """The mean over windows chosen so that the output has `output_size` whatever the input's
    size: output i of a dimension of length L averages input [floor(i L / o),
    ceil((i+1) L / o)). An int, or a tuple whose None entries keep that input size.
    AdaptiveAvgPool2d(1) is global average pooling: one number per channel."""

    dims = 0

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool(input, self.dims, self.output_size, where=repr(self))

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """(N, C, L) or (C, L) -> (.., output_size). See _AdaptiveAvgPoolNd."""

    dims = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """(N, C, H, W) or (C, H, W) -> (.., *output_size). See _AdaptiveAvgPoolNd."""

    dims = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """(N, C, D, H, W) or (C, D, H, W) -> (.., *output_size). See _AdaptiveAvgPoolNd."""

    dims = 3


class _AdaptiveMaxPoolNd(Module):
    """The max over the windows of adaptive average pooling (see _AdaptiveAvgPoolNd); with
    return_indices, forward returns (output, indices) as MaxPool does."""

    dims = 0

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return adaptive_max_pool(input, self.dims, self.output_size, self.return_indices,
                                 where=repr(self))

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """(N, C, L) or (C, L) -> (.., output_size). See _AdaptiveMaxPoolNd."""

    dims = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """(N, C, H, W) or (C, H, W) -> (.., *output_size). See _AdaptiveMaxPoolNd."""

    dims = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """(N, C, D, H, W) or (C, D, H, W) -> (.., *output_size). See _AdaptiveMaxPoolNd."""

    dims = 3


class _MaxUnpoolNd(Module):
    """The partial inverse of MaxPool: forward(input, indices, output_size=None) puts each
    value back where MaxPool (return_indices=True) found it, zeros elsewhere. The output's
    size is (n - 1) stride - 2 padding + kernel_size per dimension, or output_size (needed
    when the pooled input's size was not a multiple of the stride)."""

    dims = 0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self.dims)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self.dims)
        self.padding = _ntuple(padding, self.dims)

    def forward(self, input, indices, output_size=None):
        return max_unpool(input, indices, self.dims, self.kernel_size, self.stride,
                          self.padding, output_size, where=repr(self))

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Undo MaxPool1d. See _MaxUnpoolNd."""

    dims = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Undo MaxPool2d. See _MaxUnpoolNd."""

    dims = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Undo MaxPool3d. See _MaxUnpoolNd."""

    dims = 3
