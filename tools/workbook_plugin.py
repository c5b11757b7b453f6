"""The pytest side of `tools/workbook.py check`, loaded with `-p workbook_plugin`.

Three jobs, all about the result the learner sees:

* make sure the tests ran against the workbook: the repository is pip-installed in editable
  mode, so a stray path could let `import engine` find the reference code, and then every test
  would pass and tell the learner nothing. After collection and again at the end, every one of
  our packages that was imported must come from the folder in $GRADSCHOOL_WORKBOOK; if one does
  not, the run stops with an error that says which;
* choose the tests: `--exercise ch02.exp` keeps only the tests marked
  `@pytest.mark.exercise("ch02.exp")`, and `--leave-out-slow` the tests not marked `slow`
  (it counts those it leaves out, so the summary can say how to run them);
* record, in $GRADSCHOOL_WORKBOOK_REPORT (JSON), each test's outcome and exercises, and for each
  test that failed and each test file that could not be imported, its whole error message and
  where it was raised: the deepest line of the learner's code it passed through, else the
  test's own line (for a syntax error, the line Python could not read).
"""

import json
import os
import sys
import traceback
from pathlib import Path

import pytest
from exercise_blocks import PACKAGES

_report = {"tests": {}, "collection_errors": [], "slow_left_out": 0}
_errors: dict[str, dict] = {}  # node id -> its first error, as describe() gives it
_failed = []  # the reports of failed test phases


def _workbook() -> Path:
    folder = os.environ.get("GRADSCHOOL_WORKBOOK")
    if not folder:
        raise pytest.UsageError("workbook_plugin needs GRADSCHOOL_WORKBOOK, the workbook folder")
    return Path(folder).resolve()


def outside_workbook(workbook: Path) -> list[str]:
    """'module (from path)' for each imported module of our packages that is not in `workbook`.

    Every module counts, not only the packages. A package without an __init__.py is a
    namespace package: Python assembles it from every folder of that name on sys.path (the
    editable install adds the repository's), searching them in order, so the first folder
    must be the workbook's.
    """
    strays = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in PACKAGES:
            continue
        where = getattr(module, "__file__", None)
        if where is None:  # a namespace package
            where = next((path for path in module.__path__ if Path(path).is_dir()), None)
        if where and not Path(where).resolve().is_relative_to(workbook):
            strays.append(f"{name} (from {where})")
    return strays


def pytest_addoption(parser):
    group = parser.getgroup("workbook", "checking the exercise workbook (tools/workbook.py)")
    group.addoption("--exercise", metavar="ID", dest="workbook_exercise",
                    help='run only the tests marked @pytest.mark.exercise("ID"), e.g. ch02.exp')
    group.addoption("--leave-out-slow", action="store_true", dest="workbook_leave_out_slow",
                    help="leave out the tests marked slow")


def exercises_of(item) -> list[str]:
    """The exercises a test checks: the arguments of its (and its module's) exercise marks."""
    return [name for mark in item.iter_markers("exercise") for name in mark.args]


@pytest.hookimpl(trylast=True)  # after `-m chNN` has chosen the chapter's tests
def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("workbook_exercise")
    leave_out_slow = config.getoption("workbook_leave_out_slow")
    kept, dropped = [], []
    for item in items:
        if wanted and wanted not in exercises_of(item):
            dropped.append(item)
        elif leave_out_slow and item.get_closest_marker("slow"):
            dropped.append(item)
            _report["slow_left_out"] += 1
        else:
            kept.append(item)
            _report["tests"][item.nodeid] = {"outcome": "", "exercises": exercises_of(item)}
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_collection_finish(session):
    strays = outside_workbook(_workbook())
    if strays:
        pytest.exit(
            f"these packages were imported from outside the workbook {_workbook()}: "
            + ", ".join(strays),
            returncode=3,
        )


def describe(error: BaseException, test_file: str) -> dict:
    """{"message", "file", "line"} for an error raised by a test or while importing its file.

    pytest wraps an import's SyntaxError or ImportError in a CollectError, and Hypothesis puts
    the failures it found in an ExceptionGroup; the learner needs the (first) original. The
    message is Python's last traceback line in full (an assertion's message holds pytest's
    explanation of the values). Where: a syntax error's own line, else the deepest frame in
    the workbook, else the deepest in the test file, else the deepest of all.
    """
    if isinstance(error, pytest.Collector.CollectError) and error.__cause__ is not None:
        error = error.__cause__
    while getattr(error, "exceptions", None):  # an ExceptionGroup (a backport's on Python 3.10)
        error = error.exceptions[0]
    if isinstance(error, SyntaxError):
        return {"message": f"{type(error).__name__}: {error.msg}", "file": error.filename,
                "line": error.lineno}
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    frames = traceback.extract_tb(error.__traceback__)
    workbook = str(_workbook()) + os.sep
    chosen = ([frame for frame in frames if frame.filename.startswith(workbook)]
              or [frame for frame in frames if frame.filename == test_file] or frames)
    if not chosen:
        return {"message": message, "file": None, "line": None}
    return {"message": message, "file": chosen[-1].filename, "line": chosen[-1].lineno}


def pytest_exception_interact(node, call, report):
    _errors.setdefault(node.nodeid, describe(call.excinfo.value, str(node.path)))


def _error(report) -> dict:
    """The error describe() gave for this report's node, or pytest's own text of it."""
    return _errors.get(report.nodeid,
                       {"message": report.longreprtext, "file": None, "line": None})


def pytest_collectreport(report):
    if report.failed:  # pytest calls this after pytest_exception_interact
        _report["collection_errors"].append({"test": report.nodeid, **_error(report)})


def pytest_runtest_logreport(report):
    test = _report["tests"].setdefault(report.nodeid, {"outcome": "", "exercises": []})
    if report.failed:
        test["outcome"] = "failed"
        _failed.append(report)  # its error is described after this, in pytest_exception_interact
    elif report.when == "call" or report.skipped:
        test["outcome"] = test["outcome"] or report.outcome


def pytest_sessionfinish(session, exitstatus):
    strays = outside_workbook(_workbook())
    if strays:
        print(f"\nimported from outside the workbook: {', '.join(strays)}", file=sys.stderr)
        session.exitstatus = 3
    for report in _failed:
        _report["tests"][report.nodeid].setdefault("error", _error(report))
    path = os.environ.get("GRADSCHOOL_WORKBOOK_REPORT")
    if path:
        Path(path).write_text(json.dumps(_report), encoding="utf-8")
