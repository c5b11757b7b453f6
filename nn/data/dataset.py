"""Datasets: indexable collections of training examples.

A `Dataset` answers two questions: how many examples there are (`len(dataset)`) and what
example `i` is (`dataset[i]`, usually an `(input, target)` tuple). `DataLoader` turns one
into batches.

A dataset whose examples sit in whole arrays can also answer for many indices at once:
`dataset.__getitems__(indices)` returns the batch directly, by indexing each array with the
index array (one vectorized gather instead of `batch_size` Python calls and a stack).
`TensorDataset` and the MNIST readers do this, and `DataLoader` uses it when it is there.
"""

import numpy as np

from tensor import Tensor


class Dataset:
    """Base class of map-style datasets: subclasses define `__getitem__(index)` and
    `__len__()`, and may define `__getitems__(indices)` to return a whole batch at once."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")


class TensorDataset(Dataset):
    """Examples that are rows of tensors: example i is `(t[i] for t in tensors)`.

    `TensorDataset(X, y)` with X of shape (N, ...) and y of shape (N,) gives (X[i], y[i]).
    All tensors must have the same first dimension N.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset expects Tensors, got {type(t).__name__}; "
                                "wrap arrays in tensor.Tensor(...)")
        sizes = [t.shape[0] if t.shape else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset needs tensors with the same first dimension, got "
                             f"shapes {shapes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """The batch of examples `indices` (an int array): each tensor indexed once."""
        indices = np.asarray(indices, dtype=np.int64)
        return tuple(t[indices] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]
