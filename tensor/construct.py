"""Making a tensor from data, as PyTorch spells it: `tensor(data)`, `as_tensor`, `is_tensor`,
`numel`, and the old typed constructors `FloatTensor`, `LongTensor`, ...

`tensor(data, dtype=None, device=None, requires_grad=False)` is `Tensor(...)` with PyTorch's
keyword-only arguments and its default device: the dtype is inferred from the data (floats ->
the default float dtype, float32; ints -> int64; bools -> bool), and host data goes to the
default device (`set_default_device`). The package cannot export a function named `tensor`
itself (tensor.tensor is the module of the Tensor class), so it lives here and the front door
`gradschool` exports it as `tensor`.
"""

import numbers

from tensor import backend as backends
from tensor import dtype as dtypes
from tensor.devices import default_name
from tensor.tensor import Tensor


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (numbers, nested lists, an array or a
    Tensor). pin_memory is accepted and ignored (there is no pinned host memory here)."""
    if device is None and default_name() != "cpu" and not isinstance(data, Tensor):
        source = backends.backend_of(data)
        if source is None or source.device == "cpu":  # host data goes to the default device
            device = default_name()
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """`data` as a Tensor, without a copy when it already is one of the right dtype and device
    (a NumPy array of a supported dtype is shared, as with from_numpy)."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    cpu = backends.get_backend("cpu")
    if cpu.is_array(data) and (device is None or str(device) == "cpu"):
        dtypes.to_dtype(data.dtype)
        return Tensor._wrap(data, cpu).to(dtype=dtype)
    return tensor(data, dtype=dtype, device=device)


def is_tensor(obj):
    """Whether `obj` is a Tensor (a Parameter is one too)."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of `input`."""
    return input.numel()


def is_floating_point(input):
    """Whether `input` has a floating-point dtype."""
    return dtypes.is_floating(input.dtype)


class _TypedTensor(type):
    """The class of the old typed constructors: `FloatTensor([1, 2])` is a float32 tensor of
    the data, `FloatTensor(2, 3)` an uninitialized 2x3 one, and `isinstance(t, FloatTensor)`
    asks for a float32 Tensor."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        from tensor.factories import empty

        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            return tensor(args[0], dtype=cls.dtype, device=device)
        return empty(*args, dtype=cls.dtype, device=device)


class FloatTensor(metaclass=_TypedTensor):
    dtype = dtypes.float32


class DoubleTensor(metaclass=_TypedTensor):
    dtype = dtypes.float64


class HalfTensor(metaclass=_TypedTensor):
    dtype = dtypes.float16


class LongTensor(metaclass=_TypedTensor):
    dtype = dtypes.int64


class IntTensor(metaclass=_TypedTensor):
    dtype = dtypes.int32


class ShortTensor(metaclass=_TypedTensor):
    dtype = dtypes.int16


class ByteTensor(metaclass=_TypedTensor):
    dtype = dtypes.uint8


class CharTensor(metaclass=_TypedTensor):
    dtype = dtypes.int8


class BoolTensor(metaclass=_TypedTensor):
    dtype = dtypes.bool
