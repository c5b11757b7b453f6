"""`gradschool.accelerator`, as `torch.accelerator`: is_available, current_accelerator, ...
Re-exports tensor/accelerator.py."""

from tensor.accelerator import (  # noqa: F401
    current_accelerator,
    current_device_index,
    device_count,
    is_available,
)
