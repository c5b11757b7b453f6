"""XOR, the classic problem a network without a hidden layer cannot solve.

    python examples/xor.py [--epochs 2000] [--lr 1.0] [--seed 0]

The four points (0, 0), (0, 1), (1, 0), (1, 1) with targets 0, 1, 1, 0. A single layer draws
one straight line through the plane, and no line puts (0, 1) and (1, 0) on one side and
(0, 0) and (1, 1) on the other: the best it can do under the mean squared error is to answer
0.5 everywhere (MSE 0.25), and as a classifier it gets at most 3 of the 4 points right.

The classic network 2-3-1, Tanh in the hidden layer and a Sigmoid output, trained with the MSE
by full-batch gradient descent, bends the plane with its three hidden units and gets all four.
A progress bar shows the loss; the script ends with the four answers and how they compare
with that baseline.
"""

import argparse

import nn
import tensor
from visualize.progress import progress

INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
TARGETS = [[0.0], [1.0], [1.0], [0.0]]
BASELINE_MSE = 0.25  # the best any network without a hidden layer can do (answer 0.5 always)


def build_model(lib):
    """The seeds' 2-3-1 network, in `lib` (our nn or torch.nn)."""
    return lib.Sequential(lib.Linear(2, 3), lib.Tanh(), lib.Linear(3, 1), lib.Sigmoid())


def train(epochs=2000, lr=1.0, seed=0):
    """Train the 2-3-1 network on XOR; returns (model, losses per epoch)."""
    tensor.manual_seed(seed)
    model = build_model(nn)
    x, y = tensor.Tensor(INPUTS), tensor.Tensor(TARGETS)
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    epochs_bar = progress(range(epochs), desc="XOR", mininterval=0.5)
    for epoch in epochs_bar:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if epoch % 100 == 0:
            epochs_bar.set_postfix(mse=f"{losses[-1]:.4f}")
    return model, losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000, help="full-batch steps")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate of SGD")
    parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights")
    args = parser.parse_args()

    model, losses = train(args.epochs, args.lr, args.seed)
    with tensor.no_grad():
        answers = model(tensor.Tensor(INPUTS)).numpy()[:, 0]
    correct = sum((a > 0.5) == bool(t[0]) for a, t in zip(answers, TARGETS))
    for point, answer in zip(INPUTS, answers):
        print(f"  xor{tuple(int(v) for v in point)} = {answer:.3f}")
    print(f"MSE {losses[-1]:.4f} (without a hidden layer at best {BASELINE_MSE}), "
          f"{correct} of 4 correct (without a hidden layer at most 3)")


if __name__ == "__main__":
    main()
