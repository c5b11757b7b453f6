"""Samplers: the order in which a `DataLoader` visits a dataset, as `torch.utils.data` has them.

A sampler yields indices into a dataset; a batch sampler groups them into batches:

    SequentialSampler(ds)            0, 1, 2, ..., n-1
    RandomSampler(ds)                a random permutation, new every epoch (every iter)
    SubsetRandomSampler(indices)     the given indices, in random order
    WeightedRandomSampler(w, k)      k indices drawn with probabilities proportional to w
    BatchSampler(sampler, 32, False) lists of 32 indices from `sampler`
    DistributedSampler(ds)           this process's share of an order common to all of them

`DataLoader(ds, batch_size=32, shuffle=True)` is `BatchSampler(RandomSampler(ds), 32, False)`.
The built-in samplers also give their order as one index array (`_order`), so the DataLoader
cuts batches by slicing arrays instead of making a Python list per batch.

Random orders come from `generator` (a `tensor.Generator`, or a NumPy `Generator`) or, by
default, the CPU's default stream that `tensor.manual_seed` seeds; a permutation is the
argsort of n uniform numbers.
"""

import numpy as np

from tensor import distributed, random
from tensor import dtype as dtypes
from tensor.backend import get_backend


def uniform(n, generator=None):
    """n uniform numbers in [0, 1) as a float64 NumPy array, from `generator` (a
    tensor.Generator or a numpy.random.Generator) or the CPU's default stream."""
    if isinstance(generator, np.random.Generator):
        return generator.random(n)
    return random.source(generator, get_backend("cpu"), "sampler").rand((n,), dtypes.float64)


def permutation(n, generator=None):
    """A uniformly random order of 0..n-1 (sorting n uniform numbers gives one)."""
    if isinstance(generator, np.random.Generator):
        return generator.permutation(n)
    return np.argsort(uniform(n, generator), kind="stable")


class Sampler:
    """Base class: subclasses define `__iter__` (the indices) and usually `__len__`."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def _order(self):
        """The indices of one epoch as an int64 array (the built-in samplers)."""
        return np.fromiter(iter(self), dtype=np.int64)


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1, every epoch."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _order(self):
        return np.arange(len(self.data_source))

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random order of the dataset every epoch; with `replacement=True`, `num_samples`
    indices drawn independently (default: as many as the dataset has)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, got "
                             f"{num_samples!r}")
        if num_samples is not None and not replacement and num_samples > len(data_source):
            raise ValueError(f"RandomSampler: cannot draw {num_samples} different examples "
                             f"from {len(data_source)} without replacement")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self):
        n = len(self.data_source)
        if self.replacement:
            return np.minimum((uniform(self.num_samples, self.generator) * n).astype(np.int64),
                              n - 1)
        return permutation(n, self.generator)[:self.num_samples]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order every epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _order(self):
        return np.asarray(self.indices, dtype=np.int64)[permutation(len(self.indices),
                                                                    self.generator)]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices, index i drawn with probability weights[i] / sum(weights): with
    replacement by inverting the cumulative distribution at uniform points, without by the
    Gumbel-top-k trick (the k largest of log w_i - log(-log u_i) are a weighted draw without
    replacement)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim != 1 or (self.weights < 0).any() or not self.weights.sum() > 0:
            raise ValueError("WeightedRandomSampler: weights must be a 1-d sequence of "
                             "non-negative numbers, not all zero")
        if not replacement and num_samples > np.count_nonzero(self.weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} different "
                             "indices without replacement from fewer nonzero weights")
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _order(self):
        u = uniform(len(self.weights) if not self.replacement else self.num_samples,
                    self.generator)
        if self.replacement:
            cumulative = np.cumsum(self.weights)
            return np.searchsorted(cumulative, u * cumulative[-1], side="right").clip(
                0, len(self.weights) - 1)
        with np.errstate(divide="ignore"):
            keys = np.log(self.weights) - np.log(-np.log(np.maximum(u, 1e-300)))
        return np.argsort(-keys, kind="stable")[:self.num_samples]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of `batch_size` indices from `sampler`; the last one shorter, or dropped when
    `drop_last`."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"BatchSampler expects a positive integer batch_size, got "
                             f"{batch_size!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self):
        """The batches as int64 index arrays, cut from the sampler's order in one go."""
        order = self.sampler._order()
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return (order[start:start + self.batch_size]
                for start in range(0, stop, self.batch_size))

    def __iter__(self):
        if isinstance(self.sampler, Sampler):
            return (batch.tolist() for batch in self._index_batches())
        return self._group(iter(self.sampler))

    def _group(self, indices):
        batch = []
        for index in indices:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class DistributedSampler(Sampler):
    """Each process of a data-parallel job (tensor.distributed) its own share of the dataset.

    Every rank computes the same order of the n indices (a permutation seeded with `seed +
    epoch`, so call `set_epoch(epoch)` before each epoch for a new one, or 0, 1, ..., n-1 with
    shuffle=False), makes its length a multiple of the number of replicas R, and takes every
    R-th index from its own rank on: rank r gets order[r], order[r + R], order[r + 2R], ...
    The shares are disjoint, and together the ranks' k-th batches of size B are the k-th
    stretch of R*B indices of the common order: one large batch, cut R ways.

    When R does not divide n, drop_last=False repeats the first indices of the order to
    fill the last round (a few examples count twice per epoch), drop_last=True leaves the
    last n mod R out. `num_replicas` and `rank` default to the process group's world size
    and rank. Random orders differ from PyTorch's for the same seed (tensor/random.py)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = distributed.get_world_size()
        if rank is None:
            rank = distributed.get_rank()
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, int) \
                or num_replicas < 1:
            raise ValueError(f"DistributedSampler expects num_replicas >= 1, got "
                             f"{num_replicas!r}")
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank!r}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        self.shuffle = shuffle
        self.seed = seed
        n = len(dataset)
        if drop_last:
            self.num_samples = n // num_replicas
        else:
            self.num_samples = -(-n // num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Choose the epoch whose order the next iteration gives (the same on every rank)."""
        self.epoch = epoch

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            order = permutation(n, np.random.default_rng(self.seed + self.epoch))
        else:
            order = np.arange(n)
        if n:  # np.resize repeats the order from its start, or cuts it, to total_size
            order = np.resize(order, self.total_size)
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples
