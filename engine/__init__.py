"""Grad School's scalar autograd engine: `Value`, and neurons, layers and MLPs built from it.

Depends on nothing but the Python standard library. `engine.calculus` (numerical derivatives),
`engine.nn` (Neuron, Layer, MLP), `engine.datasets` (two moons) and `engine.train` (a training
loop) build on `engine.value`.
"""

from engine.value import Value, linear

__all__ = ["Value", "linear"]
