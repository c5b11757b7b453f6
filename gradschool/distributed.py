"""`gradschool.distributed`, as `torch.distributed` (with the "mpi" backend only):
init_process_group, get_rank, get_world_size, all_reduce, broadcast, barrier, ReduceOp, ...
Re-exports tensor/distributed.py."""

from tensor.distributed import *  # noqa: F403
from tensor.distributed import __all__  # noqa: F401
