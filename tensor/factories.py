"""Making tensors: zeros, ones, full, empty, arange, linspace, eye, rand, randn, randint, the
`*_like` versions, and from_numpy. PyTorch's names and arguments: sizes as separate ints or
one tuple (`zeros(2, 3)` or `zeros((2, 3))`), and keyword-only dtype, device, requires_grad.

Default dtype float32, or what `set_default_dtype` chose (int64 for randint and for an
integer arange or full); default device "cpu", or what `set_default_device` chose. Random
tensors come from the device's generator, seeded by `tensor.manual_seed`, or from the
`generator=` given (tensor/random.py).
"""

import numbers

from tensor import backend as backends
from tensor import dtype as dtypes
from tensor.devices import default_name
from tensor.random import source
from tensor.tensor import Tensor


def _shape(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(n, numbers.Integral) and n >= 0 for n in size):
        raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
    return tuple(int(n) for n in size)


def _make(make, shape, dtype, device, requires_grad, default=None):
    """A new tensor: `make(backend, shape, dtype)` gives its array. No device: the default
    device (tensor.set_default_device); no dtype: `default`, else the default float dtype."""
    backend = backends.get_backend(default_name() if device is None else device)
    if dtype is None:
        dtype = dtypes.DEFAULT_FLOAT if default is None else default
    else:
        dtype = dtypes.to_dtype(dtype)
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
    return dtypes.int64 if isinstance(value, numbers.Integral) else dtypes.DEFAULT_FLOAT


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value` (its dtype follows the value by default)."""
    return _make(lambda b, s, d: b.xp.full(s, fill_value, dtype=d), _shape((size,), "full"),
                 dtype, device, requires_grad, _dtype_of_number(fill_value))


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to but excluding end (`arange(n)` is 0 .. n-1)."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    default = dtypes.int64 if integral else dtypes.DEFAULT_FLOAT
    return _make(lambda b, s, d: b.xp.arange(start, end, step, dtype=d), None, dtype, device,
                 requires_grad, default)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included."""
    return _make(lambda b, s, d: b.xp.linspace(start, end, steps, dtype=d), None, dtype, device,
                 requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """`steps` values from base**start to base**end, evenly spaced in their exponents."""
    return _make(lambda b, s, d: b.xp.logspace(start, end, steps, base=base, dtype=d), None,
                 dtype, device, requires_grad)


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


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform random numbers in [0, 1) (from `generator`'s stream when given)."""
    return _make(_random(lambda b, s, d: source(generator, b, "rand").rand(s, d), "rand"),
                 _shape(size, "rand"), dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal random numbers (mean 0, variance 1), from `generator` when given."""
    return _make(_random(lambda b, s, d: source(generator, b, "randn").randn(s, d), "randn"),
                 _shape(size, "randn"), dtype, device, requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
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

    def draw(b, s, d):
        return b.xp.asarray(source(generator, b, "randint").randint(low, high, s, d))

    return _make(draw, shape, dtype, device, requires_grad, dtypes.int64)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random ordering of 0 .. n-1, every one of the n! equally likely: the order that sorts
    n independent uniform draws (which are all distinct, almost surely)."""
    if not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")

    def draw(b, s, d):
        return b.xp.argsort(source(generator, b, "randperm").rand((n,), dtypes.float64)).astype(d)

    return _make(draw, None, dtype, device, requires_grad, dtypes.int64)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d tensors of lengths n_0, n_1, ...: result i holds tensor i's
    values along dimension i, repeated along all others (shape (n_0, n_1, ...)). With
    indexing="xy" the first two dimensions trade places, as in NumPy and plotting (x along
    columns). Each grid is a reshape and an expand (a view), so its gradient sums the
    repeated copies back into the 1-d tensor."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors or not all(isinstance(t, Tensor) and t.ndim <= 1 for t in tensors):
        raise ValueError("meshgrid: expects one or more 0-d or 1-d tensors, got "
                         f"{[getattr(t, 'shape', type(t).__name__) for t in tensors]}")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0  # tensor 0 varies along dimension 1, tensor 1 along 0
    shape = [0] * len(tensors)
    for i, t in zip(order, tensors):
        shape[i] = t.numel()
    grids = []
    for i, t in zip(order, tensors):
        alone = [1] * len(tensors)
        alone[i] = t.numel()
        grids.append(t.reshape(alone).expand(shape))
    return tuple(grids)


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
