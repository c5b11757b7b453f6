"""bench/RESULTS.md from the results that bench/run.py collected.

The report is generated, except for what follows the KEEP marker: that part (the record of
speed work, written by hand) is carried over from the existing file on every run.
"""

import statistics
from pathlib import Path

from workloads import display_name

KEEP = "<!-- Everything below this line is written by hand; bench/run.py keeps it. -->"


def median_ratio(medians_ms, numerator, denominator):
    """The median over repeats of (numerator's median step time / denominator's), or None."""
    ratios = _ratios(medians_ms, numerator, denominator)
    return statistics.median(ratios) if ratios else None


def _ratios(medians_ms, numerator, denominator):
    if numerator not in medians_ms or denominator not in medians_ms:
        return []
    return [a / b for a, b in zip(medians_ms[numerator], medians_ms[denominator])]


def hand_written_part(path):
    """The text after the KEEP marker in the file at `path` ("" if there is none)."""
    path = Path(path)
    if not path.exists():
        return ""
    text = path.read_text()
    return text.split(KEEP, 1)[1].lstrip("\n") if KEEP in text else ""


def render(results, verdicts, kept=""):
    """The whole report as Markdown."""
    lines = ["# Benchmark results", ""]
    lines += _header(results)
    lines += _summary(results, verdicts)
    for name in _workload_names(results):
        lines += _workload_section(results, name)
    lines += _memory_section(results)
    lines += _epoch_section(results)
    lines += _cuda_section(results)
    lines += ["", KEEP, ""]
    return "\n".join(lines) + ("\n" + kept if kept else "")


def _header(results):
    machine = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    lines = [
        f"Written by `bench/run.py`{' --quick (a smoke test: few steps, not judged)' if results['quick'] else ''}"  # noqa: E501
        f" on {machine['date']}.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['system']}.",
        f"- Versions: {versions}.",
    ]
    for threads, run in results["speed"].items():
        pools = ", ".join(run.get("pools") or []) or "threadpoolctl not installed"
        torch_threads = run.get("torch_threads")
        torch_note = f"; torch.get_num_threads() = {torch_threads}" if torch_threads else ""
        lines.append(f"- {threads} thread(s): thread pools in the process: {pools}{torch_note}.")
    lines += [
        "",
        "How it is measured: each workload runs in a fresh process per thread count, with "
        "OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set before NumPy and "
        "PyTorch are imported (and torch.set_num_threads), and OPENBLAS_THREAD_TIMEOUT=4 so "
        "that NumPy's idle BLAS threads sleep at once instead of spinning for up to 0.1 s on "
        "the cores PyTorch's threads need. In that process the contestants of a workload train the "
        "same network from the same initial weights on the same batches, interleaved step by "
        "step (who goes first alternates), and their losses at the first step must agree, so "
        "they do the same work. Times are the median milliseconds per training step (forward, "
        "loss, backward, optimizer step); each repeat gives one median, and the ratios are "
        "the median over repeats of the per-repeat ratios, with their range in brackets. "
        "Targets are judged at 1 thread: on this 2-core machine, shared with other work, "
        "2-thread times swing widely.",
        "",
    ]
    return lines


def _workload_names(results):
    names = []
    for run in results["speed"].values():
        for name in run.get("workloads", {}):
            if name not in names:
                names.append(name)
    return names


def _summary(results, verdicts):
    lines = ["## Summary", "", "| workload | target (1 thread) | ratio at 1 thread | "
             "ratio at 2 threads | verdict |", "|---|---|---|---|---|"]
    two = results["speed"].get(2, {}).get("workloads", {})
    for name, ratio, target, met in verdicts:
        result = results["speed"][1]["workloads"][name]
        baseline = result["target"][0]
        other = two.get(name, {}).get("medians_ms")
        ratio_2 = median_ratio(other, "gradschool", baseline) if other else None
        verdict = "not judged (quick)" if results["quick"] else ("met" if met else "**missed**")
        lines.append(f"| {name} | Grad School / {display_name(baseline)} <= {target:g} | "
                     f"{_number(ratio)} | {_number(ratio_2)} | {verdict} |")
    for name, by_contestant in results["memory"].items():
        gs, torch = by_contestant.get("gradschool", {}), by_contestant.get("pytorch", {})
        if "peak" in gs and "peak" in torch and torch["peak"] > 0:
            ratio = gs["peak"] / torch["peak"]
            growth = _growth(gs)
            lines.append(f"\nMemory of `{name}`: Grad School's peak / PyTorch's = "
                         f"{_number(ratio)} (target at most 1.5: "
                         f"{'met' if ratio <= 1.5 else '**missed**'}); Grad School's growth "
                         f"after step 100: {_number(growth)} MiB.")
    return lines + [""]


def _growth(memory):
    """RssAnon after the last step minus after step 100, in MiB (None for short runs)."""
    after = {int(k): v for k, v in memory["after"].items()}
    last = max(after)
    return after[last] - after[100] if 100 in after and last > 100 else None


def _workload_section(results, name):
    runs = {t: run["workloads"][name] for t, run in results["speed"].items()
            if name in run.get("workloads", {})}
    ok = {t: r for t, r in runs.items() if "error" not in r}
    lines = [f"## `{name}`", ""]
    for threads, result in runs.items():
        if "error" in result:
            lines.append(f"At {threads} thread(s) the workload failed: {result['error']}")
    if not ok:
        return lines + [""]
    first = next(iter(ok.values()))
    plan = first["plan"]
    losses = ", ".join(f"{display_name(c)} {v:.6f}" for c, v in first["first_loss"].items())
    lines += [
        f"{first['description']}; data: {first['data']}. {plan['repeats']} repeats of "
        f"{plan['steps_per_repeat']} steps after {plan['warmup']} warm-up steps. Loss at "
        f"step 0: {losses} (must agree within {first['tolerance']:g}).",
        "",
        "| median ms per step | " + " | ".join(f"{t} thread(s)" for t in ok) + " |",
        "|---|" + "---|" * len(ok),
    ]
    contestants = list(first["medians_ms"])
    for contestant in contestants:
        cells = [_number(statistics.median(r["medians_ms"][contestant]))
                 if contestant in r["medians_ms"] else "" for r in ok.values()]
        lines.append(f"| {display_name(contestant)} | " + " | ".join(cells) + " |")
    for other in contestants[1:]:
        cells = []
        for result in ok.values():
            ratios = _ratios(result["medians_ms"], "gradschool", other)
            cells.append(f"{_number(statistics.median(ratios))} "
                         f"[{_number(min(ratios))}, {_number(max(ratios))}]" if ratios else "")
        lines.append(f"| ratio Grad School / {display_name(other)} | " + " | ".join(cells) + " |")
    return lines + [""]


def _memory_section(results):
    if not results["memory"]:
        return []
    lines = [
        "## Memory", "",
        "Each contestant trains alone in a fresh process (1 thread), after the model, the "
        "optimizer and the data are built, and after the C allocator has given the memory it "
        "holds but no longer uses back to the system (glibc's malloc_trim), so that what "
        "training allocates shows in the resident size. The same measure for every "
        "contestant. *Peak* is the largest anonymous resident memory "
        "(RssAnon: heap and arrays, not library code, which is mapped in on first use) after "
        "any step, minus its value before the first step: what training adds (gradients, "
        "optimizer state, activations, and anything that leaks). *Kernel peak* is the peak RSS "
        "the kernel saw (VmHWM, reset before the first step) minus the RSS before it: it also "
        "catches peaks inside a step, and code pages. *Growth* is RssAnon after the last step "
        "minus after step 100: about 0 when memory is flat. *tracemalloc peak* (a separate "
        "process) counts Python objects and NumPy arrays; PyTorch's tensors are invisible to "
        "it.",
        "",
    ]
    for name, by_contestant in results["memory"].items():
        lines += [f"`{name}`:", "",
                  "| contestant | steps | peak (MiB) | kernel peak (MiB) | growth (MiB) | "
                  "tracemalloc peak (MiB) |", "|---|---|---|---|---|---|"]
        for contestant, m in by_contestant.items():
            if "error" in m:
                lines.append(f"| {display_name(contestant)} | failed: {m['error']} |||||")
                continue
            last = max(int(k) for k in m["after"])
            traced = m.get("tracemalloc", {})
            lines.append(f"| {display_name(contestant)} | {last} | {_number(m['peak'])} | "
                         f"{_number(m['peak_rss'])} | {_number(_growth(m))} | "
                         f"{_number(traced.get('peak'))} |")
        lines.append("")
    return lines


def _epoch_section(results):
    if not results["epoch"]:
        return []
    lines = [
        "## One Fashion-MNIST epoch", "",
        "The `mlp` network, one epoch of the 60,000 training images in batches of 64, "
        "shuffled, batches cut and scaled to [0, 1] on the way (bench/epoch.py); then the "
        "accuracy on the 10,000 test images after that first epoch. Each contestant trains "
        "2 epochs, the contestants one after the other in alternating order; the table shows "
        "the faster of its 2.",
        "",
        "| seconds per epoch | " + " | ".join(f"{t} thread(s)" for t in results["epoch"])
        + " | test accuracy |",
        "|---|" + "---|" * (len(results["epoch"]) + 1),
    ]
    runs = list(results["epoch"].values())
    contestants = next((list(r) for r in runs if "error" not in r), [])
    for contestant in contestants:
        cells = [_number(r[contestant]["seconds"]) if contestant in r else "" for r in runs]
        accuracy = runs[0].get(contestant, {}).get("accuracy")
        lines.append(f"| {display_name(contestant)} | " + " | ".join(cells) + f" | "
                     f"{_number(accuracy)} |")
    for threads, run in results["epoch"].items():
        if "error" in run:
            lines.append(f"\nAt {threads} thread(s) the epoch failed: {run['error']}")
    return lines + [""]


def _cuda_section(results):
    lines = ["## CUDA", ""]
    run = results["cuda"]
    if run is None:
        return lines + [
            "Not run: no GPU usable by both CuPy and PyTorch on this machine. On a machine "
            "with one, `bench/run.py` runs the workloads that support it (`mlp`) on `cuda` "
            "for Grad School (CuPy) and PyTorch (the NumPy floor is CPU-only) and reports "
            "them here; `--cuda yes` forces it.", ""]
    if "error" in run:
        return lines + [f"The CUDA run failed: {run['error']}", ""]
    lines += ["| workload | Grad School (ms) | PyTorch (ms) | ratio |", "|---|---|---|---|"]
    for name, result in run["workloads"].items():
        if "error" in result:
            lines.append(f"| {name} | failed: {result['error']} |||")
            continue
        m = result["medians_ms"]
        lines.append(f"| {name} | {_number(statistics.median(m['gradschool']))} | "
                     f"{_number(statistics.median(m['pytorch'])) if 'pytorch' in m else ''} | "
                     f"{_number(median_ratio(m, 'gradschool', 'pytorch'))} |")
    return lines + [""]


def _number(value):
    """A number with 3 significant digits (no exponent for the usual sizes), or a dash."""
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"
