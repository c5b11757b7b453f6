"""One epoch of Fashion-MNIST (60,000 images, batch 64) with the `mlp` workload's network.

Where bench/mlp.py times a single step on batches that are ready, this times what a learner
waits for: a whole epoch, batches cut from the dataset included (uint8 pixels scaled to
[0, 1] floats, per batch), then the accuracy on the 10,000 test images as a check that each
contestant really learned. Same initial weights for all; each shuffles in its own way.

- Grad School: `nn.data.DataLoader(nn.data.FashionMNIST(), batch_size=64, shuffle=True)`,
  `nn.Flatten()` in front of the MLP, exactly as lesson code does it.
- PyTorch: the images as one uint8 tensor, a shuffled index order (torch.randperm), each batch
  indexed and converted with `.float() / 255`: the usual in-memory loop. (A
  `torch.utils.data.DataLoader` over a TensorDataset would fetch and collate the 64 examples
  of a batch one by one, which is slower; the in-memory loop is the fair comparison.)
- NumPy floor: the same in-memory loop with the by-hand step of bench/mlp.py.

The contestants run one after the other, in alternating order, `repeats` times (training on);
the fastest epoch of each is reported (the least disturbed by other work on the machine), and
the test accuracy after the first.

    python bench/epoch.py [--threads N] [--quick]   # --quick: 20 batches, no test accuracy
"""

import argparse
import json
import os
import sys
import time

BATCH = 64


def _gradschool(max_batches, weights_out):
    import mlp

    import nn
    import nn.functional as F
    import tensor

    mlp_model = mlp.gradschool_model()
    weights_out.extend(mlp.initial_weights(mlp_model))
    model = nn.Sequential(nn.Flatten(), mlp_model)
    optimizer = nn.optim.Adam(model.parameters(), lr=mlp.LR)
    train = nn.data.FashionMNIST(train=True)
    test = nn.data.FashionMNIST(train=False)

    def epoch():
        loader = nn.data.DataLoader(train, batch_size=BATCH, shuffle=True)
        for i, (images, labels) in enumerate(loader):
            if i == max_batches:
                break
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss.item()

    def accuracy():
        with tensor.no_grad():
            images, labels = next(iter(nn.data.DataLoader(test, batch_size=len(test))))
            return (model(images).argmax(dim=1) == labels).float().mean().item()

    return epoch, accuracy


def _pytorch(max_batches, weights):
    import mlp
    import torch

    import nn

    model = torch.nn.Sequential(torch.nn.Flatten(), mlp.pytorch_model(weights))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train, test = nn.data.FashionMNIST(train=True), nn.data.FashionMNIST(train=False)
    images, labels = torch.tensor(train.data), torch.tensor(train.targets)

    def epoch():
        order = torch.randperm(len(labels))
        for i, start in enumerate(range(0, len(labels), BATCH)):
            if i == max_batches:
                break
            index = order[start:start + BATCH]
            x, y = images[index].float() / 255, labels[index]
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss.item()

    def accuracy():
        with torch.no_grad():
            x = torch.tensor(test.data).float() / 255
            y = torch.tensor(test.targets)
            return (model(x).argmax(dim=1) == y).float().mean().item()

    return epoch, accuracy


def _numpy(max_batches, weights):
    import mlp
    import numpy as np

    import nn

    model = mlp.NumpyMLP(weights)
    train, test = nn.data.FashionMNIST(train=True), nn.data.FashionMNIST(train=False)
    images, labels = train.data.reshape(len(train), -1), train.targets
    rng = np.random.default_rng(0)

    def epoch():
        order = rng.permutation(len(labels))
        for i, start in enumerate(range(0, len(labels), BATCH)):
            if i == max_batches:
                break
            index = order[start:start + BATCH]
            loss = model.step(images[index].astype(np.float32) / 255, labels[index])
        return loss

    def accuracy():
        h = test.data.reshape(len(test), -1).astype(np.float32) / 255
        n_layers = len(model.params) // 2
        for i in range(n_layers):
            h = h @ model.params[2 * i].T + model.params[2 * i + 1]
            if i < n_layers - 1:
                h = np.maximum(h, 0)
        return float((h.argmax(axis=1) == test.targets).mean())

    return epoch, accuracy


def run(quick=False, repeats=2):
    """{contestant: {"seconds": fastest epoch, "batches": n, "accuracy": test accuracy after
    the first epoch (None in quick mode), "loss": the last batch's loss}}."""
    max_batches = 20 if quick else None
    weights = []
    contestants = {"gradschool": _gradschool(max_batches, weights)}
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    else:
        contestants["pytorch"] = _pytorch(max_batches, weights)
    contestants["numpy"] = _numpy(max_batches, weights)
    names = list(contestants)
    seconds = {name: [] for name in names}
    losses, accuracy = {}, {}
    for r in range(1 if quick else repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            epoch, test_accuracy = contestants[name]
            start = time.perf_counter()
            losses[name] = epoch()
            seconds[name].append(time.perf_counter() - start)
            if r == 0:  # after one epoch; later epochs only repeat the timing
                accuracy[name] = None if quick else test_accuracy()
    batches = max_batches or -(-60000 // BATCH)
    return {name: {"seconds": min(seconds[name]), "all_seconds": seconds[name],
                   "batches": batches, "loss": losses[name], "accuracy": accuracy[name]}
            for name in names}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP/PyTorch threads (default: the libraries' own)")
    parser.add_argument("--quick", action="store_true", help="20 batches, no accuracy")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", help="write the results to this file as JSON")
    args = parser.parse_args()
    if args.threads is not None:  # before NumPy or PyTorch start their thread pools
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = str(args.threads)
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"  # idle BLAS threads sleep (see run.py)
        try:
            import torch
        except ImportError:
            pass
        else:
            torch.set_num_threads(args.threads)
    results = run(args.quick, args.repeats)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file)
    for name, result in results.items():
        accuracy = "" if result["accuracy"] is None else f", test accuracy {result['accuracy']:.3f}"
        print(f"{name:12s} {result['seconds']:7.2f} s for {result['batches']} batches{accuracy}",
              file=sys.stderr if args.json else sys.stdout)


if __name__ == "__main__":
    main()
