"""Reductions: sum, mean, var, std, max/min (amax/amin), logsumexp, argmax/argmin, all/any.

`dim` is an int, a tuple of ints, or None for all dimensions; `keepdim=True` keeps each
reduced dimension with size 1. Every reduction is computed with the reduced dimensions kept
(`kept` below), so that in backward the output's gradient broadcasts straight back over the
elements that were reduced; that is the whole trick of a reduction's gradient: each input
element receives the gradient of the one output it contributed to, times its local derivative.
"""

import numbers
from collections import namedtuple

from tensor.ops.elementwise import maximum, minimum
from tensor.ops.shape import normalize_dim, normalize_dims

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What max(dim)/min(dim) return, as in PyTorch: (values, indices)."


def _drop(kept, axes, keepdim):
    """A reduced array computed with keepdims=True, with the reduced axes removed unless
    keepdim (a 0-d array, never a NumPy scalar, when all are removed)."""
    if keepdim:
        return kept
    return kept.reshape(tuple(n for i, n in enumerate(kept.shape) if i not in axes))


def sum(self, dim=None, keepdim=False):
    axes = normalize_dims(dim, self.ndim, "sum")
    kept = self.array.sum(axis=axes, keepdims=True)
    out = self._result(_drop(kept, axes, keepdim), (self,), "sum")

    def backward(grad):  # d(x_1 + ... + x_n)/dx_i = 1: every x_i receives the output's gradient
        xp = self._backend.xp
        self._accumulate(xp.broadcast_to(grad.reshape(kept.shape), self.shape))

    out._backward = backward
    return out


def mean(self, dim=None, keepdim=False):
    _require_float(self, "mean")
    axes = normalize_dims(dim, self.ndim, "mean")
    count = _count(self, axes)
    kept = self.array.mean(axis=axes, keepdims=True)
    out = self._result(_drop(kept, axes, keepdim), (self,), "mean")

    def backward(grad):  # d((x_1 + ... + x_n)/n)/dx_i = 1/n
        xp = self._backend.xp
        self._accumulate(xp.broadcast_to(grad.reshape(kept.shape) / count, self.shape))

    out._backward = backward
    return out


def var(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """The variance sum_i (x_i - mean)**2 / (n - correction): correction=1 (the default, as in
    PyTorch) is the unbiased sample variance, correction=0 the population variance.
    `unbiased=False` is the older spelling of correction=0."""
    _require_float(self, "var")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    axes = normalize_dims(dim, self.ndim, "var")
    count = _count(self, axes)
    kept = self.array.var(axis=axes, ddof=correction, keepdims=True)
    out = self._result(_drop(kept, axes, keepdim), (self,), "var", saved=(self,))

    def backward(grad):  # d var/dx_i = 2 (x_i - mean) / (n - correction); the mean's own
        # dependence on x_i drops out, because the deviations sum to zero
        deviation = self.array - self.array.mean(axis=axes, keepdims=True)
        scale = 2 / (count - correction) if count > correction else float("nan")
        self._accumulate(grad.reshape(kept.shape) * scale * deviation)

    out._backward = backward
    return out


def std(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """The standard deviation s = sqrt(var). FUSED rather than var(x).sqrt(): by the chain
    rule d s/dx_i = (1 / 2s) * 2 (x_i - mean) / (n - correction), which for a constant slice
    (s = 0, every deviation 0) the composite computes as inf * 0 = nan, and one nan poisons
    every weight it reaches. Written as one step, d s/dx_i = (x_i - mean) / ((n - c) s), with
    PyTorch's value 0 where s = 0 (the deviations are all 0 there)."""
    _require_float(self, "std")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    xp = self._backend.xp
    axes = normalize_dims(dim, self.ndim, "std")
    count = _count(self, axes)
    kept = xp.sqrt(self.array.var(axis=axes, ddof=correction, keepdims=True))
    out = self._result(_drop(kept, axes, keepdim), (self,), "std", saved=(self,),
                       saves_output=True)

    def backward(grad):  # (x_i - mean) / ((n - c) s), and 0 where s = 0
        deviation = self.array - self.array.mean(axis=axes, keepdims=True)
        flat = kept == 0
        scale = (count - correction) * xp.where(flat, kept.dtype.type(1), kept)
        slope = xp.where(flat, kept.dtype.type(0), deviation / scale)
        self._accumulate(grad.reshape(kept.shape) * slope)

    out._backward = backward
    return out


def amax(self, dim=None, keepdim=False):
    """The largest element over `dim` (int, tuple or None). The gradient goes to the largest
    element, shared evenly when several are equally large (as PyTorch's amax does)."""
    return _extreme(self, dim, keepdim, "amax")


def amin(self, dim=None, keepdim=False):
    """The smallest element over `dim`; the gradient as in `amax`."""
    return _extreme(self, dim, keepdim, "amin")


def _extreme(self, dim, keepdim, op):
    axes = normalize_dims(dim, self.ndim, op)
    _require_elements(self, axes, op, dim)
    kept = (self.array.max if op in ("amax", "max") else self.array.min)(axis=axes, keepdims=True)
    out = self._result(_drop(kept, axes, keepdim), (self,), op, saved=(self,),
                       saves_output=True)

    def backward(grad):  # d max/dx_i = 1 for the maximal x_i, 0 for the others (split over ties)
        hit = self.array == kept
        ties = hit.sum(axis=axes, keepdims=True, dtype=self.array.dtype)
        self._accumulate(hit * (grad.reshape(kept.shape) / ties))

    out._backward = backward
    return out


def max(self, dim=None, keepdim=False):
    """As in PyTorch: `t.max()` is the largest element; `t.max(dim)` is a pair (values,
    indices) along one dimension, and the gradient goes to the element at `indices`;
    `t.max(other)` is the elementwise `maximum`. For several dimensions use `amax`."""
    if dim is None:
        return _extreme(self, None, False, "max")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"max(dim) takes one dimension, got {dim}; for several use amax")
    if not isinstance(dim, numbers.Integral):
        return maximum(self, dim)
    return _extreme_along(self, dim, keepdim, "max")


def min(self, dim=None, keepdim=False):
    """The smallest element, (values, indices) along `dim`, or the elementwise `minimum`."""
    if dim is None:
        return _extreme(self, None, False, "min")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"min(dim) takes one dimension, got {dim}; for several use amin")
    if not isinstance(dim, numbers.Integral):
        return minimum(self, dim)
    return _extreme_along(self, dim, keepdim, "min")


def _extreme_along(self, dim, keepdim, op):
    xp = self._backend.xp
    axis = normalize_dim(dim, self.ndim, op)
    if self.ndim == 0:  # a number is its own largest element, at index 0 (as in PyTorch)
        return ValuesIndices(_extreme(self, None, False, op),
                             self._result(xp.zeros((), dtype="int64"), (), f"arg{op}"))
    _require_elements(self, (axis,), op, dim)
    pick = self.array.argmax if op == "max" else self.array.argmin
    index = pick(axis=axis, keepdims=True)
    kept = xp.take_along_axis(self.array, index, axis)
    out = self._result(_drop(kept, (axis,), keepdim), (self,), f"{op}(dim)", saved=(self,))
    indices = self._result(_drop(index, (axis,), keepdim), (), f"arg{op}")

    def backward(grad):  # only the element that was picked receives the gradient
        position = xp.arange(self.shape[axis]).reshape((-1,) + (1,) * (self.ndim - axis - 1))
        self._accumulate((position == index) * grad.reshape(kept.shape))

    out._backward = backward
    return ValuesIndices(out, indices)


def logsumexp(self, dim, keepdim=False):
    """log sum_i exp(x_i) over `dim`, computed as m + log sum_i exp(x_i - m) with m = max_i x_i,
    so that no exp overflows (logsumexp of [1000, 1000] is 1000 + log 2, not inf). Its
    gradient is softmax(x): d/dx_i = exp(x_i) / sum_j exp(x_j) = exp((x_i - m) - log sum_j
    exp(x_j - m)), from the shifted values: exp(x_i - logsumexp) would read the result rounded
    at the size of m (in float16, 65504 + log 3 rounds to 65504, and the gradient for three
    equal values would be 1 instead of 1/3; in float32 at 1e4 it is off by 2e-4)."""
    _require_float(self, "logsumexp")
    xp = self._backend.xp
    axes = normalize_dims(dim, self.ndim, "logsumexp")
    if self.array.size == 0:  # nothing to shift by; a sum of no terms is 0, its log -inf
        top = xp.zeros(_kept_shape(self, axes), dtype=self.dtype)
    else:
        top = self.array.max(axis=axes, keepdims=True)
        top = xp.where(xp.isfinite(top), top, 0)  # all -inf (or inf): nothing to shift by
    log_sum = xp.log(xp.exp(self.array - top).sum(axis=axes, keepdims=True))
    kept = log_sum + top
    out = self._result(_drop(kept, axes, keepdim), (self,), "logsumexp", saved=(self,))

    def backward(grad):  # d logsumexp/dx_i = softmax(x)_i
        self._accumulate(grad.reshape(kept.shape) * xp.exp((self.array - top) - log_sum))

    out._backward = backward
    return out


def argmax(self, dim=None, keepdim=False):
    """The index of the largest element (of the flattened tensor if dim is None); int64."""
    return _arg(self, dim, keepdim, "argmax")


def argmin(self, dim=None, keepdim=False):
    """The index of the smallest element (of the flattened tensor if dim is None); int64."""
    return _arg(self, dim, keepdim, "argmin")


def _arg(self, dim, keepdim, op):
    xp = self._backend.xp
    find = getattr(self.array, op)
    if dim is None:
        _require_elements(self, tuple(range(self.ndim)), op, dim)
        return self._result(xp.asarray(find()), (), op)
    axis = normalize_dim(dim, self.ndim, op)
    if self.ndim == 0:  # the one element is at index 0
        return self._result(xp.zeros((), dtype="int64"), (), op)
    _require_elements(self, (axis,), op, dim)
    return self._result(find(axis=axis, keepdims=keepdim), (), op)


def all(self, dim=None, keepdim=False):
    """Whether every element is nonzero (True), over `dim`; a bool tensor. As in PyTorch,
    an empty list of dims reduces over none (each element is tested alone)."""
    axes = normalize_dims(dim, self.ndim, "all", empty_means_all=False)
    return self._result(_drop(self.array.all(axis=axes, keepdims=True), axes, keepdim), (), "all")


def any(self, dim=None, keepdim=False):
    """Whether some element is nonzero (True), over `dim`; a bool tensor (an empty list of
    dims reduces over none, as in `all`)."""
    axes = normalize_dims(dim, self.ndim, "any", empty_means_all=False)
    return self._result(_drop(self.array.any(axis=axes, keepdims=True), axes, keepdim), (), "any")


def _count(self, axes):
    count = 1
    for axis in axes:
        count *= self.shape[axis]
    return count


def _kept_shape(self, axes):
    """The shape of a reduction over `axes` computed with keepdims=True."""
    return tuple(1 if i in axes else n for i, n in enumerate(self.shape))


def _require_elements(self, axes, op, dim):
    """A largest (or smallest) element, or its index, needs at least one element to choose
    from along the reduced dimensions; PyTorch raises too (sum and mean have an answer for
    no elements, 0 and nan; max has none)."""
    empty = [axis for axis in axes if self.shape[axis] == 0]
    if empty:
        where = "the tensor" if dim is None else f"dimension {empty[0]} of the tensor"
        raise IndexError(f"{op}(): {where} is empty (shape {self.shape}), so there is no "
                         "element to choose; reduce along a dim= of nonzero size, or check "
                         "for empty inputs first")


def _require_float(self, op):
    if self.array.dtype.kind != "f":
        raise TypeError(f"{op}() needs a floating-point tensor, got dtype {self.dtype}; "
                        "convert it first, e.g. with .float()")
