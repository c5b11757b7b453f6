"""`gradschool.vision.utils`, as `torchvision.utils`. Re-exports nn/vision/utils.py."""

from nn.vision.utils import make_grid  # noqa: F401
