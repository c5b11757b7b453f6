"""Attention: `scaled_dot_product_attention` and `multi_head_attention_forward`.

Attention is a soft dictionary lookup. A query q asks a question; each key k_j says what its
entry is about and each value v_j what the entry holds. The query's match with key j is a
score s_j = (q . k_j) * scale; softmax turns the scores into weights p_j >= 0 that sum to 1;
the answer is the weighted average sum_j p_j v_j. A hard lookup would return the value of the
best key alone; the soft one is differentiable, so a network can learn what to ask and what
to answer. For L queries and S keys and values at once, it is two matrix products:

    s = q k^T * scale      (L, S)    every query against every key
    p = softmax(s)         (L, S)    row i: how query i spreads its attention over the keys
    out = p v              (L, Ev)   row i: query i's weighted average of the values

The default scale is 1/sqrt(E): a dot product of E terms of unit variance has variance E, so
unscaled scores grow with E and softmax saturates into a one-hot row with vanishing gradients.

A mask says which keys each query may see. A boolean mask (True = may attend) sets the score
of a hidden key to -inf, so that its weight is exp(-inf) = 0; a float mask is added to the
scores (0 keeps a key, -inf hides it, anything between biases it). `is_causal` hides the
future: query i sees keys 0..i only, which is how a language model is kept from reading the
word it must predict.

Two ways to compute the same thing live here:

- `scaled_dot_product_attention` is one FUSED op with its backward written out. As a
  composite (matmul, mul, add, softmax, dropout, matmul) it would be six graph nodes that keep
  five (L, S) arrays alive until backward; fused, it keeps p (and the dropout mask) only, and
  applies softmax's Jacobian without forming it.
- `_composite_attention` builds the same formula from tensor ops, autograd doing the
  derivative: the readable reference, the test oracle, and the path `MultiheadAttention`
  takes when it must return the attention weights themselves (PyTorch does the same).

`multi_head_attention_forward` is `nn.MultiheadAttention`'s computation as a function, with
torch.nn.functional's signature (sequence-first tensors); see `multi_head_attention`.
"""

import math
import numbers

import tensor
from nn.functional._checks import _check_tensor, _same_device
from nn.functional.dropout import _check_p, dropout
from nn.functional.linear import linear
from tensor import dtype as dtypes
from tensor.ops.broadcast import broadcast_shapes, unbroadcast

_SDPA = "scaled_dot_product_attention"


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    r"""softmax(q k^T * scale + mask) v for q (..., L, E), k (..., S, E), v (..., S, Ev):
    the output is (..., L, Ev), the leading (batch, head) dimensions broadcast.

    `attn_mask`: boolean (True: the query may attend to the key) or float (added to the
    scores), of a shape that broadcasts to (..., L, S). `is_causal`: query i attends to keys
    j <= i (the mask tril(ones(L, S)), aligned top-left as in PyTorch; not with attn_mask).
    `scale`: 1/sqrt(E) by default. `dropout_p`: each attention weight is dropped with this
    probability and the rest scaled by 1/(1 - p), whenever p > 0 (the functional has no
    training flag: pass 0.0 in evaluation, as PyTorch asks). `enable_gqa`: grouped-query
    attention, where key and value have fewer heads (dimension -3) than the query, and each
    of their heads serves q_heads / kv_heads consecutive query heads.

    A row whose every key is hidden has no softmax (0/0); as PyTorch's CPU kernel does, its
    weights are 0, so its output and gradients are 0. float16 is computed in float32 (the
    scores and their gradients overflow float16 long before the result does).

    FUSED, for speed and memory. Forward: s = q k^T scale + mask; p = softmax(s), computed
    from s - max_j s (the same p, but no exp overflows, so scores of 1e8 stay finite);
    out = p v. Backward, with g = dL/dout and p's rows saved:

        dL/dv = p^T g                                  (out = p v is a matrix product)
        dL/dp = g v^T
        dL/ds = p * (dL/dp - sum_j dL/dp_j p_j)        (row by row)
        dL/dq = dL/ds k scale,   dL/dk = (dL/ds)^T q scale,   dL/dmask = dL/ds

    The third line is softmax's Jacobian dp_i/ds_j = p_i (delta_ij - p_j) applied to a
    gradient: sum_i dL/dp_i p_i (delta_ij - p_j) = p_j (dL/dp_j - sum_i dL/dp_i p_i), one
    multiply and one row sum instead of an (S, S) matrix per row. With dropout, out = (p m) v
    for the mask m (0 or 1/(1 - p)); then dL/dv = (p m)^T g, and dL/dp = (g v^T) m.
    """
    mask, allowed, dtype = _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal,
                                       scale, enable_gqa)
    backend = query._backend
    xp = backend.xp
    (*_, length, features), sources = query.shape, key.shape[-2]
    scale = 1 / math.sqrt(features) if scale is None else scale
    q, k, v = (_as(t.array, dtype) for t in (query, key, value))
    if enable_gqa:
        k, v = (_repeat_heads(xp, a, query.shape[-3]) for a in (k, v))
    if is_causal:
        allowed = xp.tril(xp.ones((length, sources), dtype=bool))
    if allowed is not None:  # a bool mask as scores to add: 0 where allowed, -inf elsewhere
        bias = xp.where(allowed, dtype.type(0), dtype.type(-xp.inf))
    else:
        bias = None if mask is None else _as(mask.array, dtype)
    keep = None
    if dropout_p > 0:  # m = keep / (1 - p), keep ~ Bernoulli(1 - p), one per weight
        score_shape = broadcast_shapes(q.shape[:-2], k.shape[:-2], _SDPA) + (length, sources)
        keep = (backend.rand(score_shape, dtype) >= dropout_p).astype(dtype)
        keep *= 1 / (1 - dropout_p) if dropout_p < 1 else 0

    # EXERCISE ch10.attention_forward: s = q k^T scale (+ bias); p = softmax(s); y = (p keep) v
    s = q @ xp.swapaxes(k, -1, -2)
    s *= scale
    if bias is not None:
        s += bias  # -inf hides a key: exp(-inf) = 0, no weight
    p = _softmax_rows(xp, s)
    y = (p if keep is None else p * keep) @ v
    # END EXERCISE
    del s  # the scores became p, in place
    grad_mask = mask is not None and mask.requires_grad and allowed is None
    parents = (query, key, value, mask) if grad_mask else (query, key, value)
    out = query._result(_as(y, query.dtype), parents, _SDPA, saved=(query, key, value))

    def backward(g):  # g = dL/dout, (..., L, Ev)
        g = _as(g, dtype)
        # EXERCISE ch10.attention_backward: dv = (p keep)^T g; dp = g v^T keep; ds = p (dp - dp.p)
        if value.requires_grad:
            dropped = p if keep is None else p * keep
            _accumulate_into(value, xp.swapaxes(dropped, -1, -2) @ g, v.shape)
        if query.requires_grad or key.requires_grad or grad_mask:
            ds = unbroadcast(g @ xp.swapaxes(v, -1, -2), p.shape)  # dL/dp, then dL/ds in place
            if keep is not None:
                ds *= keep
            ds -= (ds * p).sum(axis=-1, keepdims=True)
            ds *= p  # p = 0 where a key was hidden: no gradient flows there
            if grad_mask:
                _accumulate_into(mask, ds, mask.shape)
            if query.requires_grad:
                dq = ds @ k
                dq *= scale
                _accumulate_into(query, dq, q.shape)
            if key.requires_grad:
                dk = xp.swapaxes(ds, -1, -2) @ q
                dk *= scale
                _accumulate_into(key, dk, k.shape)
        # END EXERCISE

    out._backward = backward
    return out


def _softmax_rows(xp, s):
    """softmax along the last axis, in place in `s`: exp(s - row max) / its row sum. A row of
    only -inf (every key hidden) has the max -inf and s - max = nan; shifting it by the
    smallest float instead leaves it -inf, exp gives zeros, and its weights are 0 (0 / 1)."""
    if s.shape[-1] == 0:  # no keys at all: nothing to weigh (NumPy has no max of nothing)
        return s
    s -= xp.maximum(s.max(axis=-1, keepdims=True), xp.finfo(s.dtype).min)
    p = xp.exp(s, out=s)
    total = p.sum(axis=-1, keepdims=True)
    p /= xp.where(total == 0, 1, total)
    return p


def _accumulate_into(target, grad, shape):
    """Hand `grad`, the gradient of `target`'s array as the op used it (`shape`: with heads
    repeated for grouped-query attention), to `target`: summed over the broadcast dimensions,
    then over each head's repeats."""
    grad = unbroadcast(grad, shape)
    if shape != target.shape:  # heads repeated: (..., H_kv * r, S, E) -> (..., H_kv, S, E)
        heads = target.shape[-3]
        grad = grad.reshape(shape[:-3] + (heads, shape[-3] // heads) + shape[-2:]).sum(axis=-3)
    target._accumulate(grad)


def _repeat_heads(xp, array, heads):
    """Grouped-query attention: each of the array's heads (axis -3) repeated so that there are
    `heads` of them, consecutive query heads sharing one (PyTorch's repeat_interleave)."""
    if array.shape[-3] == heads:
        return array
    return xp.repeat(array, heads // array.shape[-3], axis=-3)


def _as(array, dtype):
    """`array` in `dtype` (no copy when it has it already)."""
    return array if array.dtype == dtype else array.astype(dtype)


def _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    """The arguments' checks; returns the mask (or None), the bool mask's array (or None) and
    the dtype to compute in (float32 for float16)."""
    for t, what in ((query, "query"), (key, "key"), (value, "value")):
        _check_tensor(t, _SDPA, what)
    _same_device(query, key, _SDPA, "key")
    _same_device(query, value, _SDPA, "value")
    if not dtypes.is_floating(query.dtype) or not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{_SDPA}: query, key and value must have one floating-point dtype, got "
                        f"{query.dtype}, {key.dtype} and {value.dtype}")
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ValueError(f"{_SDPA}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev), at least 2-D, got {shapes}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{_SDPA}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev) (query and key share E, key and value share S), got "
                         f"{shapes}")
    q_batch, k_batch, v_batch = query.shape[:-2], key.shape[:-2], value.shape[:-2]
    if enable_gqa and min(query.ndim, key.ndim, value.ndim) >= 3:
        heads = query.shape[-3]
        if any(t.shape[-3] == 0 or heads % t.shape[-3] for t in (key, value)):
            raise ValueError(f"{_SDPA}: with enable_gqa, the number of heads (dimension -3) of "
                             f"key and value must divide the query's, got {shapes}")
        k_batch, v_batch = k_batch[:-1] + (heads,), v_batch[:-1] + (heads,)
    try:
        score_batch = broadcast_shapes(q_batch, k_batch, _SDPA)
        broadcast_shapes(score_batch, v_batch, _SDPA)
    except ValueError:
        raise ValueError(f"{_SDPA}: the leading (batch, head) dimensions of query, key and "
                         f"value must broadcast together, got {shapes}") from None
    _check_p(dropout_p, _SDPA)
    if scale is not None and (not isinstance(scale, numbers.Real) or isinstance(scale, bool)):
        raise TypeError(f"{_SDPA}: scale must be a number or None, got {scale!r}")
    dtype = dtypes.float32 if query.dtype.itemsize < 4 else query.dtype
    if attn_mask is None:
        return None, None, dtype
    _check_tensor(attn_mask, _SDPA, "attn_mask")
    _same_device(query, attn_mask, _SDPA, "attn_mask")
    if is_causal:
        raise ValueError(f"{_SDPA}: give attn_mask or is_causal=True, not both (is_causal "
                         "makes the mask)")
    if attn_mask.dtype != dtypes.bool and attn_mask.dtype not in (query.dtype, dtypes.float32):
        raise TypeError(f"{_SDPA}: attn_mask must be bool (True: may attend) or a float mask "
                        f"of the query's dtype {query.dtype} (or float32), got {attn_mask.dtype}")
    score_shape = score_batch + (query.shape[-2], key.shape[-2])
    try:
        fits = broadcast_shapes(attn_mask.shape, score_shape, _SDPA) == score_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{_SDPA}: attn_mask of shape {tuple(attn_mask.shape)} does not "
                         f"broadcast to the scores' shape {score_shape} (..., L, S) for {shapes}")
    allowed = attn_mask.array if attn_mask.dtype == dtypes.bool else None
    return attn_mask, allowed, dtype


def _composite_attention(query, key, value, mask, scale, dropout_p):
    """(softmax(q k^T scale + mask) v, the weights): attention built from tensor ops, which
    autograd differentiates; the reference for the fused op. `mask`: None, bool (True: may
    attend) or float (added). As PyTorch's MultiheadAttention does on this path, a row with
    every key hidden gives nan (softmax of nothing but -inf)."""
    scores = (query * scale) @ key.transpose(-2, -1)
    if mask is not None and mask.dtype == dtypes.bool:
        scores = scores.masked_fill(~mask, float("-inf"))
    elif mask is not None:
        scores = scores + mask
    weights = scores.softmax(dim=-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value, weights


# ---- multi-head attention -------------------------------------------------------------------

def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention with torch.nn.functional's signature: query (L, N, E), key and
    value (S, N, kdim/vdim), sequence first (or (L, E), (S, E) unbatched); returns
    (output (L, N, E), weights or None). See `multi_head_attention` for the computation and
    the arguments (static_k/static_v: (N * num_heads, S, E / num_heads) keys and values that
    replace the projected ones)."""
    separate = use_separate_proj_weight
    return multi_head_attention(
        query, key, value, num_heads, embed_dim=embed_dim_to_check,
        in_proj_weight=None if separate else in_proj_weight, in_proj_bias=in_proj_bias,
        q_proj_weight=q_proj_weight if separate else None,
        k_proj_weight=k_proj_weight if separate else None,
        v_proj_weight=v_proj_weight if separate else None, bias_k=bias_k, bias_v=bias_v,
        add_zero_attn=add_zero_attn, dropout_p=dropout_p if training else 0.0,
        out_proj_weight=out_proj_weight, out_proj_bias=out_proj_bias,
        key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
        average_attn_weights=average_attn_weights, is_causal=is_causal, batch_first=False,
        static_k=static_k, static_v=static_v, who="multi_head_attention_forward:")


def multi_head_attention(query, key, value, num_heads, *, embed_dim, in_proj_weight,
                         in_proj_bias, q_proj_weight, k_proj_weight, v_proj_weight, bias_k,
                         bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                         key_padding_mask, need_weights, attn_mask, average_attn_weights,
                         is_causal, batch_first, static_k=None, static_v=None, who):
    """What nn.MultiheadAttention computes (its docstring tells the story), given the weights.

    Shapes, batched: query (N, L, E), key (N, S, kdim), value (N, S, vdim) with `batch_first`,
    else sequence first ((L, N, E), ...); unbatched: (L, E), (S, kdim), (S, vdim). One
    in_proj_weight (3E, E) (q, k and v stacked) or q/k/v_proj_weight; in_proj_bias (3E,).
    attn_mask: (L, S) or (N * num_heads, L, S); key_padding_mask: (N, S) (or (S,)); bool
    (True: hidden) or float (added). Returns (output like query, weights (N, L, S) averaged
    over the heads or (N, num_heads, L, S), or None). `who` starts every error message.

    The work: project (one matrix product for self-attention), split E into num_heads heads
    of E / num_heads by a reshape and a transpose (views, no copies), attend per head with
    the fused `scaled_dot_product_attention` (or the composite, when the weights are asked
    for), join the heads and project with out_proj.
    """
    batched = _check_mha_inputs(query, key, value, embed_dim, num_heads, q_proj_weight,
                                k_proj_weight, v_proj_weight, in_proj_weight, batch_first, who)
    if not batched:
        query, key, value = _same_objects((query, key, value), lambda t: t.unsqueeze(0))
    elif not batch_first:
        query, key, value = _same_objects((query, key, value), lambda t: t.transpose(0, 1))
    batch, length, sources = query.shape[0], query.shape[1], key.shape[1]
    mask = _merged_mask(query, attn_mask, key_padding_mask, batch, num_heads, length, sources,
                        batched, who)
    if is_causal and attn_mask is None:
        raise ValueError(f"{who} is_causal=True is a hint that attn_mask is the causal mask: "
                         "give the mask too (e.g. Transformer.generate_square_subsequent_mask)")
    if (bias_k is None) != (bias_v is None) or (bias_k is not None and (
            static_k is not None or static_v is not None)):
        raise ValueError(f"{who} bias_k and bias_v go together, and not with static_k or "
                         "static_v")
    causal = is_causal and key_padding_mask is None and not need_weights
    if causal:
        mask = None  # PyTorch's shortcut: the fused op makes the causal mask itself
    q, k, v = _projections(query, key, value, embed_dim, in_proj_weight, in_proj_bias,
                           q_proj_weight, k_proj_weight, v_proj_weight)
    if bias_k is not None:  # one more key and value, learned
        k = tensor.cat([k, bias_k.reshape(1, 1, embed_dim).expand(batch, 1, embed_dim)], dim=1)
        v = tensor.cat([v, bias_v.reshape(1, 1, embed_dim).expand(batch, 1, embed_dim)], dim=1)
        mask = _one_more_key(mask)
    q, k, v = (_split_heads(t, num_heads) for t in (q, k, v))
    k = k if static_k is None else _static(static_k, k, batch, num_heads, "static_k", who)
    v = v if static_v is None else _static(static_v, v, batch, num_heads, "static_v", who)
    if add_zero_attn:  # one more key and value, all zeros
        k, v = (tensor.pad(t, (0, 0, 0, 1)) for t in (k, v))
        mask = _one_more_key(mask)
    scale = 1 / math.sqrt(embed_dim // num_heads)
    if need_weights:
        out, weights = _composite_attention(q, k, v, mask, scale, dropout_p)
        if average_attn_weights:
            weights = weights.mean(dim=1)
    else:
        out = scaled_dot_product_attention(q, k, v, mask, dropout_p, causal, scale)
        weights = None
    out = out.transpose(1, 2).reshape(batch, length, embed_dim)  # heads side by side again
    out = linear(out, out_proj_weight, out_proj_bias)
    if not batched:
        return out[0], None if weights is None else weights[0]
    return (out if batch_first else out.transpose(0, 1)), weights


def _same_objects(tensors, change):
    """`change` applied to each tensor, the same object once for arguments that were the same
    object (self-attention passes x, x, x: it must stay recognizable)."""
    done = {}
    for t in tensors:
        if id(t) not in done:
            done[id(t)] = change(t)
    return tuple(done[id(t)] for t in tensors)


def _projections(query, key, value, embed_dim, in_proj_weight, in_proj_bias, q_proj_weight,
                 k_proj_weight, v_proj_weight):
    """q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v, each (N, *, E). For
    self-attention (query, key and value the same tensor), the three products are one: x
    times the stacked (3E, E) in_proj_weight, split afterwards."""
    e = embed_dim
    b = (None,) * 3 if in_proj_bias is None else (in_proj_bias[:e], in_proj_bias[e:2 * e],
                                                   in_proj_bias[2 * e:])
    if in_proj_weight is None:
        return (linear(query, q_proj_weight, b[0]), linear(key, k_proj_weight, b[1]),
                linear(value, v_proj_weight, b[2]))
    if query is key and key is value:
        qkv = linear(query, in_proj_weight, in_proj_bias)  # (N, L, 3E)
        return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
    w = in_proj_weight
    if key is value:
        kv = linear(key, w[e:], None if in_proj_bias is None else in_proj_bias[e:])
        return linear(query, w[:e], b[0]), kv[..., :e], kv[..., e:]
    return (linear(query, w[:e], b[0]), linear(key, w[e:2 * e], b[1]),
            linear(value, w[2 * e:], b[2]))


def _split_heads(x, num_heads):
    """(N, L, E) -> (N, num_heads, L, E / num_heads): head h gets features h*d .. (h+1)*d - 1.
    A reshape and a transpose, both views."""
    n, length, e = x.shape
    return x.reshape(n, length, num_heads, e // num_heads).transpose(1, 2)


def _static(given, projected, batch, num_heads, what, who):
    expected = (batch * num_heads, projected.shape[2], projected.shape[3])
    if given.ndim != 3 or given.shape[0] != expected[0] or given.shape[2] != expected[2]:
        raise ValueError(f"{who} expected {what} of shape (N * num_heads, S, head_dim) = "
                         f"({expected[0]}, S, {expected[2]}), got {tuple(given.shape)}")
    return given.reshape(batch, num_heads, given.shape[1], given.shape[2])


def _one_more_key(mask):
    """The mask for one more key at the end (bias_k, or the zero key): visible to all."""
    if mask is None:
        return None
    visible = mask.dtype == dtypes.bool  # a bool mask here says True: may attend
    return tensor.pad(mask, (0, 1), value=visible)


def _merged_mask(query, attn_mask, key_padding_mask, batch, num_heads, length, sources,
                 batched, who):
    """attn_mask and key_padding_mask as one mask that broadcasts to the scores (N, H, L, S):
    bool (True: may attend; MultiheadAttention's bool masks say True: hidden) when both are
    bool, else float, added to the scores (a bool hides with -inf)."""
    masks = []
    if attn_mask is not None:
        _check_mask(query, attn_mask, "attn_mask", who)
        shape_2d, shape_3d = (length, sources), (batch * num_heads, length, sources)
        if tuple(attn_mask.shape) not in (shape_2d, shape_3d):
            raise ValueError(f"{who} expected attn_mask of shape (L, S) = {shape_2d} or "
                             f"(N * num_heads, L, S) = {shape_3d}, got {tuple(attn_mask.shape)}")
        masks.append(attn_mask if attn_mask.ndim == 2 else
                     attn_mask.reshape(batch, num_heads, length, sources))
    if key_padding_mask is not None:
        _check_mask(query, key_padding_mask, "key_padding_mask", who)
        expected = (batch, sources) if batched else (sources,)
        if tuple(key_padding_mask.shape) != expected:
            raise ValueError(f"{who} expected key_padding_mask of shape "
                             f"{'(N, S)' if batched else '(S,)'} = {expected} (True or -inf: "
                             f"a padding key), got {tuple(key_padding_mask.shape)}")
        masks.append(key_padding_mask.reshape(batch, 1, 1, sources))
    if not masks:
        return None
    if all(m.dtype == dtypes.bool for m in masks):
        hidden = masks[0] if len(masks) == 1 else masks[0] | masks[1]
        return ~hidden
    floats = [m if m.dtype != dtypes.bool else
              tensor.zeros(m.shape, dtype=query.dtype, device=query.device).masked_fill(
                  m, float("-inf")) for m in masks]
    return floats[0] if len(floats) == 1 else floats[0] + floats[1]


def _check_mask(query, mask, what, who):
    _check_tensor(mask, who.rstrip(":"), what)
    _same_device(query, mask, who.rstrip(":"), what)
    if mask.dtype != dtypes.bool and mask.dtype != query.dtype:
        raise TypeError(f"{who} expected {what} of dtype bool (True: hidden) or of the query's "
                        f"dtype {query.dtype} (added to the scores), got {mask.dtype}")


def _check_mha_inputs(query, key, value, embed_dim, num_heads, q_proj_weight, k_proj_weight,
                      v_proj_weight, in_proj_weight, batch_first, who):
    """Shape checks of query, key and value; True for batched (3-D) inputs."""
    for t, what in ((query, "query"), (key, "key"), (value, "value")):
        _check_tensor(t, who.rstrip(":"), what)
    _same_device(query, key, who.rstrip(":"), "key")
    _same_device(query, value, who.rstrip(":"), "value")
    if in_proj_weight is None and None in (q_proj_weight, k_proj_weight, v_proj_weight):
        raise ValueError(f"{who} needs in_proj_weight, or q_proj_weight, k_proj_weight and "
                         "v_proj_weight")
    kdim = embed_dim if in_proj_weight is not None else k_proj_weight.shape[1]
    vdim = embed_dim if in_proj_weight is not None else v_proj_weight.shape[1]
    if embed_dim % num_heads:
        raise ValueError(f"{who} embed_dim {embed_dim} is not divisible by num_heads "
                         f"{num_heads}")
    shapes = (f"query {tuple(query.shape)}, key {tuple(key.shape)} and value "
              f"{tuple(value.shape)}")
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"{who} expected query, key and value all 3-D (batched) or all 2-D "
                         f"(unbatched), got {shapes}")
    if (query.shape[-1], key.shape[-1], value.shape[-1]) != (embed_dim, kdim, vdim):
        raise ValueError(f"{who} expected query, key and value with {embed_dim}, {kdim} and "
                         f"{vdim} features (embed_dim, kdim, vdim), got {shapes}")
    if key.shape[:-1] != value.shape[:-1]:
        raise ValueError(f"{who} key and value must have the same batch and sequence sizes, "
                         f"got {shapes}")
    axis = 0 if batch_first else 1
    if batched and query.shape[axis] != key.shape[axis]:
        raise ValueError(f"{who} query and key must have the same batch size (dimension "
                         f"{axis}), got {shapes}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{who} expected query, key and value of one dtype, got {query.dtype}, "
                        f"{key.dtype} and {value.dtype}")
    return batched

