"""The CPU backend: NumPy."""

import numpy
from numpy.lib.stride_tricks import sliding_window_view

from tensor.backend.base import Backend


class NumpyBackend(Backend):
    """Arrays are `numpy.ndarray`; random numbers come from one `numpy.random.Generator`."""

    device = "cpu"
    xp = numpy
    array_type = numpy.ndarray

    def __init__(self, seed=None):
        self.seed(seed)

    def array(self, data, dtype=None):
        return numpy.array(data, dtype=dtype)

    def asarray(self, data, dtype=None):
        return numpy.asarray(data, dtype=dtype)

    def to_numpy(self, array):
        return array

    def from_dlpack(self, obj):
        return numpy.from_dlpack(obj)

    def scatter_add(self, target, index, values):
        numpy.add.at(target, index, values)

    def sliding_window_view(self, x, window_shape, axis=None):
        return sliding_window_view(x, window_shape, axis=axis)

    def seed(self, seed):
        self._generator = numpy.random.default_rng(seed)

    def rand(self, shape, dtype):
        return self._generator.random(shape, dtype=dtype)

    def randn(self, shape, dtype):
        return self._generator.standard_normal(shape, dtype=dtype)

    def randint(self, low, high, shape, dtype):
        return self._generator.integers(low, high, shape, dtype=dtype)
