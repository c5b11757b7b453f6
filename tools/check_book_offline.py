"""Fail if a built book page would fetch anything from the internet.

The book must work offline (DESIGN.md): every script, stylesheet, image and frame a page loads
must come from the book itself. Ordinary hyperlinks (<a href="https://...">) are fine: they
are only followed when a reader clicks. A notebook output can bring a loader along (tqdm.auto's
progress-bar widget, for one, makes the page load the Jupyter widget manager from a CDN), so
`make book` runs this check on the built HTML.

    python tools/check_book_offline.py book/_build/html
"""

import re
import sys
from pathlib import Path

# src="http..." on any tag, or href="http..." on the tags that load what they name
_REMOTE_LOAD = re.compile(
    r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*["']?(https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(https?:)?//"""
    r"""|require\.config\([^)]*https?://""",
    re.IGNORECASE,
)


def remote_loads(html_folder):
    """(page, excerpt) for every place in the built pages that loads something remote."""
    found = []
    for page in sorted(Path(html_folder).rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for match in _REMOTE_LOAD.finditer(text):
            found.append((page, text[match.start():match.start() + 160].replace("\n", " ")))
    return found


def main(argv):
    folder = argv[1] if len(argv) > 1 else "book/_build/html"
    if not Path(folder).is_dir():
        print(f"check_book_offline: no built book at {folder}; run `make book` first")
        return 2
    found = remote_loads(folder)
    for page, excerpt in found:
        print(f"{page}: loads from the internet: {excerpt}")
    if found:
        print(f"{len(found)} remote load(s): the book would not work offline")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
