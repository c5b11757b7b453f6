"""The book's configuration (book/), checked without building it: `make book` builds it in CI.

What must hold: every lesson is in the table of contents, in chapter order; lessons are
executed at every build and a failing cell fails it; math comes from the MathJax copy served
by the book itself, and nothing is fetched from the internet."""

import importlib.util
import re
from pathlib import Path

import pytest
from jupyter_book.config import get_final_config
from sphinx.util.matching import patfilter
from sphinx_external_toc.parsing import parse_toc_yaml

pytestmark = pytest.mark.tooling

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"


@pytest.fixture(scope="module")
def sphinx_config():
    """The Sphinx configuration that `jupyter-book build book` really uses."""
    config, _ = get_final_config(
        user_yaml=BOOK / "_config.yml",
        cli_config={"latex_individualpages": False},
        sourcedir=BOOK,
        raise_on_invalid=True,
    )
    return config


def chapters_in_book(lesson_names):
    """The lessons the table of contents lists, in its order, given the notebooks' file names."""
    site_map = parse_toc_yaml(BOOK / "_toc.yml")
    docnames = [f"lessons/{Path(name).stem}" for name in lesson_names]
    listed = []
    for pattern in sorted(site_map.globs()):
        listed += sorted(patfilter(docnames, pattern))  # as sphinx_external_toc expands a glob
    return listed + [name for name in site_map if name.startswith("lessons/")]


def test_the_toc_lists_lessons_in_chapter_order_and_skips_other_files():
    names = ["10_attention.ipynb", "02_value_engine.ipynb", "01_derivatives.ipynb", "notes.ipynb"]
    assert chapters_in_book(names) == [
        "lessons/01_derivatives",
        "lessons/02_value_engine",
        "lessons/10_attention",
    ]


def test_every_lesson_is_in_the_book():
    lessons = sorted(path.name for path in (REPO / "lessons").glob("*.ipynb"))
    for name in lessons:  # a lesson named otherwise would silently be left out of the book
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", name), f"lesson {name} is not NN_topic"
    assert chapters_in_book(lessons) == [f"lessons/{Path(name).stem}" for name in lessons]
    assert parse_toc_yaml(BOOK / "_toc.yml").root.docname == "intro"
    assert (BOOK / "intro.md").is_file()


def test_the_book_reaches_the_lessons_through_a_link():
    """The notebooks live in lessons/; book/lessons points there, so links and images that are
    relative to a lesson work in the book as they do in Jupyter."""
    link = BOOK / "lessons"
    assert link.is_symlink() and link.resolve() == (REPO / "lessons").resolve()
    assert Path(link.readlink()) == Path("../lessons")  # relative, so a clone anywhere works


def test_every_build_executes_every_lesson_and_a_failing_cell_fails_it(sphinx_config):
    assert sphinx_config["nb_execution_mode"] == "force"
    assert sphinx_config["nb_execution_allow_errors"] is False
    assert sphinx_config["nb_execution_raise_on_error"] is True
    assert sphinx_config["nb_execution_timeout"] >= 300  # seconds per cell
    assert sphinx_config["nb_execution_in_temp"] is False  # run in lessons/, as in Jupyter
    assert sphinx_config["external_toc_exclude_missing"] is True


def test_make_book_fails_on_warnings_and_rereads_every_lesson():
    """--all: without it Sphinx skips unchanged lessons, so a second `make book` would neither
    re-run them against changed code nor repeat the warnings that failed the first one."""
    recipe = re.search(r"^book:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.M)
    build = next(line for line in recipe[1].splitlines() if "jupyter-book build" in line)
    assert "--warningiserror" in build and "--all" in build


def test_mathjax_is_served_by_the_book_itself(sphinx_config):
    path = sphinx_config["mathjax_path"]
    assert "://" not in path and not path.startswith("/"), path  # relative to _static/
    static = sphinx_config["html_static_path"]
    # Not book/_static: Jupyter Book 1 adds every .js file there to every page as a <script>.
    assert "_static" not in static and not (BOOK / "_static").exists()
    served = [BOOK / folder / path for folder in static if (BOOK / folder / path).is_file()]
    assert served, (
        f"MathJax is missing: none of {static} holds {path}; "
        "run `make book/mathjax/es5/tex-chtml.js` (needs npm once)"
    )
    assert "MathJax" in served[0].read_text(encoding="utf-8")[:200_000]


def test_nothing_is_fetched_from_the_internet(sphinx_config):
    def strings(value, where=""):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from strings(item, f"{where}.{key}")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                yield from strings(item, f"{where}[{i}]")
        elif isinstance(value, str):
            yield where, value

    urls = [(where, value) for where, value in strings(sphinx_config) if "://" in value]
    assert urls == []
    assert "sphinx_thebe" not in sphinx_config["extensions"]  # it names a script on unpkg.com
    launch = sphinx_config["html_theme_options"]["launch_buttons"]
    assert not any(launch[key] for key in launch if key != "notebook_interface")
    assert not any(sphinx_config["html_theme_options"]["analytics"].values())


def test_the_front_page_explains_the_exercises():
    intro = (BOOK / "intro.md").read_text(encoding="utf-8")
    assert "make exercise CH=" in intro and "make check CH=" in intro


def test_the_offline_check_flags_remote_loaders_but_not_links(tmp_path):
    path = Path(__file__).resolve().parents[1] / "tools" / "check_book_offline.py"
    spec = importlib.util.spec_from_file_location("check_book_offline", path)
    check_book_offline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_book_offline)

    (tmp_path / "ok.html").write_text(
        '<a href="https://pytorch.org">PyTorch</a><script src="../_static/es5/tex-chtml.js">'
        '</script><link rel="stylesheet" href="_static/book.css">')
    (tmp_path / "bad.html").write_text(
        '<script src="https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager/embed.js">'
        '</script><img src="//example.org/x.png">')
    found = check_book_offline.remote_loads(tmp_path)
    assert [page.name for page, _ in found] == ["bad.html", "bad.html"]
    assert check_book_offline.main(["check", str(tmp_path)]) == 1
    (tmp_path / "bad.html").unlink()
    assert check_book_offline.main(["check", str(tmp_path)]) == 0
