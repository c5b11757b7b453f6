"""Data types. A dtype here IS a NumPy dtype object (CuPy uses the same objects), so
`t.dtype == tensor.float32`, `t.dtype == numpy.float32` and `t.data.dtype` all agree, and no
translation table is needed at the backend seam.

The rules follow PyTorch rather than NumPy where they differ, to keep float32 float32:

- Python data: floats -> float32 (not NumPy's float64), ints -> int64, bools -> bool. Arrays
  keep their dtype, as `torch.tensor(array)` does.
- A Python number in an op keeps the tensor's dtype: float32 * 2.5 is float32. Only a float
  number with an integer or bool tensor gives a float, and then float32 (int64 * 2.5 -> float32).
- Two tensors: a float beats an int whatever their sizes (int64 + float32 -> float32, where
  NumPy gives float64); within floats, or within ints, the larger wins.
"""

import builtins
import numbers

import numpy

float16 = numpy.dtype("float16")
float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
uint8 = numpy.dtype("uint8")
int8 = numpy.dtype("int8")
int16 = numpy.dtype("int16")
int32 = numpy.dtype("int32")
int64 = numpy.dtype("int64")
bool = numpy.dtype("bool")  # PyTorch's name, tensor.bool; builtins.bool below is Python's

DEFAULT_FLOAT = float32  # the default dtype: read it as dtypes.DEFAULT_FLOAT, it can change
DEFAULT_INT = int64
_SUPPORTED = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)

finfo = numpy.finfo  # finfo(float32).eps, .max, .tiny: the limits of a float dtype
iinfo = numpy.iinfo  # iinfo(int64).max: the range of an integer dtype


def set_default_dtype(dtype):
    """Make `dtype` (a float dtype) what float data and new float tensors get when no dtype is
    given: `set_default_dtype(float64)` then `Tensor([1.5])` is float64, and so are new
    layers' parameters (PyTorch's rule). float32 is the default default."""
    global DEFAULT_FLOAT
    dtype = to_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes can be the default, got "
                        f"{dtype}")
    DEFAULT_FLOAT = dtype


def get_default_dtype():
    """The dtype float data and new float tensors get (float32 unless set_default_dtype)."""
    return DEFAULT_FLOAT


def to_dtype(dtype):
    """A supported dtype from anything that names one: tensor.float32, numpy.float32, "float32",
    Python's float (-> float32), int (-> int64) or bool. TypeError for anything else."""
    if dtype is builtins.float:
        return DEFAULT_FLOAT
    if dtype is builtins.int:
        return DEFAULT_INT
    try:
        result = numpy.dtype(dtype)
    except TypeError:
        result = None
    if result not in _SUPPORTED:
        names = ", ".join(str(d) for d in _SUPPORTED)
        raise TypeError(f"unsupported dtype {dtype!r}; expected one of {names}")
    return result


def is_floating(dtype):
    return dtype.kind == "f"


def infer_dtype(data):
    """The dtype a Tensor gets for Python data without an explicit dtype: float32 if any element
    is a float, else int64 if any is an int, else bool. `data` has been converted by NumPy,
    which chose float64 or int64 (or bool)."""
    kind = data.dtype.kind
    if kind == "f":
        return DEFAULT_FLOAT
    if kind in "iu":
        return DEFAULT_INT
    if kind == "b":
        return bool
    what = {"U": "text", "S": "bytes", "O": "objects that are not numbers"}.get(
        kind, f"values of NumPy dtype {data.dtype}")
    raise TypeError(f"Tensor(data) expects numbers or bools (or nested lists of them), got "
                    f"{what}")


def promote_types(a, b):
    """The dtype of an op on tensors of dtypes a and b (PyTorch's rule, see the module doc)."""
    if a == b:
        return a
    if (a.kind == "f") != (b.kind == "f"):
        return a if a.kind == "f" else b
    return numpy.promote_types(a, b)


def check_fits(data, dtype, where="Tensor: "):
    """OverflowError if the Python ints in `data` (a number, or a NumPy array made from Python
    data) do not fit the integer `dtype`: NumPy would wrap them around (300 as int8 is 44),
    or fail in its own words. Floats and bools always fit (they are converted)."""
    if dtype.kind not in "iu":
        return
    if isinstance(data, numbers.Integral):
        low = high = int(data)
    elif data.dtype.kind in "iu" and data.size:
        low, high = int(data.min()), int(data.max())
    elif data.dtype.kind == "O":  # ints too large for NumPy's int64 (or a mixture)
        values = [v for v in data.ravel().tolist() if isinstance(v, numbers.Integral)]
        if not values:
            return
        low, high = builtins.min(values), builtins.max(values)
    else:
        return
    info = numpy.iinfo(dtype)
    if low < info.min or high > info.max:
        number = low if low < info.min else high
        raise OverflowError(f"{where}the integer {number} does not fit dtype {dtype} (range "
                            f"{info.min} to {info.max}); use a larger dtype, or a float")


def scalar_kind(value):
    """"b", "i" or "f" for a Python (or NumPy) bool, int or float; None for anything else."""
    kind = _SCALAR_KINDS.get(type(value))
    if kind is None and isinstance(value, numbers.Real):  # NumPy scalars, Fractions, ...
        kind = "i" if isinstance(value, numbers.Integral) else "f"
    return kind


_SCALAR_KINDS = {builtins.bool: "b", numpy.bool_: "b", builtins.int: "i", builtins.float: "f"}


def scalar_dtype(dtype, kind):
    """The dtype that a Python number of `kind` (see scalar_kind) takes in an op with a tensor
    of `dtype`; the op's result then has promote_types(dtype, this) (see the module doc)."""
    if kind == "f":
        return dtype if dtype.kind == "f" else DEFAULT_FLOAT
    if kind == "i":
        return dtype if dtype.kind != "b" else DEFAULT_INT
    return dtype
