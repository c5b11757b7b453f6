"""`gradschool.optim`, as `torch.optim`: optimizers and `lr_scheduler`. Re-exports nn/optim/."""

from nn.optim import *  # noqa: F403
from nn.optim import (
    __all__,  # noqa: F401
    lr_scheduler,  # noqa: F401
)
