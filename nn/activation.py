"""Activation functions as modules, for `nn.Sequential(nn.Linear(784, 256), nn.ReLU(), ...)`.

Each module stores its options and calls the function of the same name in
nn/functional/activations.py (which calls the tensor engine's fused op, derivative
included). They have no parameters, so they add nothing to `state_dict()`. Names, options
and reprs are torch.nn's.
"""

from nn import functional as F
from nn.module import Module


class ReLU(Module):
    """max(x, 0): the default hidden-layer nonlinearity. (`inplace` is accepted for PyTorch
    compatibility; the output is always a new tensor.)"""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e^-x): squashes scores into probabilities in (0, 1)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x): squashes into (-1, 1), centred at 0."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """exp(x_i) / sum_j exp(x_j) along `dim`: scores to probabilities."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax(x) along `dim`, computed stably; pair it with NLLLoss (or use
    CrossEntropyLoss on the scores, which does both)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class SiLU(Module):
    """x sigma(x), also known as swish."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


# Swish (Ramachandran et al., 2017) and SiLU are the same function, x sigma(x). PyTorch only
# has the name SiLU; Swish is an alias here so that papers' name works too.
Swish = SiLU


class GELU(Module):
    """x Phi(x) (approximate="none") or its tanh approximation (approximate="tanh"): the
    smooth ReLU of transformers."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")
