"""Activation functions: relu, sigmoid, tanh, gelu, silu, leaky_relu, elu, softmax,
log_softmax. Each is one fused op with its derivative written out, rather than a composite of
exp, +, / ..., because activations run on every element of every layer: one node instead of
five, and numerically stable formulas (no exp overflows for large inputs).

Names and arguments are torch.nn.functional's.
"""

import math

from tensor.dtype import float16, float32
from tensor.ops.elementwise import _floating
from tensor.ops.normal_cdf import normal_cdf, normal_pdf
from tensor.ops.shape import normalize_dim


def relu(self):
    out = self._result(self._backend.xp.maximum(self.array, 0), (self,), "relu",
                       saves_output=True)
    result = out.array

    def backward(grad):  # d max(a, 0)/da = 1 where a > 0, else 0 (we take 0 at the kink a = 0)
        self._accumulate(grad * (result > 0))

    out._backward = backward
    return out


def _sigmoid(xp, x):
    """1 / (1 + e**-x), computed from e = e**-|x| (which never overflows): 1 / (1 + e) for
    x >= 0 and e / (1 + e) for x < 0, the same number."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid(self):
    s = _sigmoid(self._backend.xp, _floating(self.array))
    out = self._result(s, (self,), "sigmoid", saves_output=True)

    def backward(grad):  # d sigma(a)/da = sigma(a) (1 - sigma(a)), from the output
        self._accumulate(grad * s * (1 - s))

    out._backward = backward
    return out


def tanh(self):
    out = self._result(self._backend.xp.tanh(_floating(self.array)), (self,), "tanh",
                       saves_output=True)
    result = out.array

    def backward(grad):  # d tanh(a)/da = 1 - tanh(a)**2, from the output
        self._accumulate(grad * (1 - result * result))

    out._backward = backward
    return out


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def gelu(self, approximate="none"):
    """GELU(x) = x Phi(x), Phi the standard normal CDF (approximate="none"), or PyTorch's tanh
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))) (approximate="tanh").

    float16 is computed in float32 and rounded back, as PyTorch does: in float16, x**3
    overflows past |x| = 40 and x**2 past 256, and the tanh form's gradient would become
    0 * inf = nan."""
    xp = self._backend.xp
    x = self.array
    if x.dtype == float16:
        x = x.astype(float32)
    if approximate == "none":
        cdf = normal_cdf(xp, x)
        out = self._result((x * cdf).astype(self.dtype, copy=False), (self,), "gelu",
                           saved=(self,))

        def backward(grad):  # d(x Phi(x))/dx = Phi(x) + x phi(x)
            self._accumulate(grad * (cdf + x * normal_pdf(xp, x)))

    elif approximate == "tanh":
        t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
        out = self._result((0.5 * x * (1 + t)).astype(self.dtype, copy=False), (self,), "gelu",
                           saved=(self,))

        def backward(grad):  # product rule, and d tanh(u)/du = 1 - tanh(u)**2
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            self._accumulate(grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du))

    else:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    out._backward = backward
    return out


def silu(self):
    """SiLU (swish): x sigma(x)."""
    s = _sigmoid(self._backend.xp, self.array)
    out = self._result(self.array * s, (self,), "silu", saved=(self,))

    def backward(grad):  # d(x s)/dx = s + x s (1 - s)
        self._accumulate(grad * s * (1 + self.array * (1 - s)))

    out._backward = backward
    return out


def leaky_relu(self, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    xp = self._backend.xp
    positive = self.array > 0
    out = self._result(xp.where(positive, self.array, self.array * negative_slope), (self,),
                       "leaky_relu", saved=(self,))

    def backward(grad):  # slope 1 or negative_slope
        self._accumulate(xp.where(positive, grad, grad * negative_slope))

    out._backward = backward
    return out


def elu(self, alpha=1.0):
    """x for x > 0, alpha (e**x - 1) otherwise (exp is only taken of x <= 0: no overflow)."""
    xp = self._backend.xp
    positive = self.array > 0
    negative_part = alpha * xp.expm1(xp.minimum(self.array, 0))
    out = self._result(xp.where(positive, self.array, negative_part), (self,), "elu",
                       saves_output=True)
    result = out.array

    def backward(grad):  # 1 for x > 0; alpha e**x = out + alpha otherwise
        self._accumulate(xp.where(positive, grad, grad * (result + alpha)))

    out._backward = backward
    return out


def softmax(self, dim=-1):
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along `dim`, computed from x - max(x) (the same
    value, but no exp overflows). With y = softmax(x), dy_i/dx_j = y_i (delta_ij - y_j), so the
    gradient is y * (g - sum_j g_j y_j)."""
    xp = self._backend.xp
    axis = normalize_dim(dim, self.ndim, "softmax")
    e = xp.exp(self.array - _row_max(self, axis, "softmax"))
    out = self._result(e / e.sum(axis=axis, keepdims=True), (self,), "softmax",
                       saves_output=True)
    result = out.array

    def backward(grad):  # y * (g - sum(g * y))
        y, g = result, grad
        self._accumulate(y * (g - (g * y).sum(axis=axis, keepdims=True)))

    out._backward = backward
    return out


def log_softmax(self, dim=-1):
    """log softmax(x)_i = x_i - log sum_j exp(x_j), computed as x - max - log sum exp(x - max)
    so that no exp overflows (logits of 1e4 stay finite). Its gradient is
    g - softmax(x) * sum(g), with softmax(x) = exp(log_softmax(x)), the output."""
    xp = self._backend.xp
    axis = normalize_dim(dim, self.ndim, "log_softmax")
    shifted = self.array - _row_max(self, axis, "log_softmax")
    out = self._result(shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True)),
                       (self,), "log_softmax", saves_output=True)
    result = out.array

    def backward(grad):  # d/dx_j sum_i g_i (x_i - logsumexp(x)) = g_j - softmax(x)_j sum_i g_i
        g = grad
        # EXERCISE ch05.log_softmax: add g - softmax(x) * sum(g) into self (softmax = exp(out))
        self._accumulate(g - xp.exp(result) * g.sum(axis=axis, keepdims=True))
        # END EXERCISE

    out._backward = backward
    return out


def _row_max(self, axis, op):
    """max(x) along `axis` (kept), the shift that keeps softmax's exp from overflowing. Only
    floats have a softmax (PyTorch refuses integer tensors too); an empty tensor has nothing
    to shift (and NumPy's max of nothing is an error)."""
    if self.array.dtype.kind != "f":
        raise TypeError(f"{op}() needs a floating-point tensor, got dtype {self.dtype}; "
                        "convert it first, e.g. x.float() (or pass dtype=tensor.float32)")
    if self.array.size == 0:
        return self.array.dtype.type(0)
    return self.array.max(axis=axis, keepdims=True)
