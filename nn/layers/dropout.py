"""Dropout layers: `Dropout` zeroes single elements, `Dropout1d/2d/3d` whole channels, each with
probability p in training (the survivors scaled by 1 / (1 - p)); in `eval()` they pass their
input through unchanged. Why, and the op itself: nn/functional/dropout.py."""

import nn.functional as F
from nn.functional.dropout import _channel_mask_shape, _check_p
from nn.module import Module


class _DropoutNd(Module):
    """Stores p (checked: 0 <= p <= 1) and `inplace` (accepted for PyTorch compatibility; the
    output is always a new tensor)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        _check_p(p, type(self).__name__)
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability p in training, scaling the rest by 1 / (1 - p), so
    that the expected output equals the input; the identity in eval()."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or (C, L) with probability p in training (scaling the
    rest by 1 / (1 - p)); the identity in eval()."""

    def forward(self, input):
        _channel_mask_shape(input, 1, repr(self))
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zeroes whole feature maps of (N, C, H, W) with probability p in training (scaling the
    rest by 1 / (1 - p)); the identity in eval(). Use it after convolutions: neighbouring
    pixels of a map are correlated, so dropping single pixels would hardly regularize."""

    def forward(self, input):
        _channel_mask_shape(input, 2, repr(self))
        return F.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p in training
    (scaling the rest by 1 / (1 - p)); the identity in eval()."""

    def forward(self, input):
        _channel_mask_shape(input, 3, repr(self))
        return F.dropout3d(input, self.p, self.training)
