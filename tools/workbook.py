"""The exercise workbook: your own copy of Grad School with a chapter's key code cut out.

The solution of every exercise sits in the real source, between two comments:

    # EXERCISE ch02: <a one-line hint for the learner>
    ...the solution, indented like the markers...
    # END EXERCISE

    python tools/workbook.py create 02     (make exercise CH=02)
        copies the packages (engine, tensor, nn, visualize) into workbook/ and replaces the
        body of every ch02 block by `raise NotImplementedError("Exercise ch02: <hint> (file:line)")`
        at the markers' indentation. The markers stay, so you see where to write.
    python tools/workbook.py check 02      (make check CH=02)
        runs chapter 02's tests (tests/test_ch02_*.py, which tests/conftest.py marks `ch02`)
        against the workbook's packages, not the reference ones, and sums up what still fails.
        The lesson notebook is not run: it takes minutes and stops at the first exercise you
        have not written, while the tests tell you exactly which piece is still wrong.

Your work is never overwritten blindly. workbook/.workbook.json remembers the chapters chosen
so far and a SHA-256 of every file as it was written. On `create`, a file you have not touched
is written afresh from the reference (with all chosen chapters stubbed); a file you edited is
kept, and only the blocks of the newly chosen chapter are stubbed inside it, and only where
the block still holds the reference solution. When the reference changed under a file you
edited, your file is kept and you are told to compare.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "tensor", "nn", "visualize")  # copied into the workbook when they exist
MANIFEST = ".workbook.json"

_START = re.compile(r"^(?P<indent>[ \t]*)# EXERCISE (?P<chapter>ch\d\d): (?P<hint>\S.*?)\s*$")
_END = re.compile(r"^(?P<indent>[ \t]*)# END EXERCISE\s*$")
_ANY_MARKER = re.compile(r"^[ \t]*#\s*(END\s+)?EXERCISE\b")  # to catch misspelt markers
_STUB = 'raise NotImplementedError("Exercise {chapter}: {hint} ({where}:{line})")'
_STUB_MESSAGE = re.compile(r"^NotImplementedError: Exercise ch\d\d: .* \((?P<where>[^ ()]+:\d+)\)$")


class ExerciseMarkerError(ValueError):
    """A `# EXERCISE` / `# END EXERCISE` pair that cannot be stubbed safely."""


@dataclass(frozen=True)
class Block:
    """One exercise: marker lines `start` and `end` (0-based line indices) and what lies between."""

    chapter: str  # "ch02"
    hint: str
    indent: str  # the markers' indentation, which the stub `raise` gets too
    start: int
    end: int


def find_blocks(lines: list[str], where: str) -> list[Block]:
    """The exercise blocks in a file's lines (the file's text split at "\\n").

    A block opens with a line `<indent># EXERCISE chNN: <hint>` and closes with the next line
    `<indent># END EXERCISE` at the same indentation; every line between them is blank or starts
    with that indentation. Blocks do not nest. `where` names the file in error messages, which
    give its 1-based line numbers: an unterminated block, a nested one, an END without a start,
    a mismatched indentation or a misspelt marker is an ExerciseMarkerError, never skipped.
    """
    blocks: list[Block] = []
    open_at: int | None = None
    opened: re.Match | None = None
    for i, line in enumerate(lines):
        start, end = _START.match(line), _END.match(line)
        if start:
            if opened is not None:
                raise ExerciseMarkerError(
                    f"{where}:{i + 1}: '# EXERCISE' inside the block opened at line {open_at + 1}; "
                    "blocks cannot nest (close the first with '# END EXERCISE')"
                )
            open_at, opened = i, start
        elif end:
            if opened is None:
                raise ExerciseMarkerError(
                    f"{where}:{i + 1}: '# END EXERCISE' without an '# EXERCISE chNN: <hint>' "
                    "before it"
                )
            if end["indent"] != opened["indent"]:
                raise ExerciseMarkerError(
                    f"{where}:{i + 1}: '# END EXERCISE' is indented {len(end['indent'])} columns "
                    f"but its '# EXERCISE' (line {open_at + 1}) {len(opened['indent'])}; "
                    "they must match"
                )
            blocks.append(
                Block(opened["chapter"], opened["hint"], opened["indent"], open_at, i)
            )
            open_at, opened = None, None
        elif _ANY_MARKER.match(line):
            raise ExerciseMarkerError(
                f"{where}:{i + 1}: malformed exercise marker {line.strip()!r}; expected "
                "'# EXERCISE chNN: <hint>' or '# END EXERCISE'"
            )
        elif opened is not None and line.strip() and not line.startswith(opened["indent"]):
            raise ExerciseMarkerError(
                f"{where}:{i + 1}: this line is indented less than the '# EXERCISE' marker of "
                f"line {open_at + 1}; a block must hold whole statements of one body"
            )
    if opened is not None:
        raise ExerciseMarkerError(
            f"{where}:{open_at + 1}: '# EXERCISE {opened['chapter']}' is never closed by "
            "'# END EXERCISE'"
        )
    return blocks


def _body(lines: list[str], block: Block) -> list[str]:
    return lines[block.start + 1 : block.end]


def _is_stub(body: list[str], chapter: str) -> bool:
    code = [line.strip() for line in body if line.strip()]
    return len(code) == 1 and code[0].startswith(f'raise NotImplementedError("Exercise {chapter}:')


def stub_blocks(text: str, shown_as: str, replace) -> tuple[str, list[tuple[Block, int]]]:
    """Replace the body of each block for which `replace(block, body)` is true by a stub.

    `shown_as` is the path printed in the stub's message. Returns the new text and, for each
    stubbed block, the block and the 1-based line of its '# EXERCISE' marker in the new text.
    The new text is checked: it must still be valid Python with every stub inside a function,
    so that stubbing leaves the module importable.
    """
    lines = text.split("\n")
    out: list[str] = []
    stubbed: list[tuple[Block, int]] = []
    done = 0  # lines[:done] are handled
    for block in find_blocks(lines, shown_as):
        if not replace(block, _body(lines, block)):
            continue
        out += lines[done : block.start + 1]
        marker_line = len(out)  # 1-based line number of the marker in the new text
        stub = _STUB.format(
            chapter=block.chapter,
            hint=block.hint.replace("\\", "\\\\").replace('"', '\\"'),
            where=shown_as,
            line=marker_line,
        )
        out.append(block.indent + stub)
        stubbed.append((block, marker_line))
        done = block.end
    out += lines[done:]
    new_text = "\n".join(out)
    _check_importable(new_text, shown_as, [line for _, line in stubbed])
    return new_text, stubbed


def _check_importable(text: str, shown_as: str, marker_lines: list[int]) -> None:
    """Every stub (the line after each marker) must sit inside a function's body."""
    if not marker_lines:
        return
    try:
        tree = ast.parse(text, shown_as)
    except SyntaxError as error:
        raise ExerciseMarkerError(
            f"{shown_as}:{error.lineno}: stubbing the exercise blocks gives invalid Python "
            f"({error.msg}); put the markers around whole statements"
        ) from None
    functions = [
        (node.body[0].lineno, node.end_lineno)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    for line in marker_lines:
        if not any(first <= line + 1 <= last for first, last in functions):
            raise ExerciseMarkerError(
                f"{shown_as}:{line}: this exercise block is not inside a function body; its "
                "stub would raise on import (never put markers around module or class level code)"
            )


# ---- the workbook ------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chapter_name(text: str) -> str:
    """'2', '02' or 'ch02' -> 'ch02'."""
    match = re.fullmatch(r"(?:ch)?(\d{1,2})", text.strip().lower())
    if not match:
        raise ValueError(f"a chapter is a number like 02 (or ch02), got {text!r}")
    return f"ch{int(match[1]):02d}"


def source_files(source: Path) -> list[str]:
    """The packages' files, as paths relative to `source`, without caches or hidden files."""
    files = []
    for package in PACKAGES:
        for path in sorted((source / package).rglob("*")):
            parts = path.relative_to(source).parts
            hidden = any(part.startswith(".") or part == "__pycache__" for part in parts)
            if path.is_file() and not hidden and path.suffix != ".pyc":
                files.append("/".join(parts))
    return files


def exercises(source: Path) -> dict[str, list[tuple[str, Block]]]:
    """Every chapter's exercise blocks in the reference packages: {chapter: [(file, block)]}."""
    found: dict[str, list[tuple[str, Block]]] = {}
    for rel in source_files(source):
        if rel.endswith(".py"):
            lines = (source / rel).read_text(encoding="utf-8").split("\n")
            for block in find_blocks(lines, rel):
                found.setdefault(block.chapter, []).append((rel, block))
    return dict(sorted(found.items()))


def _read_manifest(workbook: Path) -> dict:
    path = workbook / MANIFEST
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"chapters": [], "files": {}}


def create(chapters: list[str], source: Path = REPO, workbook: Path | None = None) -> list[str]:
    """Create or update the workbook with `chapters` (and those chosen before) stubbed out.

    Returns notes for the learner: files of theirs that were kept although the repository's
    version changed or went away, and blocks left alone because they were edited.
    """
    workbook = workbook or source / "workbook"
    available = exercises(source)  # parses every file first, so a marker error stops us early
    missing = [chapter for chapter in chapters if chapter not in available]
    if missing:
        raise ValueError(
            f"no exercises for {', '.join(missing)} in the code; chapters with exercises: "
            f"{', '.join(available) or 'none yet'}"
        )
    manifest = _read_manifest(workbook)
    chosen = sorted(set(manifest["chapters"]) | set(chapters))
    new = [chapter for chapter in chapters if chapter not in manifest["chapters"]]
    workbook.mkdir(parents=True, exist_ok=True)
    label = workbook.name  # stubs name files as the learner sees them: workbook/engine/value.py
    notes: list[str] = []
    files: dict[str, dict] = {}

    for rel in source_files(source):
        reference = (source / rel).read_bytes()
        target = workbook / rel
        entry = manifest["files"].get(rel)
        shown_as = f"{label}/{rel}"
        untouched = target.exists() and entry and entry["pristine"]
        untouched = untouched and _sha(target.read_bytes()) == entry["written"]
        if not target.exists() or untouched:
            data = reference
            if rel.endswith(".py"):
                text, _ = stub_blocks(
                    reference.decode("utf-8"), shown_as, lambda block, body: block.chapter in chosen
                )
                data = text.encode("utf-8")
            pristine = True
        else:  # the learner's own file: stub only the new chapters, where untouched
            data = _stub_in_place(target, reference, new, shown_as, notes)
            pristine = False
            if entry and entry["source"] != _sha(reference):
                notes.append(
                    f"kept your {shown_as}, but {rel} changed in the repository since your copy "
                    "was made: compare the two"
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        files[rel] = {"written": _sha(data), "source": _sha(reference), "pristine": pristine}

    for rel, entry in manifest["files"].items():  # files the repository no longer has
        target = workbook / rel
        if rel in files or not target.exists():
            continue
        if entry["pristine"] and _sha(target.read_bytes()) == entry["written"]:
            target.unlink()
        else:
            notes.append(f"kept your {label}/{rel}, although the repository no longer has {rel}")

    manifest = {"chapters": chosen, "files": files}
    (workbook / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return notes


def _stub_in_place(target: Path, reference: bytes, new: list[str], shown_as: str, notes) -> bytes:
    """Stub the blocks of the `new` chapters inside the learner's copy `target`.

    A block is stubbed only where it still holds the reference solution (matched with the
    reference's blocks of that chapter in order); a block the learner changed is left alone.
    """
    current = target.read_bytes()
    if not new or not shown_as.endswith(".py"):
        return current
    ref_lines = reference.decode("utf-8").split("\n")
    ref_bodies = {}  # (chapter, n-th block of that chapter) -> the reference solution
    for block in find_blocks(ref_lines, shown_as):
        if block.chapter in new:
            key = (block.chapter, sum(k[0] == block.chapter for k in ref_bodies))
            ref_bodies[key] = _body(ref_lines, block)
    if not ref_bodies:
        return current
    count: dict[str, int] = {}  # blocks of each new chapter met so far in the learner's copy

    def replace(block: Block, body: list[str]) -> bool:
        if block.chapter not in new:
            return False
        n = count.get(block.chapter, 0)
        count[block.chapter] = n + 1
        if body == ref_bodies.get((block.chapter, n)):
            return True
        if not _is_stub(body, block.chapter):
            notes.append(
                f"{shown_as}:{block.start + 1}: you changed this {block.chapter} block, so it "
                "was left as it is"
            )
        return False

    try:
        text, _ = stub_blocks(current.decode("utf-8"), shown_as, replace)
    except (ExerciseMarkerError, UnicodeDecodeError) as error:
        notes.append(f"kept your {shown_as} as it is: could not place the new exercises ({error})")
        return current
    expected = {chapter: 0 for chapter, _ in ref_bodies}
    for chapter, _ in ref_bodies:
        expected[chapter] += 1
    if any(count.get(chapter, 0) != n for chapter, n in expected.items()):
        notes.append(
            f"{shown_as}: your copy does not have the same {'/'.join(sorted(expected))} exercise "
            "markers as the repository's; compare the two"
        )
    return text.encode("utf-8")


def unfinished(chapter: str, workbook: Path) -> list[str]:
    """The chapter's exercises still holding their stub, as 'file:line  hint', in file order."""
    todo = []
    for rel in source_files(workbook):
        if rel.endswith(".py"):
            lines = (workbook / rel).read_text(encoding="utf-8").split("\n")
            for block in find_blocks(lines, rel):
                if block.chapter == chapter and _is_stub(_body(lines, block), chapter):
                    todo.append(f"{workbook.name}/{rel}:{block.start + 1}  {block.hint}")
    return todo


# ---- checking the learner's work ---------------------------------------------------------------


@dataclass
class CheckResult:
    returncode: int  # pytest's exit status: 0 all passed, 1 some failed, 5 none collected...
    passed: list[str]
    failed: list[tuple[str, str]]  # (test id, the first line of its error)
    skipped: list[str]
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
    workbook, and records each test's outcome for the summary. pytest reads its settings from
    `source`'s pyproject.toml, as in a normal run.
    """
    workbook = workbook.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "outcomes.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(workbook), str(REPO / "tools")])
        env["GRADSCHOOL_WORKBOOK"] = str(workbook)
        env["GRADSCHOOL_WORKBOOK_REPORT"] = str(report)
        command = [sys.executable, "-m", "pytest", "-p", "workbook_plugin"]
        # --tb=no: tracebacks of hundreds of failing tests would bury the summary below, which
        # names each failing test and the exercise that makes it fail.
        command += ["-p", "no:cacheprovider", "--rootdir", str(source), "-q", "--tb=no"]
        command += ["-rN", *args]  # -rN: no short summary from pytest, ours follows
        pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT} if capture else {}
        run = subprocess.run(command, cwd=workbook, env=env, text=True, **pipe)
        reports = json.loads(report.read_text()) if report.exists() else []
    outcomes: dict[str, tuple[str, str]] = {}  # a test fails if any of its phases failed
    for test, outcome, message in reports:
        if outcomes.get(test, ("",))[0] != "failed":
            outcomes[test] = (outcome, message)
    result = CheckResult(run.returncode, [], [], [], run.stdout or "")
    for test, (outcome, message) in outcomes.items():
        if outcome == "failed":
            result.failed.append((test, message))
        else:
            (result.passed if outcome == "passed" else result.skipped).append(test)
    return result


def summary(chapter: str, result: CheckResult, workbook: Path) -> str:
    """A few friendly lines: how many tests pass, which fail, and what to do next."""
    number = chapter[2:]
    ran = len(result.passed) + len(result.failed)
    if result.returncode == 5 or (ran == 0 and result.returncode == 0):
        return f"Chapter {number}: no test ran (all deselected or skipped)."
    if result.returncode not in (0, 1):
        return (
            f"Chapter {number}: pytest could not run the tests (exit status "
            f"{result.returncode}); read the error above: a syntax error in your workbook?"
        )
    if not result.failed:
        return f"Chapter {number}: all {ran} tests pass. Well done!"
    lines = [f"Chapter {number}: {len(result.passed)} of {ran} tests pass. Still failing:"]
    for test, message in result.failed[:8]:
        stub = _STUB_MESSAGE.search(message)
        if stub:
            message = f"the exercise at {stub['where']} is not written yet"
        lines.append(f"  {test}  ({message[:100]})" if message else f"  {test}")
    if len(result.failed) > 8:
        lines.append(f"  ... and {len(result.failed) - 8} more")
    todo = unfinished(chapter, workbook)
    if todo:
        lines.append(f"{len(todo)} exercise(s) still to write; next: {todo[0]}")
    else:
        lines.append("Every exercise has your code now: the failures above say what is off.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workbook", type=Path, default=REPO / "workbook")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create", help="create/update the workbook").add_argument(
        "chapters", nargs="+"
    )
    commands.add_parser("check", help="run a chapter's tests on the workbook").add_argument(
        "chapter"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            chapters = [chapter_name(text) for text in args.chapters]
            notes = create(chapters, REPO, args.workbook)
            for note in notes:
                print("Note:", note)
            for chapter in chapters:
                todo = unfinished(chapter, args.workbook)
                print(f"Chapter {chapter[2:]}: {len(todo)} exercise(s) to write in your workbook:")
                print("\n".join(f"  {item}" for item in todo))
            print(
                "Write your code between the '# EXERCISE' and '# END EXERCISE' comments, then: "
                + " ; ".join(f"make check CH={chapter[2:]}" for chapter in chapters)
            )
            return 0
        chapter = chapter_name(args.chapter)
        if not args.workbook.is_dir():
            print(f"No workbook yet: run `make exercise CH={chapter[2:]}` first.")
            return 2
        files = chapter_tests(chapter)
        if not files:
            print(f"Chapter {chapter[2:]} has no tests yet (no tests/test_{chapter}_*.py).")
            return 0
        result = run_pytest([*files, "-m", chapter], args.workbook)
        print()
        print(summary(chapter, result, args.workbook))
        return result.returncode
    except (ValueError, OSError) as error:
        print(f"workbook: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
