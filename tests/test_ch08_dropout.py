"""Dropout, Dropout1d/2d/3d and their functions: inverted dropout in training (a fraction p
zeroed, the rest scaled by 1 / (1 - p), so the mean is preserved), the identity in eval; the
backward multiplies by the same mask; channel dropout zeroes whole channels; the masks come
from the device's generator (seeded runs repeat, on every device alike); the errors.

The masks are random, so these tests compare with PyTorch where PyTorch is deterministic
(eval, p = 0, p = 1, reprs, the shapes accepted) and check the statistics otherwise."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# (function, module, input shape, the axes one channel spans: its mask is broadcast over them)
CHANNEL = [
    ("dropout1d", "Dropout1d", (8, 6, 5), (2,)),
    ("dropout1d", "Dropout1d", (6, 5), (1,)),  # unbatched (C, L)
    ("dropout2d", "Dropout2d", (8, 6, 4, 3), (2, 3)),
    ("dropout3d", "Dropout3d", (8, 6, 3, 2, 2), (2, 3, 4)),
    ("dropout3d", "Dropout3d", (6, 3, 2, 2), (1, 2, 3)),  # unbatched (C, D, H, W)
]
CHANNEL_IDS = [f"{name}-{len(shape)}d" for name, _, shape, _ in CHANNEL]


def host(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_zeroed_is_p_and_the_mean_is_preserved(p, device):
    tensor.manual_seed(0)
    n = 200_000
    x = tensor.full((n,), 3.0, device=device)
    y = host(F.dropout(x, p))
    zeroed = np.mean(y == 0)
    assert abs(zeroed - p) < 5 * np.sqrt(p * (1 - p) / n)  # five standard deviations
    np.testing.assert_allclose(y[y != 0], 3.0 / (1 - p), rtol=1e-6)  # inverted scaling
    assert abs(y.mean() - 3.0) < 5 * 3.0 * np.sqrt(p / (1 - p) / n)


def test_backward_multiplies_by_the_same_mask(device):
    tensor.manual_seed(1)
    x = tensor.Tensor(np.random.default_rng(0).normal(size=(50, 40)), dtype=tensor.float64,
                      device=device, requires_grad=True)
    y = F.dropout(x, 0.3)
    assert y.op == "dropout" and y.parents == (x,)  # one node
    g = np.random.default_rng(1).normal(size=(50, 40))
    y.backward(tensor.Tensor(g, dtype=tensor.float64, device=device))
    mask = host(y) / host(x)  # 0 or 1 / (1 - p), per element
    assert set(np.round(np.unique(mask), 10)) == {0.0, round(1 / 0.7, 10)}
    np.testing.assert_allclose(host(x.grad), g * mask, rtol=1e-12)


def test_dropout_is_one_op_and_gradchecks(device):
    x = tensor.Tensor(np.random.default_rng(2).normal(size=(4, 5)), dtype=tensor.float64,
                      device=device, requires_grad=True)

    def seeded(x):  # gradcheck calls the function many times: the same mask each time
        tensor.manual_seed(3)
        return F.dropout2d(F.dropout(x, 0.4).reshape(2, 2, 5, 1), 0.3)

    assert tensor.gradcheck(seeded, x)


@pytest.mark.parametrize("function, module, shape, spans", CHANNEL, ids=CHANNEL_IDS)
def test_channel_dropout_zeroes_whole_channels(function, module, shape, spans, device):
    tensor.manual_seed(4)
    x = tensor.Tensor(np.random.default_rng(5).uniform(1, 2, size=shape), device=device,
                      requires_grad=True)
    y = getattr(F, function)(x, 0.5)
    ratio = host(y) / host(x)
    per_channel = ratio.max(axis=spans)
    # every element of a channel shares its fate: all zero, or all scaled by 1 / (1 - p)
    np.testing.assert_allclose(ratio.min(axis=spans), per_channel, rtol=1e-6)
    assert set(np.round(np.unique(per_channel), 5)) == {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), ratio, rtol=1e-6)
    layer = getattr(nn, module)(0.5)
    assert repr(layer) == repr(getattr(torch.nn, module)(0.5))
    assert layer(x).shape == x.shape


def test_dropout2d_reads_a_3d_input_as_n_c_l_as_torch_does():
    tensor.manual_seed(6)
    with pytest.warns(UserWarning, match=r"dropout2d: received a 3-D input.*\(N, C, L\)"):
        y = F.dropout2d(tensor.ones(20, 6, 5), 0.5).numpy()
    assert np.all(y == y[:, :, :1])  # a mask per (n, c): whole rows of length L
    assert 0 < np.mean(y == 0) < 1 and len(np.unique(y[:, :, 0].sum(axis=0))) > 1


# a batched input shape each function and module takes
SHAPES = {"dropout": (2, 3, 4), "dropout1d": (2, 3, 4), "dropout2d": (2, 3, 4, 2),
          "dropout3d": (2, 3, 4, 2, 2)}
MODULES = {"dropout": "Dropout", "dropout1d": "Dropout1d", "dropout2d": "Dropout2d",
           "dropout3d": "Dropout3d"}


@pytest.mark.parametrize("function", list(SHAPES))
def test_eval_is_the_identity(function, device):
    layer = getattr(nn, MODULES[function])(0.7).eval()
    x = tensor.randn(*SHAPES[function], device=device)
    assert layer(x) is x
    assert layer.train()(x) is not x


@pytest.mark.parametrize("function", list(SHAPES))
def test_p_zero_is_the_identity_and_p_one_gives_zeros(function, device):
    x = tensor.randn(*SHAPES[function], device=device, requires_grad=True)
    fn = getattr(F, function)
    assert fn(x, 0.0) is x and fn(x, 0.5, training=False) is x
    y = fn(x, 1.0)
    expected = getattr(torch.nn.functional, function)(torch.ones(SHAPES[function]), 1.0)
    np.testing.assert_array_equal(host(y), expected.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(host(x.grad), np.zeros(x.shape))


def test_seeded_runs_repeat_and_devices_agree():
    masks = []
    for device in ("cpu", "standin", "cpu"):
        tensor.manual_seed(7)
        masks.append(host(F.dropout(tensor.ones(64, 32, device=device), 0.5)))
        masks.append(host(F.dropout2d(tensor.ones(4, 8, 3, 3, device=device), 0.5)))
    for i in range(2, len(masks)):
        np.testing.assert_array_equal(masks[i], masks[i % 2])
    assert not np.array_equal(host(F.dropout(tensor.ones(64, 32), 0.5)), masks[0])


@SETTINGS
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       p=st.floats(0.0, 1.0), dtype=st.sampled_from(["float32", "float64"]))
def test_random_shapes_and_p(shape, p, dtype, device):
    x = tensor.Tensor(np.random.default_rng(8).uniform(1, 2, size=shape),
                      dtype=getattr(tensor, dtype), device=device, requires_grad=True)
    y = F.dropout(x, p)
    assert y.shape == x.shape and str(y.dtype) == dtype
    values = host(y) / host(x)
    kept = values != 0
    if p < 1:
        np.testing.assert_allclose(values[kept], 1 / (1 - p), rtol=1e-5)
    else:
        assert not kept.any()
    if p > 0:
        y.sum().backward()
        np.testing.assert_allclose(host(x.grad), values, rtol=1e-5)


@pytest.mark.parametrize("module", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"])
def test_modules_match_torch_repr_and_have_no_state(module):
    for args in [(), (0.2,), (0.3, True)]:
        ours, theirs = getattr(nn, module)(*args), getattr(torch.nn, module)(*args)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == [] and list(ours.parameters()) == []


def test_dropout_in_a_model_follows_train_and_eval():
    model = nn.Sequential(nn.Linear(10, 10), nn.Dropout(0.5))
    x = tensor.randn(3, 10)
    tensor.manual_seed(9)
    a, b = model(x).detach().numpy(), model(x).detach().numpy()
    assert not np.array_equal(a, b)  # a new mask each call
    model.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), model[0](x).detach().numpy())


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5"])
def test_p_outside_0_1_is_an_error(p):
    for function in ("dropout", "dropout1d", "dropout2d", "dropout3d"):
        with pytest.raises(ValueError, match=f"{function}: dropout probability has to be "
                                             f"between 0 and 1, but got {p}"):
            getattr(F, function)(tensor.ones(2, 3, 4, 5), p)
    for module in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d"):
        with pytest.raises(ValueError, match=f"{module}: dropout probability has to be between "
                                             f"0 and 1, but got {p}"):
            getattr(nn, module)(p)


@pytest.mark.parametrize("module, shape, expected", [
    ("Dropout1d", (2, 3, 4, 5), r"Dropout1d\(p=0.5, inplace=False\) expected input of shape "
     r"\(N, C, L\) or \(C, L\), got \(2, 3, 4, 5\)"),
    ("Dropout2d", (3, 4), r"Dropout2d\(p=0.5, inplace=False\) expected input of shape "
     r"\(N, C, H, W\) or \(N, C, L\), got \(3, 4\)"),
    ("Dropout3d", (2, 3, 4), r"Dropout3d\(p=0.5, inplace=False\) expected input of shape "
     r"\(N, C, D, H, W\) or \(C, D, H, W\), got \(2, 3, 4\)"),
])
def test_wrong_input_rank_is_a_clear_error(module, shape, expected):
    with pytest.raises(ValueError, match=expected):
        getattr(nn, module)()(tensor.ones(shape))
    with pytest.raises(ValueError, match=module.lower() + ": expected input of shape"):
        getattr(F, module.lower())(tensor.ones(shape))


def test_dropout_needs_a_float_tensor():
    with pytest.raises(TypeError, match="dropout: needs a floating-point input, got dtype int64"):
        F.dropout(tensor.arange(6), 0.5)
    with pytest.raises(TypeError, match="dropout: input must be a Tensor"):
        F.dropout(np.ones(3), 0.5)
