"""`DataLoader`: iterate over a dataset in (shuffled) mini-batches."""

import math
from collections.abc import Mapping

import numpy as np

import tensor
from tensor import Tensor


def default_collate(samples):
    """Stack a list of examples into one batch, keeping their structure: Tensors and NumPy
    arrays are stacked along a new first dimension, numbers become one Tensor whose dtype
    fits them all (float32 if any is a float, else int64 if any is an int, else bool, as
    `Tensor([1, 2.5])` does), and tuples, lists and dicts are collated field by field, so
    [(x0, y0), (x1, y1)] becomes (stack([x0, x1]), Tensor([y0, y1]))."""
    if len(samples) == 0:
        raise ValueError("default_collate got an empty batch: there are no examples to "
                         "stack (is the dataset empty?)")
    first = samples[0]
    if isinstance(first, Tensor):
        return tensor.stack(samples)
    if isinstance(first, np.ndarray):
        return Tensor(np.stack(samples))
    if isinstance(first, _NUMBERS):
        others = sorted({type(s).__name__ for s in samples if not isinstance(s, _NUMBERS)})
        if others:
            raise TypeError(f"default_collate: a batch mixes numbers with {others}; every "
                            "example must have the same structure")
        return Tensor(list(samples))
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: the examples of a batch have different lengths: "
                             f"{sorted({len(s) for s in samples})}")
        fields = [default_collate(list(column)) for column in zip(*samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(f"default_collate cannot batch examples of type {type(first).__name__}; "
                    "pass collate_fn= to DataLoader")


_NUMBERS = (bool, int, float, np.bool_, np.integer, np.floating)


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` examples.

    - `shuffle=True` draws a new random order at the start of every epoch (every `iter`),
      from `generator` (a `numpy.random.Generator`, e.g. `numpy.random.default_rng(0)`) or,
      by default, from the CPU generator that `tensor.manual_seed` seeds.
    - `drop_last=True` skips the last batch when it is smaller than `batch_size` (useful when
      a layer needs full batches); otherwise the last batch is just shorter.
    - Batching: when the dataset has `__getitems__` (TensorDataset, MNIST, ...) each batch is
      cut by indexing whole arrays with an index array. Otherwise, or when you pass a
      `collate_fn`, the examples are fetched one by one and `collate_fn` (default:
      `default_collate`) turns the list of examples into a batch, as in PyTorch.

    `len(loader)` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, collate_fn=None, drop_last=False,
                 generator=None):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader expects a positive integer batch_size, "
                             f"got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self):
        n = self._dataset_length()
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def _order(self):
        """The order of the examples for one epoch: 0..n-1, or a random permutation."""
        n = self._dataset_length()
        if not self.shuffle:
            return np.arange(n)
        if self.generator is not None:
            return self.generator.permutation(n)
        # sorting n uniform numbers gives a uniformly random permutation
        return np.argsort(tensor.rand(n, dtype=tensor.float64).numpy(), kind="stable")

    def _dataset_length(self):
        try:
            return len(self.dataset)
        except TypeError:
            raise TypeError(f"DataLoader needs len(dataset) to know how many examples there "
                            f"are, but {type(self.dataset).__name__} has no __len__; define "
                            "__len__ (and __getitem__) as nn.data.Dataset says") from None

    def __iter__(self):
        order = self._order()
        fetch_batch = getattr(self.dataset, "__getitems__", None)
        collate = self.collate_fn or default_collate
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start: start + self.batch_size]
            if fetch_batch is not None and self.collate_fn is None:
                yield fetch_batch(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])
