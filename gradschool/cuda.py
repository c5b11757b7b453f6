"""`gradschool.cuda`, as `torch.cuda`: is_available, device_count, manual_seed, ...
Re-exports tensor/cuda.py."""

from tensor.cuda import (  # noqa: F401
    current_device,
    device_count,
    is_available,
    manual_seed,
    manual_seed_all,
    synchronize,
)
