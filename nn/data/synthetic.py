"""Small generated data sets: two moons, spirals, XOR, and two sequence tasks.

Each function draws from its own generator seeded by `seed` (`numpy.random.default_rng`; the
moons come from chapter 3's pure-Python generator), so the same seed gives the same data on
every machine, independently of `tensor.manual_seed`. They return NumPy arrays (float32
inputs, int64 class labels); for the tensor engine wrap them:
`TensorDataset(Tensor(X), Tensor(y))`.
"""

import math

import numpy as np

from engine import datasets as engine_datasets


def _check_count(name, n_samples, minimum=1):
    if not isinstance(n_samples, int) or n_samples < minimum:
        raise ValueError(f"{name} expects an integer n_samples >= {minimum}, got {n_samples!r}")


def make_moons(n_samples=100, noise=0.1, seed=0):
    """Two interleaving half circles in the plane: class 0 is the upper arc
    (cos t, sin t), class 1 the lower one (1 - cos t, 1/2 - sin t), t in [0, pi], plus
    Gaussian noise of standard deviation `noise`. No straight line separates them, so a
    linear model fails and a small MLP succeeds.

    The points are those of chapter 3's `engine.datasets.make_moons` (same seed, same points),
    as arrays, with the labels -1 / +1 of the hinge loss renamed to the classes 0 / 1.
    Returns X of shape (n_samples, 2) float32 and y of shape (n_samples,) int64, shuffled.
    """
    X, y = engine_datasets.make_moons(n_samples, noise, seed)
    return np.array(X, dtype=np.float32), (np.array(y) > 0).astype(np.int64)


def make_spirals(n_samples=300, n_classes=3, noise=0.2, seed=0):
    """`n_classes` spiral arms winding out of the origin, one per class. A point of class k
    at radius r in [0, 1] lies at angle 4 r + 2 pi k / n_classes (plus Gaussian noise of
    standard deviation `noise` on the angle). Harder than the moons: the decision boundary
    must wind around the origin.

    Returns X of shape (n_samples, 2) float32 and y of shape (n_samples,) int64, shuffled.
    """
    _check_count("make_spirals", n_samples, minimum=n_classes)
    rng = np.random.default_rng(seed)
    sizes = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    r = np.concatenate([np.linspace(0.0, 1.0, size) for size in sizes])
    y = np.concatenate([np.full(size, k, np.int64) for k, size in enumerate(sizes)])
    angle = 4 * r + 2 * math.pi * y / n_classes + rng.normal(0.0, noise, size=n_samples)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order]


def make_xor(n_samples=200, noise=0.0, seed=0):
    """Points uniform in the square [-1, 1]^2, labelled 1 when exactly one coordinate is
    positive (x0 > 0 XOR x1 > 0), then moved by Gaussian noise of standard deviation `noise`.
    The classic problem a single neuron cannot solve.

    Returns X of shape (n_samples, 2) float32 and y of shape (n_samples,) int64.
    """
    _check_count("make_xor", n_samples)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    X = X + rng.normal(0.0, noise, size=X.shape)
    return X.astype(np.float32), y


def make_copy_task(n_samples=1000, seq_len=10, vocab_size=10, reverse=False, seed=0):
    """A sequence-to-sequence task: the target is the input sequence itself, or reversed with
    `reverse=True`. Tokens are integers in [0, vocab_size). Copying checks that a model can
    carry information along a sequence; reversing needs the first inputs at the last outputs,
    which is what makes it hard for a plain RNN.

    Returns inputs and targets, both of shape (n_samples, seq_len) int64.
    """
    _check_count("make_copy_task", n_samples)
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, vocab_size, size=(n_samples, seq_len), dtype=np.int64)
    targets = inputs[:, ::-1].copy() if reverse else inputs.copy()
    return inputs, targets


def make_adding_problem(n_samples=1000, seq_len=50, seed=0):
    """The adding problem (Hochreiter & Schmidhuber, 1997): each time step carries a value in
    [0, 1) and a marker; exactly two steps are marked, one in each half of the sequence, and
    the target is the sum of their two values. The answer depends on inputs far apart in
    time: a test of long-range memory (an LSTM solves it, a plain RNN struggles).

    Returns X of shape (n_samples, seq_len, 2) float32 (channel 0 the values, channel 1 the
    markers) and y of shape (n_samples, 1) float32.
    """
    _check_count("make_adding_problem", n_samples)
    if seq_len < 2:
        raise ValueError(f"make_adding_problem expects seq_len >= 2, got {seq_len}")
    rng = np.random.default_rng(seed)
    values = rng.random((n_samples, seq_len))
    half = seq_len // 2
    first = rng.integers(0, half, size=n_samples)
    second = rng.integers(half, seq_len, size=n_samples)
    markers = np.zeros((n_samples, seq_len))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=2).astype(np.float32)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return X, y
