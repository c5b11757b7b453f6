"""Activations as functions: the tensor engine's fused ops (tensor/ops/activation.py), each one
node with its derivative written out; here they only get PyTorch's signatures."""

import tensor
from nn.functional._checks import _check_tensor

# PyTorch's `inplace=True` overwrites the input to save memory. Here `inplace` is accepted for
# compatibility and a new tensor is returned with the input left as it was: always correct,
# never a version-counter error in backward. Use the return value, as PyTorch code does.


def relu(input, inplace=False):
    """max(x, 0), elementwise; gradient 1 where x > 0, else 0."""
    return tensor.relu(_check_tensor(input, "relu"))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise: ReLU that lets a little gradient through
    for negative inputs, so a unit never dies completely."""
    return tensor.leaky_relu(_check_tensor(input, "leaky_relu"), negative_slope)


def sigmoid(input):
    """1 / (1 + e^-x), in (0, 1); gradient sigma(x) (1 - sigma(x))."""
    return tensor.sigmoid(_check_tensor(input, "sigmoid"))


def tanh(input):
    """tanh(x), in (-1, 1); gradient 1 - tanh(x)^2."""
    return tensor.tanh(_check_tensor(input, "tanh"))


def silu(input, inplace=False):
    """SiLU, also called swish: x sigma(x)."""
    return tensor.silu(_check_tensor(input, "silu"))


def gelu(input, approximate="none"):
    """GELU: x Phi(x), Phi the standard normal CDF (approximate="none"), or the tanh
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate="tanh")."""
    return tensor.gelu(_check_tensor(input, "gelu"), approximate)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise: smooth, with negative outputs down to -alpha."""
    return tensor.elu(_check_tensor(input, "elu"), alpha)


def softmax(input, dim=None, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along `dim`: turns scores into probabilities (non-negative,
    summing to 1). `dim` is required (PyTorch's guess when it is left out is deprecated);
    `dtype` converts the input first, e.g. to compute in float64."""
    input = _softmax_input(input, dim, dtype, "softmax")
    return tensor.softmax(input, dim)


def log_softmax(input, dim=None, dtype=None):
    """log softmax(x)_i = x_i - log sum_j exp(x_j) along `dim`, computed stably (see
    tensor/ops/activation.py). Feed it to `nll_loss`, or use `cross_entropy` for both."""
    input = _softmax_input(input, dim, dtype, "log_softmax")
    return tensor.log_softmax(input, dim)


def _softmax_input(input, dim, dtype, name):
    _check_tensor(input, name)
    if dim is None:
        raise TypeError(f"{name}() needs dim=, the dimension that holds the classes (dim=1 "
                        f"for scores of shape (N, C), dim=-1 for the last one)")
    return input if dtype is None else input.to(dtype)
