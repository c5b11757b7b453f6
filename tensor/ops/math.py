"""More elementwise math: trigonometric and hyperbolic functions, logarithms in other bases,
powers (square, rsqrt, reciprocal), rounding (floor, ceil, round, trunc, frac), signs, and
division with remainder (fmod, remainder, `%`, `//`).

Each op is the pattern of elementwise.py: the forward on the whole array, then its local
derivative. For a function y = f(x) applied to every element, the chain rule is one
multiplication, dL/dx = dL/dy * f'(x), so most ops here are two lines handed to `_unary`:
the forward `f` and the derivative `f'`, written from x (the input) or from y (the output,
when that is cheaper: d tan x/dx = 1 + tan**2 x = 1 + y**2).

Steps have no useful slope. floor, ceil, round, trunc and sign are flat between their jumps,
so their derivative is 0 wherever it exists, and PyTorch passes back a gradient of zeros (not
an error): a network through `round` trains nothing behind it. `//` and `number % x` have no
derivative in PyTorch at all: their backward is an error, here too.

Integer tensors: the transcendental functions (sin, log2, rsqrt, ...) compute in float32, as
in PyTorch; rounding and signs keep an integer tensor's dtype (its values are whole already).
"""

import math

from tensor.ops.broadcast import unbroadcast
from tensor.ops.elementwise import _floating
from tensor.ops.elementwise import pow as _pow


def _unary(self, op, forward, slope, reads):
    """y = forward(x) elementwise (x in float), recorded as `op`, with dL/dx = g * slope(x, y).
    `reads` says which arrays the slope needs, "x", "y" or "xy", so that only those are saved
    (an in-place change of anything else is then allowed)."""
    x = _floating(self.array)
    out = self._result(forward(x), (self,), op, saved=(self,) if "x" in reads else (),
                       saves_output="y" in reads)
    y = out.array

    def backward(grad):  # the chain rule, elementwise: dL/dx = dL/dy * f'(x)
        self._accumulate(grad * slope(x, y))

    out._backward = backward
    return out


# ---- trigonometric and hyperbolic functions ---------------------------------------------------


def sin(self):
    """sin x; d sin x/dx = cos x."""
    xp = self._backend.xp
    return _unary(self, "sin", xp.sin, lambda x, y: xp.cos(x), "x")


def cos(self):
    """cos x; d cos x/dx = -sin x."""
    xp = self._backend.xp
    return _unary(self, "cos", xp.cos, lambda x, y: -xp.sin(x), "x")


def tan(self):
    """tan x = sin x / cos x; by the quotient rule d tan x/dx = (cos**2 + sin**2)/cos**2 =
    1 + tan**2 x, read from the output."""
    xp = self._backend.xp
    return _unary(self, "tan", xp.tan, lambda x, y: 1 + y * y, "y")


def asin(self):
    """arcsin x, for x in [-1, 1] (nan outside). From sin(y) = x: cos(y) dy = dx, and
    cos y = sqrt(1 - sin**2 y), so d asin x/dx = 1 / sqrt(1 - x**2) (inf at x = +-1)."""
    xp = self._backend.xp
    return _unary(self, "asin", xp.arcsin, lambda x, y: 1 / xp.sqrt(1 - x * x), "x")


def acos(self):
    """arccos x = pi/2 - arcsin x, so d acos x/dx = -1 / sqrt(1 - x**2)."""
    xp = self._backend.xp
    return _unary(self, "acos", xp.arccos, lambda x, y: -1 / xp.sqrt(1 - x * x), "x")


def atan(self):
    """arctan x. From tan(y) = x: (1 + tan**2 y) dy = dx, so d atan x/dx = 1 / (1 + x**2)."""
    xp = self._backend.xp
    return _unary(self, "atan", xp.arctan, lambda x, y: 1 / (1 + x * x), "x")


def atan2(self, other):
    """atan2(y, x): the angle of the point (x, y), in (-pi, pi], with y = self and x = other
    (broadcast together). It is atan(y/x) corrected by the quadrant, so its partial
    derivatives are those of atan(y/x):

        d/dy = x / (x**2 + y**2)        d/dx = -y / (x**2 + y**2)

    (nan at the origin, where the angle is undefined, as in PyTorch)."""
    a, b = self._pair(other, "atan2")
    if a.array.dtype.kind != "f":
        a, b = a.float(), b.float()
    out = a._result(a._backend.xp.arctan2(a.array, b.array), (a, b), "atan2", saved=(a, b))

    def backward(grad):
        scale = grad / (a.array * a.array + b.array * b.array)
        if a.requires_grad:
            a._accumulate(unbroadcast(scale * b.array, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-scale * a.array, b.shape))

    out._backward = backward
    return out


def sinh(self):
    """sinh x = (e**x - e**-x)/2; its derivative is (e**x + e**-x)/2 = cosh x."""
    xp = self._backend.xp
    return _unary(self, "sinh", xp.sinh, lambda x, y: xp.cosh(x), "x")


def cosh(self):
    """cosh x = (e**x + e**-x)/2; its derivative is sinh x."""
    xp = self._backend.xp
    return _unary(self, "cosh", xp.cosh, lambda x, y: xp.sinh(x), "x")


# ---- logarithms and exponentials ------------------------------------------------------------


def log10(self):
    """log10 x = ln x / ln 10, so d log10 x/dx = 1 / (x ln 10)."""
    xp = self._backend.xp
    return _unary(self, "log10", xp.log10, lambda x, y: 1 / (x * math.log(10)), "x")


def log2(self):
    """log2 x = ln x / ln 2, so d log2 x/dx = 1 / (x ln 2)."""
    xp = self._backend.xp
    return _unary(self, "log2", xp.log2, lambda x, y: 1 / (x * math.log(2)), "x")


def log1p(self):
    """ln(1 + x), exact for tiny x (where 1 + x would round to 1 and the log lose every
    digit); d/dx = 1 / (1 + x)."""
    xp = self._backend.xp
    return _unary(self, "log1p", xp.log1p, lambda x, y: 1 / (1 + x), "x")


def expm1(self):
    """e**x - 1, exact for tiny x (the partner of log1p); d/dx = e**x = y + 1."""
    xp = self._backend.xp
    return _unary(self, "expm1", xp.expm1, lambda x, y: y + 1, "y")


# ---- powers ------------------------------------------------------------------------------------


def square(self):
    """x**2. Composite: it IS `x ** 2` (PyTorch records it as a PowBackward0 too), with the
    power rule's gradient 2x; an integer tensor stays an integer."""
    return _pow(self, 2)


def rsqrt(self):
    """1 / sqrt(x) = x**(-1/2); d/dx = -1/2 x**(-3/2) = -y**3 / 2, read from the output."""
    xp = self._backend.xp
    return _unary(self, "rsqrt", lambda x: 1 / xp.sqrt(x), lambda x, y: -0.5 * y * y * y, "y")


def reciprocal(self):
    """1 / x; d/dx = -1/x**2 = -y**2. Integer tensors give float32, as in PyTorch."""
    return _unary(self, "reciprocal", lambda x: 1 / x, lambda x, y: -y * y, "y")


# ---- rounding and signs: steps, whose slope is 0 -------------------------------------------


def _step(self, op, forward):
    """A piecewise-constant function of every element: its derivative is 0 wherever it is
    defined, and PyTorch passes back zeros (at the jumps too). Integer tensors are already
    whole: rounding returns a copy with their dtype."""
    data = self.array
    out = self._result(forward(data) if data.dtype.kind == "f" else data.copy(), (self,), op)

    def backward(grad):  # flat: d step(x)/dx = 0
        self._accumulate(self._backend.xp.zeros_like(grad))

    out._backward = backward
    return out


def floor(self):
    """The largest whole number <= x (floor(-1.5) = -2); gradient 0."""
    return _step(self, "floor", self._backend.xp.floor)


def ceil(self):
    """The smallest whole number >= x (ceil(-1.5) = -1); gradient 0."""
    return _step(self, "ceil", self._backend.xp.ceil)


def trunc(self):
    """x with its fractional part dropped, rounding toward 0 (trunc(-1.5) = -1); gradient 0."""
    return _step(self, "trunc", self._backend.xp.trunc)


def round(self, decimals=0):
    """The nearest whole number, halves to the even neighbour (round(2.5) = 2, round(3.5) = 4,
    as in PyTorch and NumPy); with `decimals`, to that many decimal places. Gradient 0."""
    xp = self._backend.xp
    if decimals == 0:
        return _step(self, "round", xp.round)
    return _step(self, "round(decimals)", lambda x: xp.round(x, decimals))


def sign(self):
    """-1, 0 or 1 by the sign of x (integer tensors keep their dtype). Gradient 0: the slope of
    a step (PyTorch does not give the delta function at 0 either)."""
    return _step_keeping_dtype(self, "sign")


def sgn(self):
    """PyTorch's sign for complex numbers too (x / |x|); for real tensors it is `sign`."""
    return _step_keeping_dtype(self, "sgn")


def _step_keeping_dtype(self, op):
    out = self._result(self._backend.xp.sign(self.array), (self,), op)

    def backward(grad):  # flat on each side of 0
        self._accumulate(self._backend.xp.zeros_like(grad))

    out._backward = backward
    return out


def frac(self):
    """x - trunc(x), the fractional part with x's sign (frac(-1.5) = -0.5). The truncation
    is a step, so d frac(x)/dx = 1. Floats only, as in PyTorch."""
    if self.array.dtype.kind != "f":
        raise TypeError(f"frac() needs a floating-point tensor, got dtype {self.dtype} (whose "
                        "fractional parts are all 0)")
    xp = self._backend.xp
    return _unary(self, "frac", lambda x: x - xp.trunc(x), lambda x, y: xp.ones_like(y), "")


# ---- division with remainder ---------------------------------------------------------------
# a = q b + r in two conventions. fmod (C's fmod) truncates the quotient toward 0, so r has
# a's sign: fmod(-7, 3) = -1. remainder (Python's %) floors it, so r has b's sign:
# -7 % 3 = 2, 7 % -3 = -2. Either way r = a - q(a, b) b with a quotient q that is a step in
# a and b, so
#     dr/da = 1          dr/db = -q       (q = trunc(a/b) for fmod, floor(a/b) for remainder)


def fmod(self, other):
    """The remainder of a / b with a's sign (C's fmod): fmod(-7, 3) = -1. See above."""
    return _remainder(self, other, "fmod")


def remainder(self, other):
    """The remainder of a / b with b's sign (Python's %): -7 % 3 = 2, 7 % -3 = -2. A number
    may come first (remainder(2.0, x), 2.0 % x); PyTorch has no gradient for x then."""
    from tensor.tensor import Tensor  # here, not at the top: tensor.py imports this module

    if not isinstance(self, Tensor):
        return rremainder(other, self)
    return _remainder(self, other, "remainder")


def _remainder(self, other, op):
    from tensor.tensor import Tensor

    a, b = self._pair(other, "%" if op == "remainder" else op)
    xp = a._backend.xp
    _check_integer_divisor(b, op)
    name = op if isinstance(other, Tensor) else f"{op}(number)"
    kernel = xp.fmod if op == "fmod" else xp.remainder
    out = a._result(kernel(a.array, b.array), (a, b), name, saved=(a, b))

    def backward(grad):  # dr/da = 1, dr/db = -q
        if a.requires_grad:
            a._accumulate(unbroadcast(grad, a.shape))
        if b.requires_grad:
            rounding = xp.trunc if op == "fmod" else xp.floor
            b._accumulate(unbroadcast(-grad * rounding(a.array / b.array), b.shape))

    out._backward = backward
    return out


def rremainder(self, other):
    """`number % x` (x = self). PyTorch has no derivative for this form: backward raises."""
    a, b = self._constant(other, "%")._pair(self, "%")
    _check_integer_divisor(b, "remainder")
    out = a._result(a._backend.xp.remainder(a.array, b.array), (a, b), "remainder(number, x)")
    out._backward = _not_differentiable("remainder")
    return out


def floor_divide(self, other):
    """a // b: the quotient rounded down (Python's //; -7 // 2 = -4), so that
    a == (a // b) * b + a % b. A step in a and b; PyTorch gives it no derivative, so backward
    through it raises (use a / b for a differentiable quotient)."""
    from tensor.tensor import Tensor

    if not isinstance(self, Tensor):
        return rfloor_divide(other, self)
    a, b = self._pair(other, "//")
    return _floor_divide(a, b)


def rfloor_divide(self, other):
    """`number // x` (x = self)."""
    a, b = self._constant(other, "//")._pair(self, "//")
    return _floor_divide(a, b)


def _floor_divide(a, b):
    _check_integer_divisor(b, "floor_divide")
    out = a._result(a._backend.xp.floor_divide(a.array, b.array), (a, b), "floor_divide")
    out._backward = _not_differentiable("floor_divide")
    return out


def _not_differentiable(op):
    """A backward step for an op that PyTorch records without a derivative: it raises."""

    def backward(grad):
        raise RuntimeError(f"the derivative for '{op}' is not implemented (as in PyTorch); "
                           "the gradient cannot flow through it")

    return backward


def _check_integer_divisor(b, op):
    """Integer division by 0 has no answer (NumPy would quietly give 0); PyTorch raises
    ZeroDivisionError, so do we. (Floats give nan or inf, as in PyTorch.)"""
    if b.array.dtype.kind in "iub" and bool((b.array == 0).any()):
        raise ZeroDivisionError(f"{op}: integer division by zero (the divisor has zeros)")
