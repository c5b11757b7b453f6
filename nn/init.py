"""Weight initialization (`nn.init`): fill a tensor in place with well-scaled random numbers.

Why the scale matters: a layer y = W x sums fan_in products, so if the entries of W have
variance s^2, the variance of y is about fan_in * s^2 * Var(x). Through many layers that factor
compounds: activations (and gradients) explode if it is above 1 and vanish if it is below 1.
The schemes here pick s so that it is about 1:

- Xavier/Glorot (2010), for tanh-like layers: Var(W) = gain^2 * 2 / (fan_in + fan_out), a
  compromise between keeping forward activations (fan_in) and backward gradients (fan_out)
  steady.
- Kaiming/He (2015), for ReLU layers: Var(W) = gain^2 / fan, with gain^2 = 2 for ReLU because
  ReLU zeroes half of its inputs and so halves the variance.

A uniform distribution on [-b, b] has variance b^2 / 3, so the uniform versions use
b = sqrt(3) * std. Random numbers come from the tensor's device generator, so
`tensor.manual_seed(0)` makes every initialization repeat exactly. All functions write into
the raw array (`t.array`), outside the graph (as PyTorch's run under no_grad), and count the
change on the tensor's version counter; each returns the tensor.
"""

import math

from tensor import random
from tensor.backend import get_backend


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: the factor by which its output's standard
    deviation should be scaled up to keep the variance steady (PyTorch's values):

        linear, conv*, sigmoid: 1     tanh: 5/3     relu: sqrt(2)
        leaky_relu: sqrt(2 / (1 + slope^2)), slope = param (default 0.01)     selu: 3/4
    """
    linear_like = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                   "conv_transpose2d", "conv_transpose3d", "sigmoid")
    if nonlinearity in linear_like:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one "
                     f"of {', '.join(linear_like)}, tanh, relu, leaky_relu, selu")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: for a Linear weight (out, in) that is (in, out); for a
    convolution weight (out, in, *kernel) each is multiplied by the kernel's size, since every
    output sums in * prod(kernel) products."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got "
                         f"shape {tuple(tensor.shape)}")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _samples(tensor, kind, generator=None):
    """Uniform [0, 1) or standard normal samples shaped like `tensor`, on its device, from its
    device's generator or `generator` (a tensor.Generator), in float64 for dtypes NumPy's
    generator does not draw directly."""
    source = random.source(generator, get_backend(tensor.device), "nn.init")
    dtype = tensor.dtype if tensor.dtype.name in ("float32", "float64") else "float64"
    draw = source.rand if kind == "uniform" else source.randn
    return draw(tensor.shape, dtype)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill `tensor` with samples from the uniform distribution on [a, b)."""
    # EXERCISE ch06.uniform: fill tensor.array with uniform samples in [a, b) (start from _samples)
    u = _samples(tensor, "uniform", generator)
    u *= b - a
    u += a
    tensor.array[...] = u
    # END EXERCISE
    tensor._bump_version()
    return tensor


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill `tensor` with samples from the normal distribution N(mean, std^2)."""
    z = _samples(tensor, "normal", generator)
    z *= std
    z += mean
    tensor.array[...] = z
    tensor._bump_version()
    return tensor


def constant_(tensor, val):
    """Fill `tensor` with the value `val`."""
    tensor.array.fill(val)
    tensor._bump_version()
    return tensor


def zeros_(tensor):
    """Fill `tensor` with zeros."""
    return constant_(tensor, 0)


def ones_(tensor):
    """Fill `tensor` with ones."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Xavier/Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Xavier/Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Kaiming/He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain =
    calculate_gain(nonlinearity, a) and fan = fan_in (keeps forward activations steady) or
    fan_out (keeps backward gradients steady). `Linear` uses a = sqrt(5), which gives
    b = 1 / sqrt(fan_in)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor  # an empty tensor: nothing to fill
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Kaiming/He normal: N(0, std^2) with std = calculate_gain(nonlinearity, a) / sqrt(fan)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
