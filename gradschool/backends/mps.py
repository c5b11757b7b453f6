"""`torch.backends.mps`: Apple's Metal backend, which Grad School does not have."""

from tensor.accelerator import mps_is_available as is_available  # noqa: F401
from tensor.accelerator import mps_is_built as is_built  # noqa: F401
