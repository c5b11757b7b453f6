"""`tensor.cuda.is_available()` and `device_count()`, as `torch.cuda` spells them."""

from tensor.backend import cuda as _cuda_backend


def is_available():
    """Whether a CUDA GPU can be used: CuPy is installed and finds a GPU. Never raises."""
    return _cuda_backend.device_count() > 0


def device_count():
    """How many CUDA GPUs can be used (0 without CuPy or without a GPU)."""
    return _cuda_backend.device_count()
