"""Benchmark: micrograd's demo training step, Grad School's `engine` vs the `micrograd` package.

The workload is the one of micrograd's demo notebook: an MLP 2-16-16-1 on 100 two-moons
points, the max-margin (hinge) loss plus 1e-4 * L2, then one full forward, backward and SGD
update. Both engines run the same step function on the same data from the same initial
weights (ours, copied into micrograd's model), and every step checks that they computed the
same loss, so the two really do the same work. A third contestant, Grad School with every
weighted sum built from `*` and `+` as micrograd builds it (2n nodes instead of one fused
`linear` node), separates the speed of the engine itself from the gain of the fused op.

How it is timed (bench/harness.py): in one process, interleaved step by step (who goes first
alternates), each step timed from a fully collected heap through to collecting the garbage it
left. That last part matters: micrograd's graphs are reference cycles, which only Python's
cyclic garbage collector frees, so without it the cost of freeing one engine's graph would be
paid by whichever engine ran next. Reported: the median seconds per step and the ratio.
`bench/run.py` runs this workload with the others; on its own:

    python bench/scalar.py           # 3 x 4 steps each, checks the 2x target
    python bench/scalar.py --quick   # 1 step each, no verdict
"""

import argparse
import statistics

from harness import time_interleaved
from micrograd.engine import Value as MicrogradValue
from micrograd.nn import MLP as MicrogradMLP

from engine.datasets import make_moons
from engine.nn import MLP, manual_seed
from engine.value import Value

DESCRIPTION = "micrograd demo step: MLP 2-16-16-1, 100 moons, hinge + L2, SGD"
TARGET_SPEEDUP = 2.0
TARGET = ("micrograd", 1 / TARGET_SPEEDUP)  # Grad School's time at most half micrograd's
LOSS_TOLERANCE = 1e-9  # how closely the engines' losses must agree
CHECK_EVERY_STEP = True  # the same float64 arithmetic in the same order, at every step
COLLECT_GARBAGE = True  # each engine pays for freeing its own graph (see above)
DEMO_STEPS = 100  # the demo's schedule: learning rate 1 - 0.9 k / 100 at step k
STEPS = {"full": dict(repeats=3, steps_per_repeat=4, warmup=0),
         "quick": dict(repeats=1, steps_per_repeat=1, warmup=0)}


def demo_step(value_type, model, X, y, k, steps):
    """One step of micrograd's demo with either engine (`value_type` is its Value class).
    Returns the loss before the update."""
    inputs = [[value_type(a), value_type(b)] for a, b in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / steps
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data


class UnfusedMLP:
    """Our MLP's weights, but each neuron's weighted sum is sum(wi * xi) + b from `*` and `+`."""

    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        for layer in self.model.layers:
            x = [_unfused_neuron(neuron, x) for neuron in layer.neurons]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return self.model.parameters()

    def zero_grad(self):
        self.model.zero_grad()


def _unfused_neuron(neuron, x):
    act = sum((wi * xi for wi, xi in zip(neuron.w, x)), neuron.b)
    return act.relu() if neuron.nonlin else act


def contestants(device="cpu", data="auto"):
    """{name: step(k) -> loss} for Grad School, micrograd and Grad School unfused, all from the
    same initial weights (ours, copied into micrograd's model) on the same 100 points. Pure
    Python: `device` must be "cpu"; `data` is ignored (the workload makes its own two moons)."""
    if device != "cpu":
        raise ValueError(f"the scalar workload runs on the CPU only, not {device!r}")
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    manual_seed(1337)
    ours = MLP(2, [16, 16, 1])
    manual_seed(1337)
    unfused = UnfusedMLP(MLP(2, [16, 16, 1]))
    theirs = MicrogradMLP(2, [16, 16, 1])
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        q.data = p.data
    engines = {"gradschool": (Value, ours), "micrograd": (MicrogradValue, theirs),
               "gradschool_unfused": (Value, unfused)}
    steps = {name: _stepper(value_type, model, X, y)
             for name, (value_type, model) in engines.items()}
    return steps, {}, "100 two-moons points"


def _stepper(value_type, model, X, y):
    def step(k):
        return demo_step(value_type, model, X, y, k, DEMO_STEPS)

    return step


def run(quick: bool) -> dict:
    """Time the demo step for the three engines (interleaved, see bench/harness.py); `quick`
    does 1 step each and gives no verdict."""
    steps, _, _ = contestants()
    plan = STEPS["quick" if quick else "full"]
    medians, _ = time_interleaved(steps, tolerance=LOSS_TOLERANCE,
                                  check_every_step=CHECK_EVERY_STEP,
                                  collect_garbage=COLLECT_GARBAGE, **plan)
    median = {name: statistics.median(times) for name, times in medians.items()}
    speedup = median["micrograd"] / median["gradschool"]
    return {
        "workload": DESCRIPTION,
        "steps": plan["repeats"] * plan["steps_per_repeat"],
        "gradschool_s": median["gradschool"],
        "gradschool_unfused_s": median["gradschool_unfused"],
        "micrograd_s": median["micrograd"],
        "speedup": speedup,
        "speedup_unfused": median["micrograd"] / median["gradschool_unfused"],
        "target_speedup": TARGET_SPEEDUP,
        "ok": None if quick else speedup >= TARGET_SPEEDUP,
    }


def main():
    parser = argparse.ArgumentParser(description="Grad School's Value engine vs micrograd")
    parser.add_argument("--quick", action="store_true", help="1 step each, no verdict")
    result = run(parser.parse_args().quick)
    print(result["workload"])
    print(f"median seconds per step over {result['steps']} steps each:")
    print(f"  Grad School                         {result['gradschool_s']:.4f}")
    print(f"  Grad School, weighted sums unfused  {result['gradschool_unfused_s']:.4f}")
    print(f"  micrograd                           {result['micrograd_s']:.4f}")
    print(
        f"Grad School is {result['speedup']:.1f}x faster than micrograd (target "
        f"{TARGET_SPEEDUP:.0f}x); {result['speedup_unfused']:.1f}x without the fused op"
    )
    if result["ok"] is not None:
        print("OK" if result["ok"] else "BELOW TARGET")
        raise SystemExit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
