"""The registry of benchmark workloads: each name is a module in bench/ that defines one.

A workload module defines:

    DESCRIPTION       one line: the network, the batch, the loss, the optimizer
    TARGET            (baseline, ratio): Grad School's median step time must be at most
                      `ratio` times the baseline contestant's, at 1 thread
    LOSS_TOLERANCE    how closely the contestants' losses at step 0 must agree
    STEPS             {"full": ..., "quick": ...}, each dict(repeats=, steps_per_repeat=,
                      warmup=) for harness.time_interleaved
    contestants(device="cpu", data="auto") -> (steps, synchronize, data)
                      steps: {name: step(k) -> loss}, all from the same initial weights and
                      on the same batch k; synchronize: {name: wait for the device}; data: a
                      description of the data

and optionally CHECK_EVERY_STEP and COLLECT_GARBAGE (see harness.time_interleaved),
MEMORY_STEPS ({"full": n, "quick": n}: measure the peak memory of n training steps per
contestant; then `contestants` also takes `include`, the names of the contestants to build
steps for) and DEVICES (default ("cpu",); ("cpu", "cuda") when the workload runs on a GPU).
Contestant names: "gradschool" always; "pytorch", "numpy" (the by-hand floor), "micrograd", ...
"""

import importlib

WORKLOADS = ["scalar", "mlp", "cnn", "lstm", "transformer"]  # in the order of the report; each
# is a module bench/<name>.py

NAMES = {
    "gradschool": "Grad School",
    "pytorch": "PyTorch",
    "numpy": "NumPy by hand (floor)",
    "micrograd": "micrograd",
    "gradschool_unfused": "Grad School, weighted sums unfused",
}


def load(name):
    """The module of workload `name` (ValueError for an unknown name)."""
    if name not in WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; expected one of {', '.join(WORKLOADS)}")
    return importlib.import_module(name)


def display_name(contestant):
    return NAMES.get(contestant, contestant)
