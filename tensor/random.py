"""Random number generators: `Generator`, `manual_seed`, `seed`, `initial_seed`,
`default_generator`, as PyTorch names them.

Every device has a default stream of random numbers (its backend's generator). `manual_seed(s)`
restarts the stream of every device, and the factories (`randn`, `rand`, `randint`, ...) and
in-place fills (`normal_`, `uniform_`, `bernoulli_`) draw from it. A `Generator` is a stream
of its own, passed as `generator=`:

    g = tensor.Generator().manual_seed(2147483647)
    C = tensor.randn(27, 10, generator=g)      # the same numbers on every run, whatever
    x = tensor.randn(3)                         # else draws from the default stream

(makemore seeds one this way, so that initialization and sampling repeat exactly).

The numbers are not PyTorch's: NumPy's generator (PCG64) and CuPy's are not PyTorch's Mersenne
Twister, so a seed gives the same numbers run after run here, but not the numbers PyTorch
draws for that seed. Programs that print random numbers agree with PyTorch in distribution,
not digit for digit.
"""

import copy
import secrets

from tensor import backend as backends

# PyTorch's default seed: what initial_seed() says before any manual_seed
DEFAULT_SEED = 67280421310721


class Generator:
    """An independent stream of random numbers on `device` ("cpu" by default).

    `Generator(device="cpu")`; `manual_seed(s)` restarts it (and returns it, so
    `Generator().manual_seed(42)` reads as one step); `seed()` restarts it from an
    unpredictable seed and returns that seed; `initial_seed()` is the last seed;
    `get_state()` / `set_state(state)` save and restore its position in the stream.
    """

    def __init__(self, device="cpu"):
        self._backend = backends.get_backend(device)
        self._initial = DEFAULT_SEED
        self._source = self._backend.with_own_generator(DEFAULT_SEED)

    @classmethod
    def _of_backend(cls, backend):
        """The generator standing for `backend`'s default stream (draws from it directly)."""
        generator = object.__new__(cls)
        generator._backend = generator._source = backend
        generator._initial = DEFAULT_SEED
        return generator

    @property
    def device(self):
        from tensor.devices import device

        return device(self._backend.device)

    def manual_seed(self, seed):
        seed = _check_seed(seed)
        self._initial = seed
        self._source.seed(seed)
        return self

    def seed(self):
        seed = secrets.randbits(63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._initial

    def get_state(self):
        """A copy of the generator's state: `set_state` of it replays the same numbers."""
        return copy.deepcopy(self._source._generator)

    def set_state(self, state):
        self._source._generator = copy.deepcopy(state)
        return self

    def __repr__(self):
        return f"<tensor.Generator device={self._backend.device!r} seed={self._initial}>"


default_generator = Generator._of_backend(backends.get_backend("cpu"))


def manual_seed(seed):
    """Restart the default stream of every device (those created later too) from `seed`, so
    that a run's random numbers repeat; returns the CPU's default Generator, as PyTorch."""
    seed = _check_seed(seed)
    backends.manual_seed(seed)
    default_generator._initial = seed
    return default_generator


def seed():
    """Restart every device's default stream from an unpredictable seed; returns the seed."""
    value = secrets.randbits(63)
    manual_seed(value)
    return value


def initial_seed():
    """The seed the default stream was last started from."""
    return default_generator._initial


def source(generator, backend, op):
    """What an op on `backend`'s device draws its random numbers from: the device's default
    stream, or `generator`'s own, which must be on the same device."""
    if generator is None:
        return backend
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: generator must be a tensor.Generator, got "
                        f"{type(generator).__name__}")
    if generator._backend is not backend:
        raise RuntimeError(f"{op}: the generator is on {generator._backend.device} but the "
                           f"tensor is made on {backend.device}; use a Generator(device="
                           f"{backend.device!r})")
    return generator._source


def _check_seed(seed):
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise TypeError(f"a seed must be an integer, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if seed < 0:  # PyTorch reads negative seeds as their 64-bit two's complement
        seed += 1 << 64
    return seed
