"""Data (`nn.data`, PyTorch's `torch.utils.data` plus datasets): `Dataset`, `TensorDataset`,
`DataLoader`, the MNIST / Fashion-MNIST readers and small generated sets."""

from nn.data.dataloader import DataLoader, default_collate
from nn.data.dataset import Dataset, TensorDataset
from nn.data.mnist import MNIST, FashionMNIST
from nn.data.synthetic import (
    make_adding_problem,
    make_copy_task,
    make_moons,
    make_spirals,
    make_xor,
)

__all__ = ["Dataset", "TensorDataset", "DataLoader", "default_collate", "MNIST", "FashionMNIST",
           "make_moons", "make_spirals", "make_xor", "make_copy_task", "make_adding_problem"]
