"""`gradschool.optim.lr_scheduler`, as `torch.optim.lr_scheduler`: StepLR, ExponentialLR,
CosineAnnealingLR, OneCycleLR, ... Re-exports nn/optim/lr_scheduler.py."""

from nn.optim.lr_scheduler import *  # noqa: F403
