"""How the benchmarks measure: interleaved timing, memory, and a description of the machine.

Timing. Two programs timed one after the other on a shared 2-core machine see different
weather: a background job, a CPU frequency change, another helper's test run. So every
contestant of a workload runs in ONE process, interleaved step by step (step k of each, then
step k + 1 of each, who goes first alternating), and what we compare is the ratio of their
median step times, measured over the same seconds. Each contestant's step k trains on the same
batch, and their losses at the first step must agree: that is how we know they do the same work.

Memory. Peak memory is measured in a fresh process per contestant (see `measure_memory`), so
that one library's allocations and caches never count against another's.
"""

import ctypes
import gc
import os
import platform
import re
import statistics
import time
from importlib import metadata


class Disagreement(RuntimeError):
    """The contestants computed different losses: they are not doing the same work."""


def time_interleaved(steps, repeats, steps_per_repeat, warmup, tolerance, check_every_step=False,
                     collect_garbage=False, synchronize=None):
    """Time the step functions `steps` ({name: step(k) -> loss}) against each other.

    Runs `warmup` untimed steps, then `repeats` times `steps_per_repeat` interleaved timed
    steps; step k of every contestant runs before step k + 1 of any, and the order flips
    every step. The contestants' losses at step 0 (at every step with `check_every_step`)
    must agree within `tolerance` (absolute), else Disagreement.

    `collect_garbage`: run the cyclic garbage collector before each step (untimed) and after it
    (timed), so that the cost of freeing a step's reference cycles is paid by the contestant
    that made them, not by whoever runs next. `synchronize`: {name: function} that waits for a
    contestant's device (a GPU) before the clock is read.

    Returns {name: [median seconds per step of each repeat]} and {name: loss at step 0}.
    """
    names = list(steps)
    synchronize = synchronize or {}
    medians = {name: [] for name in names}
    first_loss = {}
    for k in range(warmup + repeats * steps_per_repeat):
        timed = k >= warmup
        if timed and (k - warmup) % steps_per_repeat == 0:
            times = {name: [] for name in names}
        losses = {}
        for name in names if k % 2 == 0 else names[::-1]:
            seconds, losses[name] = _timed_step(steps[name], k, collect_garbage,
                                                synchronize.get(name, _nothing))
            if timed:
                times[name].append(seconds)
        if k == 0 or check_every_step:
            _check_agreement(k, losses, tolerance)
        if k == 0:
            first_loss = losses
        if timed and (k - warmup + 1) % steps_per_repeat == 0:
            for name in names:
                medians[name].append(statistics.median(times[name]))
    return medians, first_loss


def _timed_step(step, k, collect_garbage, synchronize):
    """(seconds, loss) of step(k)."""
    if collect_garbage:
        gc.collect()
    synchronize()
    start = time.perf_counter()
    loss = step(k)
    if collect_garbage:
        gc.collect()
    synchronize()
    return time.perf_counter() - start, loss


def _nothing():
    pass


def _check_agreement(k, losses, tolerance):
    values = list(losses.values())
    if max(values) - min(values) > tolerance:
        raise Disagreement(f"the contestants' losses at step {k} differ by more than "
                           f"{tolerance}: {losses}")


# ---- memory ---------------------------------------------------------------------------------

def _status_kib(field):
    """A field of /proc/self/status in KiB (Linux), or None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_peak_rss():
    """Make the kernel forget this process's peak RSS (VmHWM), so the next peak is measured
    from now on (Linux >= 4.0: write 5 to /proc/self/clear_refs). False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _return_free_memory():
    """Ask the C allocator to give freed memory back to the system (glibc's malloc_trim).
    Otherwise memory freed while the models and data were built stays resident, the first
    steps' allocations reuse it, and they never show up as growth of the resident size."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: measure as it is
        pass


def measure_memory(step, n_steps, samples=(10, 100, 500, 1000)):
    """Memory of `n_steps` calls of step(k), in this (fresh) process. Returns MiB:

    Before the first step, freed memory is returned to the system (`_return_free_memory`).

    - `peak`: the largest anonymous resident memory (RssAnon: heap and array memory; not
      library code, which is loaded on first use and is no part of the training's memory)
      seen after any step, minus the value before the first step. The model and the data
      exist before the first step, so this is what training adds: gradients, optimizer
      state, activations, and anything that leaks.
    - `peak_rss`: the kernel's peak RSS (VmHWM, reset before the first step) minus the RSS
      before the first step; it also sees peaks within a step, and code pages.
    - `after`: {step: RssAnon after that step minus before the first step}, to show
      whether memory stays flat.
    """
    gc.collect()
    _return_free_memory()
    base_anon = _status_kib("RssAnon")
    base_rss = _status_kib("VmRSS")
    exact_peak = _reset_peak_rss()
    peak_anon = base_anon
    after = {}
    for k in range(n_steps):
        step(k)
        anon = _status_kib("RssAnon")
        peak_anon = max(peak_anon, anon)
        if k + 1 in samples or k + 1 == n_steps:
            after[k + 1] = (anon - base_anon) / 1024
    peak_rss = (_status_kib("VmHWM") - base_rss) / 1024 if exact_peak else None
    return {"peak": (peak_anon - base_anon) / 1024, "peak_rss": peak_rss, "after": after}


def measure_tracemalloc(step, n_steps):
    """Peak bytes allocated through Python's allocator tracking (Python objects and NumPy
    arrays, which report their data to tracemalloc; not PyTorch's tensors) during `n_steps`
    steps, in MiB, and the traced memory left after them."""
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for k in range(n_steps):
        step(k)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"peak": (peak - base) / 2**20, "left": (current - base) / 2**20}


# ---- the machine ----------------------------------------------------------------------------

def cpu_model():
    """The CPU's model name as the kernel reports it."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions(packages=("gradschool", "numpy", "torch", "micrograd", "cupy-cuda12x")):
    """{package: version} for the installed ones."""
    found = {"python": platform.python_version()}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def thread_pools():
    """The native thread pools loaded in this process (BLAS, OpenMP) and their thread counts,
    from threadpoolctl when it is installed; this is how a worker checks that its thread
    setting took effect."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return sorted({f"{pool['internal_api']}={pool['num_threads']}"
                   for pool in threadpool_info()})


def machine():
    """Where and when the benchmark ran."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "versions": versions(),
    }
