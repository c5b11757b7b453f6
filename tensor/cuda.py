"""`tensor.cuda`: what `torch.cuda` answers about GPUs: is_available, device_count,
current_device, manual_seed(_all), synchronize."""

from tensor import backend as _backends
from tensor.backend import cuda as _cuda_backend


def is_available():
    """Whether a CUDA GPU can be used: CuPy is installed and finds a GPU. Never raises."""
    return _cuda_backend.device_count() > 0


def device_count():
    """How many CUDA GPUs can be used (0 without CuPy or without a GPU)."""
    return _cuda_backend.device_count()


def current_device():
    """The GPU in use: 0 (Grad School keeps no current-device state; "cuda" means cuda:0)."""
    return 0


def manual_seed(seed):
    """Restart the random stream of every GPU in use from `seed` (the CPU's is left alone;
    `tensor.manual_seed` restarts all of them). A no-op without a GPU, as in PyTorch."""
    for name, backend in list(_backends._backends.items()):
        if name.startswith("cuda"):
            backend.seed(int(seed))


manual_seed_all = manual_seed


def synchronize(device=None):
    """Wait until the GPU(s) in use have finished their queued work (for timing)."""
    for name, backend in list(_backends._backends.items()):
        if name.startswith("cuda"):
            backend.synchronize()
