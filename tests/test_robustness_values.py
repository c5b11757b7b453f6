"""Results that probing found wrong, now equal to PyTorch 2.13's: values and gradients, on
the CPU and on the stand-in device. (The bad inputs that must be clear errors are the table
in tests/test_robustness_table.py.)"""

import numpy as np
import pytest
import torch

import nn
import nn.functional as F
import tensor
from nn.data.dataloader import default_collate
from nn.optim import SGD
from nn.optim import lr_scheduler as S
from nn.utils import clip_grad_norm_
from tensor import Tensor
from tensor.gradcheck import gradcheck


def ours(array, device, dtype=None, grad=True):
    return Tensor(np.asarray(array), device=device, dtype=dtype, requires_grad=grad)


def theirs(array, grad=True):
    return torch.tensor(np.asarray(array), requires_grad=grad)


def same(a, b, rtol=1e-6, atol=1e-7):
    a = a.detach().cpu().numpy() if isinstance(a, Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---- gradients that were nan ---------------------------------------------------------------


def test_power_zero_has_zero_gradient_at_zero(device):
    """d(x**0)/dx = 0 everywhere, also at x = 0 (the formula 0 * 0**-1 gave nan)."""
    values = [0.0, 1.0, -2.0]
    x, t = ours(values, device), theirs(values)
    (x**0).sum().backward()
    (t**0).sum().backward()
    same(x.grad, t.grad)
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_power_with_a_tensor_exponent_holding_zeros(device):
    base, exponent = [0.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 1.5]
    x, n = ours(base, device, tensor.float64), ours(exponent, device, tensor.float64)
    tx, tn = theirs(base), theirs(exponent)
    (x**n).sum().backward()
    (tx**tn).sum().backward()
    same(x.grad, tx.grad)
    same(n.grad, tn.grad)


def test_std_of_a_constant_has_zero_gradient(device):
    """A constant slice (std = 0) must not poison training with nan: PyTorch gives 0."""
    x, t = ours([2.0, 2.0, 2.0], device), theirs(np.float32([2.0, 2.0, 2.0]))
    x.std().backward()
    t.std().backward()
    same(x.grad, t.grad)
    rows = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    x, t = ours(rows, device), theirs(rows)
    x.std(dim=1, correction=0).sum().backward()
    t.std(dim=1, correction=0).sum().backward()
    same(x.grad, t.grad, rtol=1e-10)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("dim, correction, keepdim", [(None, 1, False), (0, 1, True),
                                                      (1, 0, False), ((0, 1), 1, True)])
def test_std_is_fused_and_matches_torch(device, dim, correction, keepdim):
    data = np.random.default_rng(0).normal(size=(3, 4))
    x, t = ours(data, device), theirs(data)
    y = x.std(dim=dim, correction=correction, keepdim=keepdim)
    u = t.std(dim=dim, correction=correction, keepdim=keepdim)
    same(y, u, rtol=1e-10)
    assert y.grad_fn.name() == u.grad_fn.name() == "StdBackward0"
    weights = np.random.default_rng(1).normal(size=u.shape)
    (y * Tensor(weights, device=device)).sum().backward()
    (u * torch.tensor(weights)).sum().backward()
    same(x.grad, t.grad, rtol=1e-9)
    assert gradcheck(lambda a: a.std(dim=dim, correction=correction, keepdim=keepdim),
                     ours(data, device))


def test_float16_gelu_tanh_gradient_stays_finite():
    """x**3 overflows float16 past |x| = 40 and x**2 past 256; PyTorch computes half in
    float32, and so do we: no nan gradient for |x| of 700."""
    data = np.array([-800.0, -700.0, -50.0, -1.0, 0.0, 1.0, 50.0, 700.0, 800.0], np.float16)
    x, t = ours(data, "cpu"), theirs(data)
    y, u = F.gelu(x, approximate="tanh"), torch.nn.functional.gelu(t, approximate="tanh")
    assert y.dtype == tensor.float16
    y.sum().backward()
    u.sum().backward()
    same(y.float(), u.float(), rtol=1e-3, atol=1e-3)
    same(x.grad.float(), t.grad.float(), rtol=1e-3, atol=1e-3)
    z = ours(data, "cpu")
    F.gelu(z).sum().backward()
    assert np.isfinite(z.grad.numpy()).all()


# ---- reductions: dim=[], 0-d tensors, empty dimensions ------------------------------------

REDUCTIONS = ["sum", "mean", "amax", "amin", "var", "std", "logsumexp"]


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_an_empty_list_of_dims_reduces_over_all(device, op, keepdim):
    data = np.random.default_rng(2).normal(size=(2, 3))
    x, t = ours(data, device), theirs(data)
    y = getattr(x, op)(dim=[], keepdim=keepdim)
    assert y.shape == ((1, 1) if keepdim else ())
    if not (op == "logsumexp" and not keepdim):  # PyTorch 2.13 fails there (a shape bug)
        same(y, getattr(t, op)(dim=[], keepdim=keepdim), rtol=1e-10)
    same(y.reshape(()), getattr(t, op)(dim=(0, 1)), rtol=1e-10)
    y.sum().backward()
    getattr(t, op)(dim=(0, 1)).backward()
    same(x.grad, t.grad, rtol=1e-9)


@pytest.mark.parametrize("op", ["all", "any"])
def test_all_and_any_with_no_dims_test_each_element(device, op):
    """PyTorch 2.13's all/any read dim=[] (and dim=()) as "reduce over no dimension"."""
    data = np.array([[True, False], [True, True]])
    for dim in ([], ()):
        y = getattr(Tensor(data, device=device), op)(dim=dim)
        same(y, getattr(torch.tensor(data), op)(dim=dim))


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")  # var of 1 value
@pytest.mark.parametrize("op", REDUCTIONS + ["all", "any", "argmax", "argmin", "softmax",
                                             "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_reducing_a_0d_tensor_along_dim_0_or_minus_1(device, op, dim):
    differentiable = op not in ("all", "any", "argmax", "argmin")
    x, t = ours(3.0, device, grad=differentiable), theirs(np.float32(3.0), grad=differentiable)
    y, u = getattr(x, op)(dim=dim), getattr(t, op)(dim=dim)
    same(y, u)
    if differentiable:
        y.backward()
        u.backward()
        same(x.grad, t.grad)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_along_a_dim_of_a_0d_tensor(device, op):
    x, t = ours(3.0, device), theirs(np.float32(3.0))
    (values, indices), (tv, ti) = getattr(x, op)(dim=-1), getattr(t, op)(dim=-1)
    same(values, tv)
    same(indices, ti)
    assert indices.dtype == tensor.int64
    values.backward()
    tv.backward()
    same(x.grad, t.grad)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) = -inf: the expected answer
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_family_along_an_empty_dimension(device, op, dim):
    x, t = ours(np.zeros((2, 0)), device), theirs(np.zeros((2, 0)))
    same(getattr(x, op)(dim=dim), getattr(t, op)(dim=dim))


# ---- indexing: PyTorch's order for integers mixed with index arrays -------------------------

KEYS = {
    "int, slice, list": lambda T: (0, slice(None), [0, 1]),
    "int, slice, nested list": lambda T: (0, slice(None), [[0], [2]]),
    "int, None, slice, list": lambda T: (0, None, slice(None), [0, 1]),
    "int, ..., list": lambda T: (0, Ellipsis, [1, 3]),
    "list, slice, int": lambda T: ([0, 1], slice(None), 0),
    "list, int, list": lambda T: ([0, 1], 0, [0, 1]),
    "0-d tensor, slice, list": lambda T: (T(1), slice(None), [0, 0, 2]),
    "int, mask, list": lambda T: (0, T([True, False, True]), [0, 1]),
    "int, slice, repeated list": lambda T: (1, slice(1, None), [3, 3]),
    "bool, int, slice, list": lambda T: (True, 0, slice(None), [0, 1]),
    "adjacent int and list": lambda T: (slice(None), 0, [0, 1]),
}


@pytest.mark.parametrize("name", list(KEYS))
def test_integer_and_index_array_follow_pytorch(device, name):
    """t[0, :, [0, 1]] on shape (2, 3, 4) is t[0][:, [0, 1]], of shape (3, 2), as in
    PyTorch (NumPy gives (2, 3)); reading, its gradient, and writing all agree."""
    data = np.random.default_rng(3).normal(size=(2, 3, 4))
    key = KEYS[name](lambda v: Tensor(v, device=device))
    torch_key = KEYS[name](torch.tensor)
    x, t = ours(data, device), theirs(data)
    y, u = x[key], t[torch_key]
    same(y, u)
    weights = np.random.default_rng(4).normal(size=u.shape)
    (y * Tensor(weights, device=device)).sum().backward()
    (u * torch.tensor(weights)).sum().backward()
    same(x.grad, t.grad)
    written, expected = Tensor(data, device=device), torch.tensor(data)
    written[key] = Tensor(weights, device=device)
    expected[torch_key] = torch.tensor(weights)
    same(written, expected)


# ---- dtypes ---------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) = -inf, as in PyTorch
@pytest.mark.parametrize("op", ["exp", "sigmoid", "sqrt", "log", "tanh"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_math_of_integer_tensors_is_float32(device, op, dtype):
    data = np.array([0, 1, 2, 5]).astype(dtype)
    y = getattr(Tensor(data, device=device), op)()
    u = getattr(torch.tensor(data), op)()
    assert y.dtype == tensor.float32 and u.dtype == torch.float32
    same(y, u)


def test_python_ints_that_fit_still_work():
    assert (Tensor([1]) + 2**62).tolist() == [2**62 + 1]
    assert Tensor([-128, 127], dtype=tensor.int8).tolist() == [-128, 127]
    assert Tensor([255], dtype=tensor.uint8).tolist() == [255]
    assert (Tensor([1.0]) + 2**70).dtype == tensor.float32
    assert Tensor([2**70], dtype=tensor.float64).item() == float(2**70)


def test_gather_with_valid_indices_is_unchanged(device):
    data = np.arange(12.0).reshape(3, 4)
    index = np.array([[3, 0], [1, 1], [0, 2]])
    y = Tensor(data, device=device).gather(1, Tensor(index, device=device))
    same(y, torch.tensor(data).gather(1, torch.tensor(index)))


# ---- data, optimizers, schedules --------------------------------------------------------------


@pytest.mark.parametrize("batch", [[1, 2.5], [True, 2], [True, False], [1, 2], [0.5, 1.5]])
def test_default_collate_of_numbers_keeps_every_value(batch):
    """[1, 2.5] was cut to int64 [1, 2], and [True, 2] to bool [True, True]. The dtype now
    fits every value, as PyTorch's does (floats are float32 here, the default float)."""
    from torch.utils.data import default_collate as torch_collate

    ours_, theirs_ = default_collate(batch), torch_collate(batch)
    assert ours_.tolist() == theirs_.tolist()
    kind = {"f": "f", "i": "i", "b": "b"}
    assert ours_.dtype.kind == kind[str(theirs_.numpy().dtype.kind)]


def test_one_cycle_with_a_one_step_warm_up():
    """OneCycleLR(total_steps=10, pct_start=0.1) divided by zero (PyTorch 2.13 too): its
    warm-up is one step long, so the schedule starts at max_lr and anneals to the end."""
    p = Tensor([1.0], requires_grad=True)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    scheduler = S.OneCycleLR(optimizer, max_lr=1.0, total_steps=10, pct_start=0.1)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(9):
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs[0] == 1.0
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    low = 1.0 / 25 / 1e4
    expected = [low + (1.0 - low) * (1 + np.cos(np.pi * t / 9)) / 2 for t in range(10)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


@pytest.mark.parametrize("pct_start", [0.05, 0.3, 0.5])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_elsewhere_still_equals_torch(pct_start, three_phase):
    p, q = Tensor([1.0], requires_grad=True), torch.nn.Parameter(torch.ones(1))
    ours_opt, torch_opt = SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([q], lr=0.1,
                                                                         momentum=0.9)
    options = dict(max_lr=1.0, total_steps=10, pct_start=pct_start, three_phase=three_phase)
    ours_s = S.OneCycleLR(ours_opt, **options)
    torch_s = torch.optim.lr_scheduler.OneCycleLR(torch_opt, **options)
    for _ in range(9):
        assert ours_opt.param_groups[0]["lr"] == pytest.approx(torch_opt.param_groups[0]["lr"])
        torch_opt.step()
        ours_s.step()
        torch_s.step()


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_over_two_devices(norm_type):
    """Gradients on two devices are clipped together, as PyTorch does (it raised the
    stand-in's internal error before)."""
    grads = [np.array([3.0, 0.0, 4.0], np.float32), np.array([1.0, -2.0], np.float32)]
    ps = [Tensor(np.ones_like(g), requires_grad=True, device=d)
          for g, d in zip(grads, ["cpu", "standin"])]
    for p, g in zip(ps, grads):
        p.grad = Tensor(g, device=p.device)
    qs = [torch.ones(len(g), requires_grad=True) for g in grads]
    for q, g in zip(qs, grads):
        q.grad = torch.tensor(g)
    total = clip_grad_norm_(ps, 1.0, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(qs, 1.0, norm_type=norm_type)
    assert total.device == "cpu"
    same(total, expected, rtol=1e-6)
    for p, q in zip(ps, qs):
        same(p.grad.cpu(), q.grad, rtol=1e-6)


def test_optimizer_with_parameters_on_two_devices_steps_each():
    ps = [Tensor([1.0, 2.0], requires_grad=True, device=d) for d in ("cpu", "standin")]
    qs = [torch.tensor([1.0, 2.0], requires_grad=True) for _ in ps]
    ours_opt = nn.optim.Adam(ps, lr=0.1)
    torch_opt = torch.optim.Adam(qs, lr=0.1)
    for _ in range(3):
        for p in ps:
            p.grad = Tensor([0.5, -1.0], device=p.device)
        for q in qs:
            q.grad = torch.tensor([0.5, -1.0])
        ours_opt.step()
        torch_opt.step()
    for p, q in zip(ps, qs):
        same(p.cpu(), q, rtol=1e-6)
