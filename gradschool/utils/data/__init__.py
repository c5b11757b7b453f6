"""`gradschool.utils.data`, as `torch.utils.data`: Dataset, TensorDataset, Subset,
ConcatDataset, random_split, DataLoader and the samplers (DistributedSampler also as
`gradschool.utils.data.distributed.DistributedSampler`). Re-exports nn/data/."""

from nn.data import (  # noqa: F401
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)
