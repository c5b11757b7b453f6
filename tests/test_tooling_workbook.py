"""The exercise workbook (tools/workbook.py): markers, stubs, keeping the learner's work, and
the whole mechanism on the real code: for every chapter with exercises, its stubs make its
tests fail, every other test file still imports, and the reference solution passes."""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.tooling

REPO = Path(__file__).resolve().parent.parent


def _load_workbook_module():
    spec = importlib.util.spec_from_file_location("workbook", REPO / "tools" / "workbook.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("workbook", module)
    spec.loader.exec_module(module)
    return module


wb = _load_workbook_module()


# ---- finding the blocks -------------------------------------------------------------------------

GOOD = """\
def f(x):
    # EXERCISE ch01: return twice x
    y = 2 * x

    return y
    # END EXERCISE


class A:
    def g(self):
        if True:
            # EXERCISE ch02: say hello
            return "hello"
            # END EXERCISE
"""


def test_find_blocks_reads_chapter_hint_indent_and_lines():
    blocks = wb.find_blocks(GOOD.split("\n"), "good.py")
    assert blocks == [
        wb.Block("ch01", "return twice x", "    ", 1, 5),
        wb.Block("ch02", "say hello", "            ", 11, 13),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "def f():\n    # EXERCISE ch01: hint\n    pass\n",
            "good.py:2: '# EXERCISE ch01' is never closed",
        ),
        (
            "def f():\n    # EXERCISE ch01: a\n    # EXERCISE ch01: b\n    # END EXERCISE\n",
            "good.py:3: '# EXERCISE' inside the block opened at line 2",
        ),
        ("def f():\n    pass\n    # END EXERCISE\n", "good.py:3: '# END EXERCISE' without"),
        (
            "def f():\n    # EXERCISE ch01: a\n    pass\n  # END EXERCISE\n",
            "good.py:4: '# END EXERCISE' is indented 2 columns",
        ),
        ("def f():\n    # EXERCISE 1: a\n    pass\n", "good.py:2: malformed exercise marker"),
        ("def f():\n    # EXERCISE ch01 no colon\n", "good.py:2: malformed exercise marker"),
        (
            "def f():\n    if x:\n        # EXERCISE ch01: a\n        y\n    else:\n        z\n"
            "        # END EXERCISE\n",
            "good.py:5: this line is indented less",
        ),
    ],
    ids=["unterminated", "nested", "end-without-start", "end-indent", "no-chNN", "no-colon",
         "dedent"],
)
def test_find_blocks_rejects_bad_markers_with_file_and_line(text, message):
    with pytest.raises(wb.ExerciseMarkerError) as error:
        wb.find_blocks(text.split("\n"), "good.py")
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    "text, line",
    [
        ("# EXERCISE ch01: a\nX = 1\n# END EXERCISE\n", 1),
        ("class A:\n    # EXERCISE ch01: a\n    x = 1\n    # END EXERCISE\n", 2),
    ],
    ids=["module-level", "class-level"],
)
def test_a_stub_outside_a_function_is_refused(text, line):
    with pytest.raises(wb.ExerciseMarkerError, match=f"m.py:{line}: .* not inside a function"):
        wb.stub_blocks(text, "m.py", lambda block, body: True)


def test_chapter_names():
    assert [wb.chapter_name(t) for t in ("2", "02", "ch02", "CH7")] == ["ch02"] * 3 + ["ch07"]
    with pytest.raises(ValueError, match="got 'two'"):
        wb.chapter_name("two")


# ---- a synthetic package ------------------------------------------------------------------------

OPS = """\
def double(x):
    \"\"\"2x.\"\"\"
    # EXERCISE ch01: return two times x
    y = 2 * x
    return y
    # END EXERCISE


def square(x):
    # EXERCISE ch02: return x times x
    return x * x
    # END EXERCISE
"""


@pytest.fixture
def source(tmp_path):
    """A tiny repository: engine/ with two exercises and a plain file, and a data file."""
    (tmp_path / "src" / "engine").mkdir(parents=True)
    (tmp_path / "src" / "engine" / "__init__.py").write_text("")
    (tmp_path / "src" / "engine" / "ops.py").write_text(OPS)
    (tmp_path / "src" / "engine" / "extra.py").write_text("ANSWER = 42\n")
    (tmp_path / "src" / "engine" / "__pycache__").mkdir()
    (tmp_path / "src" / "engine" / "__pycache__" / "ops.cpython-311.pyc").write_bytes(b"\0")
    return tmp_path / "src"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_create_stubs_the_chosen_chapter_only(source, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create(["ch01"], source, workbook)
    text = (workbook / "engine" / "ops.py").read_text()
    lines = text.split("\n")
    assert lines[2] == "    # EXERCISE ch01: return two times x"  # the markers stay
    assert lines[3] == (
        '    raise NotImplementedError("Exercise ch01: return two times x '
        '(workbook/engine/ops.py:3)")'
    )
    assert lines[4] == "    # END EXERCISE"
    assert "return x * x" in text  # ch02 is not chosen
    ops = _load(workbook / "engine" / "ops.py", "wb_ops_1")  # still importable
    with pytest.raises(NotImplementedError, match=r"Exercise ch01: return two times x \(work"):
        ops.double(3)
    assert ops.square(3) == 9
    assert (workbook / "engine" / "extra.py").read_text() == "ANSWER = 42\n"
    assert not (workbook / "engine" / "__pycache__").exists()
    assert wb.unfinished("ch01", workbook) == ["workbook/engine/ops.py:3  return two times x"]


def test_line_numbers_in_stubs_follow_earlier_stubs(source, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create(["ch01", "ch02"], source, workbook)
    lines = (workbook / "engine" / "ops.py").read_text().split("\n")
    marker = lines.index("    # EXERCISE ch02: return x times x") + 1
    assert f"(workbook/engine/ops.py:{marker})" in lines[marker]


def test_update_keeps_the_learners_work(source, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create(["ch01"], source, workbook)
    ops = workbook / "engine" / "ops.py"
    learner = ops.read_text().replace(
        'raise NotImplementedError("Exercise ch01: return two times x '
        '(workbook/engine/ops.py:3)")',
        "return x + x  # mine",
    )
    ops.write_text(learner)
    (workbook / "engine" / "notes.py").write_text("# my own file\n")
    (source / "engine" / "extra.py").write_text("ANSWER = 43\n")  # the reference moves on

    notes = wb.create(["ch02"], source, workbook)

    text = ops.read_text()
    assert "return x + x  # mine" in text  # the learner's ch01 solution is kept
    assert 'raise NotImplementedError("Exercise ch02: return x times x' in text
    assert "return x * x" not in text
    assert (workbook / "engine" / "extra.py").read_text() == "ANSWER = 43\n"  # untouched: fresh
    assert (workbook / "engine" / "notes.py").read_text() == "# my own file\n"
    assert notes == []
    assert wb._read_manifest(workbook)["chapters"] == ["ch01", "ch02"]
    ops_module = _load(ops, "wb_ops_2")
    assert ops_module.double(4) == 8

    # Choosing a chapter again never re-stubs what the learner wrote since.
    stub = (
        '    raise NotImplementedError("Exercise ch02: return x times x '
        '(workbook/engine/ops.py:9)")'
    )
    assert stub in text.split("\n")  # line 9: the marker's line in the learner's own copy
    ops.write_text(text.replace(stub, "    return x ** 2"))
    assert wb.create(["ch01", "ch02"], source, workbook) == []
    assert "return x + x  # mine" in ops.read_text() and "return x ** 2" in ops.read_text()


def test_update_reports_conflicts_and_keeps_the_learners_file(source, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create(["ch01"], source, workbook)
    ops = workbook / "engine" / "ops.py"
    ops.write_text(ops.read_text().replace("return x * x", "return x * x * 1"))  # a ch02 block
    (source / "engine" / "ops.py").write_text(OPS.replace('"""2x."""', '"""Twice x."""'))

    notes = wb.create(["ch02"], source, workbook)

    assert "return x * x * 1" in ops.read_text()  # kept, not stubbed
    assert '"""2x."""' in ops.read_text()  # the reference change was not forced on the learner
    assert any("you changed this ch02 block" in note for note in notes)
    assert any("changed in the repository" in note and "compare" in note for note in notes)


def test_files_gone_from_the_reference_leave_the_workbook_unless_edited(source, tmp_path):
    workbook = tmp_path / "workbook"
    (source / "engine" / "old.py").write_text("OLD = 1\n")
    (source / "engine" / "older.py").write_text("OLDER = 1\n")
    wb.create(["ch01"], source, workbook)
    (workbook / "engine" / "older.py").write_text("OLDER = 2  # edited\n")
    (source / "engine" / "old.py").unlink()
    (source / "engine" / "older.py").unlink()

    notes = wb.create(["ch01"], source, workbook)

    assert not (workbook / "engine" / "old.py").exists()
    assert (workbook / "engine" / "older.py").read_text() == "OLDER = 2  # edited\n"
    assert any("no longer has engine/older.py" in note for note in notes)


def test_create_refuses_a_chapter_without_exercises(source, tmp_path):
    with pytest.raises(ValueError, match="no exercises for ch09 .* ch01, ch02"):
        wb.create(["ch09"], source, tmp_path / "workbook")


def test_summary_counts_names_failures_and_points_at_the_next_exercise(source, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create(["ch01"], source, workbook)
    stub = "NotImplementedError: Exercise ch01: return two times x (workbook/engine/ops.py:3)"
    result = wb.CheckResult(1, ["t::a", "t::b"], [("t::c", stub), ("t::d", "assert 1 == 2")], [])
    text = wb.summary("ch01", result, workbook)
    assert text.split("\n") == [
        "Chapter 01: 2 of 4 tests pass. Still failing:",
        "  t::c  (the exercise at workbook/engine/ops.py:3 is not written yet)",
        "  t::d  (assert 1 == 2)",
        "1 exercise(s) still to write; next: workbook/engine/ops.py:3  return two times x",
    ]
    assert wb.summary("ch01", wb.CheckResult(0, ["t::a"], [], []), workbook) == (
        "Chapter 01: all 1 tests pass. Well done!"
    )


# ---- running tests against a workbook -----------------------------------------------------------

PROBE = """\
import os
from pathlib import Path

import engine


def test_engine_comes_from_the_workbook():
    where = Path(next(iter(engine.__path__))).resolve()
    assert where.is_relative_to(Path(os.environ["GRADSCHOOL_WORKBOOK"]))
"""


def test_tests_run_against_the_workbook_and_never_the_reference(tmp_path):
    probe = tmp_path / "probe" / "test_probe.py"
    probe.parent.mkdir()
    probe.write_text(PROBE)
    workbook = tmp_path / "workbook"
    shutil.copytree(REPO / "engine", workbook / "engine")
    good = wb.run_pytest([str(probe)], workbook, capture=True)
    assert good.returncode == 0 and len(good.passed) == 1, good.output

    empty = tmp_path / "empty"  # no engine/ here: the editable install would find the reference
    empty.mkdir()
    stray = wb.run_pytest([str(probe)], empty, capture=True)
    assert stray.returncode == 3, stray.output
    assert "imported from outside the workbook" in stray.output


# ---- the mechanism on the real code -------------------------------------------------------------

CHAPTERS = list(wb.exercises(REPO))
ALL_CHAPTER_TESTS = sorted(str(path) for path in (REPO / "tests").glob("test_ch[0-9][0-9]_*.py"))


def test_every_stub_at_once_leaves_every_test_file_importable(tmp_path):
    """With all chapters stubbed (the worst case for any subset), every test file collects."""
    workbook = tmp_path / "workbook"
    wb.create(CHAPTERS, REPO, workbook)
    collected = wb.run_pytest([*ALL_CHAPTER_TESTS, "--collect-only"], workbook, capture=True)
    assert collected.returncode == 0, collected.output[-4000:]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapters_stubs_fail_its_tests_and_its_solution_passes(chapter, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create([chapter], REPO, workbook)
    files = wb.chapter_tests(chapter)
    assert files, f"{chapter} has exercises but no tests/test_{chapter}_*.py to check them"

    stubbed = wb.run_pytest([*files, "-m", chapter, "-x"], workbook, capture=True)
    assert stubbed.returncode == 1 and len(stubbed.failed) == 1, stubbed.output[-4000:]

    # The learner writes the reference solution: the test that failed now passes. (The whole
    # suite runs on the reference itself elsewhere.)
    for package in wb.PACKAGES:
        if (REPO / package).is_dir():
            shutil.copytree(REPO / package, workbook / package, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
    failed_test = str(REPO / stubbed.failed[0][0])
    solved = wb.run_pytest([failed_test], workbook, capture=True)
    assert solved.returncode == 0 and len(solved.passed) == 1, solved.output[-4000:]


def test_the_command_line_creates_a_workbook_and_explains_itself(tmp_path, capsys):
    workbook = tmp_path / "workbook"
    assert wb.main(["--workbook", str(workbook), "check", "1"]) == 2
    assert "run `make exercise CH=01` first" in capsys.readouterr().out
    if not CHAPTERS:
        pytest.skip("no chapter has exercises yet")
    chapter = CHAPTERS[0]
    assert wb.main(["--workbook", str(workbook), "create", chapter[2:]]) == 0
    out = capsys.readouterr().out
    count = len(wb.exercises(REPO)[chapter])
    assert f"Chapter {chapter[2:]}: {count} exercise(s) to write" in out
    assert f"make check CH={chapter[2:]}" in out
    assert wb.main(["--workbook", str(workbook), "create", "ch99"]) == 2
    assert "no exercises for ch99" in capsys.readouterr().err
