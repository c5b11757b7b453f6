"""Sharing memory with other array libraries, without copies: from_numpy and DLPack.

DLPack is a small C protocol that array libraries use to hand each other a pointer to memory
together with its shape, strides, dtype and device. An exporter implements `__dlpack__()` and
`__dlpack_device__()`; an importer's `from_dlpack(obj)` wraps the same memory. So
`torch.from_dlpack(t)` reads a Tensor's array in place, and `tensor.from_dlpack(torch_tensor)`
(or a NumPy or CuPy array) makes a Tensor that shares its memory: writing through one is
visible through the other. Tensor implements the export side in tensor/tensor.py.
"""

from tensor import backend as backends
from tensor import dtype as dtypes
from tensor.tensor import Tensor

_DLPACK_CPU, _DLPACK_CUDA = 1, 2  # DLPack's device type codes


def from_dlpack(obj):
    """A Tensor sharing the memory of `obj` (anything with __dlpack__: a PyTorch tensor, a NumPy
    or CuPy array, a Tensor). Host memory gives a "cpu" tensor, GPU memory a "cuda:N" one."""
    if not hasattr(obj, "__dlpack_device__"):
        raise TypeError(f"from_dlpack expects an object with __dlpack__ and __dlpack_device__ "
                        f"(a PyTorch tensor, a NumPy or CuPy array), got {type(obj).__name__}")
    device_type, device_id = obj.__dlpack_device__()
    if device_type == _DLPACK_CPU:
        backend = backends.get_backend("cpu")
    elif device_type == _DLPACK_CUDA:
        backend = backends.get_backend(f"cuda:{device_id}")
    else:
        raise ValueError(f"from_dlpack: unsupported DLPack device type {device_type} (only CPU "
                         "and CUDA memory can be shared)")
    data = backend.from_dlpack(obj)
    dtypes.to_dtype(data.dtype)  # refuse dtypes Tensor does not support, with a clear error
    return Tensor._wrap(data, backend)


def from_numpy(array):
    """A CPU Tensor sharing the memory of a NumPy array (no copy, unlike Tensor(array))."""
    cpu = backends.get_backend("cpu")
    if not cpu.is_array(array):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    dtypes.to_dtype(array.dtype)
    return Tensor._wrap(array, cpu)
