"""What every device's backend provides: an array module and the kernels NumPy and CuPy spell
differently.

Almost all array math is written once, against `xp`, the device's NumPy-like module: `xp.exp`,
`xp.matmul`, `a.sum(axis=1)` read the same in NumPy and CuPy. A handful of things do not, and
those are the methods below, so no op ever needs an `if cupy:`:

- creating an array from host data (`array`) and copying one back (`to_numpy`): explicit
  transfers, never implicit ones;
- scatter-add, `target[index] += values` where repeated indices must all count
  (`numpy.add.at` in NumPy, `cupyx.scatter_add` in CuPy);
- sliding-window views for convolution and pooling;
- random numbers: one generator per backend, reseeded by `tensor.manual_seed`.
"""


class Backend:
    """The array library of one device. Subclasses set `xp` and `array_type` and write the
    methods that raise NotImplementedError here."""

    device = ""  # the normalized device name: "cpu", "cuda:0", "standin"
    xp = None  # the array module: numpy, cupy, or the stand-in's namespace
    array_type = type(None)  # the class of this device's arrays

    def __repr__(self):
        return f"<{type(self).__name__} device={self.device!r}>"

    def __reduce__(self):
        # one backend per device: copying or unpickling a tensor must find the same object, since
        # ops compare backends by identity
        from tensor.backend import get_backend

        return get_backend, (self.device,)

    def __deepcopy__(self, memo):
        return self

    def is_array(self, obj):
        """Whether `obj` is an array that lives on this device."""
        return isinstance(obj, self.array_type)

    def array(self, data, dtype=None):
        """A new array on this device holding a copy of `data` (Python numbers or lists, a NumPy
        array, or an array of this device). Copying host data to a GPU happens here, and only
        here, when a user asks for it."""
        raise NotImplementedError

    def asarray(self, data, dtype=None):
        """Like `array`, but an array of this device that already has the dtype is returned as
        it is, without a copy."""
        raise NotImplementedError

    def to_numpy(self, array):
        """A NumPy array with the values of `array` (a copy, unless the device is the CPU)."""
        raise NotImplementedError

    def memory_owner(self, array):
        """The array object that owns `array`'s memory: `array` itself, or the array it is a
        view of. Two arrays with the same owner may overlap (for aliasing checks)."""
        base = array.base
        return array if base is None else base

    def from_dlpack(self, obj):
        """An array of this device sharing the memory of `obj`, any object with __dlpack__ (a
        PyTorch tensor, a NumPy or CuPy array): DLPack is the protocol for handing memory from
        one array library to another without a copy."""
        raise NotImplementedError

    def scatter_add(self, target, index, values):
        """target[index] += values, in place, where an element indexed twice receives both
        values (plain `target[index] += values` would keep only one of them)."""
        raise NotImplementedError

    def sliding_window_view(self, x, window_shape, axis=None):
        """A read-only view of every window of `x` (no copy): the strided view behind
        convolution and pooling. Same arguments as NumPy's function of that name."""
        raise NotImplementedError

    def seed(self, seed):
        """Restart this backend's random generator from `seed` (None: unpredictable)."""
        raise NotImplementedError

    def with_own_generator(self, seed=None):
        """A twin of this backend (same device, same arrays) whose random numbers come from
        a generator of its own, seeded with `seed`: what a `tensor.Generator` draws from, so
        that its numbers never disturb the device's default stream."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.seed(seed)
        return twin

    def rand(self, shape, dtype):
        """Uniform samples in [0, 1) of a floating dtype."""
        raise NotImplementedError

    def randn(self, shape, dtype):
        """Standard normal samples of a floating dtype."""
        raise NotImplementedError

    def randint(self, low, high, shape, dtype):
        """Uniform integers in [low, high)."""
        raise NotImplementedError

    def synchronize(self):
        """Wait until the device has finished its queued work (for timing); the CPU is always
        done."""
