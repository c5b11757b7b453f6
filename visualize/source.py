"""Show the engine's own source code in a lesson without giving an exercise away.

A lesson reads best next to the code it explains, so chapters print functions straight from
the packages. But some of that code is an exercise: its solution sits between two comments,

    # EXERCISE ch04: <a one-line hint>
    ...the solution...
    # END EXERCISE

and a book that printed it would hand the answer over. The hint would too: written for a
learner who is stuck, it often names the very operations of the solution ("buffer /= world
size; ..."). `source(function)` is the function's source with every such block reduced to
where the code goes and which exercise it is: the start marker without its hint, the line
`raise NotImplementedError("Exercise ch04: your code (make exercise CH=04)")` and the end
marker. So the page shows the surrounding code and the place of the exercise, never the code
itself nor its hint; the workbook (`make exercise`) keeps the hint, for whoever asks for it.
`show_source` and `side_by_side` display that text, syntax-coloured, in Jupyter and in the book.

The markers are parsed strictly (tools/workbook.py reads the same ones to build the workbook): a
block that never ends, an END without a start or a block inside a block raises ValueError, so a
typo can never let a solution through.
"""

import html
import inspect
import re
import textwrap

_START = re.compile(
    r"^(?P<indent>[ \t]*)# EXERCISE (?P<exercise>ch\d\d(?:\.[a-z][a-z0-9_]*)?): (?P<hint>\S.*?)\s*$"
)
_END = re.compile(r"^[ \t]*# END EXERCISE\s*$")
_ANY_MARKER = re.compile(r"^[ \t]*#\s*(END\s+)?EXERCISE\b")


def exercise_blocks(text, where="<source>"):
    """The exercise blocks of `text` (Python source), in order, as tuples
    (exercise, hint, indent, first, last): the exercise's id ("ch04" or "ch02.tanh"), its hint,
    the markers' indentation, and the 0-based line numbers of its two marker lines.

    Raises ValueError, naming `where` and the line, for a marker it cannot pair up: a block that
    starts inside another, an END without a start, a misspelt marker, a block that never ends."""
    blocks, opened = [], None
    for number, line in enumerate(text.split("\n")):
        start, end = _START.match(line), _END.match(line)
        if start:
            if opened is not None:
                raise ValueError(f"{where}:{number + 1}: an exercise block starts inside another")
            opened = (start, number)
        elif end:
            if opened is None:
                raise ValueError(f"{where}:{number + 1}: '# END EXERCISE' without an exercise")
            match, first = opened
            blocks.append((match["exercise"], match["hint"], match["indent"], first, number))
            opened = None
        elif _ANY_MARKER.match(line):
            raise ValueError(f"{where}:{number + 1}: a misspelt exercise marker: {line.strip()!r}")
    if opened is not None:
        raise ValueError(f"{where}: the exercise block {opened[0]['exercise']} never ends")
    return blocks


def solutions(text, where="<source>"):
    """The body of every exercise block of `text`: a list of lists of lines, one per block.
    What a book page must never show (tools/check_book_pages.py looks for them)."""
    lines = text.split("\n")
    return [lines[first + 1:last] for _, _, _, first, last in exercise_blocks(text, where)]


def stub_exercises(text, where="<source>", hints=True):
    """`text` (Python source) with the body of every exercise block replaced by one line,
    `raise NotImplementedError("Exercise chNN[.name]: <hint>")`, at the markers' indentation.

    The marker comments stay, so a reader sees where an exercise begins and ends. With
    hints=False (what a book page shows) the hint is left out of both the marker and the
    message. Raises ValueError for markers that do not pair up (see `exercise_blocks`)."""
    lines = text.split("\n")
    for exercise, hint, indent, first, last in reversed(exercise_blocks(text, where)):
        if not hints:
            chapter = exercise[2:4]
            lines[first] = f"{indent}# EXERCISE {exercise}"
            hint = f"your code (make exercise CH={chapter})"
        hint = hint.replace("\\", "\\\\").replace('"', '\\"')
        stub = f'{indent}raise NotImplementedError("Exercise {exercise}: {hint}")'
        lines[first + 1:last] = [stub]
    return "\n".join(lines)


def source(obj):
    """The source code of a function, method or class, dedented, with every exercise block
    stubbed out and its hint left out (see `stub_exercises`)."""
    obj = inspect.unwrap(getattr(obj, "__func__", obj))
    where = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
    return stub_exercises(textwrap.dedent(inspect.getsource(obj)).rstrip("\n"), where,
                          hints=False)


class SourceCode:
    """Some source code to display: in Jupyter and in the book as syntax-coloured HTML, as
    plain text elsewhere. `title` is a caption above it (optional)."""

    def __init__(self, code, title=None):
        self.code = code
        self.title = title

    def __repr__(self):
        return f"{self.title}\n{self.code}" if self.title else self.code

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))

    def _repr_html_(self):
        caption = f"<b>{html.escape(self.title)}</b>" if self.title else ""
        return f"<div class='gradschool-source'>{caption}{_highlight(self.code)}</div>"


class SideBySide:
    """Several SourceCode blocks in columns, for comparing two versions of one idea."""

    def __init__(self, blocks):
        self.blocks = blocks

    def __repr__(self):
        return "\n\n".join(repr(block) for block in self.blocks)

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))

    def _repr_html_(self):
        cells = "".join(
            f"<td style='vertical-align:top; text-align:left'>{block._repr_html_()}</td>"
            for block in self.blocks
        )
        return f"<table class='gradschool-side-by-side'><tr>{cells}</tr></table>"


def show_source(obj, title=None):
    """Display `obj`'s source (exercise blocks stubbed, without hints), e.g.
    `show_source(tensor.unbroadcast)` as the last line of a notebook cell."""
    return SourceCode(source(obj), title)


def side_by_side(**objects):
    """The sources of several functions in columns headed by the keyword names, e.g.
    `side_by_side(**{"Value.__mul__": Value.__mul__, "Tensor.__mul__": Tensor.__mul__})`."""
    return SideBySide([SourceCode(source(obj), title) for title, obj in objects.items()])


def _highlight(code):
    """`code` as HTML: coloured by Pygments (inline styles, so it needs no stylesheet) when it
    is installed, as plain preformatted text otherwise."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(code)}</pre>"
    return highlight(code, PythonLexer(), HtmlFormatter(noclasses=True, style="default"))
