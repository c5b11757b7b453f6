"""`MultiheadAttention`: attention with several heads, each looking at the sequence its own way."""

import numbers

import tensor
from nn import init
from nn.functional.attention import multi_head_attention
from nn.layers.linear import Linear
from nn.module import Module
from nn.parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention's `out_proj` (PyTorch uses the
    subclass to keep its quantization tools off that layer); here it is just a Linear, named
    so that the module's repr reads as PyTorch's."""


class MultiheadAttention(Module):
    r"""Multi-head attention: num_heads attentions side by side, each on its own projections.

    One attention mixes the values with one set of weights per query. Several heads let a
    model look for several things at once (one head may follow the previous word, another
    the subject of the sentence). With E = embed_dim, H = num_heads and d = E / H:

        q = query W_q^T + b_q,  k = key W_k^T + b_k,  v = value W_v^T + b_v     (*, E) each
        head_h = softmax(q_h k_h^T / sqrt(d) + mask) v_h       q_h: features h d .. (h+1) d - 1
        output = concat(head_1, ..., head_H) W_o^T + b_o

    Splitting E into H heads costs nothing extra: the projections are the same size as one
    head of width E, and the heads are a reshape of them.

    Parameters (PyTorch's names, shapes, order and initialization, so its weights load):
    `in_proj_weight` (3E, E), W_q, W_k and W_v stacked (xavier uniform), or, when kdim or
    vdim differ from E, `q_proj_weight` (E, E), `k_proj_weight` (E, kdim), `v_proj_weight`
    (E, vdim); `in_proj_bias` (3E,) (zeros); with add_bias_kv, `bias_k` and `bias_v`
    (1, 1, E) (xavier normal): a learned key and value appended to every sequence;
    `out_proj`, a Linear (E, E) (its bias zeros).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None).
    query (N, L, E) with batch_first, else (L, N, E), or (L, E) unbatched; key (.., S, kdim),
    value (.., S, vdim) likewise. attn_mask (L, S) or (N * H, L, S) and key_padding_mask
    (N, S): bool, True meaning "may NOT attend" (the opposite of scaled_dot_product_attention's
    bool masks), or float, added to the scores. add_zero_attn appends a key and value of
    zeros. The weights, (N, L, S) averaged over the heads or (N, H, L, S), are after dropout,
    as PyTorch's.

    For speed, self-attention (query, key and value the same tensor) projects with one matrix
    product; with need_weights=False the heads go through the fused
    F.scaled_dot_product_attention; with need_weights=True (the default, as in PyTorch) a
    composite of tensor ops computes the weights it returns. The two differ only on a query
    whose every key is hidden: 0 from the fused op, nan from the composite, as in PyTorch.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        self._check_arguments(embed_dim, num_heads, dropout, kdim, vdim)
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        options = dict(device=device, dtype=dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(tensor.empty((3 * embed_dim, embed_dim), **options))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(tensor.empty((embed_dim, embed_dim), **options))
            self.k_proj_weight = Parameter(tensor.empty((embed_dim, self.kdim), **options))
            self.v_proj_weight = Parameter(tensor.empty((embed_dim, self.vdim), **options))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(tensor.empty((3 * embed_dim,), **options))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        **options)
        if add_bias_kv:
            self.bias_k = Parameter(tensor.empty((1, 1, embed_dim), **options))
            self.bias_v = Parameter(tensor.empty((1, 1, embed_dim), **options))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _check_arguments(self, embed_dim, num_heads, dropout, kdim, vdim):
        for name, n in (("embed_dim", embed_dim), ("num_heads", num_heads), ("kdim", kdim),
                        ("vdim", vdim)):
            if n is None and name in ("kdim", "vdim"):
                continue
            if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n <= 0:
                raise ValueError(f"MultiheadAttention: {name} must be a whole number > 0, got "
                                 f"{n!r}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention({embed_dim}, {num_heads}): embed_dim must be "
                             f"divisible by num_heads (each head gets embed_dim / num_heads "
                             f"features), got {embed_dim} / {num_heads}")
        if not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"MultiheadAttention: dropout probability has to be between 0 and "
                             f"1, but got {dropout!r}")

    def _reset_parameters(self):
        """PyTorch's initialization: xavier uniform projections (their variance balanced
        between fan-in and fan-out), zero biases, xavier normal bias_k and bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        return multi_head_attention(
            query, key, value, self.num_heads, embed_dim=self.embed_dim,
            in_proj_weight=self.in_proj_weight, in_proj_bias=self.in_proj_bias,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, bias_k=self.bias_k, bias_v=self.bias_v,
            add_zero_attn=self.add_zero_attn, dropout_p=self.dropout if self.training else 0.0,
            out_proj_weight=self.out_proj.weight, out_proj_bias=self.out_proj.bias,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            average_attn_weights=average_attn_weights, is_causal=is_causal,
            batch_first=self.batch_first, who=self._signature())

    def _signature(self):
        """How the module was made, e.g. MultiheadAttention(8, 2, batch_first=True), for
        error messages (its repr, as PyTorch's, shows only out_proj)."""
        options = [f"{name}={value!r}" for name, value, default in (
            ("dropout", self.dropout, 0.0), ("bias", self.in_proj_bias is not None, True),
            ("add_bias_kv", self.bias_k is not None, False),
            ("add_zero_attn", self.add_zero_attn, False), ("kdim", self.kdim, self.embed_dim),
            ("vdim", self.vdim, self.embed_dim), ("batch_first", self.batch_first, False))
            if value != default]
        arguments = [str(self.embed_dim), str(self.num_heads)] + options
        return f"MultiheadAttention({', '.join(arguments)})"
