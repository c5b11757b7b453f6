"""`make bench`: every workload, for Grad School, PyTorch and a NumPy floor, at 1 and 2 threads,
and the report bench/RESULTS.md.

What runs, each in a fresh Python process (so that thread settings and memory are clean):

1. Speed, one process per workload and thread count: the thread count is set in the environment
   (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) before NumPy or PyTorch is
   imported, plus torch.set_num_threads; the process records the thread pools it actually got
   (threadpoolctl, when installed). In it, every workload's contestants run interleaved step
   by step (bench/harness.py), `repeats` times.
2. Memory, one process per contestant (1 thread): the peak memory of `MEMORY_STEPS` training
   steps and whether it stays flat (harness.measure_memory), and for contestants whose arrays
   Python can see, the tracemalloc peak in another process.
3. One Fashion-MNIST epoch per contestant at each thread count (bench/epoch.py), when the
   dataset is installed.
4. The `cuda` device, for workloads that support it, when a GPU is usable by both Grad School
   (CuPy) and PyTorch.

Judged: each workload's target ratio at 1 thread (2-thread ratios are reported; on a 2-core
machine shared with other work they swing too much to judge). `--quick` runs a few steps of
everything, judges nothing and writes the report only where --output says.

    python bench/run.py                    # everything; writes bench/RESULTS.md
    python bench/run.py --quick --output /tmp/RESULTS.md
    python bench/run.py --workloads mlp --threads 1
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import harness
import report
import workloads

HERE = Path(__file__).resolve().parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# OpenBLAS's idle threads spin for up to ~0.1 s after each call (2^28 cycles) before they sleep.
# With NumPy and PyTorch in one process at 2 threads, that spinning takes the cores PyTorch's
# threads need; the shortest timeout (2^4 cycles) makes them sleep at once, as they would
# between the calls of a program that uses only one of the libraries.
QUIET_THREADS = {"OPENBLAS_THREAD_TIMEOUT": "4"}


# ---- the worker side: one process, one thread count ------------------------------------------

def set_threads(threads):
    """Limit NumPy's BLAS, OpenMP and PyTorch to `threads` threads. The environment variables
    only work before the libraries are imported: call this first."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    os.environ.update(QUIET_THREADS)
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch.get_num_threads()


def speed_worker(names, threads, device, quick):
    """Time every workload in `names` in this process."""
    torch_threads = set_threads(threads)
    results = {"threads": threads, "device": device, "torch_threads": torch_threads,
               "workloads": {}}
    for name in names:
        workload = workloads.load(name)
        if device not in getattr(workload, "DEVICES", ("cpu",)):
            continue
        plan = workload.STEPS["quick" if quick else "full"]
        try:
            steps, synchronize, data = workload.contestants(device=device)
            medians, first_loss = harness.time_interleaved(
                steps, tolerance=workload.LOSS_TOLERANCE,
                check_every_step=getattr(workload, "CHECK_EVERY_STEP", False),
                collect_garbage=getattr(workload, "COLLECT_GARBAGE", False),
                synchronize=synchronize, **plan)
        except Exception as error:  # reported, and the other workloads still run
            results["workloads"][name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        results["workloads"][name] = {
            "description": workload.DESCRIPTION, "data": data, "plan": plan,
            "target": workload.TARGET, "tolerance": workload.LOSS_TOLERANCE,
            "medians_ms": {c: [s * 1e3 for s in times] for c, times in medians.items()},
            "first_loss": first_loss,
        }
    results["pools"] = harness.thread_pools()  # after the imports: the pools that were used
    return results


def memory_worker(name, contestant, quick, use_tracemalloc):
    """Measure one contestant's memory in this process."""
    set_threads(1)
    workload = workloads.load(name)
    steps, _, _ = workload.contestants(include=(contestant,))
    n_steps = workload.MEMORY_STEPS["quick" if quick else "full"]
    if use_tracemalloc:
        return harness.measure_tracemalloc(steps[contestant], n_steps)
    return harness.measure_memory(steps[contestant], n_steps)


# ---- the coordinator: start the workers, collect, report ---------------------------------------

def _in_subprocess(arguments, threads):
    """Run this script (or bench/epoch.py) with `arguments` in a fresh process whose thread
    variables say `threads`; returns the JSON it wrote, or {"error": ...}."""
    environment = dict(os.environ, **{v: str(threads) for v in THREAD_VARIABLES},
                       **QUIET_THREADS)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "result.json"
        command = [sys.executable, *arguments, "--json", str(output)]
        completed = subprocess.run(command, env=environment, cwd=HERE, capture_output=True,
                                   text=True)
        if completed.returncode != 0 or not output.exists():
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
            return {"error": " / ".join(tail) or f"exit status {completed.returncode}"}
        return json.loads(output.read_text())


def _has_fashion_mnist():
    folder = Path("/usr/share/datasets/fashion-mnist")
    return (folder / "train-images-idx3-ubyte.gz").exists()


def _cuda_usable():
    """Whether both CuPy and PyTorch see a GPU (asked in a subprocess: importing CuPy or
    PyTorch here would start their thread pools in the coordinator)."""
    probe = ("import tensor, torch; "
             "print(tensor.backend.cuda_is_available() and torch.cuda.is_available())")
    completed = subprocess.run([sys.executable, "-c", probe], cwd=HERE, capture_output=True,
                               text=True)
    return completed.stdout.strip() == "True"


def collect(names, thread_counts, quick, memory=True, epoch=True, cuda="auto"):
    """Run everything; returns the results for the report."""
    mode = ["--quick"] if quick else []
    results = {"quick": quick, "machine": harness.machine(), "speed": {}, "memory": {},
               "epoch": {}, "cuda": None}
    for threads in thread_counts:
        results["speed"][threads] = _speed(names, threads, "cpu", mode)
    if memory:
        for name in names:
            workload = workloads.load(name)
            if not hasattr(workload, "MEMORY_STEPS"):
                continue
            results["memory"][name] = {}
            # a quick run (the test suite's smoke test) measures Grad School's memory only
            for contestant in ["gradschool"] if quick else _contestants(results, name):
                _progress(f"memory of {name}, {contestant}")
                rss = _in_subprocess(["run.py", "--worker", "memory", "--workloads", name,
                                      "--contestant", contestant, *mode], 1)
                if contestant != "pytorch":  # PyTorch's tensors are invisible to tracemalloc
                    rss["tracemalloc"] = _in_subprocess(
                        ["run.py", "--worker", "tracemalloc", "--workloads", name,
                         "--contestant", contestant, *mode], 1)
                results["memory"][name][contestant] = rss
    if epoch and "mlp" in names and _has_fashion_mnist():
        for threads in thread_counts:
            _progress(f"Fashion-MNIST epoch at {threads} thread(s)")
            results["epoch"][threads] = _in_subprocess(
                ["epoch.py", "--threads", str(threads), *mode], threads)
    if cuda == "yes" or (cuda == "auto" and _cuda_usable()):
        results["cuda"] = _speed(names, 1, "cuda", mode)
    return results


def _speed(names, threads, device, mode):
    """Time each workload in its own process (so that none runs in the heap another one left
    behind), and merge the results."""
    merged = {"threads": threads, "device": device, "workloads": {}}
    for name in names:
        _progress(f"speed of {name} at {threads} thread(s) on {device}")
        run = _in_subprocess(["run.py", "--worker", "speed", "--threads", str(threads),
                              "--device", device, "--workloads", name, *mode], threads)
        if "error" in run:
            merged["workloads"][name] = {"error": run["error"]}
            continue
        merged["workloads"].update(run["workloads"])
        for key in ("pools", "torch_threads"):  # the processes that loaded the libraries
            merged[key] = run[key] or merged.get(key)
    return merged


def _contestants(results, name):
    """The contestants of workload `name` that ran in the speed measurement."""
    for run in results["speed"].values():
        medians = run.get("workloads", {}).get(name, {}).get("medians_ms")
        if medians:
            return list(medians)
    return ["gradschool"]


def _progress(message):
    print(f"bench: {message} ...", file=sys.stderr, flush=True)


def verdicts(results):
    """[(workload, ratio at 1 thread, target, met)] for the judged targets."""
    found = []
    for name, result in results["speed"].get(1, {}).get("workloads", {}).items():
        if "error" in result:
            continue
        baseline, target = result["target"]
        ratio = report.median_ratio(result["medians_ms"], "gradschool", baseline)
        found.append((name, ratio, target, ratio is not None and ratio <= target))
    return found


def main():
    parser = argparse.ArgumentParser(description="Grad School benchmarks -> bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true",
                        help="a few steps of everything, no verdicts (a smoke test)")
    parser.add_argument("--workloads", nargs="+", default=workloads.WORKLOADS,
                        choices=workloads.WORKLOADS)
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--output", help="where to write the report (default: bench/RESULTS.md "
                        "for a full run; a quick run only prints it)")
    parser.add_argument("--no-memory", dest="memory", action="store_false")
    parser.add_argument("--no-epoch", dest="epoch", action="store_false")
    parser.add_argument("--cuda", choices=("auto", "yes", "no"), default="auto",
                        help="also run on the GPU (auto: when CuPy and PyTorch both see one)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed")
    # the worker side, used by the coordinator
    parser.add_argument("--worker", choices=("speed", "memory", "tracemalloc"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--contestant", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        if args.worker == "speed":
            result = speed_worker(args.workloads, args.threads[0], args.device, args.quick)
        else:
            result = memory_worker(args.workloads[0], args.contestant, args.quick,
                                   use_tracemalloc=args.worker == "tracemalloc")
        Path(args.json).write_text(json.dumps(result))
        return

    results = collect(args.workloads, args.threads, args.quick, args.memory, args.epoch,
                      args.cuda)
    output = args.output or (None if args.quick else HERE / "RESULTS.md")
    text = report.render(results, verdicts(results),
                         kept=report.hand_written_part(output) if output else "")
    print(text)
    if output:
        Path(output).write_text(text)
        _progress(f"wrote {output}")
    failed = any("error" in r for run in results["speed"].values()
                 for r in run["workloads"].values())
    missed = [] if args.quick else [name for name, *_, met in verdicts(results) if not met]
    if failed or (args.strict and missed):
        sys.exit(1)


if __name__ == "__main__":
    main()
