"""`DataLoader`: iterate over a dataset in (shuffled) mini-batches; `default_collate`."""

from collections.abc import Mapping

import numpy as np

import tensor
from nn.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
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
    """Iterate over `dataset` in batches of `batch_size` examples, with PyTorch's arguments.

    - `shuffle=True` draws a new random order at the start of every epoch (every `iter`),
      from `generator` (a `tensor.Generator`, or a `numpy.random.Generator`) or, by default,
      from the CPU's default stream that `tensor.manual_seed` seeds.
    - `sampler=` chooses the order instead (nn/data/sampler.py: RandomSampler,
      SubsetRandomSampler, WeightedRandomSampler, or any iterable of indices), and
      `batch_sampler=` the batches themselves (then batch_size, shuffle, sampler and
      drop_last are left out, as PyTorch requires). `batch_size=None` yields single examples.
    - `drop_last=True` skips the last batch when it is smaller than `batch_size` (useful when
      a layer needs full batches); otherwise the last batch is just shorter.
    - Batching: when the dataset has `__getitems__` (TensorDataset, MNIST, Subset of them)
      each batch is cut by indexing whole arrays with an index array. Otherwise, or when you
      pass a `collate_fn`, the examples are fetched one by one and `collate_fn` (default:
      `default_collate`) turns the list of examples into a batch, as in PyTorch.
    - `num_workers`, `pin_memory`, `prefetch_factor`, `persistent_workers`, `timeout`,
      `worker_init_fn`, `multiprocessing_context`, `pin_memory_device`, `in_order`: accepted,
      so PyTorch programs run, and unused: batches are made in this process, because cutting a
      batch is one vectorized indexing here (worker processes would only add copies), and
      there is no pinned memory.

    `len(loader)` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if batch_size is not None and (not isinstance(batch_size, int)
                                       or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"DataLoader expects a positive integer batch_size, "
                             f"got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int, got "
                             f"{num_workers!r}")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle "
                             "(the sampler decides the order)")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler

    def __len__(self):
        self._dataset_length()  # a clear error for a dataset without __len__
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def _dataset_length(self):
        try:
            return len(self.dataset)
        except TypeError:
            raise TypeError(f"DataLoader needs len(dataset) to know how many examples there "
                            f"are, but {type(self.dataset).__name__} has no __len__; define "
                            "__len__ (and __getitem__) as nn.data.Dataset says") from None

    def __iter__(self):
        if self.batch_sampler is None:  # batch_size=None: one example at a time
            for index in self.sampler:
                yield self.dataset[index]
            return
        self._dataset_length()
        fetch_batch = getattr(self.dataset, "__getitems__", None)
        collate = self.collate_fn or default_collate
        batches = self.batch_sampler
        if isinstance(batches, BatchSampler) and isinstance(batches.sampler, Sampler):
            batches = batches._index_batches()  # index arrays, without a list per batch
        for indices in batches:
            if fetch_batch is not None and self.collate_fn is None:
                yield fetch_batch(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])
