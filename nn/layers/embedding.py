"""Embedding layers: `Embedding` (a learned vector per token id) and `EmbeddingBag` (the sum,
mean or max of the vectors of each bag of ids), as torch.nn's.

A language model cannot multiply a word: it first turns each word id into a vector of numbers,
row id of a weight matrix (num_embeddings, embedding_dim), and learns those rows like any
other weight. The lookup and its gradient (a scatter-add into the rows that were read) are
the fused ops of nn/functional/embedding.py.
"""

import numbers

import tensor
from nn import init
from nn.functional.embedding import (
    MODES,
    _check_sparse,
    _embedding,
    _embedding_bag,
    _padding_row,
)
from nn.module import Module
from nn.parameter import Parameter


def _check_sizes(name, num_embeddings, embedding_dim):
    for what, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{name}: {what} must be a whole number >= 0 (a size), got {n!r}")


def _table(name, num_embeddings, embedding_dim, _weight, requires_grad, device, dtype):
    """The weight Parameter: a copy of `_weight` (which must be (num_embeddings,
    embedding_dim)), or an uninitialized table for reset_parameters to fill."""
    if _weight is None:
        return Parameter(tensor.empty((num_embeddings, embedding_dim), device=device,
                                      dtype=dtype), requires_grad=requires_grad)
    if tuple(_weight.shape) != (num_embeddings, embedding_dim):
        raise ValueError(f"{name}: _weight must have shape ({num_embeddings}, {embedding_dim}) "
                         f"(num_embeddings, embedding_dim), got {tuple(_weight.shape)}")
    return Parameter(_weight, requires_grad=requires_grad)


def _pretrained_shape(cls, embeddings):
    if not isinstance(embeddings, tensor.Tensor) or embeddings.ndim != 2:
        got = (f"shape {tuple(embeddings.shape)}" if isinstance(embeddings, tensor.Tensor)
               else type(embeddings).__name__)
        raise ValueError(f"{cls.__name__}.from_pretrained expects a 2-D Tensor of embeddings "
                         f"(num_embeddings, embedding_dim), got {got}")
    return tuple(embeddings.shape)


class Embedding(Module):
    """out[..., :] = weight[input[...]]: integer ids of any shape (*) -> (*, embedding_dim).

    `weight` (num_embeddings, embedding_dim) starts as N(0, 1) samples (PyTorch's default),
    with the row of `padding_idx` (if given; negative counts from the end) set to zeros: that
    row is the vector of a padding token and never receives a gradient, so it stays zero.
    `max_norm` rescales looked-up rows whose `norm_type`-norm exceeds it, in place;
    `scale_grad_by_freq` divides each row's gradient by its id's count in the batch. Use
    `Embedding.from_pretrained(vectors)` to start from trained vectors (frozen by default).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        _check_sizes("Embedding", num_embeddings, embedding_dim)
        _check_sparse(sparse, "Embedding")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_row(padding_idx, num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.weight = _table("Embedding", num_embeddings, embedding_dim, _weight,
                             not _freeze, device, dtype)
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self):
        """New N(0, 1) rows, the padding row zeroed."""
        init.normal_(self.weight)
        _zero_padding_row(self)

    def forward(self, input):
        return _embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                          self.scale_grad_by_freq, self.sparse, repr(self))

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is a copy of the 2-D `embeddings`, trained only if
        freeze=False. The padding row is kept as given (not zeroed), as in PyTorch."""
        rows, cols = _pretrained_shape(cls, embeddings)
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings,
                   _freeze=freeze)


class EmbeddingBag(Module):
    """The sum, mean (default) or max of the embeddings of each bag of ids, (B, embedding_dim),
    without a (B, L, embedding_dim) tensor of lookups in the graph: the classic bag-of-words
    text classifier in one layer.

    forward(input, offsets=None, per_sample_weights=None): a 2-D input (B, L) is B bags of L ids;
    a 1-D input (N,) holds the bags one after another, `offsets` (B,) their starts (B + 1
    entries, the last the end, with include_last_offset=True). Empty bags give zeros.
    per_sample_weights (input's shape) weight each id in mode "sum". Ids equal to padding_idx
    are left out of their bag. Initialization as Embedding's (N(0, 1), padding row zeroed).
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        _check_sizes("EmbeddingBag", num_embeddings, embedding_dim)
        _check_sparse(sparse, "EmbeddingBag")
        if mode not in MODES:
            raise ValueError(f"EmbeddingBag: mode must be one of {MODES}, got {mode!r}")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_row(padding_idx, num_embeddings, "EmbeddingBag")
        self.weight = _table("EmbeddingBag", num_embeddings, embedding_dim, _weight, True,
                             device, dtype)
        if _weight is None:
            self.reset_parameters()
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self):
        """New N(0, 1) rows, the padding row zeroed."""
        init.normal_(self.weight)
        _zero_padding_row(self)

    def forward(self, input, offsets=None, per_sample_weights=None):
        return _embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                              self.scale_grad_by_freq, self.mode, self.sparse,
                              per_sample_weights, self.include_last_offset, self.padding_idx,
                              repr(self))

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is a copy of the 2-D `embeddings`, trained only if
        freeze=False."""
        rows, cols = _pretrained_shape(cls, embeddings)
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag


def _zero_padding_row(module):
    if module.padding_idx is not None:
        with tensor.no_grad():
            module.weight[module.padding_idx].fill_(0)

