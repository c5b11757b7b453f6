"""How a tensor prints: like PyTorch, `tensor([[1., 2.], [3., 4.]], requires_grad=True)`."""

import numpy

from tensor import dtype as dtypes

_DEFAULT_DTYPES = (dtypes.float32, dtypes.int64, dtypes.bool)


def tensor_repr(t):
    """The values (copied to the host for display), then what is not the default: the device,
    the dtype, and requires_grad (for a leaf) or the op that made it (for a graph node)."""
    values = t._backend.to_numpy(t.array)
    floats = values.dtype.kind == "f"
    whole = floats and values.size and numpy.all(numpy.isfinite(values) & (values % 1 == 0))
    body = numpy.array2string(
        numpy.asarray(values), separator=", ", prefix="tensor(", precision=4,
        floatmode="maxprec" if whole or not floats else "fixed", threshold=1000, edgeitems=3,
    )
    extras = []
    if t.device != "cpu":
        extras.append(f"device='{t.device}'")
    if t.dtype not in _DEFAULT_DTYPES:
        extras.append(f"dtype=tensor.{t.dtype}")
    if t.requires_grad:
        extras.append("requires_grad=True" if t.is_leaf else f"op='{t.op}'")
    return f"tensor({', '.join([body] + extras)})"
