"""Normalization layers: `BatchNorm1d`, `BatchNorm2d`, `BatchNorm3d`, `LayerNorm`, `RMSNorm`,
`GroupNorm`.

Each normalizes its input to mean 0 and variance 1 over some axes, then applies a learned
per-channel (or per-element) scale `weight` (gamma, starting at 1) and shift `bias` (beta,
starting at 0), so the layer can still represent any scale and offset it needs. Keeping
every layer's inputs at a steady scale lets deeper networks train with larger learning rates.

- BatchNorm normalizes each channel over the batch (and the spatial axes). Batch statistics
  exist only in training, so it keeps running averages of them (buffers `running_mean`,
  `running_var`, `num_batches_tracked`, saved in the state_dict) and uses those in `eval()`.
- LayerNorm normalizes each sample over its last dimensions, GroupNorm each sample over
  groups of channels: no batch statistics, the same in training and evaluation. RMSNorm is
  LayerNorm that only rescales (no mean subtracted, no bias).

The work is nn/functional/normalization.py: one fused node per call, with the backward
derived there.
"""

import numbers

import nn.functional as F
import tensor
from nn import init
from nn.functional.normalization import _check_batch
from nn.module import Module
from nn.parameter import Parameter


def _register_scale_and_shift(module, shape, affine, bias, options):
    """The learned `weight` (gamma) and `bias` (beta) of `shape`, or None where the layer has
    none (affine=False, or bias=False), registered as parameters of `module`."""
    weight = Parameter(tensor.empty(shape, **options)) if affine else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", Parameter(tensor.empty(shape, **options))
                              if affine and bias else None)


def _reset_scale_and_shift(module):
    """weight (gamma) 1 and bias (beta) 0: at first the layer only normalizes."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _BatchNorm(Module):
    """What BatchNorm1d/2d/3d share; they differ only in the input shapes they accept."""

    _ranks = ()  # the input ranks accepted
    _shapes = ""  # the same, for error messages, with {C} for num_features

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        options = dict(device=device, dtype=dtype)
        _register_scale_and_shift(self, num_features, affine, bias, options)
        if track_running_stats:
            self.register_buffer("running_mean", tensor.zeros(num_features, **options))
            self.register_buffer("running_var", tensor.ones(num_features, **options))
            self.register_buffer("num_batches_tracked",
                                 tensor.zeros((), dtype=tensor.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        """Running statistics reset; weight (gamma) 1 and bias (beta) 0."""
        self.reset_running_stats()
        _reset_scale_and_shift(self)

    def forward(self, input):
        if input.ndim not in self._ranks or input.shape[1] != self.num_features:
            raise ValueError(f"{self!r} expected input of shape "
                             f"{self._shapes.format(C=self.num_features)}, got "
                             f"{tuple(input.shape)}")
        if self.training:
            _check_batch(input, repr(self))
        # momentum None: the running statistics are the plain average of all batches so far,
        # running = running + (batch - running) / k at the k-th batch
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array[...] += 1
            self.num_batches_tracked._bump_version()
            if self.momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked.item())
        # batch statistics in training, and in evaluation when there are no running ones;
        # the running statistics are passed only to be used (eval) or updated (tracked)
        use_batch_stats = self.training or self.running_mean is None
        update = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if update else None,
                            self.running_var if update else None, self.weight, self.bias,
                            use_batch_stats, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) features or (N, C, L) sequences: per channel c, over the
    batch (and length), y = (x - mean_c) / sqrt(var_c + eps) * weight[c] + bias[c].

    Training: the batch's mean and (biased) variance, and the running averages updated,
    running = (1 - momentum) running + momentum batch_stat (the unbiased variance; with
    momentum=None the cumulative average of all batches). eval(): the running averages.
    track_running_stats=False keeps none and uses batch statistics in eval() too.
    """

    _ranks = (2, 3)
    _shapes = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of images (N, C, H, W): each channel is normalized over the batch
    and all its pixels (a convolution's channel shares one weight, so it shares one
    normalization too). Options as for BatchNorm1d."""

    _ranks = (4,)
    _shapes = "(N, {C}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of volumes (N, C, D, H, W), per channel over the batch and all its
    voxels. Options as for BatchNorm1d."""

    _ranks = (5,)
    _shapes = "(N, {C}, D, H, W)"


class LayerNorm(Module):
    """Normalizes each sample over its last dimensions, `normalized_shape` (an int for the
    last one, or a tuple): y = (x - mean) / sqrt(var + eps) * weight + bias, with elementwise
    weight and bias of shape normalized_shape (if `elementwise_affine`; `bias=False` drops
    the bias). The same in training and evaluation."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        options = dict(device=device, dtype=dtype)
        _register_scale_and_shift(self, self.normalized_shape, elementwise_affine, bias, options)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_scale_and_shift(self)

    def forward(self, input):
        k = len(self.normalized_shape)
        if input.ndim < k or tuple(input.shape[input.ndim - k:]) != self.normalized_shape:
            raise ValueError(f"{self!r} expected input of shape "
                             f"(*, {', '.join(map(str, self.normalized_shape))}), got "
                             f"{tuple(input.shape)}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Divides each sample by the root mean square of its last dimensions, `normalized_shape`
    (an int or a tuple), then scales it by a learned elementwise `weight` (starting at 1; none
    if not `elementwise_affine`): y = x / sqrt(mean(x^2) + eps) * weight. LayerNorm without
    the mean and the bias; eps=None is the dtype's machine epsilon (float32's for float16).
    The work is F.rms_norm, one fused node."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.register_parameter("weight", Parameter(tensor.empty(
            self.normalized_shape, device=device, dtype=dtype)) if elementwise_affine else None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        k = len(self.normalized_shape)
        if input.ndim < k or tuple(input.shape[input.ndim - k:]) != self.normalized_shape:
            raise ValueError(f"{self!r} expected input of shape "
                             f"(*, {', '.join(map(str, self.normalized_shape))}), got "
                             f"{tuple(input.shape)}")
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Splits the C channels of (N, C, *) into num_groups groups and normalizes each sample's
    group over its channels and positions; then per-channel weight and bias (if `affine`).
    Independent of the batch size, so it suits small batches where BatchNorm's statistics are
    noisy. num_channels must be divisible by num_groups."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        options = dict(device=device, dtype=dtype)
        _register_scale_and_shift(self, num_channels, affine, bias, options)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_scale_and_shift(self)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"{self!r} expected input of shape (N, {self.num_channels}, *), "
                             f"got {tuple(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
