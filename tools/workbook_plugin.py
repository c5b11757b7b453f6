"""The pytest side of `tools/workbook.py check`, loaded with `-p workbook_plugin`.

Two jobs, both about trusting the result the learner sees:

* make sure the tests ran against the workbook: the repository is pip-installed in editable
  mode, so a stray path could let `import engine` find the reference code, and then every test
  would pass and tell the learner nothing. After collection and again at the end, every one of
  our packages that was imported must come from the folder in $GRADSCHOOL_WORKBOOK; if one does
  not, the run stops with an error that says which;
* record each test's outcome and the first line of its error in $GRADSCHOOL_WORKBOOK_REPORT
  (JSON), for workbook.py's short summary.
"""

import json
import os
import sys
from pathlib import Path

import pytest
from workbook import PACKAGES

_outcomes: list[tuple[str, str, str]] = []


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


def _stop_if_outside() -> None:
    strays = outside_workbook(_workbook())
    if strays:
        pytest.exit(
            f"these packages were imported from outside the workbook {_workbook()}: "
            + ", ".join(strays),
            returncode=3,
        )


def pytest_collection_finish(session):
    _stop_if_outside()


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        message = ""
        if report.failed and hasattr(report.longrepr, "reprcrash"):
            message = report.longrepr.reprcrash.message.split("\n")[0]
        _outcomes.append((report.nodeid, report.outcome, message))


def pytest_sessionfinish(session, exitstatus):
    strays = outside_workbook(_workbook())
    if strays:
        print(f"\nimported from outside the workbook: {', '.join(strays)}", file=sys.stderr)
        session.exitstatus = 3
    report = os.environ.get("GRADSCHOOL_WORKBOOK_REPORT")
    if report:
        Path(report).write_text(json.dumps(_outcomes), encoding="utf-8")
