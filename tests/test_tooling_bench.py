"""The benchmarks (bench/): the timing harness on its own, and `bench/run.py --quick` end to end.

No timing assertions: the quick run only has to produce a complete report with sane numbers.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.tooling

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402  (bench/ is a folder of scripts, not a package)
import workloads  # noqa: E402


def test_interleaving_alternates_who_goes_first_and_checks_the_losses():
    calls = []

    def contestant(name, loss):
        def step(k):
            calls.append((k, name))
            return loss
        return step

    steps = {"a": contestant("a", 1.0), "b": contestant("b", 1.0 + 1e-7)}
    medians, first = harness.time_interleaved(steps, repeats=2, steps_per_repeat=3, warmup=1,
                                              tolerance=1e-6)
    assert calls[:4] == [(0, "a"), (0, "b"), (1, "b"), (1, "a")]
    assert len(calls) == 2 * (1 + 2 * 3)
    assert first == {"a": 1.0, "b": 1.0 + 1e-7}
    assert all(len(times) == 2 and min(times) > 0 for times in medians.values())

    steps["b"] = contestant("b", 1.1)
    with pytest.raises(harness.Disagreement, match="step 0"):
        harness.time_interleaved(steps, 1, 1, 0, tolerance=1e-6)


def test_a_later_disagreement_is_caught_when_every_step_is_checked():
    steps = {"a": lambda k: 1.0, "b": lambda k: 1.0 if k < 2 else 2.0}
    harness.time_interleaved(steps, 1, 3, 0, tolerance=1e-9)  # only step 0 is compared
    with pytest.raises(harness.Disagreement, match="step 2"):
        harness.time_interleaved(steps, 1, 3, 0, tolerance=1e-9, check_every_step=True)


def test_memory_measurement_sees_an_allocation_that_is_kept():
    kept = []
    result = harness.measure_memory(lambda k: kept.append(bytearray(4 << 20)), n_steps=3,
                                    samples=(1, 2, 3))
    assert result["peak"] >= 8  # 12 MiB kept over 3 steps (pages are touched by bytearray)
    assert result["after"][3] >= result["after"][1]


def test_every_registered_workload_defines_the_interface():
    for name in workloads.WORKLOADS:
        workload = workloads.load(name)
        baseline, ratio = workload.TARGET
        assert ratio > 0 and isinstance(workload.DESCRIPTION, str)
        assert set(workload.STEPS) == {"full", "quick"}
        assert callable(workload.contestants)
    with pytest.raises(ValueError, match="unknown workload"):
        workloads.load("nope")


def test_the_mlp_contestants_compute_the_same_first_loss():
    import mlp

    steps, _, _ = mlp.contestants(data="random")
    losses = {name: step(0) for name, step in steps.items()}
    assert {"gradschool", "pytorch", "numpy"} <= set(losses)
    assert max(losses.values()) - min(losses.values()) < mlp.LOSS_TOLERANCE


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_the_sequence_floors_follow_pytorch_step_by_step(name):
    """The by-hand NumPy floors of lstm and transformer do the same work as PyTorch and Grad
    School: the same losses for 3 steps of Adam (so their hand-written gradients are right)."""
    pytest.importorskip("torch")
    workload = workloads.load(name)
    steps, _, _ = workload.contestants()
    assert set(steps) == {"gradschool", "pytorch", "numpy"}
    for k in range(3):
        losses = [step(k) for step in steps.values()]
        assert max(losses) - min(losses) < workload.LOSS_TOLERANCE, (k, losses)


def test_quick_run_writes_a_complete_report(tmp_path):
    output = tmp_path / "RESULTS.md"
    completed = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--output",
                                str(output)], cwd=REPO, capture_output=True, text=True,
                               timeout=900)
    assert completed.returncode == 0, completed.stderr[-2000:]
    text = output.read_text()
    for name in workloads.WORKLOADS:
        section = text.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| Grad School |")]
        assert rows, f"no Grad School row for {name}"
        milliseconds = [float(cell) for cell in re.findall(r"\| ([0-9.]+)", rows[0])]
        assert len(milliseconds) == 2 and all(ms > 0 for ms in milliseconds)  # 1 and 2 threads
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert all(f"| {name} |" in summary for name in workloads.WORKLOADS)
    assert "failed" not in text and "error" not in text.lower()
    memory = text.split("## Memory", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"\| Grad School \| 20 \| [0-9.]+ \|", memory)
    assert "## CUDA" in text and "Machine:" in text
