"""The "standin" device: CuPy's rules on the CPU, so that tests catch host/device mistakes.

Test-only. Its arrays (`StandinArray`) live in host memory but refuse implicit conversion to
NumPy and refuse to mix with NumPy arrays, exactly where CuPy would. The whole tensor and nn
test suite runs on it (`pytest` runs each device test on "cpu" and "standin"). Random numbers
come from the same NumPy generator as the CPU's, so a seeded run gives the same values on both.
"""

import numpy
from numpy.lib.stride_tricks import sliding_window_view

from tensor.backend import standin_xp
from tensor.backend.base import Backend
from tensor.backend.standin_array import StandinArray, unwrap, wrap


class StandinBackend(Backend):
    device = "standin"
    xp = standin_xp
    array_type = StandinArray

    def __init__(self, seed=None):
        self.seed(seed)

    def array(self, data, dtype=None):
        return standin_xp.array(data, dtype)

    def asarray(self, data, dtype=None):
        return standin_xp.asarray(data, dtype)

    def to_numpy(self, array):
        return array.get()

    def memory_owner(self, array):
        # the owner of the wrapped NumPy array: a new wrapper is made on every `.base`, so
        # the wrappers' identities say nothing about shared memory
        base = array._array.base
        return array._array if base is None else base

    def from_dlpack(self, obj):
        return StandinArray(numpy.from_dlpack(obj))

    def scatter_add(self, target, index, values):
        numpy.add.at(target._array, unwrap(index, "scatter_add"), unwrap(values, "scatter_add"))

    def sliding_window_view(self, x, window_shape, axis=None):
        return wrap(sliding_window_view(x._array, window_shape, axis=axis))

    def seed(self, seed):
        self._generator = numpy.random.default_rng(seed)

    def rand(self, shape, dtype):
        return wrap(self._generator.random(shape, dtype=dtype))

    def randn(self, shape, dtype):
        return wrap(self._generator.standard_normal(shape, dtype=dtype))

    def randint(self, low, high, shape, dtype):
        return wrap(self._generator.integers(low, high, shape, dtype=dtype))
