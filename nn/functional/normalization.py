"""Normalization: `batch_norm`, `layer_norm` and `group_norm`, one fused op each, all three
made by one shared core, `_normalize`.

They differ only in WHICH values are normalized together and WHICH axis the learned scale
and shift run along:

    op           input, viewed as     statistics over        weight, bias (gamma, beta)
    batch_norm   (N, C, L)            axes (0, 2): a channel  one per channel:  (1, C, 1)
                                      across batch and space
    layer_norm   (M, D)               axis 1: one sample's    one per element:  (1, D)
                                      D = normalized_shape
    group_norm   (N, G, C/G, L)       axes (2, 3): a sample's one per channel:  (1, G, C/G, 1)
                                      group of channels

(L is the product of the spatial sizes, 1 for none; the views are reshapes, free for a
contiguous input.) In each case, for every group of n values normalized together,

    mu = mean(x)    var = mean((x - mu)^2)    x_hat = (x - mu) / sigma,  sigma = sqrt(var + eps)
    y = gamma x_hat + beta

FUSED, for speed and memory: written as tensor ops this is a chain of about a dozen nodes
(mean, subtract, square, mean, add, sqrt, divide, multiply, add, and the broadcasts), each
keeping its own intermediate array for backward. Here it is one node, whose backward is the
formula derived in `_normalize`. The composite, written with tensor ops and differentiated by
autograd, is the readable reference and a test oracle (tests/test_ch08_normalization.py checks
the fused ops against it, against PyTorch and by gradcheck).

`rms_norm` (RMSNorm: LayerNorm's scaling without its centring) is a fused op of its own
beside them, with its backward derived in its docstring.
"""

import math
import numbers

from nn.functional._checks import _check_tensor, _same_device
from tensor.dtype import finfo, float16, float32


def _sum(xp, axes, *factors):
    """The sum over `axes` of the product of `factors` (arrays of one shape), keeping the summed
    axes with size 1. One einsum: it needs no temporary array for the product, and it reduces
    non-trailing axes about three times faster than ndarray.sum (measured on (64, 16, 784)
    float32, one thread: 0.06 ms against 0.18 ms for a sum over axes (0, 2))."""
    ndim = factors[0].ndim
    letters = "abcdefgh"[:ndim]
    kept = "".join(letter for i, letter in enumerate(letters) if i not in axes)
    total = xp.einsum(",".join([letters] * len(factors)) + "->" + kept, *factors)
    return total.reshape(tuple(1 if i in axes else n for i, n in enumerate(factors[0].shape)))


def _normalize(name, input, view, axes, affine_shape, weight, bias, eps, stats=None):
    r"""The shared core: one graph node computing y = gamma x_hat + beta, where x_hat is
    `input` (reshaped to `view`) normalized over `axes`, and gamma, beta (`weight`, `bias`:
    Tensors or None) are reshaped to `affine_shape` and broadcast. `stats` = (mean, var)
    arrays in the shape of the reduced statistics replaces the batch's own (batch norm in
    evaluation mode). Returns (output, mean, biased var), the last two as arrays.

    Backward. Let g = dL/dy. The affine step is an ordinary broadcast product and sum:

        dL/dbeta  = sum of g            over the axes along which beta is broadcast
        dL/dgamma = sum of g * x_hat    over the same axes

    and dL/dx_hat = h = g gamma. The normalization itself: within one group of n values, every
    x_hat_j depends on every x_i through mu and sigma. With d mu/dx_i = 1/n and
    d sigma/dx_i = (x_i - mu) / (n sigma) = x_hat_i / n,

        d x_hat_j / d x_i = (delta_ij - 1/n) / sigma - (x_j - mu) x_hat_i / (n sigma^2)
                          = (delta_ij - 1/n - x_hat_j x_hat_i / n) / sigma

    and summing h_j times this over j,

        dL/dx_i = (1/sigma) (h_i - mean(h) - x_hat_i mean(h x_hat))

    (means over the group). Read: the gradient loses its component along the constant
    direction (the mean is subtracted out) and along x_hat (the scale is divided out), the two
    directions the normalization makes y blind to. With `stats` given, mu and sigma are
    constants, and dL/dx_i = h_i / sigma.

    Batch norm: gamma and beta are broadcast along exactly the normalized axes (one per
    channel, and a channel is one group), so gamma factors out of both means, and the means
    are the affine step's gradients divided by n, the textbook form

        dL/dx = (gamma / sigma) (g - (dL/dbeta + x_hat dL/dgamma) / n)

    which reuses those two sums instead of computing two more.

    float16 is computed in float32 and rounded back, as PyTorch does: in float16 the sum of a
    few values near its largest, 65504, overflows, and so do squared deviations past 256.
    """
    xp = input._backend.xp
    x = input.array.reshape(view)
    w = None if weight is None else weight.array.reshape(affine_shape)
    b = None if bias is None else bias.array.reshape(affine_shape)
    half = x.dtype == float16
    if half:
        x, w, b = (None if a is None else a.astype(float32) for a in (x, w, b))
    n = math.prod(view[axis] for axis in axes)  # values per group
    if stats is None:
        mean = _sum(xp, axes, x) / n
        x_hat = x - mean
        var = _sum(xp, axes, x_hat, x_hat) / n
    else:
        mean, var = stats
        x_hat = x - mean
    rstd = 1 / xp.sqrt(var + eps)  # 1 / sigma
    x_hat *= rstd  # in place: x - mean is a new array that nothing else holds
    y = x_hat if w is None else x_hat * w
    if b is not None:
        y = y + b if w is None else xp.add(y, b, out=y)
    parents = (input,) + tuple(t for t in (weight, bias) if t is not None)
    out = input._result(y.reshape(input.shape).astype(input.dtype, copy=False), parents, name,
                        saved=(weight if input.requires_grad else None,),
                        saves_output=y is x_hat and not half)  # no affine: the output IS x_hat
    affine_axes = tuple(i for i, size in enumerate(affine_shape) if size == 1)
    batch_norm_form = affine_axes == tuple(axes)

    def backward(g):  # g = dL/dy
        g = g.reshape(view).astype(x_hat.dtype, copy=False)  # float32 for a float16 input
        dx_needs_sums = input.requires_grad and stats is None and batch_norm_form
        if dx_needs_sums or (bias is not None and bias.requires_grad):
            d_beta = _sum(xp, affine_axes, g)
            if bias is not None and bias.requires_grad:
                bias._accumulate(d_beta.reshape(bias.shape))
        if dx_needs_sums or (weight is not None and weight.requires_grad):
            d_gamma = _sum(xp, affine_axes, g, x_hat)
            if weight is not None and weight.requires_grad:
                weight._accumulate(d_gamma.reshape(weight.shape))
        if not input.requires_grad:
            return
        # EXERCISE ch08.batch_norm_backward: dx = (1/sigma)(h - mean(h) - x_hat mean(h x_hat))
        if stats is not None or batch_norm_form:
            scale = rstd if w is None else rstd * w  # gamma / sigma, per group
            dx = g * scale
            if stats is None:
                dx -= x_hat * (d_gamma * scale / n)
                dx -= d_beta * scale / n
        else:
            h = g if w is None else g * w  # dL/dx_hat
            dx = h - _sum(xp, axes, h) / n
            dx -= x_hat * (_sum(xp, axes, h, x_hat) / n)
            dx *= rstd
        input._accumulate(dx.reshape(input.shape))
        # END EXERCISE

    out._backward = backward
    return out, mean, var


def _check_affine(name, input, tensor, what, shape):
    """`weight`, `bias`, `running_mean` or `running_var`: None, or a Tensor of `shape` on the
    input's device."""
    if tensor is None:
        return
    _check_tensor(tensor, name, what)
    _same_device(input, tensor, name, what)
    if tuple(tensor.shape) != tuple(shape):
        raise ValueError(f"{name}: {what} must have shape {tuple(shape)} for an input of shape "
                         f"{tuple(input.shape)}, got {tuple(tensor.shape)}")


def _check_batch(input, who):
    """Batch statistics need at least two values per channel: with one, x - mean is 0, the
    variance 0, and the output is beta whatever the input (and the gradient 0)."""
    if input.shape[0] * math.prod(input.shape[2:]) <= 1:
        raise ValueError(f"{who} expected more than 1 value per channel when training, got "
                         f"input size {tuple(input.shape)}; train with batches of at least 2, "
                         f"or call .eval() to use the running statistics")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization of an input (N, C, *): each channel c is normalized by the mean and
    variance of all its values in the batch (over N and the spatial axes), then scaled by
    weight[c] and shifted by bias[c]:

        y = (x - mean_c) / sqrt(var_c + eps) * weight[c] + bias[c]      var_c biased (1/n)

    With `training=True` those are the batch's statistics, and if `running_mean` and
    `running_var` are given they are updated in place (outside the graph, as in PyTorch):

        running_mean = (1 - momentum) running_mean + momentum mean_c
        running_var  = (1 - momentum) running_var  + momentum var_c n / (n - 1)

    the running variance being the UNBIASED estimate (n = N * prod(spatial) values per
    channel). With `training=False` the running statistics are used instead, so the output
    of one sample no longer depends on the rest of its batch. One fused node; see _normalize.
    """
    _check_tensor(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got "
                         f"{tuple(input.shape)}")
    channels = input.shape[1]
    for what, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        _check_affine("batch_norm", input, tensor, what, (channels,))
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    view = (input.shape[0], channels, math.prod(input.shape[2:]))
    stats = None
    if training:
        _check_batch(input, "batch_norm:")
    elif running_mean is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be given in "
                           "evaluation mode (training=False)")
    else:
        dtype = input.dtype
        stats = (running_mean.array.astype(dtype, copy=False).reshape(1, channels, 1),
                 running_var.array.astype(dtype, copy=False).reshape(1, channels, 1))
    out, mean, var = _normalize("batch_norm", input, view, (0, 2), (1, channels, 1), weight,
                                bias, eps, stats)
    if training and running_mean is not None:
        n = view[0] * view[2]
        _running_update(running_mean, mean.reshape(channels), momentum)
        _running_update(running_var, var.reshape(channels) * (n / (n - 1)), momentum)
    return out


def _running_update(buffer, value, momentum):
    """buffer := (1 - momentum) buffer + momentum value, in place, counted on its version."""
    if not isinstance(momentum, numbers.Real):
        raise TypeError(f"batch_norm: momentum must be a number when running statistics are "
                        f"updated, got {momentum!r}")
    array = buffer.array
    array *= 1 - momentum
    array += momentum * value
    buffer._bump_version()


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization: each sample is normalized by the mean and variance of its last
    len(normalized_shape) dimensions (its features), then scaled and shifted elementwise by
    weight and bias, both of shape normalized_shape:

        y = (x - mean) / sqrt(var + eps) * weight + bias     over the last dimensions

    No batch statistics, so it is the same in training and evaluation, and works for any
    batch size (transformers use it). One fused node; see _normalize.
    """
    _check_tensor(input, "layer_norm")
    shape, view = _last_dims("layer_norm", input, normalized_shape)
    for what, tensor in (("weight", weight), ("bias", bias)):
        _check_affine("layer_norm", input, tensor, what, shape)
    return _normalize("layer_norm", input, view, (1,), (1, view[1]), weight, bias, eps)[0]


def _last_dims(name, input, normalized_shape):
    """normalized_shape as a tuple, and the view (rows, features) that makes each sample's
    last len(normalized_shape) dimensions one row; the input must end in normalized_shape."""
    shape = ((normalized_shape,) if isinstance(normalized_shape, int)
             else tuple(normalized_shape))
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"{name}: expected input of shape (*, {', '.join(map(str, shape))})"
                         f" for normalized_shape={shape}, got {tuple(input.shape)}")
    return shape, (math.prod(input.shape[:input.ndim - k]), math.prod(shape))


def rms_norm(input, normalized_shape, weight=None, eps=None):
    r"""RMS normalization (Zhang & Sennrich, 2019): each sample is divided by the root mean
    square of its last len(normalized_shape) dimensions, then scaled elementwise by weight
    (of shape normalized_shape):

        y = x / rms(x) * weight,        rms(x) = sqrt(mean(x^2) + eps)

    LayerNorm without the centring: no mean is subtracted and there is no bias, only the
    scale is normalized. It is cheaper and, in transformers (T5, LLaMA), trains as well.
    eps=None is the machine epsilon of the dtype it is computed in (float32 for a float16
    input, computed in float32 and rounded back as in _normalize), as in PyTorch.

    FUSED, for speed, like layer_norm: one node (here, not through _normalize, whose
    statistics always include the mean). Backward: with r = 1/rms(x), x_hat = x r, n values
    per sample, g = dL/dy and h = g weight = dL/dx_hat,

        d r / d x_i = -(1/2) (mean(x^2) + eps)^(-3/2) 2 x_i / n = -r^3 x_i / n
        d x_hat_j / d x_i = r delta_ij - x_j r^3 x_i / n = r (delta_ij - x_hat_j x_hat_i / n)

        dL/dx_i = r (h_i - x_hat_i mean(h x_hat))        dL/dweight = sum over samples of g x_hat

    the layer-norm gradient without its -mean(h) term: the output is blind only to the scale
    of x (the direction x_hat), not to a shift, so only that component is removed.
    """
    _check_tensor(input, "rms_norm")
    shape, view = _last_dims("rms_norm", input, normalized_shape)
    _check_affine("rms_norm", input, weight, "weight", shape)
    xp = input._backend.xp
    x = input.array.reshape(view)
    w = None if weight is None else weight.array.reshape(1, view[1])
    half = x.dtype == float16
    if half:
        x, w = (None if a is None else a.astype(float32) for a in (x, w))
    if eps is None:
        eps = float(finfo(x.dtype).eps)
    n = view[1]
    rstd = 1 / xp.sqrt(_sum(xp, (1,), x, x) / n + eps)  # r = 1 / rms, one per sample
    x_hat = x * rstd
    y = x_hat if w is None else x_hat * w
    out = input._result(y.reshape(input.shape).astype(input.dtype, copy=False),
                        (input,) if weight is None else (input, weight), "rms_norm",
                        saved=(weight if input.requires_grad else None,),
                        saves_output=y is x_hat and not half)  # no weight: the output IS x_hat

    def backward(g):  # g = dL/dy
        g = g.reshape(view).astype(x_hat.dtype, copy=False)
        if weight is not None and weight.requires_grad:
            weight._accumulate(_sum(xp, (0,), g, x_hat).reshape(weight.shape))
        if input.requires_grad:
            h = g if w is None else g * w  # dL/dx_hat
            dx = h - x_hat * (_sum(xp, (1,), h, x_hat) / n)
            dx *= rstd
            input._accumulate(dx.reshape(input.shape))

    out._backward = backward
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization of an input (N, C, *): the C channels are split into num_groups
    groups of C / num_groups consecutive channels, and each sample's group is normalized by
    the mean and variance of its values (over its channels and the spatial axes); then each
    channel c is scaled by weight[c] and shifted by bias[c]. num_groups = 1 normalizes each
    sample as a whole; num_groups = C each channel of each sample (instance norm). Like
    layer_norm it needs no batch statistics. One fused node; see _normalize.
    """
    _check_tensor(input, "group_norm")
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected input of shape (N, C, *), got "
                         f"{tuple(input.shape)}")
    channels = input.shape[1]
    if not isinstance(num_groups, int) or num_groups <= 0 or channels % num_groups:
        raise ValueError(f"group_norm: expected a number of channels divisible by num_groups="
                         f"{num_groups}, got input of shape {tuple(input.shape)} "
                         f"({channels} channels)")
    for what, tensor in (("weight", weight), ("bias", bias)):
        _check_affine("group_norm", input, tensor, what, (channels,))
    per_group = channels // num_groups
    view = (input.shape[0], num_groups, per_group, math.prod(input.shape[2:]))
    return _normalize("group_norm", input, view, (2, 3), (1, num_groups, per_group, 1), weight,
                      bias, eps)[0]
