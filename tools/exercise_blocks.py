"""Exercise blocks: the `# EXERCISE` comments in the source, and the stubs that replace them.

An exercise's solution sits in the real source between two comments:

    # EXERCISE ch02.exp: <a one-line hint for the learner>
    ...the solution, indented like the markers...
    # END EXERCISE

`ch02` is the chapter and `exp` the exercise's name within it (lower case, digits and `_`).
The name is optional (`# EXERCISE ch02: <hint>` is a chapter's exercise without a name), and
two blocks may share one: `ch06.linear` is a forward and a backward block, one exercise. A
test says which exercise it checks with `@pytest.mark.exercise("ch02.exp")`.

A stub replaces a block's body by one line at the markers' indentation,

    raise NotImplementedError("Exercise ch02.exp: <hint> (workbook/engine/value.py:143)")

so the module still imports and the first test that reaches the exercise says which it is.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("engine", "tensor", "nn", "visualize")  # copied into the workbook when they exist

_NAME = r"[a-z][a-z0-9_]*"
_START = re.compile(
    rf"^(?P<indent>[ \t]*)# EXERCISE (?P<chapter>ch\d\d)(?:\.(?P<name>{_NAME}))?: "
    r"(?P<hint>\S.*?)\s*$"
)
_END = re.compile(r"^(?P<indent>[ \t]*)# END EXERCISE\s*$")
_ANY_MARKER = re.compile(r"^[ \t]*#\s*(END\s+)?EXERCISE\b")  # to catch misspelt markers
_STUB = 'raise NotImplementedError("Exercise {exercise}: {hint} ({where}:{line})")'
_STUB_LINE = re.compile(rf'^raise NotImplementedError\("Exercise ch\d\d(\.{_NAME})?: ')
EXERCISE_ID = re.compile(rf"ch\d\d(\.{_NAME})?")  # what @pytest.mark.exercise(...) names


class ExerciseMarkerError(ValueError):
    """A `# EXERCISE` / `# END EXERCISE` pair that cannot be stubbed safely."""


@dataclass(frozen=True)
class Block:
    """One exercise block: marker lines `start` and `end` (0-based line indices) and the lines
    between them, its body."""

    chapter: str  # "ch02"
    name: str  # "exp", or "" for a block without a name
    hint: str
    indent: str  # the markers' indentation, which the stub `raise` gets too
    start: int
    end: int

    @property
    def exercise(self) -> str:
        """The exercise's id, as tests name it: "ch02.exp", or "ch02" without a name."""
        return f"{self.chapter}.{self.name}" if self.name else self.chapter


def find_blocks(lines: list[str], where: str) -> list[Block]:
    """The exercise blocks in a file's lines (the file's text split at "\\n").

    A block opens with a line `<indent># EXERCISE chNN[.name]: <hint>` and closes with the next
    line `<indent># END EXERCISE` at the same indentation; every line between them is blank or
    starts with that indentation. Blocks do not nest. Markers are comments: the same text inside
    a string, such as a docstring that shows an example, is not one. `where` names the file in
    error messages, which give its 1-based line numbers: an unterminated block, a nested one, an
    END without a start, a mismatched indentation or a misspelt marker is an
    ExerciseMarkerError, never skipped.
    """
    comments = _comment_lines(lines)
    blocks: list[Block] = []
    open_at: int | None = None
    opened: re.Match | None = None
    for i, line in enumerate(lines):
        marker = comments is None or i in comments
        start, end = marker and _START.match(line), marker and _END.match(line)
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
            blocks.append(Block(opened["chapter"], opened["name"] or "", opened["hint"],
                                opened["indent"], open_at, i))
            open_at, opened = None, None
        elif marker and _ANY_MARKER.match(line):
            raise ExerciseMarkerError(
                f"{where}:{i + 1}: malformed exercise marker {line.strip()!r}; expected "
                "'# EXERCISE chNN: <hint>', '# EXERCISE chNN.name: <hint>' (a name in lower "
                "case, digits and _) or '# END EXERCISE'"
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


def _comment_lines(lines: list[str]) -> set[int] | None:
    """The (0-based) lines that start with a comment, as Python's tokenizer reads them, so that
    a line inside a string never counts. None when the text does not tokenize (a learner's file
    in the middle of an edit): then every line that looks like a marker counts as one."""
    comments = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines)).readline):
            if token.type == tokenize.COMMENT and not token.line[: token.start[1]].strip():
                comments.add(token.start[0] - 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    return comments


def body(lines: list[str], block: Block) -> list[str]:
    """The lines between a block's two markers."""
    return lines[block.start + 1 : block.end]


def state(block_body: list[str]) -> str:
    """What the learner has done with a block: "stub" (only the stub's raise, perhaps with
    comments), "stub and code" (code written, but the raise line left in, so the code never
    runs) or "written"."""
    code = [line.strip() for line in block_body if line.strip()]
    code = [line for line in code if not line.startswith("#")]
    stubs = [line for line in code if _STUB_LINE.match(line)]
    if not stubs:
        return "written"
    return "stub" if len(code) == len(stubs) else "stub and code"


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
        if not replace(block, body(lines, block)):
            continue
        out += lines[done : block.start + 1]
        marker_line = len(out)  # 1-based line number of the marker in the new text
        stub = _STUB.format(
            exercise=block.exercise,
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


# ---- the blocks of a whole source tree ----------------------------------------------------------


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


@dataclass(frozen=True)
class Placed:
    """A block as it is now in a file of a tree: the file, the block, and its body's state."""

    file: str  # relative to the tree: "engine/value.py"
    block: Block
    state: str  # see state()

    @property
    def line(self) -> int:
        """The 1-based line of the block's '# EXERCISE' marker."""
        return self.block.start + 1


def blocks_in(tree: Path, chapter: str | None = None) -> list[Placed]:
    """Every exercise block in the packages under `tree` (of one chapter, if given), in file
    order. Read afresh on every call, so the line numbers are those of the files as they are."""
    found = []
    for rel in source_files(tree):
        if rel.endswith(".py"):
            lines = (tree / rel).read_text(encoding="utf-8").split("\n")
            for block in find_blocks(lines, rel):
                if chapter is None or block.chapter == chapter:
                    found.append(Placed(rel, block, state(body(lines, block))))
    return found

