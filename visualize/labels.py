"""What a value node's box says: its label, its data and its gradient, as short text.

A scalar `Value` shows its numbers (`data 0.8814`, `grad -1.5`). A Tensor's arrays can hold
millions of numbers, so a box shows what a reader can take in at a glance: the shape and dtype,
the numbers themselves when there are at most four, otherwise the first three for the data and
the Euclidean norm sqrt(sum g_i^2) for the gradient (the one number that tells whether gradients
vanish or explode). A 0-d array, such as a loss, is one number and is shown as one: `data 0.6931`.

Device arrays. A tensor's data may live on a GPU (CuPy) or on the test-only "standin" device,
whose arrays refuse to be converted to NumPy implicitly (`numpy.asarray(a)`, or a NumPy function
given a device array, raises TypeError). So the text here uses only what NumPy and CuPy arrays
share: `.shape`, `.dtype`, `.reshape(-1)`, slicing, `*` and `.sum()` (computed on the device), and
then the explicit copies `.tolist()` and `.item()` of at most four numbers. Drawing a GPU tensor
therefore copies a handful of numbers to the host, never the whole array.
"""

import math

SHOWN_NUMBERS = 4  # an array with at most this many entries is shown in full
_RECORD_SPECIALS = '\\{}|<>"'


def number(x):
    """Four significant digits: 0.8814, -6, 1.5e+04."""
    return f"{x:.4g}"


def is_array(x):
    """Arrays (NumPy, CuPy, or anything array-like) have a shape; Python numbers do not."""
    return hasattr(x, "shape")


def _size(array):
    return math.prod(array.shape)


def _numbers(array):
    """`[1, 2, 3, 4]` in full when the array has at most four entries, else `[1, 2, 3, ...]`;
    a 0-d array is a single number, `5`."""
    if len(array.shape) == 0:
        return number(array.item())
    flat = array.reshape(-1)
    if _size(array) <= SHOWN_NUMBERS:
        return "[" + ", ".join(number(v) for v in flat.tolist()) + "]"
    return "[" + ", ".join(number(v) for v in flat[: SHOWN_NUMBERS - 1].tolist()) + ", ...]"


def data_text(data):
    """`data 2` for a number; `data [1, 2, 3, ...]` for an array."""
    if not is_array(data):
        return f"data {number(data)}"
    return f"data {_numbers(data)}"


def grad_text(grad):
    """`grad -3` for a number, `grad None` before any backward, the entries of a small array,
    or `grad norm 1.23` for a large one."""
    if grad is None:
        return "grad None"
    if not is_array(grad):
        return f"grad {number(grad)}"
    if _size(grad) <= SHOWN_NUMBERS:
        return f"grad {_numbers(grad)}"
    return f"grad norm {number((grad * grad).sum().item() ** 0.5)}"


def node_fields(node, show_grad=True):
    """The lines of a value node's box, in order: label (if any), shape and dtype (arrays only),
    data, and grad (if `show_grad`)."""
    fields = []
    label = getattr(node, "label", "")
    if label:
        fields.append(str(label))
    if is_array(node.data):
        shape = tuple(node.data.shape)
        fields.append(f"{shape} {node.data.dtype}")
    fields.append(data_text(node.data))
    if show_grad:
        fields.append(grad_text(node.grad))
    return fields


def escape_record(text):
    """Graphviz record labels give `{ } | < >` a meaning (fields, ports); a backslash makes any
    of them literal, so a label such as `x|y` stays text."""
    return "".join("\\" + c if c in _RECORD_SPECIALS else c for c in text)
