"""`python bench/memory_steps.py`: does a long training loop's memory stay flat?

Trains the `mlp` workload (bench/mlp.py: 784-256-128-32-10, ReLU, batch 64, cross-entropy,
Adam) for 20,000 steps in Grad School, one thread, in this process, and measures memory as
the bench's Memory section does (harness.measure_memory):

- *peak*: the largest anonymous resident memory (RssAnon: heap and arrays) after any step,
  minus its value before the first step: what training adds (gradients, Adam's state, the
  activations of one step) and anything that leaks;
- *kernel peak*: the peak RSS the kernel saw (VmHWM), which also catches peaks inside a step;
- RssAnon after steps 1,000 ... 20,000, and the *growth*: after the last step minus after step
  1,000. The first steps allocate what every later step reuses (Adam's moments, .grad arrays,
  the allocator's pools); a loop that leaks a few bytes a step, a graph node, a saved array,
  an entry in a registry, grows here by that much times 19,000.

With --tracemalloc, a second run of the same steps records Python's traced memory (Python
objects and NumPy arrays): its peak over steps 1 to 1,000 and over the last 1,000, and what it
holds after each (equal when nothing accumulates; what it holds is mostly the .grad arrays,
allocated anew each step after zero_grad()). tests/test_ch04_memory.py checks the
same property in the test suite on a small MLP, 10,000 steps.

    python bench/memory_steps.py                       # 20,000 steps (about a minute)
    python bench/memory_steps.py --steps 2000 --tracemalloc
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy is imported: one thread, as the bench's memory

import argparse  # noqa: E402
import gc  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import harness  # noqa: E402
import mlp  # noqa: E402


def samples(steps):
    """Where RssAnon is recorded: step 1,000, then every fifth of the run, and the last."""
    marks = {min(1000, steps), steps}
    marks.update(round(steps * i / 5) for i in range(1, 5))
    return tuple(sorted(m for m in marks if m > 0))


def make_step(data):
    images, labels, source = mlp.batches(data)
    step, _ = mlp.gradschool_step("cpu", images, labels)
    return step, source


def traced(step, steps, window):
    """Traced memory (MiB) over the first and the last `window` steps: the peaks, and the
    memory held after each window; relative to before the first step."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        seen = {}
        for k in range(steps):
            if k in (0, steps - window):
                tracemalloc.reset_peak()
            step(k)
            if k + 1 in (window, steps):
                held, peak = tracemalloc.get_traced_memory()
                seen["first" if k + 1 == window else "last"] = ((peak - base) / 2**20,
                                                                (held - base) / 2**20)
    finally:
        tracemalloc.stop()
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--data", default="auto", choices=["auto", "fashion-mnist", "random"])
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also a second run under tracemalloc (several times slower)")
    args = parser.parse_args()

    step, source = make_step(args.data)
    step(0)  # the first step builds Adam's state and the first .grad arrays
    marks = samples(args.steps)
    start = time.perf_counter()
    memory = harness.measure_memory(lambda k: step(k + 1), args.steps, samples=marks)
    seconds = time.perf_counter() - start
    after = memory["after"]
    first, last = marks[0], marks[-1]
    print(f"mlp ({mlp.DESCRIPTION}), {source} batches, Grad School on the CPU, 1 thread")
    print(f"{args.steps:,} steps in {seconds:.0f} s ({1000 * seconds / args.steps:.2f} ms/step)")
    print(f"peak (RssAnon added): {memory['peak']:.2f} MiB")
    if memory["peak_rss"] is not None:
        print(f"kernel peak (VmHWM added): {memory['peak_rss']:.2f} MiB")
    print("RssAnon added after step: " + ", ".join(f"{k:,}: {v:.2f} MiB"
                                                   for k, v in after.items()))
    print(f"growth from step {first:,} to step {last:,}: {after[last] - after[first]:+.3f} MiB")
    fifth = round(args.steps / 5)
    if first < fifth < last:  # once warm (allocator pools, free lists), a flat loop adds 0
        print(f"growth from step {fifth:,} to step {last:,}: "
              f"{after[last] - after[fifth]:+.3f} MiB")
    if args.tracemalloc:
        step, _ = make_step(args.data)
        step(0)
        window = max(min(1000, args.steps // 2), 1)  # two windows that do not overlap
        seen = traced(lambda k: step(k + 1), args.steps, window)
        (peak_first, held_first), (peak_last, held_last) = seen["first"], seen["last"]
        print(f"tracemalloc peak, steps 1-{window:,}: {peak_first:.3f} MiB; last {window:,} "
              f"steps: {peak_last:.3f} MiB; held after step {window:,}: {held_first:.3f} MiB, "
              f"after the last: {held_last:.3f} MiB (growth {held_last - held_first:+.4f} MiB)")


if __name__ == "__main__":
    main()
