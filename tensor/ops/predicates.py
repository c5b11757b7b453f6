"""Questions about values: isnan, isinf, isfinite, isclose, allclose, equal, nonzero,
where(condition) with one argument; and nan_to_num, which answers them by replacing values.

The questions return bool tensors (or, for allclose and equal, one Python bool) and have no
gradient: a bool does not change when its input moves a little. nan_to_num does: it passes
finite elements through (derivative 1) and replaces NaN and +-inf by constants (derivative 0).
"""

import numbers

from tensor.ops import elementwise


def _bools(input, array):
    from tensor.tensor import Tensor

    return Tensor._wrap(array, input._backend)


def isnan(input):
    """True where the element is NaN (not a number: 0/0, inf - inf, ...)."""
    return _bools(input, input._backend.xp.isnan(input.array))


def isinf(input):
    """True where the element is +inf or -inf."""
    return _bools(input, input._backend.xp.isinf(input.array))


def isfinite(input):
    """True where the element is an ordinary number: neither NaN nor +-inf."""
    return _bools(input, input._backend.xp.isfinite(input.array))


def _same_device(input, other, op):
    from tensor.tensor import Tensor

    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected a Tensor to compare with, got {type(other).__name__}")
    if other._backend is not input._backend:
        raise RuntimeError(f"{op}: the tensors are on {input.device} and {other.device}; move "
                           "one with .to(device) first")
    return other.array


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True where |input - other| <= atol + rtol |other|, elementwise (broadcast): equal up to
    an absolute tolerance near 0 and a relative one elsewhere."""
    xp = input._backend.xp
    b = _same_device(input, other, "isclose")
    return _bools(input, xp.isclose(input.array, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose holds everywhere: one Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def equal(input, other):
    """Whether the two tensors have the same shape and the same elements (NaN equals
    nothing): one Python bool."""
    b = _same_device(input, other, "equal")
    return input.shape == b.shape and bool((input.array == b).all())


def nonzero(input, *, as_tuple=False):
    """The indices of the non-zero (True) elements, in row-major order: a (count, ndim) int64
    tensor, one row per element, or with as_tuple=True one 1-d tensor per dimension (what
    indexing takes: x[x.nonzero(as_tuple=True)] is x[x != 0])."""
    from tensor.tensor import Tensor

    xp = input._backend.xp
    array = input.array.reshape(input.shape or (1,))  # a 0-d tensor acts as one element
    where = tuple(i.astype("int64") for i in xp.nonzero(array))
    if as_tuple:
        return tuple(Tensor._wrap(i, input._backend) for i in where)
    return Tensor._wrap(xp.stack(where, axis=1)[:, :input.ndim], input._backend)


def where(condition, input=None, other=None):
    """where(condition, input, other): input where condition holds, else other (see
    tensor/ops/elementwise.py, which has its gradient). where(condition) alone is
    nonzero(condition, as_tuple=True): the indices where it holds."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where expects (condition) or (condition, input, other)")
    return elementwise.where(condition, input, other)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by default the largest
    and the smallest finite number of the dtype). Finite elements pass through with
    derivative 1; the replaced ones are constants, derivative 0."""
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and not isinstance(value, numbers.Real):
            raise TypeError(f"nan_to_num: {name} must be a number, got {type(value).__name__}")
    xp = input._backend.xp
    if input.dtype.kind != "f":  # integers and bools have no NaN or inf
        return input._result(input.array.copy(), (input,), "nan_to_num")
    out = input._result(xp.nan_to_num(input.array, nan=nan, posinf=posinf, neginf=neginf),
                        (input,), "nan_to_num", saved=(input,))

    def backward(grad):  # 1 where the element was finite, 0 where it was replaced
        input._accumulate(grad * xp.isfinite(input.array))

    out._backward = backward
    return out


def where_method(self, condition, other):
    """Tensor.where(condition, other): self where condition holds, else other."""
    return elementwise.where(condition, self, other)
