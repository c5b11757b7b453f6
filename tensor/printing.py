"""How a tensor prints: like PyTorch, `tensor([[1., 2.], [3., 4.]], requires_grad=True)`, and
`tensor(2.5000, grad_fn=<MulBackward0>)` for a tensor an op computed in the graph."""

import numpy

from tensor import dtype as dtypes
from tensor.autograd.graph import backward_name


def tensor_repr(t):
    """The values (copied to the host for display), then what is not the default: the device,
    the dtype (unless it is the default float dtype, int64 or bool), and requires_grad (for a
    leaf) or the backward node of the op that made it (for a graph node)."""
    values = t._backend.to_numpy(t.array)
    floats = values.dtype.kind == "f"
    finite = numpy.isfinite(values)  # inf % 1 is nan (with a warning): test finite values only
    whole = floats and values.size and finite.all() and numpy.all(values % 1 == 0)
    formatter = None
    if values.dtype.kind == "b":  # PyTorch pads True to False's width only when both occur
        width = 5 if (~values).any() else 4
        formatter = {"bool": lambda v: f"{v!s:>{width}}"}
    body = numpy.array2string(
        numpy.asarray(values), separator=", ", prefix="tensor(", precision=4,
        floatmode="maxprec" if whole or not floats else "fixed", threshold=1000, edgeitems=3,
        formatter=formatter,
    )
    extras = []
    if t.device != "cpu":
        extras.append(f"device='{t.device}'")
    if t.dtype not in (dtypes.DEFAULT_FLOAT, dtypes.int64, dtypes.bool):
        extras.append(f"dtype=tensor.{t.dtype}")
    if t.requires_grad:
        extras.append("requires_grad=True" if t.is_leaf else f"grad_fn=<{backward_name(t)}>")
    return f"tensor({', '.join([body] + extras)})"
