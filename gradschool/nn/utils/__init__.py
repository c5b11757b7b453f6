"""`gradschool.nn.utils`, as `torch.nn.utils`: gradient clipping, and `rnn` (padding and
packing). Re-exports nn/utils/."""

from gradschool.nn.utils import rnn  # noqa: F401
from nn.utils import *  # noqa: F403
from nn.utils import __all__  # noqa: F401
