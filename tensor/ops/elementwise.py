"""Elementwise arithmetic and math: `+ - * / **`, neg, exp, log, sqrt, abs, clamp, maximum,
minimum, where. Each op's local derivative sits right below its forward.

Put `Tensor.__mul__` (this file's `mul`) beside `Value.__mul__` in engine/value.py: the same
three steps, on whole arrays. The one new thing is `unbroadcast`: when an input was broadcast
to the output's shape, its gradient is summed back to its own shape (see ops/broadcast.py).

In a binary op, `a, b = self._pair(other, op)` makes `other` a Tensor (a number becomes a
constant), checks that both are on one device and broadcast together, and settles the dtype.
"""

from tensor.dtype import scalar_kind
from tensor.ops.broadcast import broadcast_shapes, unbroadcast


def add(self, other):
    a, b = self._pair(other, "+")
    out = a._result(a.data + b.data, (a, b), "+")

    def backward():  # d(a+b)/da = 1, d(a+b)/db = 1: the gradient flows through unchanged
        if a.requires_grad:
            a._accumulate(unbroadcast(out.grad, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(out.grad, b.shape))

    out._backward = backward
    return out


def sub(self, other):
    a, b = self._pair(other, "-")
    out = a._result(a.data - b.data, (a, b), "-")

    def backward():  # d(a-b)/da = 1, d(a-b)/db = -1
        if a.requires_grad:
            a._accumulate(unbroadcast(out.grad, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-out.grad, b.shape))

    out._backward = backward
    return out


def mul(self, other):
    a, b = self._pair(other, "*")
    out = a._result(a.data * b.data, (a, b), "*")

    def backward():  # d(a*b)/da = b, d(a*b)/db = a
        # EXERCISE ch04: accumulate unbroadcast(out.grad * b.data, a.shape) into a; likewise b
        if a.requires_grad:
            a._accumulate(unbroadcast(out.grad * b.data, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(out.grad * a.data, b.shape))
        # END EXERCISE

    out._backward = backward
    return out


def truediv(self, other):
    """a / b. Integer tensors are divided as floats (float32), as in PyTorch."""
    a, b = self._pair(other, "/")
    if a.data.dtype.kind != "f":  # after _pair both are ints (or bools)
        a, b = a.float(), b.float()
    out = a._result(a.data / b.data, (a, b), "/")

    def backward():  # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -(a/b)/b
        if a.requires_grad:
            a._accumulate(unbroadcast(out.grad / b.data, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-out.grad * out.data / b.data, b.shape))

    out._backward = backward
    return out


def pow(self, other):
    """a ** b, for a number or a tensor b.

    d(a**b)/da = b * a**(b-1). d(a**b)/db = a**b * ln a, defined for a > 0; where a <= 0 we
    use 0 (its limit at a = 0 from the right), so no log of a non-positive number is taken.
    """
    a, b = self._pair(other, "**")
    out = a._result(a.data**b.data, (a, b), "**")

    def backward():
        xp = a._backend.xp
        if a.requires_grad:
            a._accumulate(unbroadcast(out.grad * b.data * a.data ** (b.data - 1), a.shape))
        if b.requires_grad:
            positive = a.data > 0
            log_a = xp.log(xp.where(positive, a.data, 1))
            b._accumulate(unbroadcast(out.grad * out.data * log_a, b.shape))

    out._backward = backward
    return out


# Reflected ops: `2 * t` asks int.__mul__ first, which declines; Python then calls t.__rmul__(2).


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
    out = self._result(-self.data, (self,), "neg")

    def backward():  # d(-a)/da = -1
        self._accumulate(-out.grad)

    out._backward = backward
    return out


def exp(self):
    out = self._result(self._backend.xp.exp(self.data), (self,), "exp")

    def backward():  # d(e**a)/da = e**a: the output is its own derivative
        self._accumulate(out.grad * out.data)

    out._backward = backward
    return out


def log(self):
    """The natural logarithm (nan for negative numbers, -inf at 0, as in NumPy)."""
    out = self._result(self._backend.xp.log(self.data), (self,), "log")

    def backward():  # d(ln a)/da = 1/a
        self._accumulate(out.grad / self.data)

    out._backward = backward
    return out


def sqrt(self):
    out = self._result(self._backend.xp.sqrt(self.data), (self,), "sqrt")

    def backward():  # d(sqrt a)/da = 1 / (2 sqrt a), from the output
        self._accumulate(out.grad / (2 * out.data))

    out._backward = backward
    return out


def abs(self):
    xp = self._backend.xp
    out = self._result(xp.abs(self.data), (self,), "abs")

    def backward():  # d|a|/da = sign(a) (0 at the kink a = 0, as in PyTorch)
        self._accumulate(out.grad * xp.sign(self.data))

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
    out = self._result(xp.clip(self.data, min, max), (self,), "clamp")

    def backward():  # d clamp(a)/da = 1 inside the bounds, 0 outside
        inside = True
        if min is not None:
            inside = self.data >= min
        if max is not None:
            inside = inside & (self.data <= max)
        self._accumulate(out.grad * inside)

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
    out = a._result(getattr(xp, op)(a.data, b.data), (a, b), op)

    def backward():  # the gradient goes to whichever input was picked; halves on a tie
        won = (a.data > b.data) if op == "maximum" else (a.data < b.data)
        share_a = won.astype(out.grad.dtype) + (a.data == b.data) * out.grad.dtype.type(0.5)
        if a.requires_grad:
            a._accumulate(unbroadcast(out.grad * share_a, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(out.grad * (1 - share_a), b.shape))

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
    out = a._result(xp.where(condition.data, a.data, b.data), (condition, a, b), "where")

    def backward():
        zero = out.grad.dtype.type(0)
        if a.requires_grad:
            a._accumulate(unbroadcast(xp.where(condition.data, out.grad, zero), a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(xp.where(condition.data, zero, out.grad), b.shape))

    out._backward = backward
    return out
