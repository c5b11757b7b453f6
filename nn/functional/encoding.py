"""`one_hot`: class indices as rows of zeros with a single 1, as torch.nn.functional has it.

Label y of C classes becomes the vector e_y (1 at position y, 0 elsewhere), the target that a
squared-error or binary-cross-entropy loss compares class scores with. It is one comparison
of the indices against 0..C-1, broadcast over a new last dimension. Indices have no gradient,
so neither has the result (int64, as in PyTorch).
"""

from tensor import dtype as dtypes


def one_hot(tensor, num_classes=-1):
    """int64 indices of any shape -> int64 tensor of shape (*shape, num_classes) with a 1 at
    each index; num_classes=-1 means one more than the largest index."""
    if tensor.dtype != dtypes.int64:
        raise TypeError(f"one_hot expects int64 class indices, got dtype {tensor.dtype}; "
                        "convert them with .long()")
    values = tensor.array
    if values.size and int(values.min()) < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(values.min())}")
    if num_classes == -1:
        if not values.size:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass it")
        num_classes = int(values.max()) + 1
    if values.size and int(values.max()) >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes "
                         f"({num_classes}), got {int(values.max())}")
    classes = tensor._backend.xp.arange(num_classes, dtype=dtypes.int64)
    return tensor._result((values[..., None] == classes).astype(dtypes.int64), (), "one_hot")
