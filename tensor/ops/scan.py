"""Running sums and products along a dimension (cumsum, cumprod) and the product of the
elements (prod), with their gradients.

A running sum y_i = x_1 + ... + x_i uses x_j in every y_i with i >= j, each time with slope 1,
so dL/dx_j = sum_{i >= j} g_i: the running sum of the gradient taken from the other end
(flip, cumsum, flip back). Products need more care because of zeros; see `cumprod` and `prod`.

Integer and bool tensors are summed and multiplied as int64, as in PyTorch (no overflow of a
small dtype); `dtype=` casts the input first.
"""

import numbers

from tensor import dtype as dtypes
from tensor.ops.reduction import _drop
from tensor.ops.shape import normalize_dim


def _cast(self, dtype):
    """The input as it takes part: cast to `dtype` when given (a recorded conversion, so the
    gradient returns in the input's dtype), else ints and bools widened to int64."""
    if dtype is not None:
        return self.to(dtype)
    if self.array.dtype.kind in "biu" and self.array.dtype != dtypes.int64:
        return self.to(dtypes.int64)
    return self


def _reverse_cumsum(xp, g, axis):
    """sum_{i >= j} g_i for every j along `axis`: the running sum from the far end."""
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)


def _along(self, dim, op):
    """The input as an array with at least one dimension (a 0-d tensor is a sequence of one,
    as in PyTorch) and the axis to scan."""
    axis = normalize_dim(dim, self.ndim, op)
    return self.array.reshape(self.shape or (1,)), axis


def cumsum(self, dim, *, dtype=None):
    """y_i = x_1 + ... + x_i along `dim`. Its gradient is the reversed running sum of the
    output's gradient: dL/dx_j = sum_{i >= j} dL/dy_i."""
    x = _cast(self, dtype)
    xp = x._backend.xp
    data, axis = _along(x, dim, "cumsum")
    out = x._result(xp.cumsum(data, axis=axis).reshape(x.shape), (x,), "cumsum")

    def backward(grad):
        x._accumulate(_reverse_cumsum(xp, grad.reshape(data.shape), axis).reshape(x.shape))

    out._backward = backward
    return out


def cumprod(self, dim, *, dtype=None):
    """y_i = x_1 x_2 ... x_i along `dim`.

    y_i depends on x_j (j <= i) with slope dy_i/dx_j = prod_{k <= i, k != j} x_k, which is
    y_i / x_j when x_j != 0. So, with g = dL/dy, dL/dx_j = (sum_{i >= j} g_i y_i) / x_j: a
    reversed running sum, divided. That formula divides by zero at a zero x_z, and is fixed
    in three parts of the sequence, as PyTorch does:
    - before the first zero (j < z) it holds as written (every y_i with i >= z is 0 anyway);
    - at the first zero, the products skipping x_z are the running products of x with x_z
      replaced by 1: dL/dx_z = sum_{i >= z} g_i cumprod(x with x_z = 1)_i;
    - after it, every y_i still contains the factor x_z = 0: dL/dx_j = 0.
    """
    x = _cast(self, dtype)
    xp = x._backend.xp
    data, axis = _along(x, dim, "cumprod")
    out = x._result(xp.cumprod(data, axis=axis).reshape(x.shape), (x,), "cumprod",
                    saved=(x,), saves_output=True)
    result = out.array.reshape(data.shape)

    def backward(grad):
        g = grad.reshape(data.shape)
        zero = data == 0
        zeros_so_far = xp.cumsum(zero, axis=axis)
        before = zeros_so_far == 0
        first = zero & (zeros_so_far == 1)
        one = data.dtype.type(1)
        dx = xp.where(before, _reverse_cumsum(xp, g * result, axis) / xp.where(before, data, one),
                      0)
        skipping = xp.cumprod(xp.where(first, one, data), axis=axis)  # x_z replaced by 1
        dx = dx + xp.where(first, _reverse_cumsum(xp, g * skipping, axis), 0)
        x._accumulate(dx.reshape(x.shape))

    out._backward = backward
    return out


def prod(self, dim=None, keepdim=False, *, dtype=None):
    """The product of all elements, or along one dimension `dim` (an int, as in PyTorch).

    d(x_1 ... x_n)/dx_j = the product of the others, which is P / x_j when no x is 0. With one
    zero, only that element has a nonzero slope (the product of the others); with two or
    more, every slope contains a zero factor and is 0."""
    if dim is not None and not isinstance(dim, numbers.Integral):
        raise TypeError(f"prod(dim): dim must be one integer (PyTorch's prod reduces one "
                        f"dimension or all of them), got {dim!r}")
    x = _cast(self, dtype)
    xp = x._backend.xp
    axes = tuple(range(x.ndim)) if dim is None else (normalize_dim(dim, x.ndim, "prod"),)
    axes = axes if x.ndim else ()
    kept = x.array.prod(axis=axes, keepdims=True)
    name = "prod" if dim is None else "prod(dim)"
    out = x._result(_drop(kept, axes, keepdim and dim is not None), (x,), name, saved=(x,))

    def backward(grad):
        data = x.array
        zero = data == 0
        zeros = zero.sum(axis=axes, keepdims=True)
        one = data.dtype.type(1)
        others = xp.where(zero, one, data).prod(axis=axes, keepdims=True)  # product of nonzeros
        slope = xp.where(zeros == 0, others / xp.where(zero, one, data),
                         xp.where((zeros == 1) & zero, others, 0))
        x._accumulate(grad.reshape(kept.shape) * slope)

    out._backward = backward
    return out
