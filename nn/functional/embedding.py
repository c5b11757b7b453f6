"""`embedding` and `embedding_bag`: looking up rows of a weight matrix by integer id, the fused
ops under nn.Embedding and nn.EmbeddingBag.

An embedding turns a token id i into a learned vector, row i of a weight matrix W of shape
(num_embeddings, embedding_dim). Mathematically it is a product with a one-hot vector,
E(i) = onehot(i) W, so its gradient is the product's gradient dL/dW = onehot(i)^T g: row i of
dL/dW receives g, every other row 0. Nobody builds the one-hot matrix (a vocabulary of 50,000
words would make it 50,000 wide): the forward pass gathers rows, `W[ids]`, and the backward
pass scatter-adds each output gradient into the row it was read from. An id used twice gets
both gradients added, which is why it is a scatter-ADD (the backend's `scatter_add`), not an
assignment.

FUSED, for speed and memory: each function is one node with its backward written out, which
gives the gradient of the whole lookup (and the bag's sum, mean or max) without a one-hot
matrix or a chain of indexing, multiplying and summing nodes.
"""

import math

from nn.functional._checks import _check_tensor, _same_device
from tensor.dtype import is_floating

MODES = ("sum", "mean", "max")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` (num_embeddings, embedding_dim) picked by the integer tensor `input`
    of any shape (*): the output has shape (*, embedding_dim), out[..., :] = weight[input[...]].

    Backward (g = dL/d out, one row per looked-up id): dL/dweight[r] = sum of g over the
    positions where input == r, a scatter-add of g's rows into weight's rows.
    - padding_idx: that row gets no gradient (it stays what it is, the zero vector of a
      padding token); a negative value counts from the end.
    - scale_grad_by_freq: each row's gradient is divided by how often its id occurs in
      `input`, so frequent words do not take bigger steps just for being frequent.
    - max_norm: before the lookup, every looked-up row whose `norm_type`-norm exceeds max_norm
      is scaled down in place to norm max_norm (times max_norm / (norm + 1e-7), as PyTorch),
      outside the graph: `weight` itself changes.
    - sparse: sparse gradients are not implemented (NotImplementedError); the dense gradient
      has the same values.
    """
    return _embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                      sparse, "embedding")


def _embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
               who):
    """`embedding`, with errors naming `who` (the function, or the module with its
    arguments)."""
    ids = _checked_ids(input, weight, who)
    padding_idx = _padding_row(padding_idx, weight.shape[0], who)
    _check_sparse(sparse, who)
    if max_norm is not None:
        _renorm_rows_(weight, ids, max_norm, norm_type)
    xp, backend = weight._backend.xp, weight._backend
    num_embeddings, dim = weight.shape
    out = weight._result(xp.take(weight.array, ids, axis=0), (weight,), "embedding",
                         saved=(input,))  # backward reads the ids: they must not change

    def backward(g):  # scatter-add each output row's gradient into the row it was read from
        flat_ids, rows = ids.reshape(-1), g.reshape(-1, dim)
        if scale_grad_by_freq:
            counts = xp.bincount(flat_ids, minlength=num_embeddings)
            rows = rows / counts[flat_ids][:, None].astype(rows.dtype)
        grad = _scatter_rows(backend, weight.shape, weight.dtype, flat_ids, rows)
        if padding_idx is not None:
            grad[padding_idx] = 0
        weight._accumulate(grad)

    out._backward = backward
    return out


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """The sum, mean or max of each bag of embeddings, without materializing the lookups as a
    graph: out[b] = reduce over the ids i of bag b of weight[i], shape (B, embedding_dim).

    Bags: a 2-D `input` (B, L) is B bags of L ids each (offsets must be None). A 1-D `input`
    (N,) is all bags one after another; `offsets` (B,) says where each starts (offsets[0] = 0,
    non-decreasing), the last running to the end of input; with include_last_offset=True
    offsets has B + 1 entries and the last one is where the last bag ends (ids after it belong
    to no bag). A bag can be empty: its output is zeros.

    Modes, and their backward (g[b] = dL/d out[b]):
    - "sum": out[b] = sum_i w_i weight[id_i] with w_i = per_sample_weights[i] (or 1);
      dL/dweight[id_i] += w_i g[b] and dL/dw_i = g[b] . weight[id_i].
    - "mean": the sum divided by the bag's size n_b; dL/dweight[id_i] += g[b] / n_b.
    - "max": each feature's maximum over the bag; the gradient of that feature goes to the
      row that held the maximum (the first one, on a tie).
    padding_idx: those ids are left out of their bag (not summed, not counted in n_b, never
    the max) and get no gradient. scale_grad_by_freq (sum and mean): each row's gradient is
    divided by how often its id occurs in input (PyTorch 2.13's CPU kernel divides some rows by
    another id's count, pytorch/pytorch#190063; this is the documented behaviour). max_norm:
    as in `embedding`.
    """
    return _embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode,
                          sparse, per_sample_weights, include_last_offset, padding_idx,
                          "embedding_bag")


def _embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                   per_sample_weights, include_last_offset, padding_idx, who):
    ids = _checked_ids(input, weight, who)
    if mode not in MODES:
        raise ValueError(f"{who}: mode must be one of {MODES}, got {mode!r}")
    padding_idx = _padding_row(padding_idx, weight.shape[0], who)
    _check_sparse(sparse, who)
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{who}: mode='max' cannot scale the gradient by frequency "
                         "(scale_grad_by_freq=True): one row per feature gets the gradient")
    weights = _checked_sample_weights(per_sample_weights, input, weight, mode, who)
    xp = weight._backend.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: a 2-D input (B, L) is B bags of L ids each, so offsets "
                             f"must be None, got offsets of shape {tuple(offsets.shape)}")
        bags, length = input.shape
        starts = xp.arange(bags + 1) * length  # bag b is ids[starts[b]:starts[b + 1]]
    elif input.ndim == 1:
        starts = _checked_offsets(offsets, input, include_last_offset, who)
        bags = starts.shape[0] - 1
    else:
        raise ValueError(f"{who}: input must be 1-D ids with offsets, or 2-D (B, L) bags, got "
                         f"shape {tuple(input.shape)}")
    if max_norm is not None:
        _renorm_rows_(weight, ids, max_norm, norm_type)
    ids = ids.reshape(-1)
    # bag of each id, from the start positions; ids past the last bag's end go to a spare
    # bag number `bags`, whose row is dropped (they belong to no bag)
    bag = xp.minimum(xp.searchsorted(starts, xp.arange(ids.shape[0]), side="right") - 1, bags)
    valid = bag < bags
    if padding_idx is not None:
        valid &= ids != padding_idx
    if mode == "max":
        return _bag_max(input, weight, ids, bag, bags, starts, valid)
    return _bag_sum(input, weight, weights, ids, bag, bags, valid, mode, scale_grad_by_freq,
                    padding_idx)


def _bag_sum(input, weight, weights, ids, bag, bags, valid, mode, scale_grad_by_freq,
             padding_idx):
    """Sum and mean bags: out[b] = sum over the ids i of bag b of c_i weight[id_i], with
    c_i = per_sample_weights[i] or 1 (sum), 1 / n_b (mean), and 0 for padding. One
    scatter-add of the scaled rows into their bags; its backward reads each id's bag
    gradient back with one gather, g[bag_i], and scatter-adds c_i g[bag_i] into weight."""
    xp, backend = weight._backend.xp, weight._backend
    dtype, dim = weight.dtype, weight.shape[1]
    rows = xp.take(weight.array, ids, axis=0)  # (N, D): weight[id_i]
    coef = valid.astype(dtype)  # c_i
    if weights is not None:
        coef = coef * weights.array.reshape(-1)
    if mode == "mean":
        sizes = xp.bincount(bag, weights=coef, minlength=bags + 1).astype(dtype)  # n_b
        coef = coef / xp.maximum(sizes, 1)[bag]
    summed = _scatter_rows(backend, (bags + 1, dim), dtype, bag,
                           xp.where(valid[:, None], rows * coef[:, None], 0))
    parents = (weight,) if weights is None else (weight, weights)
    looked_up = None if weights is None else rows  # only dL/dw_i reads the rows again
    out = weight._result(summed[:bags], parents, f"embedding_bag({mode})", saved=(input,))

    def backward(g):
        per_id = xp.concatenate([g, xp.zeros((1, dim), dtype=g.dtype)])[bag]  # g[bag_i], (N, D)
        if weight.requires_grad:
            scaled = per_id * coef[:, None]
            if scale_grad_by_freq:
                counts = xp.bincount(ids, minlength=weight.shape[0])
                scaled = scaled / counts[ids][:, None].astype(scaled.dtype)
            grad = _scatter_rows(backend, weight.shape, weight.dtype, ids, scaled)
            if padding_idx is not None:
                grad[padding_idx] = 0
            weight._accumulate(grad)
        if weights is not None and weights.requires_grad:  # dL/dw_i = g[bag_i] . weight[id_i]
            grad_w = xp.where(valid, (per_id * looked_up).sum(axis=1), 0)
            weights._accumulate(grad_w.reshape(weights.shape))

    out._backward = backward
    return out


def _bag_max(input, weight, ids, bag, bags, starts, valid):
    """Max bags. The bags are laid out as a table (bags, longest bag), entry [b, k] the k-th
    id of bag b, -inf where a bag is shorter or the id is padding; the max and its argmax run
    along the table's rows. Backward: g[b, d] goes to row table[b, argmax[b, d]], feature d."""
    xp, backend = weight._backend.xp, weight._backend
    dim = weight.shape[1]
    longest = int((starts[1:] - starts[:-1]).max()) if bags else 0
    position = xp.arange(ids.shape[0]) - starts[bag]  # k, the place of each id in its bag
    table = xp.full((bags + 1, max(longest, 1)), -1, dtype="int64")  # row `bags`: spare
    table[xp.where(valid, bag, bags), xp.where(valid, position, 0)] = xp.where(valid, ids, -1)
    table = table[:bags]
    filled = table >= 0
    rows = xp.take(weight.array, xp.maximum(table, 0), axis=0)  # (B, longest, D)
    rows = xp.where(filled[..., None], rows, -xp.inf)
    winner = rows.argmax(axis=1)  # (B, D): which entry of the bag holds each feature's max
    nonempty = filled.any(axis=1)[:, None]
    maxima = xp.where(nonempty, xp.take_along_axis(rows, winner[:, None], axis=1)[:, 0], 0)
    out = weight._result(maxima, (weight,), "embedding_bag(max)", saved=(input,))
    winner_ids = xp.take_along_axis(table, winner, axis=1)  # (B, D): the row of each maximum

    def backward(g):
        grad = xp.zeros_like(weight.array)
        features = xp.broadcast_to(xp.arange(dim), winner_ids.shape)
        backend.scatter_add(grad, (xp.maximum(winner_ids, 0), features),
                            xp.where(nonempty, g, 0))
        weight._accumulate(grad)

    out._backward = backward
    return out


def _scatter_rows(backend, shape, dtype, index, rows):
    """A new (R, D) array, zeros plus rows[i] added into row index[i] for every i (repeated
    indices adding up). The scatter-add runs on the flattened table, element (r, d) at
    r * D + d: NumPy's add.at is several times faster on a 1-D target than on whole rows."""
    xp = backend.xp
    table = xp.zeros(shape, dtype=dtype)
    width = shape[1]
    flat_index = (index.astype(xp.int64)[:, None] * width + xp.arange(width)).reshape(-1)
    backend.scatter_add(table.reshape(-1), flat_index, rows.reshape(-1))
    return table


# ---- checks and the max_norm renormalization ----------------------------------------------


def _checked_ids(input, weight, who):
    """The raw id array of `input`, after checking that it is an integer tensor on weight's
    device and every id is a row of weight, [0, num_embeddings)."""
    _check_tensor(input, who)
    _check_tensor(weight, who, "weight")
    if weight.ndim != 2:
        raise ValueError(f"{who}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    _same_device(input, weight, who, "weight")
    ids = input.array
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{who} expected integer ids (int64 or int32) as input, got dtype "
                        f"{input.dtype}; convert with .long()")
    rows = weight.shape[0]
    if ids.size:
        bad = (ids < 0) | (ids >= rows)
        if bool(bad.any()):
            raise IndexError(f"{who}: id {ids[bad].reshape(-1)[0].item()} is out of range; ids "
                             f"must lie in [0, {rows}) (num_embeddings={rows}), got ids from "
                             f"{ids.min().item()} to {ids.max().item()}")
    return ids


def _padding_row(padding_idx, rows, who):
    """padding_idx as a row number in [0, rows) (a negative one counts from the end), or
    None."""
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{who}: padding_idx must be within [-{rows}, {rows}) "
                         f"(num_embeddings={rows}), got {padding_idx}")
    return padding_idx % rows


def _check_sparse(sparse, who):
    if sparse:
        raise NotImplementedError(f"{who}: sparse gradients (sparse=True) are not implemented; "
                                  "use sparse=False: the dense gradient has the same values")


def _checked_offsets(offsets, input, include_last_offset, who):
    """The start of every bag plus the end of the last, as one raw array of B + 1 entries."""
    if offsets is None:
        raise ValueError(f"{who}: a 1-D input needs offsets, the start of every bag in it "
                         "(or pass a 2-D input (B, L) of equal-sized bags)")
    _check_tensor(offsets, who, "offsets")
    _same_device(input, offsets, who, "offsets")
    starts = offsets.array
    if starts.ndim != 1 or starts.dtype.kind not in "iu":
        raise ValueError(f"{who}: offsets must be a 1-D integer tensor, got shape "
                         f"{tuple(offsets.shape)} and dtype {offsets.dtype}")
    xp, total = input._backend.xp, input.shape[0]
    if starts.shape[0] == 0:
        if include_last_offset:
            raise ValueError(f"{who}: with include_last_offset=True, offsets needs at least one "
                             "entry (the end of the last bag), got none")
        return xp.asarray([total])  # no bags (PyTorch too returns an empty (0, D) result)
    if not include_last_offset:
        starts = xp.concatenate([starts, xp.asarray([total], dtype=starts.dtype)])
    if int(starts[0]) != 0 or bool((starts[1:] < starts[:-1]).any()) or int(starts[-1]) > total:
        raise ValueError(f"{who}: offsets must start at 0, never decrease and not pass the "
                         f"input's length {total}, got {offsets.tolist()}")
    return starts


def _checked_sample_weights(per_sample_weights, input, weight, mode, who):
    if per_sample_weights is None:
        return None
    _check_tensor(per_sample_weights, who, "per_sample_weights")
    if mode != "sum":
        raise ValueError(f"{who}: per_sample_weights are only supported with mode='sum', got "
                         f"mode={mode!r}")
    if per_sample_weights.shape != input.shape:
        raise ValueError(f"{who}: per_sample_weights must have the input's shape "
                         f"{tuple(input.shape)}, got {tuple(per_sample_weights.shape)}")
    _same_device(input, per_sample_weights, who, "per_sample_weights")
    if per_sample_weights.dtype != weight.dtype:
        raise TypeError(f"{who}: per_sample_weights must have the weight's dtype "
                        f"{weight.dtype}, got {per_sample_weights.dtype}")
    return per_sample_weights


def _renorm_rows_(weight, ids, max_norm, norm_type):
    """Scale every row of weight used by `ids` whose p-norm (p = norm_type) exceeds max_norm
    down to that norm, in place and outside the graph (as torch.embedding_renorm_ under
    no_grad). weight's version counter moves, so a backward that saved its values notices."""
    if not is_floating(weight.dtype):
        raise TypeError(f"max_norm needs a floating-point weight, got dtype {weight.dtype}")
    xp, p = weight._backend.xp, float(norm_type)
    used = xp.unique(ids.reshape(-1))
    rows = weight.array[used]
    size = xp.abs(rows)
    if math.isinf(p):
        norms = size.max(axis=1) if p > 0 else size.min(axis=1)
    elif p == 0:
        norms = (size != 0).sum(axis=1).astype(rows.dtype)
    else:
        norms = (size ** p).sum(axis=1) ** (1 / p)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1).astype(rows.dtype)
    weight.array[used] = rows * scale[:, None]
    weight._bump_version()
