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


# ---- the pages: no noise, no solutions (tools/check_book_pages.py, run by `make book`) -------


def load_tool(name):
    path = REPO / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cell(output):
    """A notebook cell as myst-nb writes it into a page, with `output` as its printed text."""
    return ('<div class="cell docutils container"><div class="cell_input docutils container">'
            '<pre>x = 1</pre></div><div class="cell_output docutils container"><div class="output'
            f' stream highlight-myst-ansi notranslate"><div class="highlight"><pre>{output}'
            '</pre></div></div></div></div>')


def test_the_page_check_flags_warnings_in_outputs_but_not_in_prose():
    check = load_tool("check_book_pages")
    prose = "<p>NumPy prints a RuntimeWarning: overflow when exp overflows.</p>"
    assert check.warnings_in(prose + cell("loss 0.31\naccuracy 98%")) == []
    for noise in ["lessons/x.py:3: RuntimeWarning: overflow encountered in exp",
                  "DeprecationWarning: np.find_common_type is deprecated",
                  "UserWarning: the figure layout has changed", "Warning: no GPU", "WARNING: slow"]:
        assert check.warnings_in(prose + cell(noise)) == [noise]
    assert check.warnings_in(cell("a forewarning is not a warning")) == []


def test_the_page_check_flags_paths_of_the_build_machine_but_not_web_addresses(tmp_path):
    check = load_tool("check_book_pages")
    repo = tmp_path / "checkout"
    clean = '<a href="https://github.com/home/x">x</a> <p>/usr/share/datasets/fashion-mnist</p>'
    assert check.machine_paths_in(clean, repo) == []
    for path in ["/work/main/tensor/ops/elementwise.py", "/root/.cache/x", "/home/ann/x.py",
                 "/tmp/tmpab12/mlp.safetensors", "/opt/venv/lib/python3.11/site-packages/np.py",
                 f"{repo}/nn/module.py", "file:///home/ann/book/index.html"]:
        found = check.machine_paths_in(cell(path), repo)
        assert len(found) == 1, (path, found)


def test_the_page_check_flags_an_exercise_solution(tmp_path):
    check = load_tool("check_book_pages")
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "ops.py").write_text(
        "def double(x):\n"
        "    # EXERCISE ch09.double: return two times x\n"
        "    y = x + x\n"
        "    return y\n"
        "    # END EXERCISE\n"
        "def one():\n"
        "    # EXERCISE ch09: return the number one\n"
        "    return 1.0 * one_as_float\n"
        "    # END EXERCISE\n")
    snippets = check.solution_snippets(tmp_path)
    assert [snippet for _, snippet in snippets] == ["y = x + x\nreturn y",
                                                    "return 1.0 * one_as_float"]
    shown = "<pre><span>y</span> = x + x\n    <span>return</span> y</pre>"
    assert [where for where, _ in check.solutions_in(shown, snippets)] == [
        "engine/ops.py (exercise block 1)"]
    stub = '<pre>raise NotImplementedError("Exercise ch09.double: return two times x")</pre>'
    assert check.solutions_in(stub + "<p>y = x + x</p>", snippets) == []
    assert len(check.solutions_in("<pre>return 1.0 * one_as_float</pre>", snippets)) == 1
    hints = check.hint_snippets(tmp_path)
    assert [hint for _, hint in hints] == ["return two times x", "return the number one"]
    assert [where for where, _ in check.hints_in(stub, hints)] == [
        "engine/ops.py (exercise block 1)"]
    assert check.hints_in('<pre>raise NotImplementedError("Exercise ch09.double: your code '
                          '(make exercise CH=09)")</pre>', hints) == []


def test_the_page_check_passes_a_clean_book_and_fails_a_noisy_one(tmp_path, capsys):
    check = load_tool("check_book_pages")
    (tmp_path / "lessons").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "lessons" / "01.html").write_text(cell("14.000000000000002"))
    (tmp_path / "_static" / "theme.html").write_text("/home/ is the theme's business")
    assert check.main(["check", str(tmp_path)]) == 0
    (tmp_path / "lessons" / "02.html").write_text(cell("/work/x.py:1: RuntimeWarning: oops"))
    assert check.main(["check", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "02.html: a warning in a cell's output" in printed
    assert "02.html: a path of the build machine" in printed


# ---- exercise solutions are shown as stubs (visualize/source.py) ----------------------------


def test_source_shows_the_stub_in_place_of_a_solution():
    from visualize.source import stub_exercises

    text = ("def f(x):\n"
            "    y = 2\n"
            '    # EXERCISE ch04.f: return "x" times y\n'
            "    z = x * y\n"
            "    return z\n"
            "    # END EXERCISE\n")
    assert stub_exercises(text) == (
        "def f(x):\n"
        "    y = 2\n"
        '    # EXERCISE ch04.f: return "x" times y\n'
        '    raise NotImplementedError("Exercise ch04.f: return \\"x\\" times y")\n'
        "    # END EXERCISE\n")
    assert stub_exercises(text, hints=False) == (  # what a book page shows: no hint either
        "def f(x):\n"
        "    y = 2\n"
        "    # EXERCISE ch04.f\n"
        '    raise NotImplementedError("Exercise ch04.f: your code (make exercise CH=04)")\n'
        "    # END EXERCISE\n")


@pytest.mark.parametrize("text, error", [
    ("# EXERCISE ch01: a\nx = 1\n", "never ends"),
    ("x = 1\n# END EXERCISE\n", "without an exercise"),
    ("# EXERCISE ch01: a\n# EXERCISE ch01: b\n# END EXERCISE\n", "starts inside another"),
    ("# EXERCISE: a\nx = 1\n# END EXERCISE\n", "misspelt"),
])
def test_source_refuses_markers_it_cannot_pair(text, error):
    from visualize.source import stub_exercises

    with pytest.raises(ValueError, match=error):
        stub_exercises(text)


def test_every_exercise_in_the_packages_is_stubbed_when_shown():
    from visualize.source import exercise_blocks, stub_exercises

    blocks = 0
    for package in ("engine", "tensor", "nn", "visualize"):
        for path in (REPO / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found = exercise_blocks(text, str(path))
            stubbed = stub_exercises(text, str(path))
            assert stubbed.count("raise NotImplementedError(\"Exercise ch") >= len(found)
            assert len(stubbed.splitlines()) == len(text.splitlines()) - sum(
                last - first - 2 for *_, first, last in found)
            blocks += len(found)
    assert blocks >= 10  # chapters 01-07 have exercises


def test_source_of_a_function_hides_its_exercise():
    import tensor
    from visualize.source import show_source, side_by_side, source

    shown = source(tensor.unbroadcast)
    assert shown.startswith("def unbroadcast(")
    assert "Exercise ch04.unbroadcast:" in shown and "grad.sum(" not in shown
    hint = "sum grad over added axes"  # the block's hint, which names the solution's steps
    assert hint in (REPO / "tensor" / "ops" / "broadcast.py").read_text() and hint not in shown
    assert "grad.sum(" not in show_source(tensor.unbroadcast)._repr_html_()
    both = side_by_side(a=tensor.unbroadcast, b=tensor.matmul)
    assert "Exercise ch05.matmul:" in both._repr_html_() and "Exercise ch05.matmul:" in repr(both)


# ---- the book's own pages: answers, where to go next, the stylesheet -------------------------


def test_every_chapter_has_a_page_of_answers_behind_clicks():
    toc = (BOOK / "_toc.yml").read_text(encoding="utf-8")
    assert "answers/index" in toc and "glob: answers/[0-9][0-9]_*" in toc and "file: next" in toc
    for lesson in sorted((REPO / "lessons").glob("[0-9][0-9]_*.ipynb")):
        page = BOOK / "answers" / f"{lesson.stem}.md"
        assert page.is_file(), f"{lesson.name} has no page of answers, {page.relative_to(REPO)}"
        text = page.read_text(encoding="utf-8")
        questions = re.findall(r"^## Exercise \d+", text, re.M)
        assert questions and len(questions) == text.count(":::{dropdown} Answer"), page.name
        assert f"../lessons/{lesson.name}" in text  # links back to its chapter


def test_long_lines_wrap_through_the_books_own_stylesheet(sphinx_config):
    assert sphinx_config["html_css_files"] == ["gradschool.css"]
    folders = [BOOK / folder for folder in sphinx_config["html_static_path"]]
    sheets = [folder / "gradschool.css" for folder in folders
              if (folder / "gradschool.css").is_file()]
    assert len(sheets) == 1
    css = sheets[0].read_text(encoding="utf-8")
    assert "div.cell pre" in css and "white-space: pre-wrap" in css
    assert not list(sheets[0].parent.glob("*.js"))  # a script there would be linked into every page
