"""`gradschool.nn.functional` (import it as F), as `torch.nn.functional`. Re-exports
nn/functional/."""

from nn.functional import *  # noqa: F403
from nn.functional import __all__  # noqa: F401
