"""Fail if a built book page shows noise a reader should never see.

A chapter is executed when the book is built, and whatever a cell prints lands on the page. Three
things must never be on a page (DESIGN.md, "a built page reads without noise ... and never the
solution of an exercise"):

- the solution of an exercise: the code between `# EXERCISE` and `# END EXERCISE` in the
  packages, printed for instance by `inspect.getsource` (show it with `visualize.source`, which
  puts the stub in its place). Any two consecutive lines of a solution on a page count, and so
  does a one-line solution. So does the block's hint (the text after `# EXERCISE chNN.name:`),
  which is written for a learner who is stuck and often names the solution's very operations:
  it belongs in the workbook, not on the page;

- a warning in a cell's output: `RuntimeWarning: overflow encountered in exp`, a
  `DeprecationWarning` from a library, `Warning: ...`. Either the lesson has a bug to fix, or it
  shows the warning on purpose, and then it should say so in words and silence the warning
  (`with np.errstate(...)`, `warnings.catch_warnings()`);
- a path of the machine that built the book: `/work/...`, `/root/...`, `/home/...`, `/tmp/...`,
  `.../site-packages/...`, or the repository's own folder, usually in a warning or a traceback
  or a printed file name. A reader's machine has other paths, and the page must not depend on
  where it was built. Paths inside a web address (`https://host/home/...`) are not the
  machine's and are allowed.

Warnings are looked for in cell outputs only (a paragraph may well talk about warnings); paths
anywhere in a page. `make book` runs this after building:

    python tools/check_book_pages.py book/_build/html
"""

import html as html_module
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from visualize.source import exercise_blocks, solutions  # noqa: E402  (the repository's own)

PACKAGES = ("engine", "tensor", "nn", "visualize")  # where the exercise blocks are

# "RuntimeWarning", "DeprecationWarning", "UserWarning: ..." and a bare "Warning:" / "WARNING:"
_WARNING = re.compile(r"\b[A-Z][A-Za-z]*Warning\b|(?i:\bwarning\s*:)")
_MACHINE_PATHS = ("/work/", "/root/", "/home/", "/tmp/", "/private/var/", "/Users/",
                  "site-packages", "dist-packages")
_TOKEN_END = " \t\r\n\"'<>()[]{}`,;"


class _OutputText(HTMLParser):
    """Collects the text of every notebook cell output in a page: myst-nb wraps each cell's
    outputs in <div class="cell_output ...">."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.outputs = []  # one string per cell output
        self._depth = 0  # <div> nesting depth
        self._inside = None  # the depth at which the current cell output opened

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        self._depth += 1
        classes = (dict(attrs).get("class") or "").split()
        if self._inside is None and "cell_output" in classes:
            self._inside = self._depth
            self.outputs.append("")

    def handle_endtag(self, tag):
        if tag != "div":
            return
        if self._inside == self._depth:
            self._inside = None
        self._depth -= 1

    def handle_data(self, data):
        if self._inside is not None:
            self.outputs[-1] += data


def output_texts(html):
    """The text of each cell output of a page's HTML."""
    parser = _OutputText()
    parser.feed(html)
    parser.close()
    return parser.outputs


def warnings_in(html):
    """The output lines of a page that show a warning."""
    found = []
    for text in output_texts(html):
        for line in text.splitlines():
            if _WARNING.search(line):
                found.append(line.strip()[:200])
    return found


def machine_paths_in(html, repo=REPO):
    """Each path of the build machine a page's HTML holds (the text around it, to find it)."""
    needles = list(_MACHINE_PATHS)
    if len(Path(repo).parts) > 1:
        needles.append(str(repo))
    found, seen = [], set()
    for needle in needles:
        for match in re.finditer(re.escape(needle), html):
            if match.start() in seen:
                continue
            start = match.start()
            while start > 0 and html[start - 1] not in _TOKEN_END:
                start -= 1
            token = html[start:match.end()]
            if "://" in token and not token.startswith("file://"):
                continue  # part of a web address, not a path of this machine
            seen.update(range(start, match.end()))
            excerpt = html[max(0, match.start() - 60):match.end() + 60].replace("\n", " ")
            found.append(f"{needle!r} in ...{excerpt}...")
    return found


def solution_snippets(repo=REPO):
    """(block, snippet) for every exercise solution in the packages: each pair of consecutive
    code lines of a block's body (stripped, comments and blank lines left out), or the line
    itself for a one-line body."""
    snippets = []
    for package in PACKAGES:
        for path in sorted((Path(repo) / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for number, body in enumerate(solutions(text, str(path.relative_to(repo)))):
                code = [line.strip() for line in body]
                code = [line for line in code if line and not line.startswith("#")]
                pairs = ["\n".join(code[i:i + 2]) for i in range(len(code) - 1)]
                where = f"{path.relative_to(repo)} (exercise block {number + 1})"
                snippets += [(where, snippet) for snippet in pairs or code]
    return snippets


def hint_snippets(repo=REPO):
    """(block, hint) for every exercise block in the packages, its hint's whitespace collapsed."""
    hints = []
    for package in PACKAGES:
        for path in sorted((Path(repo) / package).rglob("*.py")):
            blocks = exercise_blocks(path.read_text(encoding="utf-8"), str(path))
            for number, (_, hint, *_) in enumerate(blocks):
                where = f"{path.relative_to(repo)} (exercise block {number + 1})"
                hints.append((where, " ".join(hint.split())))
    return hints


def hints_in(html, hints):
    """The exercise hints (see `hint_snippets`) that a page's HTML shows, anywhere in a line."""
    text = " ".join(page_lines(html).split())
    return [(where, hint) for where, hint in hints if hint in text]


def page_lines(html):
    """A page's visible text, one stripped line per line, tags and entities removed."""
    text = html_module.unescape(re.sub(r"<[^>]*>", "", html))
    return "\n".join(line.strip() for line in text.splitlines())


def solutions_in(html, snippets):
    """The solution snippets (see `solution_snippets`) that a page's HTML shows."""
    text = "\n" + page_lines(html) + "\n"
    shown = {}  # one snippet per block is enough to point at it
    for where, snippet in snippets:
        if where not in shown and f"\n{snippet}\n" in text:
            shown[where] = snippet
    return list(shown.items())


def problems(html_folder, repo=REPO):
    """(page, problem) for every exercise solution or hint, stray warning and machine path in
    the built pages."""
    found, snippets, hints = [], solution_snippets(repo), hint_snippets(repo)
    for page in sorted(Path(html_folder).rglob("*.html")):
        if "_static" in page.relative_to(html_folder).parts:
            continue  # the theme's and MathJax's own files, not pages
        html = page.read_text(encoding="utf-8", errors="replace")
        found += [(page, f"the solution of an exercise in {where}: {snippet!r}")
                  for where, snippet in solutions_in(html, snippets)]
        found += [(page, f"the hint of an exercise in {where} (it spells out the solution): "
                         f"{hint!r}") for where, hint in hints_in(html, hints)]
        found += [(page, f"a warning in a cell's output: {line}") for line in warnings_in(html)]
        found += [(page, f"a path of the build machine: {where}")
                  for where in machine_paths_in(html, repo)]
    return found


def main(argv):
    folder = argv[1] if len(argv) > 1 else "book/_build/html"
    if not Path(folder).is_dir():
        print(f"check_book_pages: no built book at {folder}; run `make book` first")
        return 2
    found = problems(folder)
    for page, problem in found:
        print(f"{page}: {problem}")
    if found:
        print(f"{len(found)} problem(s) in the built pages: fix the lesson that prints them")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
