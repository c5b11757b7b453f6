"""Benchmark workload `cnn`: a small convolutional network on 28x28 images, one training step.

Conv2d 1->16 3x3 pad 1, ReLU, MaxPool2d 2, Conv2d 16->32 3x3 pad 1, ReLU, MaxPool2d 2, Flatten,
Linear 1568->10; batch 64 of 1x28x28, cross-entropy, SGD (lr 0.01, momentum 0.9): forward,
backward and update. Three contestants train it from the same initial weights on the same
batches:

- `gradschool`: nn.Sequential of nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.Flatten and nn.Linear,
  F.cross_entropy, nn.optim.SGD, the way a learner writes it;
- `pytorch`: the same in PyTorch (CPU, or CUDA with device="cuda");
- `numpy`: the floor, the same step by hand in NumPy: im2col convolution (a strided window
  view copied into a matrix, one matrix product), 2x2 max pooling from four strided slices,
  the linear layer, and the backward of each written out (col2im as nine strided adds), SGD
  in place, with activations kept channels-major so that no transposes are needed.

Here most of the arithmetic is in the convolutions' matrix products and in the copies around
them (im2col forward, col2im backward), and the max pooling's backward; per-op overhead is
small next to them, unlike in `mlp`.
"""

import sys

import image_workloads
import lineup
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy_floor import softmax_cross_entropy

import nn
import nn.functional as F
import tensor

DESCRIPTION = ("CNN conv(1->16, 3x3) relu maxpool2 conv(16->32, 3x3) relu maxpool2 "
               "linear(1568->10), "
               "batch 64 of 1x28x28, cross-entropy, SGD momentum 0.9")
BATCH = 64
LR = 0.01
MOMENTUM = 0.9
POOL = 8  # batches cycled through by the steps
TARGET = ("pytorch", 1.2)  # Grad School's time per step at most 1.2x PyTorch's (1 thread)
LOSS_TOLERANCE = 1e-4  # the contestants' first losses must agree this closely
STEPS = {"full": dict(repeats=5, steps_per_repeat=40, warmup=5),
         "quick": dict(repeats=1, steps_per_repeat=5, warmup=1)}
MEMORY_STEPS = {"full": 300, "quick": 10}
DEVICES = ("cpu", "cuda")


def batches(data="auto", count=POOL, seed=0):
    """`count` batches of 64 1x28x28 images and their labels, as NumPy arrays
    (image_workloads.fashion_mnist_batches: Fashion-MNIST when installed, else noise)."""
    return image_workloads.fashion_mnist_batches((1, 28, 28), BATCH, count, data, seed)


def build(lib):
    """The network in `lib` (our nn or torch.nn)."""
    return lib.Sequential(
        lib.Conv2d(1, 16, 3, padding=1), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(16, 32, 3, padding=1), lib.ReLU(), lib.MaxPool2d(2),
        lib.Flatten(), lib.Linear(32 * 7 * 7, 10))


def gradschool_step(device, images, labels, seed=0):
    """Grad School's step on `device`, and the initial state_dict (NumPy) for the others."""
    tensor.manual_seed(seed)
    model = build(nn)
    weights = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.to(device)
    optimizer = nn.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    xs = [tensor.Tensor(x, device=device) for x in images]
    ys = [tensor.Tensor(y, device=device) for y in labels]

    def step(k):
        loss = F.cross_entropy(model(xs[k % len(xs)]), ys[k % len(ys)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, weights


def pytorch_step(device, weights, images, labels):
    import torch

    model = build(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    xs = [torch.from_numpy(x).to(device) for x in images]
    ys = [torch.from_numpy(y).to(device) for y in labels]

    def step(k):
        loss = torch.nn.functional.cross_entropy(model(xs[k % len(xs)]), ys[k % len(ys)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


class NumpyCNN:
    """The floor: the CNN's training step by hand in NumPy, float32, SGD with momentum in place.

    Activations are kept channels-major, (C, N, H, W), which a by-hand program is free to
    choose: then a convolution's matrices need no transposes.

    conv (3x3, pad 1): xpad = x padded; cols[(c, i, j), (n, p)] = xpad[c, n, p + (i, j)], a
    window view copied into one matrix; y = W cols + b, already (O, N, H, W). Backward:
    dW = g cols^T, db = the sum of g, and dx = the adjoint of the window view of W^T g, one
    product and one strided add per kernel offset (i, j): dxpad[:, :, i:, j:] += W_ij^T g.
    maxpool 2x2: the max of the four strided slices of each window; backward sends each
    gradient to the window's first maximum (as PyTorch: ties are common, e.g. on a blank
    background every window holds the same value). Linear and softmax cross-entropy as in
    bench/mlp.py.
    """

    def __init__(self, weights, lr=LR, momentum=MOMENTUM):
        names = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]
        self.params = [weights[name].copy() for name in names]
        self.buffers = [np.zeros_like(p) for p in self.params]
        self.lr, self.momentum = lr, momentum

    @staticmethod
    def conv(x, w, b):
        """x (C, N, H, W) -> y (O, N, H, W), and the columns for the backward."""
        c, n, h, width = x.shape
        xpad = np.zeros((c, n, h + 2, width + 2), x.dtype)
        xpad[:, :, 1:-1, 1:-1] = x
        view = sliding_window_view(xpad, (3, 3), axis=(2, 3))  # (C, N, H, W, 3, 3)
        cols = view.transpose(0, 4, 5, 1, 2, 3).reshape(c * 9, n * h * width)
        y = w.reshape(len(w), -1) @ cols
        y += b[:, None]
        return y.reshape(len(w), n, h, width), cols

    @staticmethod
    def conv_backward(g, w, cols, need_dx):
        """(dW, db, dx or None) for g = dL/dy (O, N, H, W)."""
        o, n, h, width = g.shape
        g = g.reshape(o, -1)
        dw = (g @ cols.T).reshape(w.shape)
        db = g.sum(axis=1)
        if not need_dx:
            return dw, db, None
        c = w.shape[1]
        dxpad = np.zeros((c, n, h + 2, width + 2), g.dtype)
        for i in range(3):
            for j in range(3):
                dxpad[:, :, i:i + h, j:j + width] += (w[:, :, i, j].T @ g).reshape(c, n, h, width)
        return dw, db, dxpad[:, :, 1:-1, 1:-1]

    @staticmethod
    def pool(a):
        """(max over each 2x2 window, masks of the first maximum in each window)."""
        corners = [a[:, :, i::2, j::2] for i in (0, 1) for j in (0, 1)]
        m = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
        taken = np.zeros(m.shape, bool)
        masks = []
        for corner in corners:
            first = (corner == m) & ~taken
            taken |= first
            masks.append(first)
        return m, masks

    @staticmethod
    def pool_backward(g, masks):
        c, n, h, w = g.shape
        dx = np.empty((c, n, 2 * h, 2 * w), g.dtype)
        for (i, j), mask in zip(((0, 0), (0, 1), (1, 0), (1, 1)), masks):
            np.multiply(g, mask, out=dx[:, :, i::2, j::2])
        return dx

    def step(self, x, y):
        w1, b1, w2, b2, w3, b3 = self.params
        n = len(x)
        z1, cols1 = self.conv(x.reshape(1, n, 28, 28), w1, b1)  # one channel: (1, N, H, W)
        a1 = np.maximum(z1, 0)
        p1, masks1 = self.pool(a1)
        z2, cols2 = self.conv(p1, w2, b2)
        a2 = np.maximum(z2, 0)
        p2, masks2 = self.pool(a2)
        flat = p2.transpose(1, 0, 2, 3).reshape(n, -1)  # (N, C*7*7), torch's flatten order
        logits = flat @ w3.T
        logits += b3
        loss, g = softmax_cross_entropy(logits, y)
        dw3, db3 = g.T @ flat, g.sum(axis=0)
        g = (g @ w3).reshape(n, *p2.shape[:1], *p2.shape[2:]).transpose(1, 0, 2, 3)
        g = self.pool_backward(g, masks2)
        g *= z2 > 0
        dw2, db2, g = self.conv_backward(g, w2, cols2, need_dx=True)
        g = self.pool_backward(g, masks1)
        g *= z1 > 0
        dw1, db1, _ = self.conv_backward(g, w1, cols1, need_dx=False)
        for p, grad, buffer in zip(self.params, (dw1, db1, dw2, db2, dw3, db3), self.buffers):
            buffer *= self.momentum  # buf = momentum buf + grad; p -= lr buf
            buffer += grad
            p -= self.lr * buffer
        return loss


def numpy_step(weights, images, labels):
    model = NumpyCNN(weights)

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
