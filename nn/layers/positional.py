"""Positional encodings: `SinusoidalPositionalEncoding` and `LearnedPositionalEncoding`.

These are Grad School's building blocks, NOT part of torch.nn (PyTorch leaves them to the user;
its tutorials write the sinusoidal one by hand). Why a Transformer needs them: attention is a
weighted average over a SET of positions. Permute the tokens of a sequence and every token's
output is permuted the same way, unchanged: without help the model cannot tell "dog bites
man" from "man bites dog". Adding to each token's embedding a vector that depends on its
position p breaks that symmetry:

    y[p] = x[p] + PE[p]            for p = 0 .. L-1

Both modules take an input (N, L, d_model) if batch_first, else (L, N, d_model) (PyTorch's
Transformer layout), or an unbatched (L, d_model), and return the sum, of the same shape.
They differ in where PE comes from:

- Sinusoidal (Vaswani et al., 2017, "Attention is all you need"): a fixed table,
  PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d)). Each pair of
  columns is a clock of its own frequency, from one turn per 2 pi positions down to one per
  10000 * 2 pi, so every position gets a distinct pattern and PE[p + k] is a fixed rotation
  of PE[p] for any offset k: "k tokens back" is one linear map, easy for attention to learn.
  Nothing is trained.
- Learned (BERT, GPT-2): a Parameter table `weight` of shape (max_len, d_model), trained with
  the rest; row p is position p's vector. It is exactly `nn.Embedding(max_len, d_model)`
  looked up at 0, 1, ..., L-1 (same parameter name, same N(0, 1) start), so such a PyTorch
  model's weights load. It cannot go beyond max_len positions.
"""

import math
import numbers

import tensor
from nn import init
from nn.module import Module
from nn.parameter import Parameter


def _check_size(who, name, n):
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"{who}: {name} must be a whole number > 0, got {n!r}")


class _PositionalEncoding(Module):
    """What both encodings share: the shape checks and adding the first L rows of the table
    (a Tensor (max_len, d_model), from `_table()`) along the sequence axis."""

    def forward(self, input):
        if input.ndim not in (2, 3) or input.shape[-1] != self.d_model:
            layout = "(N, L, {d})" if self.batch_first else "(L, N, {d})"
            raise ValueError(f"{self!r} expected input of shape "
                             f"{layout.format(d=self.d_model)} or (L, {self.d_model}), got "
                             f"{tuple(input.shape)}")
        seq_axis = 1 if self.batch_first and input.ndim == 3 else 0
        length = input.shape[seq_axis]
        if length > self.max_len:
            raise ValueError(f"{self!r}: the input's sequence has {length} positions, more than "
                             f"max_len={self.max_len} (input of shape {tuple(input.shape)}); "
                             f"build it with a larger max_len")
        rows = self._table()[:length]  # (L, d_model)
        if seq_axis == 0 and input.ndim == 3:
            rows = rows.unsqueeze(1)  # (L, 1, d_model): the same vector for every sample
        return input + rows  # (N, L, d) + (L, d) broadcasts over the batch


class SinusoidalPositionalEncoding(_PositionalEncoding):
    r"""Adds the fixed sinusoidal table of "Attention is all you need" to an input of shape
    (N, L, d_model) (batch_first) or (L, N, d_model), or (L, d_model):

        PE[p, 2i]   = sin(p / 10000^(2i / d_model))
        PE[p, 2i+1] = cos(p / 10000^(2i / d_model))        p < max_len, 2i < d_model

    (an odd d_model has one more sine column than cosine ones). The table is a buffer `pe`:
    it moves with .to(device) and .double(), but it is NOT persistent (not in the
    state_dict): it is a function of (max_len, d_model), rebuilt exactly by the constructor,
    so saving it would only make checkpoints larger and tie them to one max_len. A model that
    uses it has the same state_dict keys as without it. Grad School's building block, not in
    torch.nn.
    """

    def __init__(self, d_model, max_len=5000, batch_first=False, device=None, dtype=None):
        super().__init__()
        _check_size("SinusoidalPositionalEncoding", "d_model", d_model)
        _check_size("SinusoidalPositionalEncoding", "max_len", max_len)
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        position = tensor.arange(max_len, dtype=tensor.float64).unsqueeze(1)  # (max_len, 1)
        # 1 / 10000^(2i/d) = exp(-(2i) ln(10000) / d), for the even columns 2i
        frequency = (tensor.arange(0, d_model, 2, dtype=tensor.float64)
                     * (-math.log(10000.0) / d_model)).exp()
        angle = position * frequency  # (max_len, ceil(d_model / 2))
        table = tensor.zeros(max_len, d_model, dtype=tensor.float64)
        table[:, 0::2] = angle.sin()
        table[:, 1::2] = angle[:, :d_model // 2].cos()
        self.register_buffer("pe", table.to(device, dtype or tensor.get_default_dtype()),
                             persistent=False)

    def _table(self):
        return self.pe

    def extra_repr(self):
        return f"{self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"


class LearnedPositionalEncoding(_PositionalEncoding):
    """Adds a learned vector per position, row p of the Parameter `weight` (max_len, d_model),
    to an input of shape (N, L, d_model) (batch_first) or (L, N, d_model), or (L, d_model).
    `weight` starts N(0, 1) like nn.Embedding's (GPT-2 re-initializes it with std 0.02:
    `nn.init.normal_(pe.weight, std=0.02)`); the gradient of row p is the sum of the output's
    gradients at position p over the batch. Grad School's building block, not in torch.nn:
    the same as nn.Embedding(max_len, d_model) applied to arange(L), and its state_dict too.
    """

    def __init__(self, max_len, d_model, batch_first=False, device=None, dtype=None):
        super().__init__()
        _check_size("LearnedPositionalEncoding", "max_len", max_len)
        _check_size("LearnedPositionalEncoding", "d_model", d_model)
        self.max_len, self.d_model, self.batch_first = max_len, d_model, batch_first
        self.weight = Parameter(tensor.empty((max_len, d_model), device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)

    def _table(self):
        return self.weight

    def extra_repr(self):
        return f"{self.max_len}, {self.d_model}, batch_first={self.batch_first}"
