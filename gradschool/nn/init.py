"""`gradschool.nn.init`, as `torch.nn.init`: fill weights in place (xavier_uniform_,
kaiming_normal_, zeros_, ...). Re-exports nn/init.py."""

from nn.init import *  # noqa: F403
from nn.init import _calculate_fan_in_and_fan_out  # noqa: F401  (PyTorch's layers call it)
