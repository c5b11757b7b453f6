"""The Makefile's commands for learners, read with `make -n`, which prints the commands a target
would run without running them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tooling,
              pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")]

REPO = Path(__file__).resolve().parent.parent


def last_command(*args: str) -> list[str]:
    """The words of the last command `make <args>` would run (after set-up's commands)."""
    # Inside `make test`, the outer make's MAKELEVEL/MAKEFLAGS would make this one print
    # "make[1]: Entering directory" lines: run it as a make of its own.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    run = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True)
    return run.stdout.splitlines()[-1].split()


def test_make_test_runs_on_every_core_and_names_the_slowest_tests():
    words = last_command("test")
    assert words[:3] == [".venv/bin/python", "-m", "pytest"]
    assert "-n" in words and "--durations=15" in words


def test_make_lab_allows_root_only_as_root():
    words = last_command("lab")
    assert words[:3] == [".venv/bin/jupyter", "lab", "lessons"]
    assert ("--allow-root" in words) == (os.geteuid() == 0)


def test_make_lab_with_the_workbook_puts_it_first_on_the_path():
    assert last_command("lab", "WORKBOOK=1")[0] == f"PYTHONPATH={REPO}/workbook"


def test_make_check_passes_the_exercise_and_the_slow_choice_on():
    check = [".venv/bin/python", "tools/workbook.py", "check", "02"]
    assert last_command("check", "CH=02") == [*check, "||", "true"]
    assert last_command("check", "CH=02", "EX=tanh", "SLOW=1") == [
        *check, "--exercise", "tanh", "--slow", "||", "true"]
