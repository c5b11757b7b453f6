"""Which accelerator this machine has, as PyTorch's `torch.accelerator` and
`torch.backends.mps` / `torch.backends.cudnn` ask.

Grad School knows one kind of accelerator, an NVIDIA GPU through CuPy ("cuda"). So a program's

    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() \\
        else "cpu"

picks "cuda" on a GPU machine and "cpu" elsewhere; Apple's MPS is never available, and cuDNN
is not used (CuPy's own kernels run), so its switches (`benchmark`, `deterministic`) are
accepted and change nothing.
"""

from tensor import cuda
from tensor.devices import device


def is_available():
    """Whether an accelerator (a CUDA GPU) can be used."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """`device("cuda")` when a GPU can be used, else None."""
    return device("cuda") if cuda.is_available() else None


def device_count():
    """How many accelerators (CUDA GPUs) can be used."""
    return cuda.device_count()


def current_device_index():
    """The accelerator in use: always 0, the first GPU (Grad School has no current-device
    state; tensors name their GPU)."""
    return 0


def mps_is_available():
    """Apple's Metal (MPS) backend: never available in Grad School."""
    return False


def mps_is_built():
    return False


def cudnn_is_available():
    """cuDNN: not used by Grad School (CuPy's kernels and its own im2col convolution run)."""
    return False
