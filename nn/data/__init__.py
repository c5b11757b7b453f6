"""Data (`nn.data`, PyTorch's `torch.utils.data` plus datasets): `Dataset`, `TensorDataset`,
`DataLoader`, `Subset`, `ConcatDataset`, `random_split`, samplers, the MNIST / Fashion-MNIST
readers, small generated sets and text for character models."""

from nn.data.dataloader import DataLoader, default_collate
from nn.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from nn.data.mnist import MNIST, FashionMNIST
from nn.data.sampler import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from nn.data.synthetic import (
    make_adding_problem,
    make_copy_task,
    make_moons,
    make_spirals,
    make_xor,
)
from nn.data.text import CharVocabulary, NextCharacterDataset, load_fortunes

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "default_collate", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DistributedSampler", "MNIST", "FashionMNIST",
           "make_moons", "make_spirals", "make_xor", "make_copy_task", "make_adding_problem",
           "load_fortunes", "CharVocabulary", "NextCharacterDataset"]
