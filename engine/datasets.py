"""Small synthetic data sets in pure Python (no NumPy, no scikit-learn)."""

import math
import random


def make_moons(n_samples=100, noise=0.1, seed=0):
    """Two interleaving half circles in the plane: the classic "two moons" toy problem.

    The upper moon is the half circle of radius 1 around (0, 0), points (cos t, sin t) for t in
    [0, pi], labelled -1; the lower moon is the same half circle flipped and shifted to
    interlock with it, points (1 - cos t, 0.5 - sin t), labelled +1. Each moon gets half the
    points (the upper one n_samples // 2), spaced evenly in t; then every coordinate gets
    Gaussian noise of standard deviation `noise` and the points are shuffled. No straight line
    separates the moons, which is why it takes a nonlinear model (an MLP) to classify them.

    Labels are -1 / +1 (not 0 / 1) as suits the max-margin (hinge) loss max(0, 1 - y * score).
    Same `seed`, same points. Returns (X, y): X a list of [x1, x2] lists of floats, y a list of
    ints.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons needs n_samples >= 2 (one point per moon), got {n_samples}")
    rng = random.Random(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    points = []
    for i in range(n_upper):
        t = math.pi * i / (n_upper - 1) if n_upper > 1 else 0.0
        points.append(([math.cos(t), math.sin(t)], -1))
    for i in range(n_lower):
        t = math.pi * i / (n_lower - 1) if n_lower > 1 else 0.0
        points.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], 1))
    rng.shuffle(points)
    X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for (x1, x2), _ in points]
    y = [label for _, label in points]
    return X, y
