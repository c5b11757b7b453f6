"""`gradschool.nn.utils`, as `torch.nn.utils`: gradient clipping. Re-exports nn/utils/."""

from nn.utils import *  # noqa: F403
from nn.utils import __all__  # noqa: F401
