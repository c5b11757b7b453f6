"""`StandinArray`: a host array that follows CuPy's rules, for testing without a GPU.

CuPy arrays live in GPU memory, so CuPy refuses what would need a hidden copy between the GPU
and the host: `numpy.asarray(gpu_array)` raises TypeError ("Implicit conversion to a NumPy array
is not allowed"), and `gpu_array + numpy_array` raises TypeError too. Code written and tested
only with NumPy happily does both, and then fails on the first machine with a GPU.

A `StandinArray` wraps a NumPy array and refuses the same things, so that such mistakes fail on
an ordinary CPU. It is a wrapper, not an `ndarray` subclass: NumPy turns a subclass into a plain
ndarray without asking it. Two NumPy protocols make it small:

- `__array__` is what NumPy calls to convert a foreign object; here it raises TypeError.
- `__array_ufunc__` (for ufuncs: `numpy.add`, `numpy.exp`, ... and the arithmetic operators) and
  `__array_function__` (for `numpy.concatenate`, `numpy.sum`, ...) let NumPy hand the call to
  us. We check that every array argument is a StandinArray (Python numbers and NumPy scalars
  are fine, as in CuPy), unwrap them, let NumPy compute, and wrap the results.

Reductions return 0-d arrays, not NumPy scalars, as CuPy does. `get()` is the explicit copy
back to NumPy (CuPy's name). Test-only: there is no reason to compute on this device.
"""

import numpy

_SCALARS = (int, float, complex, bool, numpy.generic)


def host_array_error(where, value):
    return TypeError(
        f"{where}: a standin (device) array cannot be mixed with a host "
        f"{type(value).__module__}.{type(value).__name__}"
        f"{' of shape ' + str(value.shape) if hasattr(value, 'shape') else ''}; copy it to the "
        "device first (as CuPy requires), e.g. with Tensor(..., device=...) or .to(device)"
    )


def unwrap(value, where):
    """`value` with every StandinArray replaced by its NumPy array, looking inside lists and
    tuples; a host NumPy array anywhere is an error."""
    if type(value) is StandinArray:
        return value._array
    if isinstance(value, numpy.ndarray):
        raise host_array_error(where, value)
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v, where) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v, where) for k, v in value.items()}
    return value


def wrap(value):
    """NumPy results back on the device: arrays and NumPy scalars become StandinArrays (0-d for
    scalars), also inside a returned tuple or list of arrays."""
    if isinstance(value, numpy.ndarray):
        return StandinArray(value)
    if isinstance(value, numpy.generic):
        return StandinArray(numpy.asarray(value))
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], numpy.ndarray):
        return type(value)(wrap(v) for v in value)
    return value


def _ufunc_operand(value, where):
    if type(value) is StandinArray:
        return value._array
    if isinstance(value, _SCALARS):
        return value
    raise host_array_error(where, value)


class StandinArray:
    """A NumPy array that behaves like a CuPy array (see the module docstring)."""

    __slots__ = ("_array",)
    __hash__ = None

    def __init__(self, array):
        self._array = array

    # ---- the protocols that keep host and device apart -----------------------------------

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion of a standin (device) array to a NumPy array is not allowed; "
            "copy it explicitly with .get() (or Tensor.numpy() / .cpu()), as CuPy requires"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        where = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        if method == "at":  # ufunc.at(target, index, values): the index may be a tuple
            inputs = unwrap(inputs, where)
        else:
            inputs = tuple(_ufunc_operand(x, where) for x in inputs)
        out = kwargs.get("out")
        kwargs = unwrap(kwargs, where)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        where = f"numpy.{func.__name__}"
        return wrap(func(*unwrap(args, where), **unwrap(kwargs, where)))

    def get(self):
        """A NumPy copy of this array: the explicit device-to-host transfer."""
        return self._array.copy()

    # ---- what an array looks like --------------------------------------------------------

    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: StandinArray(self._array.T))

    @property
    def base(self):
        base = self._array.base
        return None if base is None else wrap(base)

    def __repr__(self):
        return "standin_" + repr(self._array)

    def __str__(self):
        return str(self._array)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (StandinArray(row) if isinstance(row, numpy.ndarray) else wrap(row)
                for row in self._array)

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __index__(self):
        return self._array.__index__()

    def item(self, *args):
        return self._array.item(*args)

    def tolist(self):
        return self._array.tolist()

    def __getitem__(self, key):
        return wrap(self._array[unwrap(key, "indexing")])

    def __setitem__(self, key, value):
        self._array[unwrap(key, "indexing")] = unwrap(value, "item assignment")

    def __copy__(self):
        return StandinArray(self._array.copy())

    def __deepcopy__(self, memo):
        return StandinArray(self._array.copy())

    def __reduce__(self):
        return StandinArray, (self._array,)

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def _forward_method(name):
    """A StandinArray method that calls the NumPy array's method of that name on unwrapped
    arguments and wraps the result (`a.sum(axis=0)`, `a.reshape(2, 3)`, ...)."""

    def method(self, *args, **kwargs):
        where = f"ndarray.{name}"
        return wrap(getattr(self._array, name)(*unwrap(args, where), **unwrap(kwargs, where)))

    method.__name__ = name
    return method


for _name in ("all any argmax argmin argsort astype clip copy cumsum dot fill flatten max mean "
              "min nonzero prod ravel repeat reshape round sort squeeze std sum swapaxes take "
              "transpose var view").split():
    setattr(StandinArray, _name, _forward_method(_name))


def _operator(ufunc, reflected=False, inplace=False):
    """An arithmetic or comparison operator computed by a NumPy ufunc. Operands of other types
    give NotImplemented, so Python tries the other operand (a host ndarray then calls the ufunc,
    which reaches __array_ufunc__ above and raises the host/device TypeError)."""

    def operator(self, other):
        if type(other) is not StandinArray and not isinstance(other, _SCALARS):
            return NotImplemented
        if inplace:
            return ufunc(self, other, out=(self,))
        return ufunc(other, self) if reflected else ufunc(self, other)

    return operator


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide),
                      ("mod", numpy.remainder), ("pow", numpy.power), ("matmul", numpy.matmul),
                      ("and", numpy.bitwise_and), ("or", numpy.bitwise_or),
                      ("xor", numpy.bitwise_xor)]:
    setattr(StandinArray, f"__{_name}__", _operator(_ufunc))
    setattr(StandinArray, f"__r{_name}__", _operator(_ufunc, reflected=True))
    setattr(StandinArray, f"__i{_name}__", _operator(_ufunc, inplace=True))

for _name, _ufunc in [("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less),
                      ("le", numpy.less_equal), ("gt", numpy.greater),
                      ("ge", numpy.greater_equal)]:
    setattr(StandinArray, f"__{_name}__", _operator(_ufunc))

for _name, _ufunc in [("neg", numpy.negative), ("pos", numpy.positive), ("abs", numpy.absolute),
                      ("invert", numpy.invert)]:
    setattr(StandinArray, f"__{_name}__", lambda self, _ufunc=_ufunc: _ufunc(self))
