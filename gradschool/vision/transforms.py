"""`gradschool.vision.transforms`, as `torchvision.transforms`. Re-exports
nn/vision/transforms.py."""

from nn.vision.transforms import Compose, Lambda, Normalize, ToTensor  # noqa: F401
