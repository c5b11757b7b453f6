"""`gradschool.nn.parallel`, as `torch.nn.parallel`: DistributedDataParallel. Re-exports
nn/parallel/."""

from nn.parallel import *  # noqa: F403
from nn.parallel import __all__  # noqa: F401
