"""`nn`: neural-network building blocks on the Tensor engine, named as in `torch.nn`.

    import nn
    model = nn.Sequential(nn.Linear(784, 128), ..., nn.Linear(128, 10))
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    loader = nn.data.DataLoader(nn.data.FashionMNIST(), batch_size=64, shuffle=True)
    nn.save(model.state_dict(), "model.safetensors")

Modules and parameters (module.py, parameter.py, containers.py), layers (layers/), weight
initialization (init.py), optimizers and learning-rate schedules (optim/), gradient clipping
(utils/), datasets and batching (data/), saving and checkpoints (serialization.py).
"""

from nn import data, init, optim, utils
from nn.containers import ModuleDict, ModuleList, Sequential
from nn.layers import Flatten, Identity, Linear
from nn.module import Module
from nn.parameter import Parameter
from nn.serialization import load, load_checkpoint, save, save_checkpoint

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
    "Identity", "Flatten", "Linear",
    "init", "optim", "utils", "data",
    "save", "load", "save_checkpoint", "load_checkpoint",
]
