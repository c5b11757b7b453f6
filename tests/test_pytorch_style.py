"""PyTorch programs run unchanged but for their imports: each program in
examples/pytorch_style/ runs twice, once on PyTorch and once on Grad School (its imports
rewritten by tools/pytorch_imports.py, nothing else), and the two outputs must agree.

How outputs are compared, line by line:
- what differs only in spelling is normalized first: PyTorch prints a shape as
  `torch.Size([2, 3])` and a dtype as `torch.float32`, Grad School as `(2, 3)` and `float32`;
  object addresses (`<MulBackward0 object at 0x...>`) are dropped;
- the words and punctuation of each line must be equal (spaces aside: number widths differ);
- the numbers must agree to a tolerance: tightly (rtol 1e-4) where the program is
  deterministic, loosely on the lines the table below names, where random numbers enter:
  the same seed gives other numbers in Grad School (NumPy's generator is not PyTorch's), so a
  model that starts from random weights ends near, not at, PyTorch's result. `free` lines
  (a predicted class) are only required to be there.

The PyTorch runs need torchvision for the Fashion-MNIST programs; where it is not installed
(its PyPI wheels need CUDA's torch), tests/torchvision_standin/ stands in for it.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "pytorch_style"
sys.path.insert(0, str(REPO / "tools"))  # tools/ is a folder of scripts, not a package

from pytorch_imports import to_gradschool  # noqa: E402


@dataclass
class Check:
    """How to compare one program's outputs: `rtol`/`atol` for every number, `loose` (a
    regex of lines, with their rtol and atol) where random numbers enter, `free` lines whose
    content may differ. `why` says why anything is loose."""

    rtol: float = 1e-4
    atol: float = 1e-5
    loose: list = field(default_factory=list)
    free: str = None
    why: str = ""


RANDOM_START = "starts from random weights (or draws random batches), and a seed gives other " \
    "numbers in Grad School than in PyTorch"

CHECKS = {
    "01_tensors": Check(),
    "02_autograd": Check(),
    "03_polynomial_manual_sgd": Check(rtol=0.15, atol=0.05, why=RANDOM_START),
    "04_custom_autograd_function": Check(atol=1e-6),
    "05_nn_polynomial": Check(atol=1e-6),
    "06_optim_polynomial": Check(rtol=0.05, atol=0.01, why=RANDOM_START),
    "07_custom_module": Check(atol=1e-6),
    "08_fashion_mnist_quickstart": Check(loose=[(r"loss:|Accuracy", 0.1, 0.05)],
                                         free=r"Predicted:", why=RANDOM_START),
    "09_data_and_transforms": Check(),
    "10_build_model": Check(),
    "11_optimizers_and_schedulers": Check(loose=[(r"^epoch", 0.1, 0.01)], why=RANDOM_START),
    "12_save_and_load": Check(),
    "13_cnn_classifier": Check(loose=[(r"loss:|Accuracy", 0.3, 0.05)], why=RANDOM_START),
    "14_makemore_mlp": Check(loose=[(r"^loss", 0.1, 0.01)], why=RANDOM_START),
    "15_linear_regression_scratch": Check(loose=[(r"^epoch", 0.5, 1e-3),
                                                 (r"^error", 0.0, 3e-3)], why=RANDOM_START),
}
PROGRAMS = sorted(p.stem for p in EXAMPLES.glob("*.py"))
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def test_every_program_has_a_check():
    assert sorted(CHECKS) == PROGRAMS
    assert len(PROGRAMS) >= 10


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_what_pytorch_prints(name, tmp_path):
    pytest.importorskip("torch")
    source = (EXAMPLES / f"{name}.py").read_text()
    if "torchvision" in source and not (FASHION_MNIST / "t10k-labels-idx1-ubyte.gz").exists():
        pytest.skip("needs Fashion-MNIST (apt-get install dataset-fashion-mnist)")
    torch_run = _start(source, tmp_path / "torch", _torch_path())
    ours = _start(to_gradschool(source), tmp_path / "gradschool", [str(REPO)])
    expected, got = _finish(torch_run, "PyTorch"), _finish(ours, "Grad School")
    compare(expected, got, CHECKS[name])


def _torch_path():
    """PYTHONPATH for the PyTorch run: the torchvision stand-in unless torchvision imports."""
    probe = subprocess.run([sys.executable, "-c", "import torchvision"], capture_output=True)
    return [] if probe.returncode == 0 else [str(REPO / "tests" / "torchvision_standin")]


def _start(source, folder, path):
    """Run `source` as a script in its own empty `folder`, in the background."""
    folder.mkdir()
    (folder / "program.py").write_text(source)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    return subprocess.Popen([sys.executable, "program.py"], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process, who):
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        pytest.fail(f"the program failed on {who}:\n{err[-3000:]}")
    return out


# ---- comparing two outputs -------------------------------------------------------------------

_SIZE = re.compile(r"torch\.Size\(\[([^\]]*)\]\)")
_DTYPE = re.compile(r"\b(?:torch|tensor)\.(float16|float32|float64|int8|int16|int32|int64|"
                    r"uint8|bool)\b")
_ADDRESS = re.compile(r" object at 0x[0-9a-f]+")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")


def normalize(text):
    """The output with PyTorch's and Grad School's spellings of shapes, dtypes and object
    addresses made one."""
    def size(match):
        items = [s.strip() for s in match.group(1).split(",") if s.strip()]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

    text = _SIZE.sub(size, text)
    text = _DTYPE.sub(r"\1", text)
    return _ADDRESS.sub(" object", text)


def compare(expected, got, check):
    """AssertionError naming the first line where `got` (Grad School's output) differs from
    `expected` (PyTorch's) beyond what `check` allows."""
    want, have = normalize(expected).splitlines(), normalize(got).splitlines()
    assert len(want) == len(have), (
        f"PyTorch printed {len(want)} lines, Grad School {len(have)}:\n"
        f"--- PyTorch\n{expected}\n--- Grad School\n{got}")
    for number, (a, b) in enumerate(zip(want, have), 1):
        context = f"line {number}:\n  PyTorch:     {a}\n  Grad School: {b}"
        if check.free and re.search(check.free, a):
            assert re.search(check.free, b), context
            continue
        assert _words(a) == _words(b), f"the text differs on {context}"
        rtol, atol = check.rtol, check.atol
        for pattern, loose_rtol, loose_atol in check.loose:
            if re.search(pattern, a):
                rtol, atol = loose_rtol, loose_atol
        for x, y in zip(_numbers(a), _numbers(b)):
            assert abs(x - y) <= atol + rtol * max(abs(x), abs(y)) or x == y or (
                x != x and y != y), f"{x} and {y} differ beyond rtol={rtol}, atol={atol} on " \
                f"{context}"


def _words(line):
    return re.sub(r"\s+", "", _NUMBER.sub("#", line))


def _numbers(line):
    return [float(n) for n in _NUMBER.findall(line)]


@pytest.mark.parametrize("expected, got, ok", [
    ("x torch.Size([2, 3]) torch.float32", "x (2, 3) float32", True),
    ("torch.Size([4]) torch.Size([])", "(4,) ()", True),
    ("tensor([1.0000, 2.0000])", "tensor([1., 2.])", True),
    ("loss 1.00001", "loss 1.00002", True),
    ("loss 1.0", "loss 1.1", False),
    ("Predicted: Bag", "Predicted: Coat", False),
    ("<AddBackward0 object at 0x7f00>", "<AddBackward0 object at 0x7a11>", True),
    ("a\nb", "a", False),
])
def test_the_comparison_itself(expected, got, ok):
    if ok:
        compare(expected, got, Check())
    else:
        with pytest.raises(AssertionError):
            compare(expected, got, Check())


def test_the_import_rewriter_changes_imports_only():
    source = "\n".join([
        "import torch", "import torch.nn as nn", "import torch.nn.functional",
        "from torch import nn, optim", "from torch.utils.data import (", "    DataLoader,", ")",
        "import torchvision", "import torchvision.transforms as transforms",
        "from torchvision import datasets", "x = torch.zeros(3)  # import torch"])
    assert to_gradschool(source).split("\n") == [
        "import gradschool as torch", "import gradschool.nn as nn",
        "import gradschool.nn.functional; import gradschool as torch",
        "from gradschool import nn, optim", "from gradschool.utils.data import (",
        "    DataLoader,", ")", "from gradschool import vision as torchvision",
        "import gradschool.vision.transforms as transforms",
        "from gradschool.vision import datasets", "x = torch.zeros(3)  # import torch"]
    with pytest.raises(ValueError, match="change it by hand"):
        to_gradschool("import torch, numpy")
