"""Train a scalar MLP (2-16-16-1, every number a `Value`) on two moons, as in micrograd's demo.

    python examples/scalar_moons.py [--steps 100] [--seed 0]

A tqdm bar shows the loss and the training accuracy as it goes; the script ends by printing
the model and how well it did.
"""

import argparse

from tqdm import tqdm

from engine.datasets import make_moons
from engine.nn import MLP, manual_seed
from engine.train import hinge_loss, train


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="full-batch SGD steps")
    parser.add_argument("--seed", type=int, default=0, help="seed for the data and the weights")
    args = parser.parse_args()

    X, y = make_moons(n_samples=100, noise=0.1, seed=args.seed)
    manual_seed(args.seed)
    model = MLP(2, [16, 16, 1])
    print(f"{model}\n{len(model.parameters())} parameters, {len(X)} points")

    records = []
    progress = tqdm(train(model, X, y, steps=args.steps), total=args.steps, unit="step")
    for record in progress:
        records.append(record)
        progress.set_postfix(loss=f"{record.loss:.4f}", accuracy=f"{record.accuracy:.0%}")

    loss, accuracy = hinge_loss(model, X, y)
    first_perfect = next((r.step for r in records if r.accuracy == 1.0), None)
    print(f"after {args.steps} steps: loss {loss.data:.4f}, training accuracy {accuracy:.0%}")
    print(f"first step at 100% training accuracy: {first_perfect}")


if __name__ == "__main__":
    main()
