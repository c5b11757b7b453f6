"""A stand-in for torchvision, for the PyTorch runs of examples/pytorch_style/ when torchvision
itself cannot be installed (PyPI's torchvision wheels are built against CUDA's torch, and this
project's CPU torch refuses them). It is not Grad School code: it is written against PyTorch,
NumPy and Pillow, following torchvision's own code for the few things the examples use
(FashionMNIST/MNIST, ToTensor, Normalize, Compose, Lambda, make_grid), so the PyTorch side of
each comparison computes what torchvision would. tests/test_pytorch_style.py puts it on the
path only when `import torchvision` fails."""

from torchvision import datasets, transforms, utils  # noqa: F401
