"""Dropout: `dropout` zeroes single elements, `dropout1d/2d/3d` whole channels.

In training, each element (or channel) is zeroed with probability p, and the survivors are
multiplied by 1 / (1 - p) ("inverted" dropout): E[output] = (1 - p) x / (1 - p) = x, so the
expected activation is the same as without dropout, and evaluation mode can simply be the
identity, with no rescaling at test time. A network trained this way cannot lean on any one
unit, which acts as a regularizer (and as training an ensemble of thinned networks).

One op: the mask m (0 or 1 / (1 - p) per element, drawn from the device's generator, so
`tensor.manual_seed` makes it repeat) is drawn once, y = x m, and backward multiplies by the
same mask: dL/dx = g m. Dropped units get no gradient.

PyTorch's `inplace=True` is accepted for compatibility; as for the activations, a new tensor
is returned and the input is left as it was. Use the return value, as PyTorch code does.
"""

import numbers
import warnings

from nn.functional._checks import _check_tensor
from tensor import dtype as dtypes


def _check_p(p, name):
    if not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input, p, mask_shape, name):
    """y = x m with m = keep / (1 - p), keep ~ Bernoulli(1 - p) of `mask_shape` (the input's
    shape, or with size 1 along the axes a channel's mask is broadcast over)."""
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"{name}: needs a floating-point input, got dtype {input.dtype}")
    backend = input._backend
    draw_dtype = input.dtype if input.dtype.itemsize >= 4 else dtypes.float32
    keep = backend.rand(mask_shape, draw_dtype) >= p  # P(keep) = P(u >= p) = 1 - p
    mask = keep.astype(input.dtype)
    if p < 1:  # p = 1 keeps nothing: the mask is all zeros already
        mask *= 1 / (1 - p)
    out = input._result(input.array * mask, (input,), name)

    def backward(g):  # d(x m)/dx = m: the same mask, so dropped units get no gradient
        input._accumulate(g * mask)

    out._backward = backward
    return out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training), or
    return the input itself (`training=False`, or p = 0)."""
    _check_tensor(input, "dropout")
    _check_p(p, "dropout")
    if not training or p == 0:
        return input
    return _dropout(input, p, input.shape, "dropout")


# (the shapes each channel dropout takes: batched, unbatched)
_CHANNEL_SHAPES = {1: ("(N, C, L)", "(C, L)"), 2: ("(N, C, H, W)", "(N, C, L)"),
                   3: ("(N, C, D, H, W)", "(C, D, H, W)")}


def _channel_mask_shape(input, dims, who):
    """The mask shape of `dropout{dims}d`: one value per (sample, channel), size 1 along the
    `dims` spatial axes. The unbatched form (one dimension less) has one per channel, except
    for dropout2d, which (as in PyTorch, with its warning) reads a 3-D input as (N, C, L)."""
    batched, unbatched = _CHANNEL_SHAPES[dims]
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{who} expected input of shape {batched} or {unbatched}, got "
                         f"{tuple(input.shape)}")
    leading = 1 if input.ndim == dims + 1 and dims != 2 else 2
    return tuple(input.shape[:leading]) + (1,) * (input.ndim - leading)


def _channel_dropout(input, p, training, dims):
    name = f"dropout{dims}d"
    _check_tensor(input, name)
    _check_p(p, name)
    mask_shape = _channel_mask_shape(input, dims, f"{name}:")
    if dims == 2 and input.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input and, as PyTorch does, reads it as (N, C, L)"
                      ": channel-wise 1-D dropout. Use dropout1d for that, or add a batch "
                      "dimension to an unbatched (C, H, W) input", stacklevel=3)
    if not training or p == 0:
        return input
    return _dropout(input, p, mask_shape, name)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) or (C, L): zero whole channels (each input[n, c, :]) with
    probability p and scale the rest by 1 / (1 - p). Neighbouring positions of one channel are
    strongly correlated, so zeroing single elements would hardly regularize: the neighbours
    carry the same information."""
    return _channel_dropout(input, p, training, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, H, W): zero whole feature maps (each input[n, c]) with
    probability p and scale the rest by 1 / (1 - p). A 3-D input is read as (N, C, L), as
    PyTorch does (with a warning)."""
    return _channel_dropout(input, p, training, 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W): zero whole channels (each
    input[n, c]) with probability p and scale the rest by 1 / (1 - p)."""
    return _channel_dropout(input, p, training, 3)
