"""Modules, containers, Linear and init, compared with torch.nn: the same parameter names and
order, the same state_dict keys, the same outputs and gradients after loading torch's
weights, the same repr, and initializations with the documented statistics."""

import math
from collections import OrderedDict

import numpy as np
import pytest
import torch

import nn
import tensor


def to_torch_state(model):
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}


def build_net(lib, ones, zeros):
    """The same model class written against our nn or torch.nn (`lib`), with every kind of
    child: Linear, ModuleList, ModuleDict, Sequential, Flatten, buffers, a shared module."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.embed = lib.Linear(3, 4)
            self.blocks = lib.ModuleList([lib.Linear(4, 4), lib.Linear(4, 4, bias=False)])
            self.heads = lib.ModuleDict({
                "a": lib.Linear(4, 2),
                "b": lib.Sequential(lib.Identity(), lib.Flatten(), lib.Linear(4, 1)),
            })
            self.register_buffer("scale", ones(2))
            self.register_buffer("scratch", zeros(1), persistent=False)
            self.shared = self.embed  # the same module twice: its parameters count once

        def forward(self, x):
            x = self.embed(x).tanh()
            for block in self.blocks:
                x = block(x).tanh()
            return self.heads["a"](x) * self.scale + self.heads["b"](x)

    return Net()


def our_net():
    return build_net(nn, tensor.ones, tensor.zeros)


def torch_net():
    return build_net(torch.nn, torch.ones, torch.zeros)


# ---- naming and order, as in torch -----------------------------------------------------------

@pytest.mark.exercise("ch06.named_parameters")
def test_named_parameters_match_torch_in_names_order_and_shapes():
    ours, theirs = our_net(), torch_net()
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert len(list(ours.parameters())) == 9  # embed counted once


@pytest.mark.exercise("ch06.named_parameters")
def test_state_dict_keys_match_torch_and_skip_non_persistent_buffers():
    ours, theirs = our_net(), torch_net()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "scale" in ours.state_dict() and "scratch" not in ours.state_dict()
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_module_walks_match_torch():
    ours, theirs = our_net(), torch_net()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert [n for n, _ in ours.named_parameters(prefix="net", recurse=False)] == []
    assert [n for n, _ in ours.embed.named_parameters(prefix="e")] == ["e.weight", "e.bias"]


def test_torch_weights_give_torch_outputs():
    ours, theirs = our_net(), torch_net()
    with torch.no_grad():
        theirs.scale.copy_(torch.tensor([2.0, -0.5]))
    ours.load_state_dict(theirs.state_dict())  # CPU torch tensors are read directly
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(tensor.Tensor(x)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    # and back: our weights in torch's model
    fresh = torch_net()
    fresh.load_state_dict(to_torch_state(ours))
    np.testing.assert_allclose(fresh(torch.from_numpy(x)).detach().numpy(), expected,
                               rtol=1e-6)


def test_state_dict_shares_memory_with_the_model():
    model = nn.Linear(2, 3)
    state = model.state_dict()
    assert state["weight"].array is model.weight.array
    assert not state["weight"].requires_grad
    assert model.state_dict(keep_vars=True)["weight"] is model.weight


# ---- strict loading ------------------------------------------------------------------------

def test_strict_loading_lists_missing_and_unexpected_keys():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = dict(model.state_dict())
    del state["1.bias"]
    del state["0.weight"]
    state["2.weight"] = tensor.zeros(1)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(state)
    message = str(err.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "0.weight", "1.bias".' in message
    assert 'Unexpected key(s) in state_dict: "2.weight".' in message


def test_shape_mismatch_is_an_error_even_when_not_strict():
    model = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                                           r"shape \(3, 4\) from checkpoint, the shape in "
                                           r"current model is \(3, 2\)"):
        model.load_state_dict({"weight": np.zeros((3, 4)), "bias": np.zeros(3)}, strict=False)


def test_non_strict_loading_returns_the_key_differences():
    model = nn.Linear(2, 3)
    before = model.bias.detach().numpy().copy()
    result = model.load_state_dict({"weight": np.ones((3, 2)), "extra": np.zeros(1)},
                                   strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model.weight.detach().numpy(), np.ones((3, 2)))
    np.testing.assert_array_equal(model.bias.detach().numpy(), before)


def test_loading_copies_in_place_and_keeps_dtype():
    model = nn.Linear(2, 3)
    weight = model.weight
    data = weight.array
    model.load_state_dict({"weight": np.arange(6.0).reshape(3, 2), "bias": np.zeros(3)})
    assert model.weight is weight and weight.array is data and data.dtype == np.float32
    np.testing.assert_array_equal(data, np.arange(6.0).reshape(3, 2))


# ---- repr ----------------------------------------------------------------------------------

def test_repr_matches_torch():
    ours = nn.Sequential(nn.Linear(3, 4), nn.Flatten(), nn.Identity(),
                         nn.Sequential(nn.Linear(4, 2, bias=False)))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Flatten(), torch.nn.Identity(),
                                 torch.nn.Sequential(torch.nn.Linear(4, 2, bias=False)))
    assert repr(ours) == repr(theirs)
    assert repr(nn.Linear(2, 5)) == "Linear(in_features=2, out_features=5, bias=True)"


# ---- registration rules ------------------------------------------------------------------

def test_assignment_registers_and_reassignment_moves_between_registries():
    m = nn.Module()
    m.w = nn.Parameter(tensor.zeros(2))
    m.sub = nn.Linear(1, 1)
    m.plain = tensor.zeros(3)  # a plain Tensor is an ordinary attribute
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    m.sub = nn.Parameter(tensor.zeros(1))  # now a parameter, no longer a module
    assert [n for n, _ in m.named_parameters()] == ["w", "sub"]
    assert list(m.children()) == []
    del m.w
    assert [n for n, _ in m.named_parameters()] == ["sub"]
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'w'"):
        _ = m.w


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tensor.zeros(1))

    with pytest.raises(AttributeError, match=r"call super\(\)\.__init__\(\) first"):
        Early()
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="nn.Parameter or None expected"):
        lin.weight = tensor.zeros(2, 2)
    with pytest.raises(KeyError, match="without '.'"):
        lin.register_buffer("a.b", tensor.zeros(1))
    with pytest.raises(TypeError, match="expects a Tensor or None"):
        lin.register_buffer("running", np.zeros(1))


def test_optional_parameter_can_be_none():
    lin = nn.Linear(3, 2, bias=False)
    assert lin.bias is None
    assert list(lin.state_dict()) == ["weight"]
    assert repr(lin) == "Linear(in_features=3, out_features=2, bias=False)"


# ---- modes, gradients, devices -------------------------------------------------------------

def test_train_and_eval_reach_every_module():
    model = our_net()
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = nn.Linear(2, 2)
    model(tensor.ones(1, 2)).sum().backward()
    assert model.weight.grad is not None
    model.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        assert p.grad is None if set_to_none else not p.grad.any()


def test_requires_grad_and_apply():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model[0].requires_grad_(False)
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "Linear", "Sequential"]


def test_to_moves_parameters_buffers_and_grads_in_place(device):
    where = tensor.backend.parse_device(device)
    model = our_net()
    params = list(model.parameters())
    model(tensor.ones(2, 3)).sum().backward()
    assert model.to(device) is model
    assert list(model.parameters()) == params  # the same objects
    assert {p.device for p in model.parameters()} == {where}
    assert {p.grad.device for p in params} == {where}
    assert model.scale.device == where and model.scratch.device == where
    assert model(tensor.ones(2, 3, device=device)).device == where
    model.to("cpu").double()
    assert {p.dtype for p in model.parameters()} == {np.dtype("float64")}
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype("float64")}
    model.to(tensor.float32)  # a dtype alone, as in PyTorch
    assert {p.dtype for p in model.parameters()} == {np.dtype("float32")}


def test_double_leaves_integer_buffers_alone():
    m = nn.Linear(1, 1)
    m.register_buffer("count", tensor.zeros(1, dtype=tensor.int64))
    m.double()
    assert m.weight.dtype == tensor.float64 and m.count.dtype == tensor.int64


# ---- containers ----------------------------------------------------------------------------

def test_sequential_indexing_slicing_and_names():
    a, b, c = nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["2.weight", "2.bias"]
    with pytest.raises(IndexError, match="index 3 is out of range for Sequential of length 3"):
        seq[3]
    seq.append(nn.Identity())
    assert len(seq) == 4
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 4)), ("out", nn.Linear(4, 1))]))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    x = tensor.ones(5, 2)
    np.testing.assert_allclose(named(x).detach().numpy(),
                               named.out(named.hidden(x)).detach().numpy())


def test_replacing_and_deleting_children_keeps_torch_keys():
    def edit(lib):
        seq = lib.Sequential(lib.Linear(1, 2), lib.Identity(), lib.Linear(2, 3), lib.Linear(3, 1))
        seq[1] = lib.Linear(2, 2)  # replaced in place: same position
        del seq[0]  # the rest renumbered from 0
        seq.extra = lib.Linear(1, 1)
        seq[0] = lib.Linear(2, 2)
        return list(seq.state_dict())

    assert edit(nn) == edit(torch.nn)
    model = nn.Module()
    model.a, model.b = nn.Linear(1, 1), nn.Linear(1, 1)
    model.a = nn.Linear(2, 2)  # reassigning keeps a before b, as in torch
    assert [name for name, _ in model.named_children()] == ["a", "b"]


def test_module_list_keeps_torch_numbering():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    layers.insert(1, nn.Identity())
    layers += [nn.Linear(1, 2)]
    del layers[0]
    torch_layers = torch.nn.ModuleList([torch.nn.Linear(1, 1) for _ in range(3)])
    torch_layers.insert(1, torch.nn.Identity())
    torch_layers += [torch.nn.Linear(1, 2)]
    del torch_layers[0]
    assert list(layers.state_dict()) == list(torch_layers.state_dict())
    assert isinstance(layers[1:], nn.ModuleList) and len(layers) == 4
    with pytest.raises(NotImplementedError, match="iterate over it"):
        layers(tensor.ones(1))


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(1, 1)})
    heads["b"] = nn.Linear(1, 2)
    heads.update([("c", nn.Identity())])
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    heads.pop("a")
    assert list(heads.keys()) == ["b", "c"]


# ---- Linear against torch ------------------------------------------------------------------

@pytest.mark.exercise("ch06.linear")
@pytest.mark.parametrize("shape, bias", [((5, 3), True), ((2, 4, 3), True), ((5, 3), False)])
def test_linear_forward_and_backward_match_torch(device, shape, bias):
    theirs = torch.nn.Linear(3, 4, bias=bias).double()
    ours = nn.Linear(3, 4, bias=bias, device=device, dtype=tensor.float64)
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    upstream = rng.normal(size=shape[:-1] + (4,))
    xt = torch.tensor(x, requires_grad=True)
    (theirs(xt) * torch.tensor(upstream)).sum().backward()
    xo = tensor.Tensor(x, requires_grad=True, device=device)
    y = ours(xo)
    (y * tensor.Tensor(upstream, device=device)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), theirs(xt).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(tensor.Tensor(xo.grad).numpy(), xt.grad.numpy(), rtol=1e-12)
    for (name, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(tensor.Tensor(p.grad).numpy(), pt.grad.numpy(), rtol=1e-12,
                                   err_msg=name)


def test_linear_rejects_the_wrong_input_width():
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=4, bias=True\) "
                                         r"expected input of shape \(\*, 3\), got \(5, 2\)"):
        nn.Linear(3, 4)(tensor.ones(5, 2))


@pytest.mark.exercise("ch06.uniform")
def test_linear_default_init_is_uniform_in_one_over_sqrt_fan_in():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound
    assert lin.weight.detach().numpy().var() == pytest.approx(bound**2 / 3, rel=0.05)
    assert lin.weight.dtype == tensor.float32 and lin.weight.requires_grad


def test_manual_seed_makes_models_repeat():
    tensor.manual_seed(0)
    first = our_net().state_dict()
    tensor.manual_seed(0)
    second = our_net().state_dict()
    for key in first:
        np.testing.assert_array_equal(first[key].numpy(), second[key].numpy())
    tensor.manual_seed(1)
    assert not np.array_equal(our_net().embed.weight.detach().numpy(),
                              first["embed.weight"].numpy())


# ---- init ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                         ("tanh", None), ("relu", None), ("leaky_relu", None),
                                         ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain_matches_torch(name, param):
    assert nn.init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-15)


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (6, 2, 5), (7, 2, 3, 3, 3)])
def test_fans_match_torch(shape):
    assert nn.init._calculate_fan_in_and_fan_out(tensor.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def init_stats(fn, shape=(256, 512), device="cpu", **kwargs):
    t = tensor.zeros(*shape, device=device)
    data = t.array
    assert fn(t, **kwargs) is t and t.array is data  # in place, returns the tensor
    return t.numpy().ravel()


@pytest.mark.exercise("ch06.uniform")
@pytest.mark.parametrize("fn, kwargs, fan", [
    (nn.init.kaiming_uniform_, dict(), 512),
    (nn.init.kaiming_uniform_, dict(a=math.sqrt(5)), 512),
    (nn.init.kaiming_uniform_, dict(mode="fan_out", nonlinearity="relu"), 256),
    (nn.init.xavier_uniform_, dict(gain=2.0), None),
])
def test_uniform_initializations_have_their_bound(device, fn, kwargs, fan):
    values = init_stats(fn, device=device, **kwargs)
    if fan is None:  # xavier
        bound = kwargs["gain"] * math.sqrt(6 / (256 + 512))
    else:
        gain = nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
        bound = gain * math.sqrt(3 / fan)
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.99 * bound
    assert values.var() == pytest.approx(bound**2 / 3, rel=0.03)
    assert abs(values.mean()) < 0.01 * bound


@pytest.mark.parametrize("fn, kwargs, std", [
    (nn.init.kaiming_normal_, dict(nonlinearity="relu"), math.sqrt(2 / 512)),
    (nn.init.kaiming_normal_, dict(mode="fan_out", nonlinearity="tanh"), 5 / 3 / math.sqrt(256)),
    (nn.init.xavier_normal_, dict(), math.sqrt(2 / (256 + 512))),
    (nn.init.normal_, dict(mean=3.0, std=0.5), 0.5),
])
def test_normal_initializations_have_their_std(fn, kwargs, std):
    values = init_stats(fn, **kwargs)
    assert values.std() == pytest.approx(std, rel=0.03)
    assert values.mean() == pytest.approx(kwargs.get("mean", 0.0), abs=0.01 * std)


def test_constant_initializations_and_uniform_range():
    assert set(init_stats(nn.init.constant_, val=0.25)) == {0.25}
    assert set(init_stats(nn.init.zeros_)) == {0.0}
    assert set(init_stats(nn.init.ones_)) == {1.0}
    values = init_stats(nn.init.uniform_, a=-2.0, b=-1.0)
    assert values.min() >= -2.0 and values.max() < -1.0


def test_init_builds_no_graph_and_repeats_with_the_seed():
    p = nn.Parameter(tensor.zeros(3, 4))
    tensor.manual_seed(7)
    nn.init.kaiming_uniform_(p)
    first = p.detach().numpy().copy()
    assert p.is_leaf and p.requires_grad and p.grad is None
    tensor.manual_seed(7)
    nn.init.kaiming_uniform_(p)
    np.testing.assert_array_equal(p.detach().numpy(), first)


def test_init_errors():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        nn.init.xavier_uniform_(tensor.zeros(5))
    with pytest.raises(ValueError, match="'fan_in' or 'fan_out'"):
        nn.init.kaiming_normal_(tensor.zeros(2, 2), mode="fan")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


# ---- a whole training loop, by hand ------------------------------------------------------

class MoonsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(self.hidden(x).tanh())


def test_training_loop_fits_the_moons():
    """Forward, a loss from tensor ops, backward, a hand-written SGD step over parameters():
    the loop every later chapter builds on, reaching over 95% accuracy."""
    tensor.manual_seed(0)
    X, y = nn.data.make_moons(n_samples=200, noise=0.1, seed=0)
    x, target = tensor.Tensor(X), tensor.Tensor(2.0 * y[:, None] - 1.0)  # labels as -1 / +1
    model = MoonsNet()
    for _ in range(300):
        loss = ((model(x).tanh() - target) ** 2).mean()
        model.zero_grad()
        loss.backward()
        with tensor.no_grad():
            for p in model.parameters():
                p.data -= 0.5 * p.grad
    with tensor.no_grad():
        accuracy = ((model(x).numpy()[:, 0] > 0) == (y == 1)).mean()
    assert accuracy > 0.95
