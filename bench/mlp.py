"""Benchmark workload `mlp`: the classic MNIST MLP, one training step.

784-256-128-32-10 with ReLU, batch 64, cross-entropy, Adam (lr 1e-3): forward, backward and
update. Three contestants train the same network from the same initial weights on the same
batches:

- `gradschool`: nn.Sequential of nn.Linear and nn.ReLU, F.cross_entropy, nn.optim.Adam, the
  way a learner writes it;
- `pytorch`: the same in PyTorch (CPU, or CUDA with device="cuda");
- `numpy`: the floor, the same step written by hand in NumPy: forward, the fused softmax
  cross-entropy gradient, three matrix products per layer backward, and Adam in place. No
  graph, no per-op bookkeeping; what is left is the arithmetic itself.

At this size the arithmetic is small (about 0.1 GFLOP per step), so a framework's per-op
overhead is a large part of a step: that is what this workload measures.

The batches are real Fashion-MNIST images when the dataset is installed (the Debian package
dataset-fashion-mnist), random ones otherwise; each contestant gets them already in its own
array type, so only the training step is timed.
"""

import sys

import image_workloads
import lineup
import numpy as np
from numpy_floor import NumpyAdam, softmax_cross_entropy

import nn
import nn.functional as F
import tensor

DESCRIPTION = "MLP 784-256-128-32-10, ReLU, batch 64, cross-entropy, Adam (lr 1e-3)"
SIZES = (784, 256, 128, 32, 10)
BATCH = 64
LR = 1e-3
POOL = 32  # batches cycled through by the steps
TARGET = ("pytorch", 0.8)  # Grad School's time per step at most 0.8x PyTorch's (1 thread)
LOSS_TOLERANCE = 1e-5  # the contestants' first losses must agree this closely
STEPS = {"full": dict(repeats=5, steps_per_repeat=200, warmup=20),
         "quick": dict(repeats=1, steps_per_repeat=5, warmup=1)}
MEMORY_STEPS = {"full": 1000, "quick": 20}
DEVICES = ("cpu", "cuda")


def batches(data="auto", count=POOL, seed=0):
    """`count` batches of 64 images flattened to 784 numbers and their labels, as NumPy arrays
    (image_workloads.fashion_mnist_batches: Fashion-MNIST when installed, else noise)."""
    return image_workloads.fashion_mnist_batches((SIZES[0],), BATCH, count, data, seed)


def gradschool_model(seed=0):
    """The MLP in Grad School on the CPU, initialized from `seed` (PyTorch's default init
    scheme)."""
    tensor.manual_seed(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def initial_weights(model):
    """[(weight, bias), ...] of a Grad School MLP's linear layers, as NumPy arrays."""
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
            for m in model if isinstance(m, nn.Linear)]


def gradschool_step(device, images, labels, seed=0):
    """Grad School's step on `device`, and the initial weights (NumPy) for the others."""
    model = gradschool_model(seed)
    weights = initial_weights(model)
    model.to(device)
    optimizer = nn.optim.Adam(model.parameters(), lr=LR)
    xs = [tensor.Tensor(x, device=device) for x in images]
    ys = [tensor.Tensor(y, device=device) for y in labels]

    def step(k):
        loss = F.cross_entropy(model(xs[k % len(xs)]), ys[k % len(ys)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, weights


def pytorch_model(weights):
    """The MLP in PyTorch, starting from `weights` (a list of (W, b) NumPy pairs)."""
    import torch

    layers = []
    for i, (w, b) in enumerate(weights):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def pytorch_step(device, weights, images, labels):
    import torch

    model = pytorch_model(weights).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    xs = [torch.from_numpy(x).to(device) for x in images]
    ys = [torch.from_numpy(y).to(device) for y in labels]

    def step(k):
        loss = torch.nn.functional.cross_entropy(model(xs[k % len(xs)]), ys[k % len(ys)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


class NumpyMLP:
    """The floor: the MLP's training step by hand in NumPy, float32, Adam in place.

    Forward keeps each layer's output a_i (after ReLU). Backward starts from the fused
    softmax cross-entropy gradient dL/dz = (softmax(z) - onehot(y)) / N and, per layer,
    dW = g^T a_{i-1}, db = sum_n g, and g <- (g W) * [a_{i-1} > 0] for the layer below.
    """

    def __init__(self, weights, lr=LR):
        self.params = [array.copy() for pair in weights for array in pair]  # W1, b1, W2, ...
        self.optimizer = NumpyAdam(self.params, lr)

    def step(self, x, y):
        n_layers = len(self.params) // 2
        activations = [x]
        for i in range(n_layers):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            z = activations[-1] @ weight.T
            z += bias
            if i < n_layers - 1:
                np.maximum(z, 0, out=z)
            activations.append(z)
        logits = activations.pop()
        loss, g = softmax_cross_entropy(logits, y)
        grads = [None] * len(self.params)
        for i in reversed(range(n_layers)):
            a = activations[i]
            grads[2 * i] = g.T @ a
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = g @ self.params[2 * i]
                g *= a > 0
        self.optimizer.step(grads)
        return loss


def numpy_step(weights, images, labels):
    model = NumpyMLP(weights)

    def step(k):
        return model.step(images[k % len(images)], labels[k % len(labels)])

    return step


def contestants(device="cpu", data="auto", include=("gradschool", "pytorch", "numpy")):
    """(steps, synchronize, data description) of this workload's contestants: see
    lineup.assemble."""
    images, labels, source = batches(data)
    steps, synchronize = lineup.assemble(sys.modules[__name__], device, include,
                                                  images, labels)
    return steps, synchronize, source
