"""`gradschool.vision.datasets`, as `torchvision.datasets`. Re-exports nn/vision/datasets.py."""

from nn.vision.datasets import MNIST, FashionMNIST  # noqa: F401
