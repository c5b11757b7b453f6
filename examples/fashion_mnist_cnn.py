"""Train a small convolutional network with BatchNorm on Fashion-MNIST, and the same network in
PyTorch beside it.

    python examples/fashion_mnist_cnn.py [--epochs 5] [--batch-size 64] [--lr 2e-3]
                                         [--seed 0] [--no-torch] [--save cnn.safetensors]

The network (`build_model`): two blocks of 3x3 convolution, BatchNorm, ReLU and 2x2 max
pooling (1 -> 16 -> 32 channels, 28x28 -> 14x14 -> 7x7), then one Linear layer from the
32 * 7 * 7 = 1,568 features to the 10 classes: 20,586 parameters against the MLP's 242,762,
and about 3 points more test accuracy, because a convolution looks for the same small pattern
everywhere in the image instead of learning each position separately. Adam with a cosine
learning-rate schedule over the epochs (in PyTorch, seed 0: 88.1%, 89.5%, 90.8%, 91.2%, 91.5%
test accuracy after epochs 1-5; with a constant learning rate of 1e-3 it stalls near 90.4%).

The model is written once, for a module namespace `nn`: Grad School's `nn` builds ours and
`torch.nn` builds PyTorch's twin, which starts from our initial weights (the state_dict keys
are the same) and sees the same batches. The training loop is that of
examples/fashion_mnist_mlp.py.

Measured on this project's 2-core machine, one thread, seed 0: 88.9%, 89.6%, 89.8%, 90.9% and
91.5% test accuracy after epochs 1-5, about 25 s per epoch when nothing else runs.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the MLP example's training loop

from fashion_mnist_mlp import parse_arguments, train_beside_torch  # noqa: E402

import nn  # noqa: E402
import tensor  # noqa: E402

TARGET = 0.91  # the test accuracy this network should reach within the default epochs


def build_model(nn):
    """Conv-BN-ReLU-pool twice, then a linear classifier; `nn` is Grad School's or torch.nn."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),                                     # (N, 16, 14, 14)
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),                                     # (N, 32, 7, 7)
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 10),
    )


def make_training(model, optim, lr, epochs):
    """Adam, and a cosine schedule that takes the learning rate from lr to 0 over the epochs."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    return optimizer, optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)


class TorchTwin:
    """The same network in PyTorch, from our initial weights, with the same optimizer."""

    def __init__(self, model, lr, epochs):
        import torch

        self.no_grad = torch.no_grad
        self.model = build_model(torch.nn)
        self.model.load_state_dict({key: torch.from_numpy(value.numpy().copy())
                                    for key, value in model.state_dict().items()})
        self.optimizer, self.scheduler = make_training(self.model, torch.optim, lr, epochs)
        self.loss_fn = torch.nn.CrossEntropyLoss()


def main(argv=None):
    args = parse_arguments(argv, __doc__.splitlines()[0], epochs=5, lr=2e-3)
    tensor.manual_seed(args.seed)
    model = build_model(nn)
    optimizer, scheduler = make_training(model, nn.optim, args.lr, args.epochs)
    return train_beside_torch(args, model, optimizer, nn.CrossEntropyLoss(),
                              lambda: TorchTwin(model, args.lr, args.epochs), TARGET,
                              scheduler)


if __name__ == "__main__":
    main()
