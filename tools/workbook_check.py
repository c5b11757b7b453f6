"""`make check CH=02`: run a chapter's tests on the learner's workbook, and say what to do next.

The tests run in a fresh pytest (run_pytest) whose plugin, tools/workbook_plugin.py, records
each test's outcome, the exercises it is marked with, and for each failure its whole error
message and the line it was raised at. summary() turns that into a short report, grouped by
exercise: a failure raised inside an exercise block belongs to that block's exercise (the
learner's code there, or the stub not yet replaced), any other failure to the exercises its
test is marked with. Every line number is read from the files as they are now.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from exercise_blocks import Placed, blocks_in

REPO = Path(__file__).resolve().parent.parent
# A stub's message, wherever it shows: raised, or quoted by a test that caught it.
_STUB_MESSAGE = re.compile(r"Exercise ch\d\d(\.\w+)?: (?P<hint>.*?) \((?P<file>[^ ()]+):\d+\)")
MESSAGE_LINES = 30  # an error message longer than this is cut, saying how many lines are left
ERRORS_SHOWN = 4  # distinct errors shown per exercise; the rest are counted


@dataclass
class Failure:
    """A failed test, or a test file that could not be imported."""

    test: str  # pytest's node id: tests/test_ch02_value.py::test_pow_at_base_zero_follows_pytorch
    message: str  # Python's last traceback line in full, e.g. "AssertionError: assert 0.0 == 1"
    file: str | None = None  # where it was raised (absolute): the learner's code or the test
    line: int | None = None
    exercises: list[str] = field(default_factory=list)  # the exercises the test is marked with


@dataclass
class CheckResult:
    returncode: int  # pytest's exit status: 0 all passed, 1 some failed, 5 none collected...
    passed: list[str]
    failed: list[Failure]
    skipped: list[str]
    collection_errors: list[Failure] = field(default_factory=list)
    slow_left_out: int = 0
    output: str = ""  # pytest's own output, when it was captured


def chapter_tests(chapter: str, source: Path = REPO) -> list[str]:
    """A chapter's test files: tests/test_chNN_*.py (tests/conftest.py marks their tests chNN)."""
    return sorted(str(path) for path in (source / "tests").glob(f"test_{chapter}_*.py"))


def run_pytest(
    args: list[str], workbook: Path, source: Path = REPO, capture: bool = False
) -> CheckResult:
    """Run pytest with `args` in a fresh Python whose packages come from `workbook`.

    The repository is pip-installed in editable mode, so `import engine` could find the
    reference code. The subprocess runs in the workbook folder (so the repository root is not
    on sys.path) with PYTHONPATH = the workbook, ahead of site-packages; the pytest plugin
    tools/workbook_plugin.py then checks that every package the tests imported came from the
    workbook, and records what the summary needs. pytest reads its settings from `source`'s
    pyproject.toml, as in a normal run, less its `--nbmake` (no notebook is run here).
    """
    workbook = workbook.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(workbook), str(REPO / "tools")])
        env["GRADSCHOOL_WORKBOOK"] = str(workbook)
        env["GRADSCHOOL_WORKBOOK_REPORT"] = str(report)
        command = [sys.executable, "-m", "pytest", "-p", "workbook_plugin", "-p", "no:nbmake"]
        command += ["-o", "addopts=--strict-markers", "-p", "no:cacheprovider"]
        # --tb=no -rN: no tracebacks and no short summary from pytest; ours follows. Tests in
        # other files still run when one file cannot be imported.
        command += ["--rootdir", str(source), "-q", "--tb=no", "-rN", "--disable-warnings"]
        command += ["--continue-on-collection-errors", *args]
        pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT} if capture else {}
        run = subprocess.run(command, cwd=workbook, env=env, text=True, **pipe)
        recorded = json.loads(report.read_text()) if report.exists() else {}
    result = CheckResult(run.returncode, [], [], [], output=run.stdout or "")
    for test, outcome in recorded.get("tests", {}).items():
        if outcome["outcome"] == "failed":
            result.failed.append(Failure(test, **outcome["error"], exercises=outcome["exercises"]))
        elif outcome["outcome"] == "passed":
            result.passed.append(test)
        elif outcome["outcome"] == "skipped":
            result.skipped.append(test)
    result.collection_errors = [Failure(**error) for error in recorded.get("collection_errors", [])]
    result.slow_left_out = recorded.get("slow_left_out", 0)
    return result


# ---- the summary --------------------------------------------------------------------------------


def summary(
    chapter: str, result: CheckResult, workbook: Path, exercise: str = "", source: Path = REPO
) -> str:
    """The report the learner reads: how many tests pass; the test files that could not be
    imported, and why; the failures grouped by exercise, each exercise with its place in the
    workbook and what to do there; and the next exercise to write."""
    paths = _Paths(workbook, source)
    placed = blocks_in(workbook)
    what = f"Chapter {chapter[2:]}" + (f", exercise {exercise}" if exercise else "")
    ran = len(result.passed) + len(result.failed)
    lines = []
    if result.collection_errors:
        lines.append("These test files could not be loaded, so none of their tests ran:")
        lines += _errors(result.collection_errors, paths)
        lines.append("")
    if ran == 0:
        if result.collection_errors:
            lines.append(f"{what}: no test ran.")
        elif result.returncode in (0, 5):
            lines.append(f"{what}: no test ran (none is marked for it, or all were left out).")
        else:
            lines.append(f"{what}: pytest could not run the tests (exit status "
                         f"{result.returncode}); its output above says why.")
    elif result.failed or result.collection_errors:
        lines.append(f"{what}: {len(result.passed)} of {ran} tests pass.")
    else:
        lines.append(f"{what}: all {ran} tests pass.")
    for blocks, marked, failures in _by_exercise(result.failed, placed, paths):
        lines.append("")
        lines += _heading(blocks, marked, paths)
        stubbed = [failure for failure in failures if _STUB_MESSAGE.search(failure.message)]
        if stubbed:
            lines.append(f"  stopped at the stub: {_tests(stubbed)}")
        lines += _errors([failure for failure in failures if failure not in stubbed], paths)
    todo = [p for p in placed if p.block.chapter == chapter and p.state != "written"]
    if todo:
        lines.append("")
        first = todo[0]
        named = f"{first.block.exercise} at " if first.block.name else ""
        lines.append(f"{len(todo)} exercise block(s) of chapter {chapter[2:]} still to write; "
                     f"next: {named}{paths.of(first)}  {first.block.hint}")
    elif ran and not result.failed and not result.collection_errors and not exercise:
        lines.append("Every exercise of the chapter is written and its tests pass. Well done!")
    if result.slow_left_out:
        lines.append(f"({result.slow_left_out} slow test(s) left out; add SLOW=1 to run them.)")
    return "\n".join(lines)


class _Paths:
    """Paths as the learner sees them: workbook/engine/value.py:93, tests/test_ch02_value.py."""

    def __init__(self, workbook: Path, source: Path):
        self.workbook, self.source = workbook.resolve(), source.resolve()

    def __call__(self, file: str | None, line: int | None = None) -> str:
        if file is None:
            return "?"
        path = Path(file)
        if path.is_relative_to(self.workbook):
            path = self.workbook.name / path.relative_to(self.workbook)
        elif path.is_relative_to(self.source):
            path = path.relative_to(self.source)
        return f"{path}:{line}" if line else str(path)

    def of(self, placed: Placed) -> str:
        return f"{self.workbook.name}/{placed.file}:{placed.line}"

    def block_of(self, placed: list[Placed], failure: Failure) -> Placed | None:
        """The exercise block (of the workbook as it is now) that a failure points at: the one
        holding the line it was raised at, else the one whose stub its message quotes."""
        for p in placed:
            if (failure.file and Path(failure.file) == self.workbook / p.file
                    and p.line < failure.line <= p.block.end):
                return p
        stub = _STUB_MESSAGE.search(failure.message)
        for p in placed if stub else []:
            if stub["file"] == f"{self.workbook.name}/{p.file}" and stub["hint"] == p.block.hint:
                return p
        return None


def _by_exercise(failures: list[Failure], placed: list[Placed], paths: _Paths) -> list:
    """[(blocks, marked, failures)]: the failures grouped by the exercise they point at.

    A failure raised inside a block, or quoting its stub's message, belongs to that block's
    exercise: all the blocks of a named exercise, or that one block if it has no name. Any
    other failure belongs to the exercises its test is marked with (`marked`), whose blocks are
    listed too; failures of unmarked tests that stopped outside every block form the last
    group. The groups follow the code's order.
    """
    groups: dict[tuple, list[Failure]] = {}
    for failure in failures:
        p = paths.block_of(placed, failure)
        if p is None:
            key = tuple(failure.exercises)
        elif p.block.name:
            key = (p.block.exercise,)
        else:
            key = (p,)
        groups.setdefault(key, []).append(failure)
    result = []
    for key, group in groups.items():
        blocks = [p for p in placed if p in key or p.block.name and p.block.exercise in key]
        marked = [name for name in key if isinstance(name, str)]
        result.append((blocks, marked, group))
    position = {p: i for i, p in enumerate(placed)}
    return sorted(result, key=lambda group: (not group[0] and not group[1],
                                             min((position[p] for p in group[0]), default=0)))


def _heading(blocks: list[Placed], marked: list[str], paths: _Paths) -> list[str]:
    if not blocks and not marked:
        return ["Failing tests not marked with an exercise:"]
    names = marked or list(dict.fromkeys(p.block.exercise for p in blocks if p.block.name))
    chapter = blocks[0].block.chapter[2:] if blocks else ""
    lines = [f"Exercise {', '.join(names)}:" if names else f"An exercise of chapter {chapter}:"]
    for p in blocks:
        lines.append(f"  {paths.of(p)}  {p.block.hint}")
        if p.state == "stub":
            lines.append("    not written yet: write your code in place of its "
                         "`raise NotImplementedError(...)` line")
        elif p.state == "stub and code":
            lines.append("    you wrote code here, but the stub's `raise NotImplementedError` "
                         "line is still there and runs first: delete that line")
    return lines


def _tests(failures: list[Failure]) -> str:
    names = [failure.test for failure in failures]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{', '.join(names[:2])} and {len(names) - 2} more tests"


def _errors(failures: list[Failure], paths: _Paths) -> list[str]:
    """Each distinct error once, in full: the tests it failed, its message, and where it was
    raised, with that line of code as it is now."""
    distinct: dict[tuple, list[Failure]] = {}
    for failure in failures:
        distinct.setdefault((failure.message, failure.file, failure.line), []).append(failure)
    lines = []
    for (message, file, line), same in list(distinct.items())[:ERRORS_SHOWN]:
        lines.append(f"  {_tests(same)}")
        message_lines = message.split("\n")
        if len(message_lines) > MESSAGE_LINES:
            cut = len(message_lines) - MESSAGE_LINES
            message_lines = message_lines[:MESSAGE_LINES] + [f"... ({cut} more lines)"]
        lines += [f"      {text}" for text in message_lines]
        if file:
            lines.append(f"      at {paths(file, line)}{_code_at(file, line)}")
    hidden = [failure for same in list(distinct.values())[ERRORS_SHOWN:] for failure in same]
    if hidden:
        lines.append(f"  ... and {_tests(hidden)}, with other errors")
    return lines


def _code_at(file: str, line: int | None) -> str:
    """':  <that line of code>', read from the file now, or '' when it cannot be read."""
    try:
        text = Path(file).read_text(encoding="utf-8").split("\n")[line - 1].strip()
    except (OSError, UnicodeDecodeError, IndexError, TypeError):
        return ""
    return f":  {text}" if text else ""
