"""Shared pytest set-up.

Chapters: a test file named `test_chNN_<topic>.py` and a lesson named `NN_<topic>.ipynb` both get
the marker `chNN`, so `pytest -m ch02` runs chapter 2's tests and its lesson notebook. One rule
here instead of a `pytestmark` line in every file.
"""

import re

import pytest

_CHAPTER_OF_FILE = re.compile(r"(?:test_ch|^)(\d\d)_")


def pytest_collection_modifyitems(config, items):
    for item in items:
        match = _CHAPTER_OF_FILE.search(item.path.name)
        if match:
            item.add_marker(getattr(pytest.mark, f"ch{match.group(1)}"))


# ---- devices for the tensor tests ------------------------------------------------------------
# A test that takes a `device` argument runs once per device: on "cpu" and on "standin" (the
# test-only stand-in that enforces CuPy's host/device rules, see tensor/backend/standin.py) by
# default, or only on the device given with `pytest --device cuda` (or cuda:N, cpu, standin).


def pytest_addoption(parser):
    parser.addoption(
        "--device",
        default=None,
        help="run the tensor tests on this device only (cpu, standin, cuda, cuda:N); "
        "default: cpu and standin",
    )


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--device")
        metafunc.parametrize("device", [chosen] if chosen else ["cpu", "standin"], indirect=True)


@pytest.fixture
def device(request):
    """The device name a tensor test runs on; CUDA tests skip when no GPU is usable."""
    name = request.param
    if name.startswith("cuda"):
        import tensor

        if not tensor.cuda.is_available():
            pytest.skip(f"--device {name}: no CUDA GPU is available (needs an NVIDIA GPU and "
                        "CuPy: pip install 'gradschool[gpu]')")
    return name
