"""Elementwise arithmetic and math: `+ - * / **`, neg, exp, log, sqrt, abs, clamp, maximum,
minimum, where. Each op's local derivative sits right below its forward.

Put `Tensor.__mul__` (this file's `mul`) beside `Value.__mul__` in engine/value.py: the same
three steps, on whole arrays. The one new thing is `unbroadcast`: when an input was broadcast
to the output's shape, its gradient is summed back to its own shape (see ops/broadcast.py).

In a binary op, `a, b = self._pair(other, op)` makes `other` a Tensor (a number becomes a
constant), checks that both are on one device and broadcast together, and settles the dtype.
"""

from tensor import dtype as dtypes
from tensor.dtype import scalar_kind
from tensor.ops.broadcast import broadcast_shapes, unbroadcast


def add(self, other):
    a, b = self._pair(other, "+")
    out = a._result(a.array + b.array, (a, b), "+")

    def backward(grad):  # d(a+b)/da = 1, d(a+b)/db = 1: the gradient flows through unchanged
        if a.requires_grad:
            a._accumulate(unbroadcast(grad, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(grad, b.shape))

    out._backward = backward
    return out


def sub(self, other):
    a, b = self._pair(other, "-")
    out = a._result(a.array - b.array, (a, b), "-")

    def backward(grad):  # d(a-b)/da = 1, d(a-b)/db = -1
        if a.requires_grad:
            a._accumulate(unbroadcast(grad, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-grad, b.shape))

    out._backward = backward
    return out


def mul(self, other):
    a, b = self._pair(other, "*")
    out = a._result(a.array * b.array, (a, b), "*", saved=_needed(a, b))

    def backward(grad):  # d(a*b)/da = b, d(a*b)/db = a
        # EXERCISE ch04.mul: accumulate unbroadcast(grad * b.array, a.shape) into a; likewise b
        if a.requires_grad:
            a._accumulate(unbroadcast(grad * b.array, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(grad * a.array, b.shape))
        # END EXERCISE

    out._backward = backward
    return out


def truediv(self, other):
    """a / b. Integer tensors are divided as floats (float32), as in PyTorch."""
    a, b = self._pair(other, "/")
    if a.array.dtype.kind != "f":  # after _pair both are ints (or bools)
        a, b = a.float(), b.float()
    out = a._result(a.array / b.array, (a, b), "/", saved=(b,), saves_output=b.requires_grad)
    result = out.array

    def backward(grad):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -(a/b)/b
        if a.requires_grad:
            a._accumulate(unbroadcast(grad / b.array, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-grad * result / b.array, b.shape))

    out._backward = backward
    return out


def pow(self, other):
    """a ** b, for a number or a tensor b.

    d(a**b)/da = b * a**(b-1), and 0 where b = 0 (a**0 = 1 is flat: the formula's
    0 * 0**-1 = 0 * inf would give nan at a = 0, as PyTorch avoids too). d(a**b)/db =
    a**b * ln a, defined for a > 0; where a <= 0 we use 0 (its limit at a = 0 from the
    right), so no log of a non-positive number is taken.
    """
    a, b = self._pair(other, "**")
    out = a._result(a.array**b.array, (a, b), "**", saved=(a, b), saves_output=b.requires_grad)
    result = out.array

    def backward(grad):
        xp = a._backend.xp
        if a.requires_grad:
            n = b.array
            safe_n = xp.where(n == 0, n.dtype.type(1), n)  # where n = 0: n * a**0 = 0, exactly
            a._accumulate(unbroadcast(grad * n * a.array ** (safe_n - 1), a.shape))
        if b.requires_grad:
            positive = a.array > 0
            log_a = xp.log(xp.where(positive, a.array, 1))
            b._accumulate(unbroadcast(grad * result * log_a, b.shape))

    out._backward = backward
    return out


# Reflected ops: `2 * t` asks int.__mul__ first, which declines; Python then calls t.__rmul__(2).


def _needed(a, b):
    """What a product's backward reads: b for a's gradient, a for b's (only those needed)."""
    return (b if a.requires_grad else None, a if b.requires_grad else None)


def radd(self, other):
    return add(self._constant(other, "+"), self)


def rsub(self, other):
    return sub(self._constant(other, "-"), self)


def rmul(self, other):
    return mul(self._constant(other, "*"), self)


def rtruediv(self, other):
    return truediv(self._constant(other, "/"), self)


def rpow(self, other):
    return pow(self._constant(other, "**"), self)


def neg(self):
    out = self._result(-self.array, (self,), "neg")

    def backward(grad):  # d(-a)/da = -1
        self._accumulate(-grad)

    out._backward = backward
    return out


def _floating(array):
    """The values as floats for a math function (exp, log, sqrt, sigmoid, tanh): integer and
    bool tensors are computed in the default dtype (float32), as in PyTorch (NumPy would pick
    float64)."""
    return array if array.dtype.kind == "f" else array.astype(dtypes.DEFAULT_FLOAT)


def exp(self):
    out = self._result(self._backend.xp.exp(_floating(self.array)), (self,), "exp",
                       saves_output=True)
    result = out.array

    def backward(grad):  # d(e**a)/da = e**a: the output is its own derivative
        self._accumulate(grad * result)

    out._backward = backward
    return out


def log(self):
    """The natural logarithm (nan for negative numbers, -inf at 0, as in NumPy)."""
    out = self._result(self._backend.xp.log(_floating(self.array)), (self,), "log",
                       saved=(self,))

    def backward(grad):  # d(ln a)/da = 1/a
        self._accumulate(grad / self.array)

    out._backward = backward
    return out


def sqrt(self):
    out = self._result(self._backend.xp.sqrt(_floating(self.array)), (self,), "sqrt",
                       saves_output=True)
    result = out.array

    def backward(grad):  # d(sqrt a)/da = 1 / (2 sqrt a), from the output
        self._accumulate(grad / (2 * result))

    out._backward = backward
    return out


def abs(self):
    xp = self._backend.xp
    out = self._result(xp.abs(self.array), (self,), "abs", saved=(self,))

    def backward(grad):  # d|a|/da = sign(a) (0 at the kink a = 0, as in PyTorch)
        self._accumulate(grad * xp.sign(self.array))

    out._backward = backward
    return out


def clamp(self, min=None, max=None):
    """Limit every element to [min, max] (either bound may be None). The gradient is passed
    where min <= a <= max and is 0 where a was clipped."""
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max")
    for bound in (min, max):
        if bound is not None and scalar_kind(bound) is None:
            raise TypeError(f"clamp: min and max must be numbers, got {type(bound).__name__} "
                            "(for tensor bounds use maximum and minimum)")
    xp = self._backend.xp
    out = self._result(xp.clip(self.array, min, max), (self,), "clamp", saved=(self,))

    def backward(grad):  # d clamp(a)/da = 1 inside the bounds, 0 outside
        inside = True
        if min is not None:
            inside = self.array >= min
        if max is not None:
            inside = inside & (self.array <= max)
        self._accumulate(grad * inside)

    out._backward = backward
    return out


def maximum(self, other):
    """The elementwise larger of a and b. Where they are equal, each gets half the gradient
    (the same convention as PyTorch)."""
    return _pick(self, other, "maximum")


def minimum(self, other):
    """The elementwise smaller of a and b (ties share the gradient, as in `maximum`)."""
    return _pick(self, other, "minimum")


def _pick(self, other, op):
    a, b = self._pair(other, op)
    xp = a._backend.xp
    out = a._result(getattr(xp, op)(a.array, b.array), (a, b), op, saved=(a, b))

    def backward(grad):  # the gradient goes to whichever input was picked; halves on a tie
        won = (a.array > b.array) if op == "maximum" else (a.array < b.array)
        share_a = won.astype(grad.dtype) + (a.array == b.array) * grad.dtype.type(0.5)
        if a.requires_grad:
            a._accumulate(unbroadcast(grad * share_a, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(grad * (1 - share_a), b.shape))

    out._backward = backward
    return out


def where(condition, input, other):
    """condition ? input : other, elementwise (numbers allowed for input and other). The
    gradient goes to input where condition holds, and to other elsewhere."""
    from tensor.tensor import Tensor  # here, not at the top: tensor.py imports this module

    if not isinstance(condition, Tensor) or condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool Tensor, got "
                        f"{getattr(condition, 'dtype', type(condition).__name__)}")
    if isinstance(input, Tensor):
        a, b = input._pair(other, "where")
    elif isinstance(other, Tensor):
        b, a = other._pair(input, "where")
    else:
        a, b = condition._constant(input, "where")._pair(other, "where")
    if a._backend is not condition._backend:
        raise RuntimeError(f"'where' got tensors on two devices, {condition.device} and "
                           f"{a.device}; move one with .to(device) first")
    broadcast_shapes(condition.shape, broadcast_shapes(a.shape, b.shape, "where"), "where")
    xp = a._backend.xp
    out = a._result(xp.where(condition.array, a.array, b.array), (condition, a, b), "where",
                    saved=(condition,))

    def backward(grad):
        zero = grad.dtype.type(0)
        if a.requires_grad:
            a._accumulate(unbroadcast(xp.where(condition.array, grad, zero), a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(xp.where(condition.array, zero, grad), b.shape))

    out._backward = backward
    return out
