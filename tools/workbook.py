"""The exercise workbook: your own copy of Grad School with a chapter's key code cut out.

The solution of every exercise sits in the real source, between two comments:

    # EXERCISE ch02.exp: <a one-line hint for the learner>
    ...the solution, indented like the markers...
    # END EXERCISE

`ch02` is the chapter, `exp` the exercise's name (lower case, digits and _; optional:
`# EXERCISE ch02: <hint>` is valid too, and one name may cover several blocks, such as the
forward and the backward of one op). tools/exercise_blocks.py reads and stubs the blocks.

    python tools/workbook.py create 02     (make exercise CH=02)
        copies the packages (engine, tensor, nn, visualize) into workbook/ and replaces the
        body of every ch02 block by `raise NotImplementedError("Exercise ch02.exp: <hint>
        (file:line)")` at the markers' indentation. The markers stay, so you see where to write.
    python tools/workbook.py check 02      (make check CH=02)
        runs chapter 02's tests (tests/test_ch02_*.py, which tests/conftest.py marks `ch02`)
        against the workbook's packages, not the reference ones, and sums up what still fails,
        grouped by exercise (tools/workbook_check.py). Tests marked `slow` are left out unless
        you add --slow (make check CH=02 SLOW=1). The lesson notebook is not run: it takes
        minutes and stops at the first exercise you have not written, while the tests tell you
        exactly which piece is still wrong.
    python tools/workbook.py check 02 --exercise exp       (make check CH=02 EX=exp)
        runs only the tests of exercise ch02.exp.

A test says which exercise it checks with a marker; a test of several exercises names each:

    @pytest.mark.exercise("ch02.exp")
    def test_exp_gradient(): ...

(`pytestmark = pytest.mark.exercise("ch02.exp")` at the top of a file marks all its tests.)
Unmarked tests run with the whole chapter and never with EX=.

Your work is never overwritten blindly. workbook/.workbook.json remembers the chapters chosen
so far and a SHA-256 of every file as it was written. On `create`, a file you have not touched
is written afresh from the reference (with all chosen chapters stubbed); a file you edited is
kept, and only the blocks of the newly chosen chapter are stubbed inside it, and only where
the block still holds the reference solution. When the reference changed under a file you
edited, your file is kept and you are told to compare.

Exit status of `check`: pytest's (0 when every test passed, 1 when some failed, 5 when none
ran, ...); 2 when the command itself is wrong (no workbook yet, an unknown chapter or exercise).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from exercise_blocks import (
    Block,
    ExerciseMarkerError,
    blocks_in,
    body,
    find_blocks,
    source_files,
    state,
    stub_blocks,
)
from workbook_check import chapter_tests, run_pytest, summary

REPO = Path(__file__).resolve().parent.parent
MANIFEST = ".workbook.json"


# ---- chapters and exercises by name -------------------------------------------------------------


def chapter_name(text: str) -> str:
    """'2', '02' or 'ch02' -> 'ch02'."""
    match = re.fullmatch(r"(?:ch)?(\d{1,2})", text.strip().lower())
    if not match:
        raise ValueError(f"a chapter is a number like 02 (or ch02), got {text!r}")
    return f"ch{int(match[1]):02d}"


def chapters_with_exercises(source: Path) -> list[str]:
    """The chapters that have exercise blocks in the reference packages, in order."""
    return sorted({placed.block.chapter for placed in blocks_in(source)})


def exercise_id(chapter: str, name: str, source: Path = REPO) -> str:
    """'exp' or 'ch02.exp' -> 'ch02.exp', if chapter 02 has an exercise of that name; else a
    ValueError that lists the names it has."""
    names = list(dict.fromkeys(p.block.name for p in blocks_in(source, chapter) if p.block.name))
    wanted = name.strip().lower().removeprefix(f"{chapter}.")
    if wanted in names:
        return f"{chapter}.{wanted}"
    number = chapter[2:]
    if not names:
        raise ValueError(f"chapter {number}'s exercises have no names, so EX= cannot choose one; "
                         f"run them all with `make check CH={number}`")
    raise ValueError(f"chapter {number} has no exercise {name!r}; its exercises: "
                     f"{', '.join(names)} (make check CH={number} EX={names[0]})")


# ---- the workbook -------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    available = chapters_with_exercises(source)  # reads every marker: a bad one stops us here
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
            ref_bodies[key] = body(ref_lines, block)
    if not ref_bodies:
        return current
    count: dict[str, int] = {}  # blocks of each new chapter met so far in the learner's copy

    def replace(block: Block, lines: list[str]) -> bool:
        if block.chapter not in new:
            return False
        n = count.get(block.chapter, 0)
        count[block.chapter] = n + 1
        if lines == ref_bodies.get((block.chapter, n)):
            return True
        if state(lines) != "stub":
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
    """The chapter's blocks still holding their stub, as 'file:line  hint', in file order."""
    return [f"{workbook.name}/{p.file}:{p.line}  {p.block.hint}"
            for p in blocks_in(workbook, chapter) if p.state != "written"]


# ---- checking and the command line --------------------------------------------------------------


def check(chapter: str, workbook: Path, exercise: str = "", slow: bool = False,
          source: Path = REPO) -> int:
    """Run the chapter's tests (of one exercise, if given) on the workbook; print the summary.
    Returns pytest's exit status."""
    number = chapter[2:]
    if not workbook.is_dir():
        print(f"No workbook yet: run `make exercise CH={number}` first.")
        return 2
    files = chapter_tests(chapter, source)
    if not files:
        print(f"Chapter {number} has no tests yet (no tests/test_{chapter}_*.py).")
        return 0
    args = [*files, "-m", chapter]
    args += ["--exercise", exercise] if exercise else []
    args += [] if slow else ["--leave-out-slow"]
    print(f"Running chapter {number}'s tests on {workbook.name}/ ...", flush=True)
    result = run_pytest(args, workbook, source)
    print()
    print(summary(chapter, result, workbook, exercise, source))
    return result.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workbook", type=Path, default=REPO / "workbook")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create", help="create/update the workbook").add_argument(
        "chapters", nargs="+"
    )
    checking = commands.add_parser("check", help="run a chapter's tests on the workbook")
    checking.add_argument("chapter")
    checking.add_argument("--exercise", default="", help="only this exercise's tests: exp")
    checking.add_argument("--slow", action="store_true", help="run the slow tests too")
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
        exercise = exercise_id(chapter, args.exercise) if args.exercise else ""
        return check(chapter, args.workbook, exercise, args.slow)
    except (ValueError, OSError) as error:
        print(f"workbook: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
