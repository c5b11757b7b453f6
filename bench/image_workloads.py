"""What the Fashion-MNIST workloads (mlp.py, cnn.py) share: their batches."""

import numpy as np

import nn

CLASSES = 10


def fashion_mnist_batches(image_shape, batch, count, data="auto", seed=0):
    """`count` batches (images (batch, *image_shape) float32 in [0, 1], labels (batch,) int64)
    as NumPy arrays: the first images of Fashion-MNIST (data="fashion-mnist", or "auto" when it
    is installed), or uniform noise with random labels (data="random")."""
    if data in ("auto", "fashion-mnist"):
        try:
            dataset = nn.data.FashionMNIST()
        except (FileNotFoundError, RuntimeError):
            if data == "fashion-mnist":
                raise
        else:
            n = count * batch
            images = dataset.data[:n].reshape(count, batch, *image_shape).astype(np.float32)
            labels = dataset.targets[:n].reshape(count, batch).astype(np.int64)
            return list(images / 255), list(labels), "Fashion-MNIST"
    rng = np.random.default_rng(seed)
    images = [rng.random((batch, *image_shape), dtype=np.float32) for _ in range(count)]
    labels = [rng.integers(0, CLASSES, batch, dtype=np.int64) for _ in range(count)]
    return images, labels, "random"
