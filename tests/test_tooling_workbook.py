"""The exercise workbook (tools/workbook.py, exercise_blocks.py, workbook_check.py and
workbook_plugin.py): markers, stubs, keeping the learner's work, choosing one exercise's tests,
the summary of `make check`, and the whole mechanism on the real code: for every chapter with
exercises, its stubs make its tests fail, every other test file still imports, and the
reference solution passes."""

import ast
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.tooling

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))  # tools/ is a folder of scripts, not a package

import exercise_blocks as eb  # noqa: E402
import workbook as wb  # noqa: E402
import workbook_check as wc  # noqa: E402

# ---- finding the blocks -------------------------------------------------------------------------

GOOD = """\
def f(x):
    # EXERCISE ch01.twice: return twice x
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


def test_find_blocks_reads_chapter_name_hint_indent_and_lines():
    blocks = eb.find_blocks(GOOD.split("\n"), "good.py")
    assert blocks == [
        eb.Block("ch01", "twice", "return twice x", "    ", 1, 5),
        eb.Block("ch02", "", "say hello", "            ", 11, 13),
    ]
    assert [block.exercise for block in blocks] == ["ch01.twice", "ch02"]


def test_markers_inside_a_string_are_not_blocks():
    text = (
        'def f():\n    """Mark an exercise like this:\n\n    # EXERCISE ch01: a hint\n'
        '    # EXERCISE misspelt\n    # END EXERCISE\n    """\n'
        "    # EXERCISE ch01.real: the real one\n    return 1\n    # END EXERCISE\n"
    )
    assert [block.exercise for block in eb.find_blocks(text.split("\n"), "d.py")] == ["ch01.real"]


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
        ("def f():\n    # EXERCISE ch01.Tanh: a\n", "good.py:2: malformed exercise marker"),
        ("def f():\n    # EXERCISE ch01.: a\n", "good.py:2: malformed exercise marker"),
        (
            "def f():\n    if x:\n        # EXERCISE ch01: a\n        y\n    else:\n        z\n"
            "        # END EXERCISE\n",
            "good.py:5: this line is indented less",
        ),
    ],
    ids=["unterminated", "nested", "end-without-start", "end-indent", "no-chNN", "no-colon",
         "upper-case-name", "empty-name", "dedent"],
)
def test_find_blocks_rejects_bad_markers_with_file_and_line(text, message):
    with pytest.raises(eb.ExerciseMarkerError) as error:
        eb.find_blocks(text.split("\n"), "good.py")
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
    with pytest.raises(eb.ExerciseMarkerError, match=f"m.py:{line}: .* not inside a function"):
        eb.stub_blocks(text, "m.py", lambda block, body: True)


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


# ---- the learner's progress in a block ----------------------------------------------------------


@pytest.mark.parametrize(
    "body, state",
    [
        (['    raise NotImplementedError("Exercise ch01.twice: x (w/ops.py:3)")'], "stub"),
        (["    # my plan: add x to itself", '    raise NotImplementedError("Exercise ch01: x")'],
         "stub"),
        (["    y = x + x", '    raise NotImplementedError("Exercise ch01.twice: x")',
          "    return y"], "stub and code"),
        (["    return x + x"], "written"),
        ([], "written"),
    ],
    ids=["stub", "stub-and-a-comment", "stub-left-in", "written", "emptied"],
)
def test_a_blocks_state_tells_a_stub_from_the_learners_code(body, state):
    assert eb.state(body) == state


# ---- choosing one exercise, and the summary of a check ------------------------------------------

NAMED = """\
def double(x):
    # EXERCISE ch01.double: return two times x
    return 2 * x
    # END EXERCISE


def square(x):
    # EXERCISE ch01.square: return x times x
    return x * x
    # END EXERCISE


def cube(x):
    # EXERCISE ch01.square: and x times x times x
    return x * x * x
    # END EXERCISE
"""

TESTS = """\
import pytest

from engine.ops import cube, double, square


@pytest.mark.exercise("ch01.double")
def test_double():
    assert double(3) == 6


@pytest.mark.exercise("ch01.square")
def test_square():
    assert square(3) == 9, "square(3) should be 9\\nand this second line is shown too"


@pytest.mark.exercise("ch01.square")
def test_cube():
    assert cube(2) == 8


@pytest.mark.exercise("ch01.square")
@pytest.mark.slow
def test_square_slowly():
    assert square(4) == 16


def test_unmarked():
    assert double(0) == 0
"""


@pytest.fixture
def named(tmp_path):
    """A tiny repository with named exercises, a chapter's tests that mark them, the real
    tests/conftest.py (which marks them ch01), and its pytest markers; and its workbook."""
    source = tmp_path / "src"
    (source / "engine").mkdir(parents=True)
    (source / "engine" / "__init__.py").write_text("")
    (source / "engine" / "ops.py").write_text(NAMED)
    (source / "tests").mkdir()
    (source / "tests" / "test_ch01_ops.py").write_text(TESTS)
    shutil.copy(REPO / "tests" / "conftest.py", source / "tests" / "conftest.py")
    (source / "pytest.ini").write_text("[pytest]\nmarkers =\n    ch01\n    slow\n    exercise\n")
    workbook = tmp_path / "workbook"
    wb.create(["ch01"], source, workbook)
    return source, workbook


def _write(workbook, old, new):
    """The learner replaces `old` by `new` in workbook/engine/ops.py."""
    ops = workbook / "engine" / "ops.py"
    text = ops.read_text()
    assert old in text
    ops.write_text(text.replace(old, new))


def _stub(exercise, hint, line):
    """The stub that `create` wrote into workbook/engine/ops.py, marker at `line`."""
    where = f"workbook/engine/ops.py:{line}"
    return f'raise NotImplementedError("Exercise {exercise}: {hint} ({where})")'


def test_exercise_names_are_chosen_by_name_and_unknown_ones_are_listed(named):
    source, _ = named
    assert wb.exercise_id("ch01", "square", source) == "ch01.square"
    assert wb.exercise_id("ch01", "ch01.Square", source) == "ch01.square"
    with pytest.raises(ValueError, match=r"chapter 01 has no exercise 'sqare'; its exercises: "
                                         r"double, square \(make check CH=01 EX=double\)"):
        wb.exercise_id("ch01", "sqare", source)
    (source / "engine" / "ops.py").write_text(OPS)  # markers without names
    with pytest.raises(ValueError, match="chapter 01's exercises have no names"):
        wb.exercise_id("ch01", "double", source)


def test_a_check_of_one_exercise_runs_only_its_tests_and_leaves_out_slow_ones(named, capfd):
    source, workbook = named
    assert wb.check("ch01", workbook, "ch01.square", source=source) == 1
    out = capfd.readouterr().out
    summary = out[out.index("Chapter 01, exercise ch01.square"):].split("\n")
    to_write = "    not written yet: write your code in place of its `raise NotImplementedError"
    assert summary == [
        "Chapter 01, exercise ch01.square: 0 of 2 tests pass.",
        "",
        "Exercise ch01.square:",
        "  workbook/engine/ops.py:8  return x times x",
        to_write + "(...)` line",
        "  workbook/engine/ops.py:14  and x times x times x",
        to_write + "(...)` line",
        "  stopped at the stub: tests/test_ch01_ops.py::test_square, "
        "tests/test_ch01_ops.py::test_cube",
        "",
        "3 exercise block(s) of chapter 01 still to write; next: ch01.double at "
        "workbook/engine/ops.py:2  return two times x",
        "(1 slow test(s) left out; add SLOW=1 to run them.)",
        "",
    ]
    assert "nbmake" not in out

    assert wb.check("ch01", workbook, "ch01.square", slow=True, source=source) == 1
    assert "0 of 3 tests pass" in capfd.readouterr().out
    assert wb.check("ch01", workbook, source=source) == 1  # the whole chapter, less test_slowly
    assert "Chapter 01: 0 of 4 tests pass." in capfd.readouterr().out


def test_the_summary_groups_failures_by_exercise_with_whole_messages_and_current_lines(named):
    source, workbook = named
    _write(workbook, _stub("ch01.double", "return two times x", 2), "# mine:\n    return x + x")
    _write(workbook, _stub("ch01.square", "return x times x", 8), "return x + x  # oops")
    _write(workbook, "    " + _stub("ch01.square", "and x times x times x", 14),
           "    y = x ** 3\n    " + _stub("ch01.square", "and x times x times x", 14))
    result = wc.run_pytest([str(source / "tests"), "-m", "ch01"], workbook, source, capture=True)
    text = wc.summary("ch01", result, workbook, source=source)
    assert text.split("\n") == [
        "Chapter 01: 2 of 5 tests pass.",
        "",
        "Exercise ch01.square:",
        "  workbook/engine/ops.py:9  return x times x",  # one line lower: the learner's comment
        "  workbook/engine/ops.py:15  and x times x times x",
        "    you wrote code here, but the stub's `raise NotImplementedError` line is still there "
        "and runs first: delete that line",
        "  stopped at the stub: tests/test_ch01_ops.py::test_cube",
        "  tests/test_ch01_ops.py::test_square",
        "      AssertionError: square(3) should be 9",
        "        and this second line is shown too",  # pytest indents a message's later lines
        "      assert 6 == 9",
        "       +  where 6 = square(3)",
        "      at tests/test_ch01_ops.py:13:  assert square(3) == 9, "
        '"square(3) should be 9\\nand this second line is shown too"',
        "  tests/test_ch01_ops.py::test_square_slowly",
        "      AssertionError: assert 8 == 16",
        "       +  where 8 = square(4)",
        "      at tests/test_ch01_ops.py:24:  assert square(4) == 16",
        "",
        "1 exercise block(s) of chapter 01 still to write; next: ch01.square at "
        "workbook/engine/ops.py:15  and x times x times x",
    ]


def test_an_error_in_the_learners_code_points_at_their_line(named):
    source, workbook = named
    _write(workbook, _stub("ch01.double", "return two times x", 2), "return x * undefined")
    result = wc.run_pytest([str(source / "tests"), "-k", "double"], workbook, source,
                           capture=True)
    text = wc.summary("ch01", result, workbook, source=source)
    assert "\n".join([
        "Exercise ch01.double:",
        "  workbook/engine/ops.py:2  return two times x",
        "  tests/test_ch01_ops.py::test_double",
        "      NameError: name 'undefined' is not defined",
        "      at workbook/engine/ops.py:3:  return x * undefined",
    ]) in text


def test_a_failure_that_quotes_a_stub_belongs_to_that_stubs_exercise(named):
    _, workbook = named
    quoting = wc.Failure(
        "tests/test_ch01_ops.py::test_error_message",
        "AssertionError: Regex pattern did not match.\n  Actual message: 'Exercise ch01.double: "
        "return two times x (workbook/engine/ops.py:2)'",
        file="/somewhere/tests/test_ch01_ops.py", line=30,
    )
    text = wc.summary("ch01", wc.CheckResult(1, [], [quoting], []), workbook)
    assert "\n".join([
        "Exercise ch01.double:",
        "  workbook/engine/ops.py:2  return two times x",
        "    not written yet: write your code in place of its `raise NotImplementedError"
        "(...)` line",
        "  stopped at the stub: tests/test_ch01_ops.py::test_error_message",
    ]) in text


def test_a_syntax_error_in_the_workbook_is_shown_with_its_file_and_line(named):
    source, workbook = named
    _write(workbook, _stub("ch01.double", "return two times x", 2), "return (x +")
    result = wc.run_pytest([str(source / "tests")], workbook, source, capture=True)
    text = wc.summary("ch01", result, workbook, source=source)
    assert text.startswith("\n".join([
        "These test files could not be loaded, so none of their tests ran:",
        "  tests/test_ch01_ops.py",
        "      SyntaxError: '(' was never closed",
        "      at workbook/engine/ops.py:3:  return (x +",
        "",
        "Chapter 01: no test ran.",
    ])), text


def test_the_summary_when_everything_passes(named):
    source, workbook = named
    shutil.copytree(source / "engine", workbook / "engine", dirs_exist_ok=True)  # the solution
    result = wc.run_pytest([str(source / "tests"), "-m", "ch01"], workbook, source, capture=True)
    assert wc.summary("ch01", result, workbook, source=source) == (
        "Chapter 01: all 5 tests pass.\n"
        "Every exercise of the chapter is written and its tests pass. Well done!"
    )


def test_an_unknown_exercise_on_the_command_line_is_a_clear_error(tmp_path, capsys):
    workbook = tmp_path / "workbook"
    workbook.mkdir()
    assert wb.main(["--workbook", str(workbook), "check", "1", "--exercise", "no_such"]) == 2
    assert capsys.readouterr().err.startswith("workbook: chapter 01")  # see exercise_id above


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
    good = wc.run_pytest([str(probe)], workbook, capture=True)
    assert good.returncode == 0 and len(good.passed) == 1, good.output

    empty = tmp_path / "empty"  # no engine/ here: the editable install would find the reference
    empty.mkdir()
    stray = wc.run_pytest([str(probe)], empty, capture=True)
    assert stray.returncode == 3, stray.output
    assert "imported from outside the workbook" in stray.output


# ---- the mechanism on the real code -------------------------------------------------------------

CHAPTERS = wb.chapters_with_exercises(REPO)
ALL_CHAPTER_TESTS = sorted(str(path) for path in (REPO / "tests").glob("test_ch[0-9][0-9]_*.py"))


def marked_exercises(test_file: Path) -> set[str]:
    """The exercise ids named by `pytest.mark.exercise(...)` anywhere in a test file."""
    names = set()
    for node in ast.walk(ast.parse(test_file.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "exercise"):
            names |= {arg.value for arg in node.args if isinstance(arg, ast.Constant)}
    return names


def test_every_exercise_a_test_names_exists_and_every_named_exercise_has_a_test():
    named = {p.block.exercise for p in eb.blocks_in(REPO) if p.block.name}
    marked = {}
    for path in ALL_CHAPTER_TESTS:
        for name in marked_exercises(Path(path)):
            marked.setdefault(name, []).append(Path(path).name)
    unknown = {name: files for name, files in marked.items() if name not in named}
    assert not unknown, f"tests name exercises that no '# EXERCISE' marker has: {unknown}"
    untested = sorted(named - set(marked))
    assert not untested, f"no test is marked @pytest.mark.exercise(...) for {untested}"


def test_every_stub_at_once_leaves_every_test_file_importable(tmp_path):
    """With all chapters stubbed (the worst case for any subset), every test file collects."""
    workbook = tmp_path / "workbook"
    wb.create(CHAPTERS, REPO, workbook)
    collected = wc.run_pytest([*ALL_CHAPTER_TESTS, "--collect-only"], workbook, capture=True)
    assert collected.returncode == 0 and not collected.collection_errors, (
        collected.output[-4000:])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapters_stubs_fail_its_tests_and_its_solution_passes(chapter, tmp_path):
    workbook = tmp_path / "workbook"
    wb.create([chapter], REPO, workbook)
    files = wc.chapter_tests(chapter)
    assert files, f"{chapter} has exercises but no tests/test_{chapter}_*.py to check them"

    stubbed = wc.run_pytest([*files, "-m", chapter, "-x"], workbook, capture=True)
    assert stubbed.returncode == 1 and len(stubbed.failed) == 1, stubbed.output[-4000:]

    # The learner writes the reference solution: the test that failed now passes. (The whole
    # suite runs on the reference itself elsewhere.)
    for package in eb.PACKAGES:
        if (REPO / package).is_dir():
            shutil.copytree(REPO / package, workbook / package, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
    failed_test = str(REPO / stubbed.failed[0].test)
    solved = wc.run_pytest([failed_test], workbook, capture=True)
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
    count = len(eb.blocks_in(REPO, chapter))
    assert f"Chapter {chapter[2:]}: {count} exercise(s) to write" in out
    assert f"make check CH={chapter[2:]}" in out
    assert wb.main(["--workbook", str(workbook), "create", "ch99"]) == 2
    assert "no exercises for ch99" in capsys.readouterr().err
