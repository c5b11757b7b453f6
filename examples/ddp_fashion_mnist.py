"""Data-parallel training over MPI: the MLP of examples/fashion_mnist_mlp.py (or the CNN of
examples/fashion_mnist_cnn.py) on Fashion-MNIST, with several processes.

    mpiexec -n 2 python examples/ddp_fashion_mnist.py [--model mlp|cnn] [--epochs 3]
        [--batch-size 64] [--lr 1e-3] [--train-size 60000] [--seed 0]
        [--checkpoint ddp.safetensors] [--no-eval]
    python examples/ddp_fashion_mnist.py ...                     one process: a world of one
    mpiexec -hosts a,b -n 4 python examples/ddp_fashion_mnist.py ...   two machines, 2 each

(Across machines, every host needs the same Python environment and the repository at the
same path, and mpiexec must reach them by ssh without a password; MPICH's hydra launcher
starts the ranks there. Give each process one BLAS thread per core it may use, e.g.
OMP_NUM_THREADS=1 with one process per core.)

What changes against the one-process examples, line by line:

1. `dist.init_process_group("mpi")`: join the job mpiexec started;
2. `DistributedDataParallel(model)`: rank 0's initial weights go to every rank, and backward
   averages the gradients over the ranks;
3. `DistributedSampler(train_set)` and `sampler.set_epoch(epoch)`: each rank reads its own
   share of every epoch's order, so the world reads the whole training set once per epoch;
4. figures each rank knows only for its share (the loss sum, the count of correct test
   answers) are summed over the ranks with `dist.all_reduce`;
5. only rank 0 shows the progress bar, prints, and writes the checkpoint (the weights are
   the same on every rank: one file is enough).

`--batch-size` is per process, as a DataLoader's batch_size is in PyTorch: one step averages
the gradients of world size x batch-size images, and takes world size times fewer steps per
epoch. The learning rate is not changed with the world size here; with many processes one
usually scales it with the global batch.

Measured on this project's 2-core machine, one BLAS thread per process, 64 images per
process and step (bench/distributed_scaling.py, which says more): the MLP trains at about
16,000 images/s with one process and 19,000 to 27,000 with two (other jobs shared the
cores), the CNN at 2,500 and 4,400. Seed 0, 3 epochs: one process reaches 84.8% test
accuracy, two processes 85.8%; two processes with --batch-size 32 repeat the one-process
run step for step (the same 64 images per step, the same weights, up to float32 rounding).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the models of the other examples

import fashion_mnist_cnn  # noqa: E402
import fashion_mnist_mlp  # noqa: E402

import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import tensor  # noqa: E402
import tensor.distributed as dist  # noqa: E402
from nn.parallel import DistributedDataParallel  # noqa: E402


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="per process")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-size", type=int, default=60_000,
                        help="train on the first N images (a quick run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", metavar="PATH",
                        help="rank 0 saves model and optimizer here after every epoch")
    parser.add_argument("--no-eval", dest="evaluate", action="store_false",
                        help="skip the test set (for timing)")
    return parser.parse_args(argv)


def build_model(kind):
    if kind == "mlp":
        return fashion_mnist_mlp.build_model()
    return fashion_mnist_cnn.build_model(nn)


def train_one_epoch(model, loader, optimizer, epoch, main):
    """One pass over this rank's share; returns (the mean loss over every rank's images,
    the images all ranks processed, seconds)."""
    model.train()
    loss_sum = tensor.zeros(2, dtype=tensor.float64)  # this rank's (loss sum, image count)
    start = time.perf_counter()
    bar = tqdm(loader, desc=f"epoch {epoch}", leave=False, disable=not main)
    for images, labels in bar:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()  # the gradients are averaged over the ranks before this returns
        optimizer.step()
        loss_sum += tensor.Tensor([loss.item() * len(labels), len(labels)],
                                  dtype=tensor.float64)
        bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
    seconds = time.perf_counter() - start
    dist.all_reduce(loss_sum)  # every rank's sums, summed
    total, count = loss_sum.tolist()
    return total / count, int(count), seconds


@tensor.no_grad()
def evaluate(model, test_set):
    """Test accuracy: each rank counts the correct answers on its share, then the counts are
    summed (drop_last=True: no test image counts twice)."""
    model.eval()
    sampler = nn.data.DistributedSampler(test_set, shuffle=False, drop_last=True)
    counts = tensor.zeros(2, dtype=tensor.float64)  # (correct, seen)
    for images, labels in nn.data.DataLoader(test_set, batch_size=1000, sampler=sampler):
        correct = (model(images).argmax(dim=1) == labels).sum().item()
        counts += tensor.Tensor([correct, len(labels)], dtype=tensor.float64)
    dist.all_reduce(counts)
    correct, seen = counts.tolist()
    return correct / seen


def main(argv=None):
    args = parse_arguments(argv)
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    main_process = dist.is_main_process()
    tensor.manual_seed(args.seed + rank)  # different on purpose: DDP starts all from rank 0's
    model = build_model(args.model)
    ddp = DistributedDataParallel(model)
    optimizer = nn.optim.Adam(ddp.parameters(), lr=args.lr)

    train_set = nn.data.FashionMNIST(train=True)
    if args.train_size < len(train_set):
        train_set = nn.data.Subset(train_set, np.arange(args.train_size))
    test_set = nn.data.FashionMNIST(train=False)
    sampler = nn.data.DistributedSampler(train_set, shuffle=True, seed=args.seed)
    loader = nn.data.DataLoader(train_set, batch_size=args.batch_size, sampler=sampler)
    if main_process:
        print(f"{world} process(es), {len(sampler)} images and {len(loader)} steps per epoch "
              f"each, batch {args.batch_size} per process ({world * args.batch_size} per "
              f"step); {sum(p.numel() for p in model.parameters()):,} parameters in "
              f"{len(ddp.reducer.buckets)} gradient bucket(s)")
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new order, the same on every rank
        loss, images, seconds = train_one_epoch(ddp, loader, optimizer, epoch, main_process)
        line = (f"epoch {epoch}: loss {loss:.4f}, {images / seconds:,.0f} images/s "
                f"({seconds:.1f} s)")
        if args.evaluate:
            line += f", test accuracy {evaluate(model, test_set):.2%}"
        if main_process:
            print(line, flush=True)
            if args.checkpoint:
                nn.save_checkpoint(args.checkpoint, model, optimizer, epoch=epoch,
                                   metadata={"world_size": world, "model": args.model})
    if main_process and args.checkpoint:
        print(f"saved {args.checkpoint}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
