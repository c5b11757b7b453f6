"""Training a real convolutional network: the CNN of examples/fashion_mnist_cnn.py (two blocks
of Conv2d, BatchNorm2d, ReLU and MaxPool2d, then Linear) on Fashion-MNIST.

- quick: the same initial weights and the same batches give PyTorch's losses, running
  statistics and weights, step by step, through every layer of the network at once;
- slow: on the full data, at least 91% test accuracy within 5 epochs (Adam 2e-3 with a cosine
  schedule; seed 0 reaches 91.5% after epoch 5, as PyTorch's twin does): about 2 minutes on
  an idle 2-core machine, several on a busy one.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import nn
import tensor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example():
    sys.path.insert(0, str(EXAMPLES))  # the CNN example imports the MLP example's loop
    spec = importlib.util.spec_from_file_location("fashion_mnist_cnn",
                                                  EXAMPLES / "fashion_mnist_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = load_example()
import fashion_mnist_mlp as loop  # noqa: E402  (the training loop both examples share)


def subset(count):
    """The first `count` training images as a TensorDataset: (N, 1, 28, 28), (N,)."""
    data = nn.data.FashionMNIST(train=True)
    images = data.data[:count, None].astype(np.float32) / 255
    return nn.data.TensorDataset(tensor.Tensor(images), tensor.Tensor(data.targets[:count]))


def test_the_cnn_follows_pytorch_step_by_step():
    """Conv2d, BatchNorm2d (batch statistics, running statistics), ReLU, MaxPool2d, Flatten
    and Linear together: the losses agree to float32 rounding at every step, and then every
    weight and running statistic.

    With SGD, not the example's Adam: a convolution's bias just before BatchNorm has a gradient
    of exactly 0 in theory (the normalization subtracts any constant shift), so in practice
    float32 rounding noise, which Adam divides by its own size into steps of size lr. Those
    biases (and the running means they shift) would wander apart in the two libraries without
    changing any output; SGD keeps them still."""
    tensor.manual_seed(3)
    model = example.build_model(nn)
    twin = example.TorchTwin(model, lr=2e-3, epochs=5)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    twin.optimizer = torch.optim.SGD(twin.model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for images, labels in nn.data.DataLoader(subset(320), batch_size=64):
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected = twin.loss_fn(twin.model(torch.from_numpy(images.numpy())),
                                torch.from_numpy(labels.numpy()))
        twin.optimizer.zero_grad()
        expected.backward()
        twin.optimizer.step()
        assert loss.item() == pytest.approx(expected.item(), rel=1e-4)
    theirs = twin.model.state_dict()
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(value.numpy(), theirs[name].numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=name)
    model.eval()
    twin.model.eval()
    images, _ = next(iter(nn.data.DataLoader(subset(64), batch_size=64)))
    with tensor.no_grad():
        ours = model(images).numpy()
    np.testing.assert_allclose(ours, twin.model(torch.from_numpy(images.numpy())).detach(),
                               rtol=1e-3, atol=1e-3)


@pytest.mark.slow
def test_the_cnn_reaches_91_percent_within_5_epochs():
    tensor.manual_seed(0)
    loader = loop.make_train_loader(batch_size=64, seed=0)
    test_loader = nn.data.DataLoader(nn.data.FashionMNIST(train=False), batch_size=1000)
    model = example.build_model(nn)
    optimizer, scheduler = example.make_training(model, nn.optim, lr=2e-3, epochs=5)
    accuracies = []
    for _ in range(5):
        loop.train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
        scheduler.step()
        accuracies.append(loop.evaluate(model, test_loader))
    assert max(accuracies) >= example.TARGET, f"test accuracy per epoch: {accuracies}"
