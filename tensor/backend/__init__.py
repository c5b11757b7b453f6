"""The one seam between `Tensor` and an array library: NumPy on the CPU, CuPy on a GPU.

A tensor's `data` lives on a device, and that device's `Backend` says which array module
(`xp`) computes with it, plus the few kernels that NumPy and CuPy spell differently (see
`tensor/backend/base.py`). Ops ask a tensor for its backend; they never import numpy or cupy,
so the autograd code is the same on every device. Devices:

    "cpu"             NumPy
    "cuda", "cuda:N"  CuPy on GPU N ("cuda" means "cuda:0"); CuPy is imported only when a CUDA
                      device is first asked for, and is optional (the `gpu` extra)
    "standin"         TEST-ONLY: host memory with CuPy's rules (no implicit conversion to NumPy,
                      no mixing with NumPy arrays), so tests catch host/device mistakes on a
                      machine without a GPU; see tensor/backend/standin.py

Moving data between devices is always explicit (`Tensor.to`, `to_device`); an op given tensors
on two devices raises an error instead of copying.
"""

from tensor.backend import cuda
from tensor.backend.base import Backend
from tensor.backend.cpu import NumpyBackend
from tensor.backend.standin import StandinBackend
from tensor.backend.standin_array import StandinArray

_backends = {}  # device name -> Backend, created on first use
_seed = None  # the last manual_seed, used by backends created after it


def parse_device(device):
    """The normalized name of a device: "cpu", "standin" or "cuda:N".

    Accepts those, "cuda" (meaning "cuda:0"), and anything whose str() is one of them. Raises
    TypeError or ValueError naming what was given; whether a GPU exists is not checked here.
    """
    if not isinstance(device, str):
        if type(device).__name__ != "device":  # e.g. a torch.device: use its string form
            raise TypeError(f"a device must be a string such as 'cpu' or 'cuda', got "
                            f"{type(device).__name__} {device!r}")
        device = str(device)
    name = device.strip().lower()
    if name in ("cpu", "standin"):
        return name
    if name == "cuda":
        return "cuda:0"
    if name.startswith("cuda:"):
        index = name[len("cuda:"):]
        if index.isdigit():
            return f"cuda:{int(index)}"
    raise ValueError(f"unknown device {device!r}; expected 'cpu', 'cuda', 'cuda:N' (N = 0, 1, "
                     "...) or 'standin' (the test-only stand-in for a GPU)")


def get_backend(device):
    """The Backend of a device (see `parse_device`). A CUDA device without a usable GPU is a
    RuntimeError that says how to get one working."""
    backend = _backends.get(device)
    if backend is None:
        name = parse_device(device)
        backend = _backends.get(name)
        if backend is None:
            if name == "cpu":
                backend = NumpyBackend(_seed)
            elif name == "standin":
                backend = StandinBackend(_seed)
            else:
                backend = cuda.CupyBackend(int(name[len("cuda:"):]), _seed)
            _backends[name] = backend
        _backends[device] = backend
    return backend


def get_xp(device):
    """The array module of a device: numpy, cupy, or the stand-in's namespace."""
    return get_backend(device).xp


def backend_of(array):
    """The Backend whose device holds `array`, or None if it is not an array we know."""
    if isinstance(array, StandinArray):
        return get_backend("standin")
    if type(array).__module__.startswith("numpy"):
        return get_backend("cpu") if hasattr(array, "shape") else None
    if type(array).__module__.startswith("cupy"):
        return get_backend(f"cuda:{array.device.id}")
    return None


def to_device(array, device):
    """`array` (a NumPy, CuPy or stand-in array) copied onto `device`; returned as it is when it
    is already there. This is an explicit transfer: ops never call it behind your back."""
    target = get_backend(device)
    if target.is_array(array) and (backend_of(array) is target):
        return array
    source = backend_of(array)
    host = source.to_numpy(array) if source is not None else array
    return target.array(host)


def manual_seed(seed):
    """Seed the random generator of every device (those created later too), so that a run's
    random numbers repeat. The stand-in device draws the same numbers as the CPU."""
    global _seed
    _seed = int(seed)
    for backend in set(_backends.values()):
        backend.seed(_seed)


def cuda_is_available():
    """Whether a CUDA GPU can be used (False, never an error, without CuPy or without a GPU)."""
    return cuda.device_count() > 0


__all__ = [
    "Backend",
    "backend_of",
    "cuda_is_available",
    "get_backend",
    "get_xp",
    "manual_seed",
    "parse_device",
    "to_device",
]
