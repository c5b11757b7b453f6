"""Losses as modules: `criterion = nn.CrossEntropyLoss(); loss = criterion(logits, labels)`.

Each module stores its options and calls the function of the same name in nn/functional/losses.py,
where the math and the gradients are explained. As in PyTorch, a class `weight` and a
`pos_weight` are buffers: they move with `to(device)` and appear in `state_dict()`.

Which loss? Scores for one of C classes: CrossEntropyLoss (on raw scores, not softmax).
Yes/no per output: BCEWithLogitsLoss (on raw scores). Real numbers: MSELoss; L1Loss,
HuberLoss or SmoothL1Loss when outliers should pull less.
"""

from nn import functional as F
from nn.functional.losses import REDUCTIONS
from nn.module import Module


class _Loss(Module):
    """What every loss module shares: the `reduction` option ("none", "mean", "sum")."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error, (x - y)^2; see F.mse_loss."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, |x - y|; see F.l1_loss."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic within `delta` of the target, linear beyond; see F.huber_loss."""

    def __init__(self, *, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by `beta`; see F.smooth_l1_loss."""

    def __init__(self, *, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (after LogSoftmax); see F.nll_loss."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of raw scores (logits) against class indices or class probabilities,
    a fused log-softmax + NLL; see F.cross_entropy for the math and the options."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1]; see F.binary_cross_entropy."""

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw scores, the sigmoid fused in (stable for any score), with
    an optional `pos_weight` per class; see F.binary_cross_entropy_with_logits."""

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
