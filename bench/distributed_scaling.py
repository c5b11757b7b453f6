"""How data-parallel training scales on this machine: examples/ddp_fashion_mnist.py with 1
and 2 processes (one BLAS thread each), in training images per second.

    python bench/distributed_scaling.py [--models mlp cnn] [--train-size 12000] [--epochs 2]
                                        [--repeats 3]

Three configurations per model, each run `--repeats` times, taking turns; a run is
`--epochs` epochs over the first `--train-size` training images without evaluation, and its
figure is its best epoch's images/s (all processes together):

    1 process,  batch 64             the baseline
    2 processes, batch 64 each       the same work per step per process, twice the images per
                                     step (what adding a machine gives you)
    2 processes, batch 32 each       the same 64 images per step as the baseline, split in two

The ideal for 2 processes on 2 cores is 2x. What it costs: the gradient allreduce of every
step (0.95 MB for the MLP, 82 kB for the CNN, through shared memory here), the fixed costs
of a step that smaller per-process batches do not shrink, and on a shared machine whatever
else runs on the two cores (a rank waiting in MPI spins, so it does not give its core away).

Measured on this project's 2-core machine while other jobs shared it (load 2-3), 12,000
images, 2 epochs, best of 3 (median):

    mlp  1 x 64  16,206 (16,112)    2 x 64  19,456 (13,273)  1.20x   2 x 32  10,730 (6,270)
    cnn  1 x 64   2,485  (2,027)    2 x 64   4,384  (2,315)  1.76x   2 x 32   3,372 (2,396)

and in a quiet moment, 3 epochs, one run each: mlp 1 x 64 13,216, 2 x 64 26,668 (2.02x),
2 x 32 11,568 images/s.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "ddp_fashion_mnist.py"
MPIEXEC = Path(sys.executable).with_name("mpiexec")


def images_per_second(processes, batch_size, model, train_size, epochs):
    """The best epoch's training images/s of one run of the example."""
    command = [str(MPIEXEC), "-n", str(processes), sys.executable, str(EXAMPLE),
               "--model", model, "--batch-size", str(batch_size), "--epochs", str(epochs),
               "--train-size", str(train_size), "--no-eval"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    rates = [float(rate.replace(",", "")) for rate in
             re.findall(r"([\d,]+) images/s", run.stdout)]
    return max(rates)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--train-size", type=int, default=12_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    configs = [(1, 64), (2, 64), (2, 32)]
    print("| model | processes x batch | images/s (best of "
          f"{args.repeats}) | median | best vs 1 process |\n|---|---|---|---|---|")
    for model in args.models:
        rates = {config: [] for config in configs}
        for _ in range(args.repeats):  # the configurations take turns: a busy spell of the
            for config in configs:     # machine slows one run of each, not all runs of one
                rates[config].append(images_per_second(*config, model, args.train_size,
                                                       args.epochs))
        base = max(rates[configs[0]])
        for (processes, batch), measured in rates.items():
            print(f"| {model} | {processes} x {batch} | {max(measured):,.0f} | "
                  f"{sorted(measured)[len(measured) // 2]:,.0f} | "
                  f"{max(measured) / base:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
