"""`nn.parallel` (PyTorch's `torch.nn.parallel`): `DistributedDataParallel`, one model trained
by several processes (tensor/distributed.py), each on its share of every batch."""

from nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
