"""Variable-length batches for recurrent layers (`nn.utils.rnn`), PyTorch's names and layout.

A batch of sentences has sentences of different lengths. Padding them to one length and
running an RNN over the padding wastes work, and worse, the final hidden state of a short
sequence would be the state after its padding. A `PackedSequence` stores the batch without
padding: time step by time step, only the sequences still running at that step.

Three sequences given in the order a (length 4), b (length 2), c (length 3) are sorted
longest first (a, c, b) and padded into a (T=4, B=3) table, time down, batch across:

             a    c    b
    t = 0   a0   c0   b0          data        = [a0 c0 b0 | a1 c1 b1 | a2 c2 | a3]
    t = 1   a1   c1   b1          batch_sizes = [ 3,        3,         2,      1 ]
    t = 2   a2   c2    .
    t = 3   a3    .    .          sorted_indices   = [0, 2, 1]   a, c, b are inputs 0, 2, 1
                                  unsorted_indices = [0, 2, 1]   a, b, c are columns 0, 2, 1

`data` reads the table row by row, skipping the padding (.): step 0 of every sequence, then
step 1 of those longer than 1, and so on. `batch_sizes[t]` says how many sequences are still
running at step t; because they are sorted longest first, those are always the first
`batch_sizes[t]` columns, so an RNN computes step t as one matrix product on the rows
`data[offset_t : offset_t + batch_sizes[t]]` (offset_t the sum of the earlier batch sizes)
with the first batch_sizes[t] rows of the hidden state, which simply shrinks.
`sorted_indices` says which input sequence each column holds; `unsorted_indices`, its inverse
permutation, where each input sequence went (pad_packed_sequence uses it to put the batch
back in the caller's order). With enforce_sorted=True both are None: the caller sorted.

Packing and unpacking move rows of `data` to table positions and back. Each function builds,
once, with NumPy on the lengths (which live on the CPU), an index of where every row goes,
and one gather op (`_gather_rows` below) moves the rows on the tensor's device, and moves the
gradient back: no Python loop over the sequences of a batch.
"""

from typing import NamedTuple

import numpy

from tensor import Tensor, cat
from tensor.dtype import float16, float32, float64, int32, int64


class PackedSequence(NamedTuple):
    """`data` (sum of lengths, *features), `batch_sizes` (int64 Tensor on the CPU, one entry per
    time step), `sorted_indices` / `unsorted_indices` (int64 Tensors or None): the permutation
    that sorted the batch by length, longest first, and its inverse."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs):
        """`data` converted as `Tensor.to` converts (device and/or dtype); the index tensors
        follow data's device, `batch_sizes` stays on the CPU. Self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def follow(indices):
            return None if indices is None else indices.to(data.device)

        return PackedSequence(data, self.batch_sizes, follow(self.sorted_indices),
                              follow(self.unsorted_indices))

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def half(self):
        return self.to(float16)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    @property
    def is_cuda(self):
        """Whether `data` is on a GPU."""
        return self.data.is_cuda


def invert_permutation(permutation):
    """The inverse of a permutation tensor p (None stays None): q with q[p[i]] = i, so that
    reordering by p and then by q gives back the original order."""
    if permutation is None:
        return None
    xp = permutation._backend.xp
    inverse = xp.empty_like(permutation.array)
    inverse[permutation.array] = xp.arange(permutation.shape[0], dtype=inverse.dtype)
    return Tensor._wrap(inverse, permutation._backend)


def _gather_rows(source, lead, index, fill):
    """Rows of `source` moved to new places, one differentiable op.

    `source`'s first `lead` dimensions are flattened into rows (a (T, B, *) table has T*B rows
    of shape *). `index` is a NumPy integer array of any shape: the output has shape
    (*index.shape, *), and its row at position p is source row index[p], or the value `fill`
    where index[p] = -1 (padding). Every source row is used at most once, so in

        forward:  out[dest] = rows[src]        backward:  d rows[src] = g[dest]

    (dest the output positions with index >= 0, src = index[dest]) the gradient moves back the
    way the rows came, by plain assignment: nothing is added twice, and rows that were dropped
    (padding of the input) get gradient 0.
    """
    backend, xp = source._backend, source._backend.xp
    feature_shape = source.shape[lead:]
    flat_index = index.reshape(-1)
    dest = numpy.flatnonzero(flat_index >= 0)
    src = backend.asarray(flat_index[dest])  # explicit host -> device copies of the indices
    dest = backend.asarray(dest)
    rows = source.array.reshape((-1,) + feature_shape)
    out = xp.full((flat_index.size,) + feature_shape, fill, dtype=rows.dtype)
    out[dest] = rows[src]
    result = source._result(out.reshape(index.shape + feature_shape), (source,), "gather_rows")

    def backward(g):  # each output row's gradient goes back to the row it came from
        grad = xp.zeros_like(rows)
        grad[src] = g.reshape((-1,) + feature_shape)[dest]
        source._accumulate(grad.reshape(source.shape))

    result._backward = backward
    return result


def _lengths(lengths, name, what="lengths"):
    """`lengths` (a list, tuple or 1-D CPU integer tensor) as a NumPy int64 vector."""
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu":
            raise ValueError(f"{name}: {what} must be on the CPU (a list, or a CPU int64 "
                             f"tensor), got a tensor on {lengths.device}; pass {what}.cpu()")
        values = lengths.array
    else:
        values = numpy.asarray(lengths)
    if values.ndim != 1 or not (values.dtype.kind in "iu" or values.size == 0):
        raise TypeError(f"{name}: {what} must be a 1-D list or tensor of integers, got "
                        f"{values.tolist()!r} of dtype {values.dtype}")
    return values.astype(numpy.int64)


def _cpu_int64(values):
    return Tensor(numpy.asarray(values, dtype=numpy.int64))


def _valid_table(lengths, steps):
    """The (steps, B) mask of real (not padding) entries of a right-padded table."""
    return numpy.arange(steps)[:, None] < lengths[None, :]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch, (T, B, *) or with batch_first (B, T, *), whose sequence b is
    `lengths[b]` steps long, into a PackedSequence (see the module docstring's picture).

    With enforce_sorted=True the lengths must already be longest first (sorted_indices stays
    None). With enforce_sorted=False the batch is sorted here (a stable sort: equal lengths keep
    their order) and the permutation is kept in sorted_indices, so that pad_packed_sequence can
    put the sequences back in the caller's order. Packing is one gather: the rows of the table
    read time-major, skipping the padding; gradients flow back into `input`.
    """
    name = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{name}: input must be padded sequences of shape "
                         f"{'(B, T, *)' if batch_first else '(T, B, *)'}, at least 2-D, got "
                         f"shape {tuple(input.shape)}")
    lengths = _lengths(lengths, name)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lengths.size != batch:
        raise ValueError(f"{name}: got {lengths.size} lengths for a batch of {batch} sequences "
                         f"(input of shape {tuple(input.shape)}, batch_first={batch_first})")
    if batch and lengths.min() <= 0:
        raise ValueError(f"{name}: every length must be at least 1, got lengths "
                         f"{lengths.tolist()} (drop the empty sequences from the batch)")
    if batch and lengths.max() > steps:
        raise ValueError(f"{name}: a length of {lengths.max()} is longer than the padded "
                         f"input's {steps} time steps (input of shape {tuple(input.shape)}, "
                         f"batch_first={batch_first}); lengths {lengths.tolist()}")
    if enforce_sorted:
        if numpy.any(lengths[1:] > lengths[:-1]):
            raise ValueError(f"{name}: lengths {lengths.tolist()} are not sorted longest "
                             "first; sort the batch, or pass enforce_sorted=False to have it "
                             "sorted here (and unsorted again by pad_packed_sequence)")
        order = numpy.arange(batch)
    else:
        order = numpy.argsort(-lengths, kind="stable")
    sorted_lengths = lengths[order]
    valid = _valid_table(sorted_lengths, steps)  # (T, B), in sorted order
    time, column = numpy.nonzero(valid)  # row-major: time-major, the packed order
    # flat row numbers of the packed entries in input's own (unsorted) table
    rows = order[column]
    index = rows * steps + time if batch_first else time * batch + rows
    data = _gather_rows(input, 2, index, 0)
    batch_sizes = _cpu_int64(valid.sum(axis=1)[:sorted_lengths[0] if batch else 0])
    if enforce_sorted:
        return PackedSequence(data, batch_sizes, None, None)
    sorted_indices = Tensor._wrap(input._backend.asarray(order), input._backend)
    return PackedSequence(data, batch_sizes, sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded, lengths), padded of shape (T, B, *) (or
    (B, T, *) with batch_first) holding `padding_value` past each sequence's end, T the longest
    length (or total_length, which may not be shorter), and lengths an int64 CPU tensor. The
    sequences come back in the order they had before packing (unsorted_indices). One gather
    from `data`; gradients flow back into it.
    """
    name = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{name}: expected a PackedSequence (from pack_padded_sequence or "
                        f"pack_sequence), got {type(sequence).__name__}")
    batch_sizes = _lengths(sequence.batch_sizes, name, "batch_sizes")
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"{name}: total_length={total_length} is shorter than the longest "
                             f"sequence, {steps} steps; it must be at least {steps}")
        steps = total_length
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    # sequence b (in sorted order) runs while batch_sizes[t] > b
    lengths = (batch_sizes[None, :] > numpy.arange(batch)[:, None]).sum(axis=1)
    valid = _valid_table(lengths, steps)  # (T, B), sorted order
    position = numpy.full(valid.shape, -1, dtype=numpy.int64)
    position[valid] = numpy.arange(int(valid.sum()))  # packed rows, read time-major
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices
        unsort = unsorted._backend.to_numpy(unsorted.array)
        position, lengths = position[:, unsort], lengths[unsort]
    if batch_first:
        position = position.T
    padded = _gather_rows(sequence.data, 1, position, padding_value)
    return padded, _cpu_int64(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Sequences of shapes (L_b, *) stacked into one padded tensor (T, B, *), or (B, T, *) with
    batch_first, T the longest L_b; `padding_value` fills the rest, after each sequence
    (padding_side="right") or before it ("left"). The sequences are joined with `cat` and
    placed with one gather; each receives its part of the gradient."""
    name = "pad_sequence"
    if isinstance(sequences, Tensor) or not hasattr(sequences, "__iter__"):
        raise TypeError(f"{name}: expected a list of tensors, got {type(sequences).__name__}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError(f"{name}: got an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"{name}: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    first = sequences[0]
    for i, seq in enumerate(sequences):
        if not isinstance(seq, Tensor):
            raise TypeError(f"{name}: sequence {i} is a {type(seq).__name__}, not a Tensor")
        if seq.ndim == 0 or seq.shape[1:] != first.shape[1:]:
            raise ValueError(f"{name}: every sequence must have shape (L, *) with the same "
                             f"trailing dimensions; sequence 0 has shape {tuple(first.shape)}, "
                             f"sequence {i} has {tuple(seq.shape)}")
        if seq._backend is not first._backend or seq.dtype != first.dtype:
            raise ValueError(f"{name}: sequence 0 is {first.dtype} on {first.device}, sequence "
                             f"{i} is {seq.dtype} on {seq.device}; they must match")
    lengths = numpy.array([seq.shape[0] for seq in sequences], dtype=numpy.int64)
    steps = int(lengths.max())
    starts = numpy.cumsum(lengths) - lengths  # where each sequence begins in the joined rows
    step = numpy.arange(steps)[:, None]  # (T, 1) against the (B,) sequences
    offset = step if padding_side == "right" else step - (steps - lengths)  # step within seq
    valid = (offset >= 0) & (offset < lengths)
    position = numpy.where(valid, starts + offset, -1)  # (T, B): joined row, or -1 to pad
    joined = sequences[0] if len(sequences) == 1 else cat(sequences, dim=0)
    return _gather_rows(joined, 1, position.T if batch_first else position, padding_value)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences in a padded batch, sequence b cut to its first lengths[b] steps
    (views of the padded tensor, with gradients)."""
    lengths = _lengths(lengths, "unpad_sequence")
    batch_dim = 0 if batch_first else 1
    if padded_sequences.ndim < 2 or padded_sequences.shape[batch_dim] != lengths.size:
        raise ValueError(f"unpad_sequence: got {lengths.size} lengths for padded sequences of "
                         f"shape {tuple(padded_sequences.shape)} (batch_first={batch_first})")
    if batch_first:
        return [padded_sequences[b, :n] for b, n in enumerate(lengths.tolist())]
    return [padded_sequences[:n, b] for b, n in enumerate(lengths.tolist())]


def pack_sequence(sequences, enforce_sorted=True):
    """A list of sequences of shapes (L_b, *) packed into a PackedSequence:
    pad_sequence, then pack_padded_sequence (enforce_sorted as there)."""
    sequences = list(sequences)
    lengths = [seq.shape[0] if isinstance(seq, Tensor) and seq.ndim else 0
               for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences in a PackedSequence, in their original order:
    pad_packed_sequence, then unpad_sequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]

