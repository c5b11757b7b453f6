"""The GPU backend: CuPy, imported only when a CUDA device is first used.

CuPy mirrors NumPy's API, so `xp = cupy` runs the same op code on the GPU. What differs is
spelled here: host <-> device copies, `cupyx.scatter_add`, CuPy's sliding-window view, and
CuPy's random generator. Each `cuda:N` device gets its own backend; arrays are created on GPU N.
"""

import importlib

from tensor.backend.base import Backend

INSTALL_HINT = (
    "install a CUDA-enabled CuPy with the gpu extra (pip install 'gradschool[gpu]', which "
    "installs cupy-cuda12x) on a machine with an NVIDIA GPU"
)


def import_cupy():
    """The cupy module, or None when it is not installed."""
    try:
        return importlib.import_module("cupy")
    except ImportError:
        return None


def device_count():
    """How many CUDA GPUs CuPy can use (0 without CuPy, without a driver or without a GPU)."""
    cupy = import_cupy()
    try:
        return cupy.cuda.runtime.getDeviceCount() if cupy and cupy.cuda.is_available() else 0
    except Exception:  # a broken driver or CUDA install: no usable GPU, not a crash
        return 0


class CupyBackend(Backend):
    """Arrays are `cupy.ndarray` on GPU `index`."""

    def __init__(self, index, seed=None):
        count = device_count()
        if count == 0:
            raise RuntimeError(f"cuda:{index} was requested but no CUDA GPU is available; "
                               f"{INSTALL_HINT}")
        if index >= count:
            raise RuntimeError(f"cuda:{index} was requested but this machine has {count} CUDA "
                               f"GPU(s): cuda:0 to cuda:{count - 1}")
        import cupy
        import cupyx

        self.device = f"cuda:{index}"
        self.index = index
        self.xp = cupy
        self.array_type = cupy.ndarray
        self._cupyx = cupyx
        self.seed(seed)

    def array(self, data, dtype=None):
        with self.xp.cuda.Device(self.index):
            return self.xp.array(data, dtype=dtype)

    def asarray(self, data, dtype=None):
        with self.xp.cuda.Device(self.index):
            return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array):
        return self.xp.asnumpy(array)

    def from_dlpack(self, obj):
        with self.xp.cuda.Device(self.index):
            return self.xp.from_dlpack(obj)

    def scatter_add(self, target, index, values):
        self._cupyx.scatter_add(target, index, values)

    def sliding_window_view(self, x, window_shape, axis=None):
        return self.xp.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)

    def seed(self, seed):
        with self.xp.cuda.Device(self.index):
            self._generator = self.xp.random.RandomState(seed)

    def rand(self, shape, dtype):
        with self.xp.cuda.Device(self.index):
            return self._generator.random_sample(shape, dtype=dtype)

    def randn(self, shape, dtype):
        with self.xp.cuda.Device(self.index):
            return self._generator.standard_normal(shape, dtype=dtype)

    def randint(self, low, high, shape, dtype):
        with self.xp.cuda.Device(self.index):
            return self._generator.randint(low, high, shape, dtype=dtype)

    def synchronize(self):
        self.xp.cuda.Device(self.index).synchronize()
