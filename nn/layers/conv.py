"""Convolution layers: Conv1d/2d/3d, ConvTranspose1d/2d/3d, Unfold and Fold, with PyTorch's
arguments, defaults, weight layouts, state_dict keys and reprs.

A Conv2d(C, O, k) holds `weight` (O, C/groups, kh, kw) and `bias` (O,); ConvTranspose2d(C, O,
k) holds `weight` (C, O/groups, kh, kw), the layout of the convolution whose input gradient it
computes. The work is done by nn/functional/convolution.py (one fused node per call); the
modules store the options, check the input, and pad it first when padding_mode is not 'zeros'
('reflect', 'replicate', 'circular': tensor.pad, whose backward adds the gradient of every
copied element back onto its source).

Initialization is PyTorch's: kaiming_uniform_ with a = sqrt(5) on the weight, which is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in =
weight.shape[1] * prod(kernel_size) (for the transposed layout too, as in PyTorch).
"""

import math

import nn.functional as F
import tensor
from nn import init
from nn.functional.convolution import check_input, conv_padding
from nn.module import Module
from nn.parameter import Parameter
from tensor.ops import window

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


class _ConvNd(Module):
    """What convolution and transposed convolution layers share: options, parameters, init,
    checks and repr. `transposed` selects the weight layout."""

    dims = 0
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, padding_mode, output_padding=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        n = self.dims
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: {what} must be a positive int, got {value!r}")
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if value % groups:
                raise ValueError(f"{name}: {what}={value} must be divisible by groups={groups}")
        self.kernel_size = window.ntuple(kernel_size, n, "kernel_size", name)
        self.stride = window.ntuple(stride, n, "stride", name)
        self.dilation = window.ntuple(dilation, n, "dilation", name)
        self.output_padding = window.ntuple(output_padding, n, "output_padding", name)
        for what, values, minimum in (("kernel_size", self.kernel_size, 1),
                                      ("stride", self.stride, 1),
                                      ("dilation", self.dilation, 1),
                                      ("output_padding", self.output_padding, 0)):
            if any(v < minimum for v in values):
                raise ValueError(f"{name}: {what} must be >= {minimum}, got {values}")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be 'zeros', 'reflect', 'replicate' or "
                             f"'circular', got {padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        # (before, after) per dimension; raises for a bad string and for 'same' with stride > 1
        self._pads = conv_padding(name, n, padding, self.kernel_size, self.stride, self.dilation)
        self.padding = padding if isinstance(padding, str) else tuple(b for b, _ in self._pads)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.padding_mode = padding_mode
        options = dict(device=device, dtype=dtype)
        if self.transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(tensor.empty(shape, **options))
        if bias:
            self.bias = Parameter(tensor.empty((out_channels,), **options))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw new initial weights (PyTorch's scheme; see the module docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input):
        check_input(repr(self), input, self.dims, self.in_channels)
        amounts = tuple(a for pair in reversed(self._pads) for a in pair)  # F.pad's order
        if self.padding_mode == "zeros" or not any(amounts):
            return _CONV[self.dims](input, self.weight, self.bias, self.stride, self.padding,
                                    self.dilation, self.groups)
        padded = tensor.pad(input, amounts, mode=self.padding_mode)
        return _CONV[self.dims](padded, self.weight, self.bias, self.stride, 0, self.dilation,
                                self.groups)


class Conv1d(_Conv):
    """1-d convolution over (N, C_in, L) or (C_in, L) -> (N, C_out, L_out), L_out =
    floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1; weight
    (C_out, C_in/groups, k). See nn/functional/convolution.py for the math."""

    dims = 1


class Conv2d(_Conv):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out), each
    output size floor((n + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1; weight
    (C_out, C_in/groups, kh, kw). See nn/functional/convolution.py for the math."""

    dims = 2


class Conv3d(_Conv):
    """3-d convolution over (N, C_in, D, H, W) or (C_in, D, H, W); weight
    (C_out, C_in/groups, kd, kh, kw). See nn/functional/convolution.py for the math."""

    dims = 3


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device=device, dtype=dtype)

    def forward(self, input, output_size=None):
        """`output_size` (optional, the spatial sizes or a full shape) picks the output size
        among those a stride allows, by choosing output_padding (as PyTorch)."""
        check_input(repr(self), input, self.dims, self.in_channels)
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, tuple(output_size)[-self.dims:])
        return _TRANSPOSED[self.dims](input, self.weight, self.bias, self.stride, self.padding,
                                      output_padding, self.groups, self.dilation)

    def _output_padding(self, input, size):
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            input.shape[-self.dims:], self.stride, self.padding, self.dilation,
            self.kernel_size))
        extra = tuple(want - low for want, low in zip(size, smallest))
        if len(size) != self.dims or any(e < 0 or e >= s for e, s in zip(extra, self.stride)):
            largest = tuple(low + s - 1 for low, s in zip(smallest, self.stride))
            raise ValueError(f"{self!r}: output_size {size} is not between {smallest} and "
                             f"{largest} for an input of shape {tuple(input.shape)}")
        return extra


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution (the gradient of Conv1d with respect to its input):
    (N, C_in, L) -> (N, C_out, L_out), L_out = (L - 1) stride - 2 padding + dilation
    (kernel_size - 1) + output_padding + 1; weight (C_in, C_out/groups, k)."""

    dims = 1


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution (the gradient of Conv2d with respect to its input): each
    output size (n - 1) stride - 2 padding + dilation (kernel_size - 1) + output_padding + 1;
    weight (C_in, C_out/groups, kh, kw). Stride 2 doubles the image: an upsampling layer."""

    dims = 2


class ConvTranspose3d(_ConvTranspose):
    """3-d transposed convolution; weight (C_in, C_out/groups, kd, kh, kw)."""

    dims = 3


class Unfold(Module):
    """Sliding windows as columns, (N, C, H, W) -> (N, C * prod(kernel_size), L): F.unfold."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns back into an image, summing overlaps, (N, C * prod(kernel_size), L) ->
    (N, C, *output_size): F.fold, the adjoint of Unfold."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
