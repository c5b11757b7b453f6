r"""The Transformer (Vaswani et al., 2017): `TransformerEncoderLayer`, `TransformerEncoder`,
`TransformerDecoderLayer`, `TransformerDecoder` and `Transformer`, with PyTorch's arguments,
sub-module names and state_dict keys, so PyTorch's weights load.

A Transformer layer is two kinds of step, each wrapped in a residual connection:

    attention:     every position gathers information from the others (self_attn: a weighted
                   average of the values of all positions, weighted by how well its query
                   matches their keys; nn.MultiheadAttention)
    feed-forward:  every position is transformed on its own by the same small MLP,
                   linear2(dropout(activation(linear1(x)))), d_model -> dim_feedforward -> d_model

Each step adds its result to its input (x + step(x)): the residual path carries the signal
and its gradient straight through a deep stack, and each layer only learns a correction. A
LayerNorm keeps the scale of x steady, placed in one of two ways:

    post-norm (norm_first=False, the 2017 paper):   x = norm(x + step(x))
    pre-norm  (norm_first=True, GPT-2 and later):   x = x + step(norm(x))

Pre-norm leaves the residual path untouched from the input to the output (nothing divides
the gradient on the way), which is why deep pre-norm stacks train without a learning-rate
warm-up; such a stack usually ends in one more LayerNorm (the `norm` of TransformerEncoder).

Shapes (PyTorch's): a sequence is (L, N, d_model), or (N, L, d_model) with batch_first=True,
or an unbatched (L, d_model). Masks say which keys each query may look at:

    src_mask / tgt_mask / memory_mask   (L, S), or (N * nhead, L, S) one per sample and head
    *_key_padding_mask                  (N, S), or (S,) unbatched: True at padding positions

A bool mask is True where attention is NOT allowed; a float mask is ADDED to the attention
scores (0 allowed, -inf forbidden). `Transformer.generate_square_subsequent_mask(L)` is the
causal mask: position i sees only positions j <= i, so a decoder cannot peek at the tokens it
is asked to predict. `is_causal` is only a hint that the mask given IS that causal mask (as
in PyTorch); the encoders detect it when it is None.

Nothing here is a fused op: each layer is a composition of modules (attention, Linear,
LayerNorm, Dropout), each of which is one (see their files).
"""

import copy
import numbers

import nn.functional as F
import tensor
from nn import init
from nn.containers import ModuleList
from nn.functional._checks import _check_tensor, _same_device
from nn.layers.attention import MultiheadAttention
from nn.layers.dropout import Dropout
from nn.layers.linear import Linear
from nn.layers.normalization import LayerNorm
from nn.module import Module

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def _activation(who, activation):
    """"relu" -> F.relu, "gelu" -> F.gelu (the exact, erf form), a callable as it is."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"{who}: activation must be 'relu', 'gelu' or a callable, got "
                             f"{activation!r}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"{who}: activation must be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


def _check_sizes(who, d_model, nhead):
    for name, n in (("d_model", d_model), ("nhead", nhead)):
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"{who}: {name} must be a whole number > 0, got {n!r}")
    if d_model % nhead:
        raise ValueError(f"{who}: d_model={d_model} must be divisible by nhead={nhead} (each "
                         f"head gets d_model / nhead features)")


class _Layer(Module):
    """What the encoder and decoder layers share: their name in errors, the feed-forward
    block, and the checks of a sequence and its masks against d_model, nhead, batch_first."""

    def _who(self):
        attention = self.self_attn
        return (f"{type(self).__name__}(d_model={attention.embed_dim}, "
                f"nhead={attention.num_heads}, batch_first={attention.batch_first})")

    def _check_sequence(self, x, name, like=None):
        """`x`: (N, L, d_model) or (L, N, d_model) per batch_first, or (L, d_model) (S for
        memory's length); on the device of `like` (a sequence checked before), if given.
        Returns (N or None, L)."""
        who, d_model = self._who(), self.self_attn.embed_dim
        _check_tensor(x, who, name)
        if like is not None:
            _same_device(like, x, who, name)
        if x.ndim not in (2, 3) or x.shape[-1] != d_model:
            n = "S" if name == "memory" else "L"
            layout = f"(N, {n}, {d_model})" if self.self_attn.batch_first else \
                f"({n}, N, {d_model})"
            raise ValueError(f"{who} expected {name} of shape {layout} or ({n}, {d_model}), "
                             f"got {tuple(x.shape)}")
        if x.ndim == 2:
            return None, x.shape[0]
        batch_first = self.self_attn.batch_first
        return x.shape[0 if batch_first else 1], x.shape[1 if batch_first else 0]

    def _check_attn_mask(self, mask, name, x, batch, queries, keys):
        """An attention mask: (L, S), or one per sample and head, (N * nhead, L, S) ((nhead,
        L, S) unbatched)."""
        heads = self.self_attn.num_heads * (1 if batch is None else batch)
        self._check_mask(mask, name, x, [(queries, keys), (heads, queries, keys)])

    def _check_padding_mask(self, mask, name, x, batch, keys):
        """A key padding mask: (N, S), or (S,) for an unbatched input."""
        self._check_mask(mask, name, x, [(keys,) if batch is None else (batch, keys)])

    def _check_mask(self, mask, name, x, shapes):
        if mask is None:
            return
        who = self._who()
        _check_tensor(mask, who, name)
        _same_device(x, mask, who, name)
        if mask.dtype != tensor.bool and not mask.is_floating_point():
            raise TypeError(f"{who} expected {name} of dtype bool (True: not allowed) or float "
                            f"(added to the scores), got {mask.dtype}")
        if tuple(mask.shape) not in shapes:
            raise ValueError(f"{who} expected {name} of shape "
                             f"{' or '.join(str(s) for s in shapes)} for an input of shape "
                             f"{tuple(x.shape)}, got {tuple(mask.shape)}")

    def _attention_block(self, attention, dropout, x, memory, mask, padding_mask, is_causal):
        """dropout(attention(query=x, key=value=memory)): the attention step of a layer."""
        x = attention(x, memory, memory, attn_mask=mask, key_padding_mask=padding_mask,
                      need_weights=False, is_causal=is_causal)[0]
        return dropout(x)

    def _feed_forward(self, x):
        """The position-wise MLP, linear2(dropout(activation(linear1(x))))."""
        return self.linear2(self.dropout(self.activation(self.linear1(x))))


class TransformerEncoderLayer(_Layer):
    r"""One encoder layer: self-attention, then the feed-forward network, each a residual step
    with a LayerNorm after it (post-norm, the default) or before it (norm_first=True):

        post-norm:  x = norm1(x + sa(x));        x = norm2(x + ff(x))
        pre-norm:   x = x + sa(norm1(x));        x = x + ff(norm2(x))

    sa(x) = dropout1(self_attn(x, x, x)), ff(x) = dropout2(linear2(dropout(activation(
    linear1(x))))). activation: "relu" (default), "gelu" or any callable (an nn.Module one
    becomes a sub-module). bias=False drops the biases of every Linear, LayerNorm and the
    attention. Input and output (N, L, d_model) with batch_first, else (L, N, d_model), or
    (L, d_model); `forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)`.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_sizes("TransformerEncoderLayer", d_model, nhead)
        options = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **options)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **options)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **options)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation("TransformerEncoderLayer", activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        batch, length = self._check_sequence(src, "src")
        self._check_attn_mask(src_mask, "src_mask", src, batch, length, length)
        self._check_padding_mask(src_key_padding_mask, "src_key_padding_mask", src, batch,
                                 length)
        x = src
        # EXERCISE ch10.encoder_block: x + _sa_block then x + _ff_block; norm after each, or before
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        # END EXERCISE
        return x

    def _sa_block(self, x, mask, padding_mask, is_causal=False):
        """The self-attention step, dropout1(self_attn(x, x, x))."""
        return self._attention_block(self.self_attn, self.dropout1, x, x, mask, padding_mask,
                                     is_causal)

    def _ff_block(self, x):
        """The feed-forward step, dropout2(linear2(dropout(activation(linear1(x)))))."""
        return self.dropout2(self._feed_forward(x))


class TransformerDecoderLayer(_Layer):
    r"""One decoder layer: masked self-attention over the target, attention from the target
    to the encoder's output `memory` (multihead_attn: queries from the target, keys and values
    from memory), then the feed-forward network; three residual steps with norm1, norm2,
    norm3 after each (post-norm) or before (norm_first=True):

        post-norm:  x = norm1(x + sa(x));   x = norm2(x + mha(x, memory));   x = norm3(x + ff(x))
        pre-norm:   x = x + sa(norm1(x));   x = x + mha(norm2(x), memory);   x = x + ff(norm3(x))

    with dropout1, dropout2, dropout3 after the three steps. Arguments as for
    TransformerEncoderLayer. `forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False)`: tgt (T, N, d_model) and memory (S, N, d_model) (batch first:
    N first), tgt_mask (T, T), memory_mask (T, S).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_sizes("TransformerDecoderLayer", d_model, nhead)
        options = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, **options)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **options)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **options)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **options)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation("TransformerDecoderLayer", activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        batch, targets = self._check_sequence(tgt, "tgt")
        memory_batch, sources = self._check_sequence(memory, "memory", like=tgt)
        if memory.ndim != tgt.ndim or memory_batch != batch:
            raise ValueError(f"{self._who()} expected tgt and memory with the same batch size "
                             f"(or both unbatched), got tgt {tuple(tgt.shape)} and memory "
                             f"{tuple(memory.shape)}")
        self._check_attn_mask(tgt_mask, "tgt_mask", tgt, batch, targets, targets)
        self._check_attn_mask(memory_mask, "memory_mask", tgt, batch, targets, sources)
        self._check_padding_mask(tgt_key_padding_mask, "tgt_key_padding_mask", tgt, batch,
                                 targets)
        self._check_padding_mask(memory_key_padding_mask, "memory_key_padding_mask", tgt, batch,
                                 sources)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, mask, padding_mask, is_causal=False):
        """The self-attention step over the target, dropout1(self_attn(x, x, x))."""
        return self._attention_block(self.self_attn, self.dropout1, x, x, mask, padding_mask,
                                     is_causal)

    def _mha_block(self, x, memory, mask, padding_mask, is_causal=False):
        """The step from the target to the encoder's output, dropout2(multihead_attn(x, memory,
        memory))."""
        return self._attention_block(self.multihead_attn, self.dropout2, x, memory, mask,
                                     padding_mask, is_causal)

    def _ff_block(self, x):
        """The feed-forward step, dropout3(linear2(dropout(activation(linear1(x)))))."""
        return self.dropout3(self._feed_forward(x))


def _clones(who, layer, num_layers):
    """num_layers independent deep copies of `layer` (each with its own parameters, starting
    equal), in a ModuleList: the keys layers.0., layers.1., ..."""
    if not isinstance(layer, Module):
        raise TypeError(f"{who}: the layer to repeat must be an nn.Module, got "
                        f"{type(layer).__name__}")
    if not isinstance(num_layers, numbers.Integral) or isinstance(num_layers, bool) \
            or num_layers < 1:
        raise ValueError(f"{who}: num_layers must be a whole number >= 1, got {num_layers!r}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


def _detect_is_causal_mask(mask, is_causal, length):
    """`is_causal` if it is given (True or False); when it is None, whether `mask` is the
    causal mask of `length` positions (then attention may use the cheaper causal path). A
    hint only: the mask itself is passed on either way."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    causal = Transformer.generate_square_subsequent_mask(length, device=mask.device,
                                                         dtype=mask.dtype)
    return mask.shape == causal.shape and bool((mask == causal).all())


def _sequence_length(x, batch_first):
    return x.shape[0] if x.ndim == 2 or not batch_first else x.shape[1]


class TransformerEncoder(Module):
    """A stack of num_layers copies of `encoder_layer` (deep copies: each has its own
    parameters, all starting equal), applied in turn with the same masks, then `norm` (a
    module, e.g. LayerNorm, or None). `forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None)`; is_causal=None detects whether `mask` is the causal mask.

    enable_nested_tensor is accepted for PyTorch's signature and has no effect: PyTorch uses
    it, in evaluation without gradients, to skip the padded positions, whose outputs it then
    returns as 0; here padded positions are computed like the others (their outputs are not
    meaningful either way). mask_check goes with it and is stored only.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        length = _sequence_length(src, self.layers[0].self_attn.batch_first)
        is_causal = _detect_is_causal_mask(mask, is_causal, length)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=is_causal)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """A stack of num_layers copies of `decoder_layer`, each reading the same `memory` (the
    encoder's output), then `norm` (or None). `forward(tgt, memory, tgt_mask=None,
    memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    tgt_is_causal=None, memory_is_causal=False)`; tgt_is_causal=None detects whether tgt_mask
    is the causal mask."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        length = _sequence_length(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, length)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    r"""The encoder-decoder Transformer of "Attention is all you need": an encoder of
    num_encoder_layers TransformerEncoderLayers reads the source sequence `src` into `memory`;
    a decoder of num_decoder_layers TransformerDecoderLayers reads the target `tgt` while
    attending to memory. Each stack ends in a LayerNorm (encoder.norm, decoder.norm).
    custom_encoder / custom_decoder replace either stack. Every parameter with more than one
    dimension starts Xavier-uniform (PyTorch's choice here), biases and norms as their layers.

    `forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)`: src (S, N, d_model),
    tgt (T, N, d_model) (N first with batch_first, or unbatched (S, d_model), (T, d_model));
    the output has tgt's shape. For a decoder that predicts the next token, give
    tgt_mask=Transformer.generate_square_subsequent_mask(T).
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        _check_sizes("Transformer", d_model, nhead)
        options = dict(device=device, dtype=dtype)
        layer_options = dict(dim_feedforward=dim_feedforward, dropout=dropout,
                             activation=activation, layer_norm_eps=layer_norm_eps,
                             batch_first=batch_first, norm_first=norm_first, bias=bias,
                             **options)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **layer_options), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **layer_options), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self):
        """Xavier-uniform for every weight matrix (more than one dimension): the variance of
        each projection's outputs then matches its inputs' on average over both directions."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        who = f"Transformer(d_model={self.d_model}, nhead={self.nhead}, " \
              f"batch_first={self.batch_first})"
        for name, x in (("src", src), ("tgt", tgt)):
            _check_tensor(x, who, name)
        if src.shape[-1:] != (self.d_model,) or tgt.shape[-1:] != (self.d_model,):
            raise ValueError(f"{who} expected src and tgt with {self.d_model} features (the "
                             f"last dimension), got src {tuple(src.shape)} and tgt "
                             f"{tuple(tgt.shape)}")
        batch_axis = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch_axis] != tgt.shape[batch_axis]):
            raise ValueError(f"{who} expected src and tgt with the same batch size (dimension "
                             f"{batch_axis}), got src {tuple(src.shape)} and tgt "
                             f"{tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask of sz positions, a float (sz, sz) tensor: 0 where key j may be
        seen by query i (j <= i) and -inf above the diagonal (j > i), so that, added to the
        attention scores, the future gets weight exp(-inf) = 0."""
        # EXERCISE ch10.causal_mask: a (sz, sz) tensor, -inf above the diagonal, 0 on and below
        mask = tensor.full((sz, sz), float("-inf"), dtype=dtype, device=device)
        return mask.triu(diagonal=1)
        # END EXERCISE
