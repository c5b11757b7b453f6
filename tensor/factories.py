"""Making tensors: zeros, ones, full, empty, arange, linspace, eye, rand, randn, randint, the
`*_like` versions, and from_numpy. PyTorch's names and arguments: sizes as separate ints or
one tuple (`zeros(2, 3)` or `zeros((2, 3))`), and keyword-only dtype, device, requires_grad.

Default dtype float32 (int64 for randint and for an integer arange or full); default device
"cpu". Random tensors come from the device's generator, seeded by `tensor.manual_seed`.
"""

import numbers

from tensor import backend as backends
from tensor import dtype as dtypes
from tensor.tensor import Tensor


def _shape(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(n, numbers.Integral) and n >= 0 for n in size):
        raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
    return tuple(int(n) for n in size)


def _make(make, shape, dtype, device, requires_grad, default=dtypes.float32):
    backend = backends.get_backend("cpu" if device is None else device)
    dtype = default if dtype is None else dtypes.to_dtype(dtype)
    return Tensor._wrap(make(backend, shape, dtype), backend, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make(lambda b, s, d: b.xp.zeros(s, dtype=d), _shape(size, "zeros"), dtype, device,
                 requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(lambda b, s, d: b.xp.ones(s, dtype=d), _shape(size, "ones"), dtype, device,
                 requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor whose values are whatever was in memory: fill it before reading it."""
    return _make(lambda b, s, d: b.xp.empty(s, dtype=d), _shape(size, "empty"), dtype, device,
                 requires_grad)


def _dtype_of_number(value):
    if isinstance(value, bool):
        return dtypes.bool
    return dtypes.int64 if isinstance(value, numbers.Integral) else dtypes.float32


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value` (its dtype follows the value by default)."""
    return _make(lambda b, s, d: b.xp.full(s, fill_value, dtype=d), _shape((size,), "full"),
                 dtype, device, requires_grad, _dtype_of_number(fill_value))


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to but excluding end (`arange(n)` is 0 .. n-1)."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    default = dtypes.int64 if integral else dtypes.float32
    return _make(lambda b, s, d: b.xp.arange(start, end, step, dtype=d), None, dtype, device,
                 requires_grad, default)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included."""
    return _make(lambda b, s, d: b.xp.linspace(start, end, steps, dtype=d), None, dtype, device,
                 requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m (default n x n) identity matrix."""
    return _make(lambda b, s, d: b.xp.eye(n, m, dtype=d), None, dtype, device, requires_grad)


def _random(draw, op):
    def make(backend, shape, dtype):
        if not dtypes.is_floating(dtype):
            raise TypeError(f"{op}: needs a floating-point dtype, got {dtype}")
        if dtype.itemsize < 4:  # generators make float32 and float64 only
            return backend.xp.asarray(draw(backend, shape, dtypes.float32)).astype(dtype)
        return backend.xp.asarray(draw(backend, shape, dtype))

    return make


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform random numbers in [0, 1)."""
    return _make(_random(lambda b, s, d: b.rand(s, d), "rand"), _shape(size, "rand"), dtype,
                 device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal random numbers (mean 0, variance 1)."""
    return _make(_random(lambda b, s, d: b.randn(s, d), "randn"), _shape(size, "randn"), dtype,
                 device, requires_grad)


def randint(*args, size=None, dtype=None, device=None, requires_grad=False):
    """Uniform random integers in [low, high): `randint(high, size)` or
    `randint(low, high, size)`, as in PyTorch."""
    if size is not None:
        args = args + (size,)
    if len(args) == 2:
        args = (0,) + args
    if len(args) != 3:
        raise TypeError("randint expects (high, size) or (low, high, size)")
    low, high, size = args
    if low >= high:
        raise ValueError(f"randint: low ({low}) must be smaller than high ({high})")
    shape = _shape((size,), "randint")
    return _make(lambda b, s, d: b.xp.asarray(b.randint(low, high, s, d)), shape, dtype, device,
                 requires_grad, dtypes.int64)


def _like(maker, input, dtype, device, requires_grad, *args):
    return maker(*args, dtype=input.dtype if dtype is None else dtype,
                 device=input.device if device is None else device, requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(zeros, input, dtype, device, requires_grad, input.shape)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(ones, input, dtype, device, requires_grad, input.shape)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(empty, input, dtype, device, requires_grad, input.shape)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _like(full, input, dtype, device, requires_grad, input.shape, fill_value)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(rand, input, dtype, device, requires_grad, input.shape)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(randn, input, dtype, device, requires_grad, input.shape)
