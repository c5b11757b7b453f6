"""Vision (`nn.vision`): what torchvision gives PyTorch's tutorials, for Grad School.

    datasets     MNIST and FashionMNIST, torchvision's signature and example format
    transforms   ToTensor, Normalize, Compose, Lambda
    utils        make_grid

The front door re-exports it as `gradschool.vision`, in place of `torchvision`.
"""

from nn.vision import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
