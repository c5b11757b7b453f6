"""Activations (nn.functional and the nn modules) and F.linear against PyTorch.

One table drives everything: each row is a function name, its module's name and the options,
all spelled as in torch, so the same row calls F.<name> and torch.nn.functional.<name>, and
nn.<Module> and torch.nn.<Module>. Every row is checked forward and backward in float32 and
float64, with gradcheck, on every device."""

import numpy as np
import pytest
import torch

import nn
import nn.functional as F
import tensor

# (function, module, options)
ACTIVATIONS = [
    ("relu", "ReLU", {}),
    ("leaky_relu", "LeakyReLU", {}),
    ("leaky_relu", "LeakyReLU", {"negative_slope": 0.2}),
    ("sigmoid", "Sigmoid", {}),
    ("tanh", "Tanh", {}),
    ("softmax", "Softmax", {"dim": 1}),
    ("softmax", "Softmax", {"dim": 0}),
    ("log_softmax", "LogSoftmax", {"dim": -1}),
    ("log_softmax", "LogSoftmax", {"dim": 0}),
    ("silu", "SiLU", {}),
    ("gelu", "GELU", {}),
    ("gelu", "GELU", {"approximate": "tanh"}),
    ("elu", "ELU", {}),
    ("elu", "ELU", {"alpha": 0.5}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in options.items())
       for name, _, options in ACTIVATIONS]
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def sample(shape=(4, 5), seed=0):
    """Inputs over the interesting range (both signs, a few beyond +-3)."""
    return np.random.default_rng(seed).normal(scale=2.0, size=shape)


def host(array):
    if isinstance(array, tensor.Tensor):
        return array.detach().cpu().numpy()
    return tensor.backend.backend_of(array).to_numpy(array)


def check_pair(ours_fn, torch_fn, data, device, dtype):
    """ours_fn and torch_fn agree on the output, its dtype and the input's gradient."""
    x = tensor.Tensor(data, dtype=getattr(tensor, dtype), device=device, requires_grad=True)
    xt = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
    out, expected = ours_fn(x), torch_fn(xt)
    assert out.device == tensor.backend.parse_device(device)
    assert str(out.dtype) == dtype
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(),
                               **TOLERANCE[dtype])
    g = np.random.default_rng(1).normal(size=data.shape)
    out.backward(tensor.Tensor(g, dtype=out.dtype, device=device))
    expected.backward(torch.tensor(g, dtype=expected.dtype))
    assert str(x.grad.dtype) == dtype
    np.testing.assert_allclose(host(x.grad), xt.grad.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, module, options", ACTIVATIONS, ids=IDS)
def test_function_matches_torch(name, module, options, dtype, device):
    check_pair(lambda x: getattr(F, name)(x, **options),
               lambda x: getattr(torch.nn.functional, name)(x, **options),
               sample(), device, dtype)


@pytest.mark.parametrize("name, module, options", ACTIVATIONS, ids=IDS)
def test_module_matches_torch_module(name, module, options, device):
    ours, theirs = getattr(nn, module)(**options), getattr(torch.nn, module)(**options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    check_pair(ours, theirs, sample((3, 4, 2)), device, "float64")


@pytest.mark.parametrize("name, module, options", ACTIVATIONS, ids=IDS)
def test_gradcheck(name, module, options, device):
    x = tensor.Tensor(sample((3, 4)), device=device, requires_grad=True)
    assert tensor.gradcheck(lambda x: getattr(F, name)(x, **options), x)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "silu", "gelu", "elu", "softmax",
                                  "log_softmax"])
def test_huge_inputs_stay_finite_as_in_torch(name, device):
    data = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=np.float32)
    options = {"dim": 1} if "softmax" in name else {}
    check_pair(lambda x: getattr(F, name)(x, **options),
               lambda x: getattr(torch.nn.functional, name)(x, **options),
               data, device, "float32")


def test_swish_is_silu():
    assert nn.Swish is nn.SiLU
    x = tensor.Tensor(sample())
    np.testing.assert_array_equal(nn.Swish()(x).numpy(), F.silu(x).numpy())


def test_inplace_is_accepted_and_returns_the_result():
    x = tensor.Tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True).tolist() == [0.0, 2.0]
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert repr(nn.LeakyReLU(0.1, True)) == repr(torch.nn.LeakyReLU(0.1, True))


def test_functional_is_reachable_both_ways():
    import nn.functional

    assert nn.functional is F
    assert "functional" in nn.__all__


# ---- linear --------------------------------------------------------------------------------


@pytest.mark.exercise("ch06.linear")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3), (2, 1, 5, 3), (3,)])
def test_linear_matches_torch(shape, bias, device):
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=shape), rng.normal(size=(4, 3)), rng.normal(size=(4,))
    upstream = rng.normal(size=shape[:-1] + (4,))  # a dL/dy that differs from entry to entry
    ours = [tensor.Tensor(a, device=device, dtype=tensor.float64, requires_grad=True)
            for a in (x, w, b)][: 3 if bias else 2]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)][: 3 if bias else 2]
    out = F.linear(*ours)
    expected = torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    (out * tensor.Tensor(upstream, device=device)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    for ours_, theirs_ in zip(ours, theirs):
        np.testing.assert_allclose(host(ours_.grad), theirs_.grad.numpy(), rtol=1e-12)
    assert tensor.gradcheck(F.linear, *ours)


def test_linear_is_what_the_linear_layer_computes():
    layer = nn.Linear(3, 2)
    x = tensor.randn(4, 3)
    np.testing.assert_allclose(F.linear(x, layer.weight, layer.bias).detach().numpy(),
                               layer(x).detach().numpy(), rtol=1e-6)


def test_linear_is_one_node(device):
    layer = nn.Linear(3, 2, device=device)
    x = tensor.randn(4, 3).to(device)
    out = layer(x)
    assert out.op == "linear" and out.parents == (x, layer.weight, layer.bias)
    assert F.linear(x, layer.weight).parents == (x, layer.weight)


@pytest.mark.exercise("ch06.linear")
def test_linear_gradients_are_laid_out_like_their_tensors():
    # an optimizer's elementwise passes over W, its gradient and its state are fastest when all
    # share one memory layout (row-major here)
    layer = nn.Linear(5, 3)
    x = tensor.randn(2, 4, 5, requires_grad=True)
    layer(x).sum().backward()
    for t in (x, layer.weight, layer.bias):
        assert t.grad.shape == t.shape and t.grad.array.flags.c_contiguous


def test_linear_gives_no_gradient_to_an_input_that_does_not_need_one():
    layer = nn.Linear(3, 2)
    x = tensor.randn(4, 3)
    layer(x).sum().backward()
    assert x.grad is None and layer.weight.grad is not None


def test_linear_without_gradients_records_nothing():
    layer = nn.Linear(3, 2)
    with tensor.no_grad():
        out = layer(tensor.randn(4, 3))
    assert not out.requires_grad and out.parents == ()


# ---- errors ---------------------------------------------------------------------------------


def test_softmax_without_dim_says_which_dim_to_pass():
    with pytest.raises(TypeError, match=r"softmax\(\) needs dim="):
        F.softmax(tensor.randn(2, 3))
    with pytest.raises(TypeError, match=r"log_softmax\(\) needs dim="):
        nn.LogSoftmax()(tensor.randn(2, 3))


def test_softmax_dtype_converts_first():
    out = F.softmax(tensor.randn(2, 3), dim=1, dtype=tensor.float64)
    assert out.dtype == tensor.float64


def test_activation_of_a_list_is_a_type_error():
    with pytest.raises(TypeError, match="relu: input must be a Tensor, got list"):
        F.relu([1.0, -1.0])


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
        nn.GELU("erf")


def test_linear_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"input of shape \(5, 4\) does not fit a weight of "
                                         r"shape \(2, 3\)"):
        F.linear(tensor.zeros(5, 4), tensor.zeros(2, 3))


def test_linear_bias_of_the_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match=r"the bias must have shape \(2,\) for a weight of "
                                         r"shape \(2, 3\), got \(3,\)"):
        F.linear(tensor.zeros(5, 3), tensor.zeros(2, 3), tensor.zeros(3))
