"""`import gradschool as torch`: the names a PyTorch program reaches for are there, and are the
very objects of tensor/ and nn/ (the front door only re-exports)."""

import importlib
import subprocess
import sys

import numpy as np
import pytest
import torch as real_torch

import gradschool
import gradschool as torch
import nn
import tensor
from tensor import Tensor


def test_everything_in_tensor_all_is_reexported():
    for name in tensor.__all__:
        assert hasattr(gradschool, name), name
        if name not in ("autograd", "cuda", "accelerator"):  # modules: see the next test
            assert getattr(gradschool, name) is getattr(tensor, name), name


@pytest.mark.parametrize("module", [
    "gradschool.nn", "gradschool.nn.functional", "gradschool.nn.init", "gradschool.nn.utils",
    "gradschool.nn.parameter", "gradschool.optim", "gradschool.optim.lr_scheduler",
    "gradschool.utils", "gradschool.utils.data", "gradschool.autograd", "gradschool.cuda",
    "gradschool.backends", "gradschool.backends.mps", "gradschool.backends.cudnn",
    "gradschool.accelerator", "gradschool.vision", "gradschool.vision.datasets",
    "gradschool.vision.transforms", "gradschool.vision.utils",
])
def test_submodules_import_as_pytorch_programs_import_them(module):
    importlib.import_module(module)


def test_the_objects_are_those_of_tensor_and_nn():
    import gradschool.nn.functional as F
    import gradschool.optim.lr_scheduler as lr_scheduler
    from gradschool.autograd import Function
    from gradschool.utils.data import DataLoader, Dataset, TensorDataset

    assert torch.Tensor is Tensor and torch.nn.Module is nn.Module
    assert torch.nn.Linear is nn.Linear and torch.nn.Parameter is nn.Parameter
    assert torch.nn.parameter.Parameter is nn.Parameter
    assert F.cross_entropy is nn.functional.cross_entropy and F.relu is nn.functional.relu
    assert torch.nn.init.kaiming_uniform_ is nn.init.kaiming_uniform_
    assert torch.nn.init._calculate_fan_in_and_fan_out is nn.init._calculate_fan_in_and_fan_out
    assert torch.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_
    assert torch.optim.Adam is nn.optim.Adam and lr_scheduler.StepLR is nn.optim.lr_scheduler.StepLR
    assert DataLoader is nn.data.DataLoader and Dataset is nn.data.Dataset
    assert TensorDataset is nn.data.TensorDataset
    assert Function is tensor.autograd.Function and torch.autograd.grad is tensor.autograd.grad
    assert torch.save is nn.save and torch.load is nn.load


def test_the_front_door_defines_nothing_of_its_own():
    """Re-exports only: every public object of gradschool (except its re-export modules and the
    cudnn switches) was defined in tensor/, nn/ or engine/."""
    def defined_in(obj):
        return getattr(obj, "__module__", None) or getattr(obj, "__name__", "")

    for module_name in ["gradschool", "gradschool.nn", "gradschool.optim", "gradschool.utils.data",
                        "gradschool.vision.datasets", "gradschool.vision.transforms",
                        "gradschool.vision.utils", "gradschool.cuda", "gradschool.accelerator"]:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not callable(obj) or isinstance(obj, np.dtype):
                continue
            assert defined_in(obj).split(".")[0] in ("tensor", "nn", "engine", "numpy",
                                                     "gradschool"), (module_name, name)
            if defined_in(obj).startswith("gradschool"):
                assert type(obj).__name__ == "module", (module_name, name)


@pytest.mark.parametrize("ours, theirs", [
    ("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
    ("int", "int32"), ("short", "int16"), ("uint8", "uint8"), ("int8", "int8"),
    ("bool", "bool"), ("float32", "float32"), ("float64", "float64"), ("int64", "int64"),
])
def test_pytorchs_dtype_aliases(ours, theirs):
    assert getattr(torch, ours) == np.dtype(theirs)
    assert str(getattr(real_torch, ours)) == f"torch.{theirs}"


@pytest.mark.parametrize("data", [
    [1, 2, 3], [1.5, 2], [True, False], 3, 2.5, False, [[1, 2], [3, 4.0]], [],
    np.array([1, 2], dtype=np.int32), np.array([1.0], dtype=np.float64),
])
def test_tensor_infers_the_dtype_as_pytorch_does(data):
    ours, theirs = torch.tensor(data), real_torch.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_tensor_keywords_and_copies():
    source = np.ones(3, dtype=np.float32)
    t = torch.tensor(source, dtype=torch.float64, requires_grad=True, device="cpu")
    assert t.dtype == torch.float64 and t.requires_grad and t.device == "cpu"
    u = torch.tensor(source)
    source[0] = 5
    assert u.tolist() == [1.0, 1.0, 1.0]  # a copy, as in PyTorch
    assert torch.tensor(t).requires_grad is False
    assert torch.as_tensor(source).numpy() is not None
    shared = torch.as_tensor(source)
    source[1] = 7
    assert shared.tolist() == [5.0, 7.0, 1.0]  # as_tensor shares, as in PyTorch
    assert torch.tensor([1, 2], pin_memory=False).tolist() == [1, 2]


def test_legacy_typed_constructors():
    f = torch.FloatTensor([1, 2])
    assert f.dtype == torch.float32 and f.tolist() == [1.0, 2.0]
    assert torch.LongTensor([1.7]).tolist() == [1] and torch.LongTensor(2, 3).shape == (2, 3)
    assert isinstance(f, torch.FloatTensor) and not isinstance(f, torch.LongTensor)
    assert torch.BoolTensor([1, 0]).tolist() == [True, False]
    assert torch.DoubleTensor(2).dtype == torch.float64


def test_small_helpers():
    x = torch.zeros(2, 3)
    assert torch.is_tensor(x) and not torch.is_tensor([1]) and torch.numel(x) == 6
    assert torch.is_floating_point(x) and not torch.is_floating_point(torch.tensor([1]))
    assert torch.finfo(torch.float32).eps == real_torch.finfo(real_torch.float32).eps
    assert torch.iinfo(torch.int64).max == real_torch.iinfo(real_torch.int64).max
    assert torch.is_grad_enabled()


def test_devices_and_accelerators_on_a_machine_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert torch.cuda.device_count() == 0 and not torch.accelerator.is_available()
    assert torch.accelerator.current_accelerator() is None
    assert torch.backends.mps.is_available() is False and torch.backends.mps.is_built() is False
    torch.backends.cudnn.benchmark = True  # accepted, as PyTorch programs set it
    torch.backends.cudnn.deterministic = True
    torch.cuda.manual_seed(0)
    torch.cuda.manual_seed_all(0)
    torch.cuda.synchronize()
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() \
        else "cpu"
    assert device == "cpu"


def test_device_objects():
    cpu = torch.device("cpu")
    assert cpu == "cpu" and repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert cpu.type == "cpu" and cpu.index is None
    gpu = torch.device("cuda", 1)
    assert gpu == "cuda:1" and gpu.type == "cuda" and gpu.index == 1
    assert repr(gpu) == repr(real_torch.device("cuda", 1))
    assert repr(torch.device("cuda")) == repr(real_torch.device("cuda"))
    assert torch.device(cpu) is cpu
    x = torch.zeros(2, device=cpu)
    assert x.device == cpu and isinstance(x.device, torch.device)
    assert x.to(torch.device("cpu")) is x
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        torch.device("tpu")


def test_set_default_device():
    try:
        torch.set_default_device("standin")
        assert torch.get_default_device() == "standin"
        for made in (torch.zeros(2), torch.tensor([1.0]), torch.randn(3), torch.arange(3),
                     nn.Linear(2, 3).weight):
            assert made.device == "standin"
        assert torch.tensor(torch.zeros(1, device="cpu")).device == "cpu"  # tensors stay put
        assert torch.from_numpy(np.ones(2)).device == "cpu"
    finally:
        torch.set_default_device(None)
    assert torch.zeros(1).device == "cpu" and torch.get_default_device() == "cpu"


def test_set_default_dtype():
    try:
        torch.set_default_dtype(torch.float64)
        assert torch.get_default_dtype() == torch.float64
        for made in (torch.tensor([1.5]), torch.zeros(2), torch.randn(2), torch.arange(2.0),
                     torch.full((2,), 1.5), nn.Linear(2, 3).weight, torch.tensor([1]).exp()):
            assert made.dtype == torch.float64
        assert repr(torch.tensor([1.5])) == "tensor([1.5000])"  # the default is not printed
        assert "dtype=tensor.float32" in repr(torch.tensor([1.5], dtype=torch.float32))
        assert torch.tensor([1]).dtype == torch.int64
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.tensor([1.5]).dtype == torch.float32
    with pytest.raises(TypeError, match="only floating-point dtypes"):
        torch.set_default_dtype(torch.int64)


def test_manual_seed_returns_the_default_generator_and_generators_are_streams(device):
    g = torch.manual_seed(3)
    assert g is torch.default_generator and torch.initial_seed() == 3
    first = torch.randn(4, device=device).tolist()
    torch.manual_seed(3)
    assert torch.randn(4, device=device).tolist() == first

    own = torch.Generator(device=device).manual_seed(7)
    assert own.initial_seed() == 7 and own.device == device
    a = torch.randn(3, generator=own, device=device)
    b = torch.rand(2, generator=own, device=device)
    c = torch.randint(0, 10, (5,), generator=own, device=device)
    own.manual_seed(7)
    torch.randn(100, device=device)  # the default stream does not disturb the generator's
    assert torch.randn(3, generator=own, device=device).tolist() == a.tolist()
    assert torch.rand(2, generator=own, device=device).tolist() == b.tolist()
    assert torch.randint(0, 10, (5,), generator=own, device=device).tolist() == c.tolist()
    state = own.get_state()
    d = torch.randn(2, generator=own, device=device).tolist()
    own.set_state(state)
    assert torch.randn(2, generator=own, device=device).tolist() == d


def test_generator_checks():
    assert torch.Generator().initial_seed() == real_torch.Generator().initial_seed()
    seed = torch.Generator().seed()
    assert isinstance(seed, int) and seed >= 0
    with pytest.raises(RuntimeError, match="the generator is on cpu but the tensor is made on "
                                           "standin"):
        torch.randn(2, generator=torch.Generator(), device="standin")
    with pytest.raises(TypeError, match="generator must be a tensor.Generator"):
        torch.randn(2, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="a seed must be an integer"):
        torch.manual_seed(1.5)


def test_a_fresh_interpreter_imports_the_front_door_alone():
    """No import order trap: `import gradschool as torch` first thing in a program works."""
    code = ("import gradschool as torch; import gradschool.nn.functional as F; "
            "from gradschool.utils.data import DataLoader; "
            "x = torch.tensor([[1.0, -2.0]]); print(F.relu(x).sum().item())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "1.0"


def test_generator_argument_of_fills_and_init(device):
    g = torch.Generator(device=device)
    fills = [
        lambda t: t.normal_(generator=g), lambda t: t.uniform_(-1, 1, generator=g),
        lambda t: t.bernoulli_(0.3, generator=g),
        lambda t: torch.nn.init.uniform_(t, generator=g),
        lambda t: torch.nn.init.normal_(t, std=2.0, generator=g),
        lambda t: torch.nn.init.xavier_uniform_(t, generator=g),
        lambda t: torch.nn.init.xavier_normal_(t, generator=g),
        lambda t: torch.nn.init.kaiming_uniform_(t, a=5 ** 0.5, generator=g),
        lambda t: torch.nn.init.kaiming_normal_(t, generator=g),
    ]
    for fill in fills:
        g.manual_seed(11)
        first = fill(torch.empty(4, 3, device=device)).tolist()
        g.manual_seed(11)
        torch.randn(10, device=device)  # the default stream is not the generator's
        assert fill(torch.empty(4, 3, device=device)).tolist() == first
