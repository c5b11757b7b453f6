"""The stand-in device's array module, its `xp`: NumPy's namespace, on StandinArrays.

CuPy mirrors NumPy (`cupy.zeros`, `cupy.exp`, `cupy.concatenate`, ...) with functions that take
and return GPU arrays; this module does the same for the stand-in device by wrapping NumPy's
functions on first use (PEP 562's module `__getattr__`): array arguments are unwrapped (a host
NumPy array among them is a TypeError, as in CuPy), NumPy computes, and array results come back
as StandinArrays. Dtypes, classes and constants (`float32`, `newaxis`, `pi`) are NumPy's own.
`asarray`/`array` copy host data onto the device and `asnumpy` copies back: the only two doors
between host and device.
"""

import types

import numpy

from tensor.backend.standin_array import StandinArray, unwrap, wrap

ndarray = StandinArray


def array(obj, dtype=None):
    """A new device array holding a copy of `obj` (host data or a device array)."""
    if type(obj) is StandinArray:
        return StandinArray(obj._array.astype(dtype or obj.dtype, copy=True))
    return StandinArray(numpy.array(obj, dtype=dtype))


def asarray(obj, dtype=None):
    """`obj` as a device array: a device array of that dtype is returned as it is."""
    if type(obj) is StandinArray and (dtype is None or obj.dtype == dtype):
        return obj
    return array(obj, dtype)


def asnumpy(obj):
    """A host NumPy copy of a device array (CuPy's name)."""
    return obj.get() if type(obj) is StandinArray else numpy.asarray(obj)


def _call(func, where, args, kwargs):
    out = kwargs.get("out")
    result = func(*unwrap(args, where), **unwrap(kwargs, where))
    return out if out is not None else wrap(result)


def _mirror(func, where):
    def mirrored(*args, **kwargs):
        return _call(func, where, args, kwargs)

    mirrored.__name__ = getattr(func, "__name__", where)
    mirrored.__doc__ = f"{where} on standin arrays (see tensor.backend.standin_xp)."
    return mirrored


class _Ufunc:
    """A NumPy ufunc on standin arrays, with its methods (`reduce`, `at`, ...) mirrored too."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, f"numpy.{self.__name__}", args, kwargs)

    def __getattr__(self, name):
        attr = getattr(self._ufunc, name)
        return _mirror(attr, f"numpy.{self.__name__}.{name}") if callable(attr) else attr


def __getattr__(name):
    value = getattr(numpy, name)
    if isinstance(value, types.ModuleType):
        raise AttributeError(f"the standin namespace does not mirror numpy.{name}; use the "
                             "backend's kernels (tensor.backend) instead")
    if isinstance(value, numpy.ufunc):
        value = _Ufunc(value)
    elif callable(value) and not isinstance(value, type):
        value = _mirror(value, f"numpy.{name}")
    globals()[name] = value  # look it up once
    return value
