"""`gradschool.utils.data.distributed`, as `torch.utils.data.distributed`: DistributedSampler.
Re-exports nn/data/sampler.py."""

from nn.data.sampler import DistributedSampler  # noqa: F401
