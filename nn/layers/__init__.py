"""Layers, one concept per file."""

from nn.layers.flatten import Flatten
from nn.layers.linear import Identity, Linear

__all__ = ["Flatten", "Identity", "Linear"]
