"""Optimizers against torch.optim: 20 steps of every optimizer, with its main options, on the
same problem with the same gradients, plus the machinery (groups, state_dict, zero_grad) and
the promises of the implementation (in place, no graph, no temporaries)."""

import gc
import tracemalloc

import numpy as np
import pytest
import torch

import nn
import tensor
from nn.optim.custom import SignSGD

# A small problem with a hand-written gradient, so that only the optimizers are compared:
# f(W, b) = mean((X W + b - Y)^2) + 0.1 * sum(W^4)
_rng = np.random.default_rng(0)
X = _rng.normal(size=(16, 3))
Y = _rng.normal(size=(16, 2))
W0 = _rng.normal(size=(3, 2))
B0 = _rng.normal(size=(2,))


def gradient(W, b):
    residual = X @ W + b - Y
    n = residual.size
    return 2 * X.T @ residual / n + 0.4 * W**3, 2 * residual.sum(axis=0) / n


def host(array):
    """A NumPy copy of a tensor's (or an array's) values from any device."""
    if isinstance(array, tensor.Tensor):
        return array.detach().cpu().numpy()
    return tensor.backend.backend_of(array).to_numpy(array)


def run_ours(cls, kwargs, steps, device="cpu", dtype=np.float64, groups=None):
    W = nn.Parameter(tensor.Tensor(W0.astype(dtype), device=device))
    b = nn.Parameter(tensor.Tensor(B0.astype(dtype), device=device))
    params = [{"params": [W], **groups[0]}, {"params": [b], **groups[1]}] if groups else [W, b]
    opt = cls(params, **kwargs)
    backend = tensor.backend.get_backend(device)
    for _ in range(steps):
        gW, gb = gradient(host(W.array).astype(np.float64), host(b.array).astype(np.float64))
        W.grad = tensor.Tensor(backend.array(gW.astype(dtype)))
        b.grad = tensor.Tensor(backend.array(gb.astype(dtype)))
        opt.step()
    return host(W.array), host(b.array), opt


def run_torch(cls, kwargs, steps, dtype=torch.float64, groups=None):
    W = torch.nn.Parameter(torch.tensor(W0, dtype=dtype))
    b = torch.nn.Parameter(torch.tensor(B0, dtype=dtype))
    params = [{"params": [W], **groups[0]}, {"params": [b], **groups[1]}] if groups else [W, b]
    opt = cls(params, **kwargs)
    for _ in range(steps):
        gW, gb = gradient(W.detach().double().numpy(), b.detach().double().numpy())
        W.grad = torch.tensor(gW, dtype=dtype)
        b.grad = torch.tensor(gb, dtype=dtype)
        opt.step()
    return W.detach().numpy(), b.detach().numpy(), opt


# one table drives the comparisons: (class name, options)
CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, eps=1e-6)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.1, maximize=True)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]
# The exercise each optimizer's rows check: `make check CH=07 EX=adam` runs the Adam rows.
EXERCISE_OF_OPTIMIZER = {
    "SGD": pytest.mark.exercise("ch07.sgd"),
    "Adam": pytest.mark.exercise("ch07.adam"),
    "AdamW": pytest.mark.exercise("ch07.adam"),
}
CASES = [pytest.param(name, kwargs, marks=EXERCISE_OF_OPTIMIZER.get(name, ()), id=case_id)
         for (name, kwargs), case_id in zip(CONFIGS, IDS)]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_twenty_steps_match_torch_in_float64(name, kwargs):
    W, b, _ = run_ours(getattr(nn.optim, name), kwargs, 20)
    W_t, b_t, _ = run_torch(getattr(torch.optim, name), kwargs, 20)
    np.testing.assert_allclose(W, W_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b, b_t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, kwargs", CONFIGS[1::3], ids=IDS[1::3])
def test_float32_stays_float32_and_matches_torch(name, kwargs):
    W, b, opt = run_ours(getattr(nn.optim, name), kwargs, 20, dtype=np.float32)
    W_t, b_t, _ = run_torch(getattr(torch.optim, name), kwargs, 20, dtype=torch.float32)
    assert W.dtype == np.float32 and b.dtype == np.float32
    for state in opt.state.values():
        assert all(v.dtype == np.float32 for v in state.values() if hasattr(v, "dtype"))
    np.testing.assert_allclose(W, W_t, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b, b_t, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[3], CONFIGS[7], CONFIGS[14], CONFIGS[16],
                                          CONFIGS[18]])
def test_every_device_gives_the_cpu_result(device, name, kwargs):
    W_cpu, b_cpu, _ = run_ours(getattr(nn.optim, name), kwargs, 10)
    W_dev, b_dev, opt = run_ours(getattr(nn.optim, name), kwargs, 10, device=device)
    np.testing.assert_allclose(W_dev, W_cpu, rtol=1e-12)
    np.testing.assert_allclose(b_dev, b_cpu, rtol=1e-12)
    where = tensor.backend.parse_device(device)
    for state in opt.state.values():  # state lives on the parameter's device
        for value in state.values():
            if hasattr(value, "shape"):
                assert tensor.backend.backend_of(value).device == where


def test_parameter_groups_with_their_own_options_match_torch():
    groups = [dict(lr=0.1, momentum=0.9), dict(lr=0.01)]
    W, b, opt = run_ours(nn.optim.SGD, dict(lr=0.5), 20, groups=groups)
    W_t, b_t, _ = run_torch(torch.optim.SGD, dict(lr=0.5), 20, groups=groups)
    np.testing.assert_allclose(W, W_t, rtol=1e-10)
    np.testing.assert_allclose(b, b_t, rtol=1e-10)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0]  # default filled in


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_state_dict_has_torch_structure(name, kwargs):
    _, _, opt = run_ours(getattr(nn.optim, name), kwargs, 10)
    _, _, opt_t = run_torch(getattr(torch.optim, name), kwargs, 10)
    state, state_t = opt.state_dict(), opt_t.state_dict()
    assert sorted(state["state"]) == sorted(state_t["state"])  # SGD without momentum: none
    for index in state["state"]:
        ours_, theirs = state["state"][index], state_t["state"][index]
        assert set(ours_) == set(theirs)
        for key, value in ours_.items():
            np.testing.assert_allclose(value, theirs[key].numpy(), rtol=1e-9, err_msg=key)
    assert [g["params"] for g in state["param_groups"]] == [[0, 1]]
    group, group_t = state["param_groups"][0], state_t["param_groups"][0]
    assert set(group) <= set(group_t)
    assert {key: group_t[key] for key in group} == group


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_state_dict_round_trip_resumes_exactly(name, kwargs):
    """10 steps, state_dict, 10 more steps in a fresh optimizer == 20 steps in one go."""
    W20, b20, _ = run_ours(getattr(nn.optim, name), kwargs, 20)
    W, b = nn.Parameter(tensor.Tensor(W0)), nn.Parameter(tensor.Tensor(B0))
    first = getattr(nn.optim, name)([W, b], **kwargs)
    for _ in range(10):
        W.grad, b.grad = map(tensor.Tensor, gradient(W.array, b.array))
        first.step()
    second = getattr(nn.optim, name)([W, b], **kwargs)
    second.load_state_dict(first.state_dict())
    for p in (W, b):  # the state was copied, not shared
        for key, value in second.state.get(p, {}).items():
            if isinstance(value, np.ndarray):
                assert not np.shares_memory(value, first.state[p][key])
    for _ in range(10):
        W.grad, b.grad = map(tensor.Tensor, gradient(W.array, b.array))
        second.step()
    np.testing.assert_array_equal(W.array, W20)
    np.testing.assert_array_equal(b.array, b20)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[2], CONFIGS[7], CONFIGS[10], CONFIGS[15]],
                         ids=[IDS[2], IDS[7], IDS[10], IDS[15]])
def test_a_torch_optimizer_state_dict_resumes_here(name, kwargs):
    """PyTorch's optimizer state (its step counts are 0-d tensors) loads into ours."""
    W20, b20, _ = run_torch(getattr(torch.optim, name), kwargs, 20)
    W_t, b_t, opt_t = run_torch(getattr(torch.optim, name), kwargs, 10)
    W, b = nn.Parameter(tensor.Tensor(W_t.copy())), nn.Parameter(tensor.Tensor(b_t.copy()))
    opt = getattr(nn.optim, name)([W, b], **kwargs)
    opt.load_state_dict(opt_t.state_dict())
    for _ in range(10):
        W.grad, b.grad = map(tensor.Tensor, gradient(W.array, b.array))
        opt.step()
    np.testing.assert_allclose(W.array, W20, rtol=1e-10)
    np.testing.assert_allclose(b.array, b20, rtol=1e-10)


def test_load_state_dict_rejects_a_different_layout():
    p, q = nn.Parameter(tensor.zeros(2)), nn.Parameter(tensor.zeros(3))
    one_group = nn.optim.Adam([p, q]).state_dict()
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer has 2"):
        nn.optim.Adam([{"params": [p]}, {"params": [q]}]).load_state_dict(one_group)
    with pytest.raises(ValueError, match=r"hold \[2\] parameters, this optimizer's hold \[1\]"):
        nn.optim.Adam([p]).load_state_dict(one_group)


def test_add_param_group_fills_defaults_and_refuses_duplicates():
    p, q = nn.Parameter(tensor.zeros(2)), nn.Parameter(tensor.zeros(2))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": q, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="not a set"):
        opt.add_param_group({"params": {nn.Parameter(tensor.zeros(1))}})


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = nn.Parameter(tensor.ones(3))
    p.grad = tensor.Tensor(tensor.ones(3).data)
    nn.optim.SGD([p], lr=0.1).zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        np.testing.assert_array_equal(p.grad, np.zeros(3))


def test_parameters_without_gradients_are_left_alone():
    p, q = nn.Parameter(tensor.ones(2)), nn.Parameter(tensor.ones(2))
    p.grad = tensor.Tensor(np.full(2, 0.5, dtype=np.float32))
    opt = nn.optim.Adam([p, q], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(q.array, np.ones(2))
    assert q not in opt.state
    assert not np.allclose(p.array, 1.0)


def test_invalid_options_are_clear_errors():
    params = [nn.Parameter(tensor.zeros(1))]
    with pytest.raises(ValueError, match=r"SGD: invalid lr=-1 \(expected lr >= 0\)"):
        nn.optim.SGD(params, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        nn.optim.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        nn.optim.Adam(params, betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.Adam([])
    with pytest.raises(TypeError, match="single Tensor"):
        nn.optim.Adam(params[0])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        nn.optim.Adam([np.zeros(2)])


def test_repr_lists_the_groups_options():
    opt = nn.optim.SGD([nn.Parameter(tensor.zeros(1))], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text and "    momentum: 0.9\n" in text


def count_tensors():
    return sum(1 for o in gc.get_objects() if type(o) in (tensor.Tensor, nn.Parameter))


def test_step_updates_in_place_and_builds_no_graph():
    W = nn.Parameter(tensor.Tensor(W0))
    data = W.array
    opt = nn.optim.Adam([W], lr=0.1)
    W.grad = tensor.Tensor(gradient(W.array, B0)[0])
    opt.step()  # the first step creates the state
    gc.collect()
    live = count_tensors()
    for _ in range(5):
        W.grad = tensor.Tensor(gradient(W.array, B0)[0])
        opt.step()
    gc.collect()
    assert count_tensors() == live
    assert W.array is data  # the same array, changed in place


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_steps_allocate_no_parameter_sized_temporaries(name, kwargs):
    """After the first step (which creates the state and the scratch buffers), a step on a
    1,000,000-element parameter (8 MB) allocates less than one parameter's worth."""
    p = nn.Parameter(tensor.Tensor(np.linspace(-1, 1, 1_000_000)))
    grad = np.cos(np.linspace(0, 10, 1_000_000))
    opt = getattr(nn.optim, name)([p], **kwargs)
    p.grad = tensor.Tensor(grad)
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"a step allocated {peak} bytes"


def test_custom_optimizer_example_follows_its_rule():
    rng = np.random.default_rng(1)
    start = rng.normal(size=5)
    p = nn.Parameter(tensor.Tensor(start))
    opt = SignSGD([p], lr=0.01, momentum=0.8)
    expected, m = start.copy(), np.zeros(5)
    for _ in range(6):
        g = rng.normal(size=5)
        p.grad = tensor.Tensor(g.copy())
        opt.step()
        m = 0.8 * m + 0.2 * g
        expected -= 0.01 * np.sign(m)
    np.testing.assert_allclose(p.array, expected, rtol=1e-12)
    assert set(opt.state_dict()["state"][0]) == {"momentum_buffer"}


def test_closure_is_evaluated_and_its_loss_returned():
    p = nn.Parameter(tensor.Tensor([3.0]))
    opt = nn.optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.item()) == pytest.approx(9.0)
    assert float(p.array[0]) == pytest.approx(3.0 - 0.25 * 6.0)


# ---- gradient clipping ----------------------------------------------------------------------

def clip_pair(scale, device="cpu"):
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=(4, 3)) * scale, rng.normal(size=(3,)) * scale]
    ours, theirs = [], []
    for g in grads:
        p = nn.Parameter(tensor.zeros(g.shape, dtype=tensor.float64, device=device))
        p.grad = tensor.Tensor(tensor.backend.get_backend(device).array(g))
        ours.append(p)
        t = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        t.grad = torch.tensor(g)
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("scale", [0.01, 10.0])  # below and above max_norm
def test_clip_grad_norm_matches_torch(device, norm_type, scale):
    ours, theirs = clip_pair(scale, device)
    total = nn.utils.clip_grad_norm_(ours, max_norm=1.0, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.0, norm_type=norm_type)
    assert total.device == tensor.backend.parse_device(device)
    assert float(total.item()) == pytest.approx(total_t.item(), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(host(p.grad), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_nonfinite_and_no_grads():
    p = nn.Parameter(tensor.zeros(2))
    assert float(nn.utils.clip_grad_norm_([p], 1.0).item()) == 0.0
    p.grad = tensor.Tensor(np.array([np.inf, 1.0], dtype=np.float32))
    with pytest.raises(RuntimeError, match="inf"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch(device):
    ours, theirs = clip_pair(3.0, device)
    nn.utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(host(p.grad), t.grad.numpy())
