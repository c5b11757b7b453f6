"""Version counters: how backward notices that a tensor it needs was changed in place.

An op's backward step often reads its inputs' or its output's values: d(a*b)/da = b needs b
as it was when the product was computed. If `b.mul_(2)` changes b in place between the
forward pass and backward(), the step would read the new b and return a wrong gradient, with
no error. PyTorch's answer, and ours: every tensor has a version counter, a number that every
in-place change increments. An op records, for each tensor whose values its backward will
read, the version it saw (`saved=` and `saves_output=` of `Tensor._result`); before the step
runs, backward compares (`check_saved`) and raises a RuntimeError that names the tensor, the
op, both versions and the fix, instead of computing with changed values.

Views share memory, so they share one counter: changing `x[0]` in place changes x too, and
x's version moves with it. `detach()` and `.data` share it as well (PyTorch's `.data` does
not, which is how its in-place changes slip past autograd; ours are caught).
"""


class VersionCounter:
    """How many times the memory of a tensor (and of its views) was changed in place."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def check_saved(node):
    """RuntimeError if a tensor that `node`'s backward step reads changed since it was saved.

    `node._saved` holds (tensor, version) pairs; tensor None stands for the node itself (its
    own output, as exp's backward reads e**a), which cannot hold a reference to itself."""
    for saved, expected in node._saved:
        tensor = node if saved is None else saved
        if tensor._version != expected:
            raise RuntimeError(_modified_message(node, saved, tensor, expected))


def _modified_message(node, saved, tensor, expected):
    from tensor.autograd.graph import backward_name

    step = f"'{node.op}' ({backward_name(node)})"
    if saved is None:
        what = f"output 0 of {backward_name(node)}"
    elif tensor.is_leaf:
        what = "a leaf tensor"
    else:
        what = f"output of '{tensor.op}' ({backward_name(tensor)})"
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{tensor.dtype} tensor of shape {tuple(tensor.shape)}], which "
            f"is {what}, is at version {tensor._version}; expected version {expected} instead. "
            f"The backward step of {step} needs its values as they were in the forward pass. "
            f"Change it out of place (y = y * 2 instead of y *= 2), or after backward() "
            f"(an optimizer.step() between a forward pass and its backward() does this too).")
