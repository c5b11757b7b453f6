"""Fully-connected layers: `Linear` (y = x W^T + b) and `Identity` (y = x)."""

import math
import numbers

import nn.functional as F
import tensor
from nn import init
from nn.module import Module
from nn.parameter import Parameter


class Identity(Module):
    """Returns its input unchanged; a placeholder where a layer is optional (any arguments
    are accepted and ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    r"""y = x W^T + b, applied to the last dimension of x: (*, in_features) -> (*, out_features).

    `weight` has shape (out_features, in_features) (one row per output, PyTorch's layout) and
    `bias` shape (out_features,). Both start uniform in [-1/sqrt(in_features),
    1/sqrt(in_features)] (PyTorch's default: kaiming_uniform_ with a = sqrt(5) for the weight),
    which keeps the outputs' variance about a third of the inputs'.

    The work is `F.linear` (nn/functional/linear.py), one fused node whose backward gives
    dL/dW = (dL/dy)^T x and dL/db = dL/dy summed over the batch, with dL/dx = (dL/dy) W.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
                raise ValueError(f"Linear: {name} must be a whole number >= 0 (a size), got "
                                 f"{n!r}")
        self.in_features = in_features
        self.out_features = out_features
        options = dict(device=device, dtype=dtype)
        self.weight = Parameter(tensor.empty((out_features, in_features), **options))
        if bias:
            self.bias = Parameter(tensor.empty((out_features,), **options))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw new initial weights (PyTorch's scheme; see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ValueError(f"{self!r} expected input of shape (*, {self.in_features}), got "
                             f"{tuple(input.shape)}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
