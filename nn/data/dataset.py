"""Datasets: indexable collections of training examples.

A `Dataset` answers two questions: how many examples there are (`len(dataset)`) and what
example `i` is (`dataset[i]`, usually an `(input, target)` tuple). `DataLoader` turns one
into batches.

A dataset whose examples sit in whole arrays can also answer for many indices at once:
`dataset.__getitems__(indices)` returns the batch directly, by indexing each array with the
index array (one vectorized gather instead of `batch_size` Python calls and a stack).
`TensorDataset` and the MNIST readers do this, and `DataLoader` uses it when it is there.

`Subset` (some examples of a dataset), `ConcatDataset` (several in a row) and `random_split`
(random disjoint Subsets) combine datasets, as in `torch.utils.data`.
"""

import bisect
import math

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


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order: `Subset(ds, range(1000))` is the
    first thousand. Batches are cut from the underlying dataset in one go when it can."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        chosen = np.asarray(self.indices, dtype=np.int64)[np.asarray(indices, dtype=np.int64)]
        fetch = getattr(self.dataset, "__getitems__", None)
        if fetch is not None:
            return fetch(chosen)
        from nn.data.dataloader import default_collate

        return default_collate([self.dataset[int(i)] for i in chosen])

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other: example i of the whole is example i - offset of
    the dataset it falls in."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset index {index} out of range for {len(self)} "
                             "examples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        offset = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - offset]


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping random Subsets of the given `lengths` (counts that
    add up to len(dataset), or fractions that add up to 1, as in PyTorch: the examples a
    fraction leaves over go one each to the first subsets). The order comes from `generator`
    (a tensor.Generator) or the CPU's default stream."""
    from nn.data.sampler import permutation

    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) \
            and sum(lengths) != n:
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {lengths} add up to {sum(lengths)}, but "
                         f"the dataset has {n} examples")
    order = permutation(n, generator).tolist()
    bounds = np.cumsum([0] + lengths).tolist()
    return [Subset(dataset, order[start:stop]) for start, stop in zip(bounds, bounds[1:])]
