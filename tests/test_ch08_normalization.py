"""BatchNorm1d/2d/3d, LayerNorm and GroupNorm (and F.batch_norm, F.layer_norm, F.group_norm)
against PyTorch.

One table of layers drives the comparisons: a row builds nn.<Module> and torch.nn.<Module>
from the same arguments, gives torch's module random weights, loads its state_dict into ours,
and then runs several training steps and an evaluation step through both, comparing the
outputs, the input, weight and bias gradients, and the whole state_dict (running statistics,
num_batches_tracked) after every step; in float32 and float64, on every device. Hypothesis
draws further shapes and options. Then gradcheck of each fused op, the state_dict round trip,
the graph (one node, buffers outside it) and the errors.
"""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}

# (id, module, positional arguments, options, input shape)
LAYERS = [
    ("bn1d-features", "BatchNorm1d", (3,), {}, (5, 3)),
    ("bn1d-sequence", "BatchNorm1d", (3,), {"momentum": None}, (4, 3, 6)),
    ("bn2d", "BatchNorm2d", (3,), {}, (4, 3, 5, 4)),
    ("bn2d-momentum", "BatchNorm2d", (2,), {"momentum": 0.5, "eps": 1e-3}, (2, 2, 3, 3)),
    ("bn2d-no-affine", "BatchNorm2d", (3,), {"affine": False}, (3, 3, 2, 4)),
    ("bn2d-no-bias", "BatchNorm2d", (3,), {"bias": False}, (3, 3, 2, 2)),
    ("bn2d-untracked", "BatchNorm2d", (3,), {"track_running_stats": False}, (3, 3, 4, 2)),
    ("bn3d", "BatchNorm3d", (2,), {"momentum": 0.3}, (3, 2, 3, 2, 2)),
    ("bn3d-cumulative", "BatchNorm3d", (2,), {"momentum": None}, (2, 2, 2, 3, 2)),
    ("ln", "LayerNorm", (6,), {}, (4, 6)),
    ("ln-two-dims", "LayerNorm", ((3, 4),), {}, (2, 5, 3, 4)),
    ("ln-no-affine", "LayerNorm", (4,), {"elementwise_affine": False}, (3, 4)),
    ("ln-no-bias", "LayerNorm", ([4],), {"bias": False, "eps": 1e-3}, (2, 3, 4)),
    ("gn", "GroupNorm", (2, 6), {}, (3, 6, 5)),
    ("gn-images", "GroupNorm", (3, 6), {"eps": 1e-3}, (2, 6, 3, 3)),
    ("gn-instance", "GroupNorm", (4, 4), {"affine": False}, (2, 4, 5)),
    ("gn-one-group", "GroupNorm", (1, 4), {}, (2, 4)),
    ("gn-no-bias", "GroupNorm", (2, 4), {"bias": False}, (2, 4, 2, 3)),
]


def host(t):
    return None if t is None else t.detach().cpu().numpy()


def torch_tensor(array, dtype, requires_grad=False):
    return torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=requires_grad)


def make_pair(module, args, options, dtype, device, seed=0):
    """nn.<module> and torch.nn.<module> with the same random weights (ours on `device`)."""
    theirs = getattr(torch.nn, module)(*args, **options).to(getattr(torch, dtype))
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.normal(1.0, 0.5, size=tuple(p.shape))))
    ours = getattr(nn, module)(*args, **options).to(device, getattr(tensor, dtype))
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def compare_step(ours, theirs, x, dtype, device, seed):
    """One forward and backward through both modules: outputs and gradients agree."""
    rng = np.random.default_rng(seed)
    xo = tensor.Tensor(x, dtype=getattr(tensor, dtype), device=device, requires_grad=True)
    xt = torch_tensor(x, dtype, requires_grad=True)
    out, expected = ours(xo), theirs(xt)
    assert str(out.dtype) == dtype and out.shape == tuple(expected.shape)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), **TOLERANCE[dtype])
    g = rng.normal(size=x.shape)
    out.backward(tensor.Tensor(g, dtype=getattr(tensor, dtype), device=device))
    expected.backward(torch_tensor(g, dtype))
    np.testing.assert_allclose(host(xo.grad), xt.grad.numpy(), **TOLERANCE[dtype])
    for name, p in theirs.named_parameters():
        mine = getattr(ours, name)
        np.testing.assert_allclose(host(mine.grad), p.grad.numpy(), **TOLERANCE[dtype])
        mine.grad, p.grad = None, None


def compare_state(ours, theirs, dtype):
    mine, expected = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(expected)
    for key, value in expected.items():
        assert host(mine[key]).dtype == value.numpy().dtype, key
        np.testing.assert_allclose(host(mine[key]), value.numpy(), **TOLERANCE[dtype])


def run_training_and_eval(module, args, options, shape, dtype, device, steps=3):
    """`steps` training steps, comparing everything after each, then one evaluation step."""
    ours, theirs = make_pair(module, args, options, dtype, device)
    rng = np.random.default_rng(1)
    for step in range(steps):
        x = rng.normal(1.5, 2.0, size=shape)  # an offset mean, so centring matters
        compare_step(ours, theirs, x, dtype, device, seed=step)
        compare_state(ours, theirs, dtype)
    ours.eval()
    theirs.eval()
    compare_step(ours, theirs, rng.normal(1.5, 2.0, size=shape), dtype, device, seed=steps)
    compare_state(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("module, args, options, shape", [row[1:] for row in LAYERS],
                         ids=[row[0] for row in LAYERS])
def test_layer_matches_torch_in_training_and_eval(module, args, options, shape, dtype, device):
    run_training_and_eval(module, args, options, shape, dtype, device)


@pytest.mark.parametrize("module, args, options, shape", [row[1:] for row in LAYERS],
                         ids=[row[0] for row in LAYERS])
def test_repr_and_state_dict_keys_match_torch(module, args, options, shape):
    ours, theirs = getattr(nn, module)(*args, **options), getattr(torch.nn, module)(*args,
                                                                                   **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


# ---- randomized shapes and options (hypothesis), float64 against torch ----------------------

@st.composite
def batch_norms(draw):
    dims = draw(st.sampled_from([0, 1, 2, 3]))  # spatial dimensions; 0 and 1 are BatchNorm1d
    channels = draw(st.integers(1, 4))
    shape = (draw(st.integers(2, 4)), channels) + tuple(
        draw(st.integers(1, 3)) for _ in range(dims))
    options = dict(momentum=draw(st.sampled_from([0.1, 0.5, 1.0, None])),
                   affine=draw(st.booleans()), track_running_stats=draw(st.booleans()),
                   bias=draw(st.booleans()), eps=draw(st.sampled_from([1e-5, 1e-2])))
    return f"BatchNorm{max(dims, 1)}d", (channels,), options, shape


@st.composite
def layer_norms(draw):
    normalized = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    leading = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    options = dict(elementwise_affine=draw(st.booleans()), bias=draw(st.booleans()),
                   eps=draw(st.sampled_from([1e-5, 1e-2])))
    return "LayerNorm", (normalized,), options, leading + normalized


@st.composite
def group_norms(draw):
    groups, per_group = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    options = dict(affine=draw(st.booleans()), bias=draw(st.booleans()),
                   eps=draw(st.sampled_from([1e-5, 1e-2])))
    shape = (draw(st.integers(1, 3)), groups * per_group) + spatial
    # torch refuses one value per group over the whole batch ("Expected more than 1 value per
    # channel"), though the output is defined (beta): leave that case out of the comparison
    assume(shape[0] * per_group * math.prod(spatial) > 1)
    return "GroupNorm", (groups, groups * per_group), options, shape


@SETTINGS
@given(row=st.one_of(batch_norms(), layer_norms(), group_norms()))
def test_random_shapes_and_options_match_torch(row, device):
    module, args, options, shape = row
    run_training_and_eval(module, args, options, shape, "float64", device, steps=2)


# ---- the functions --------------------------------------------------------------------------

def test_functional_batch_norm_matches_torch_and_updates_the_running_statistics(device):
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(2, 3, size=(6, 4, 5)), rng.normal(size=4), rng.normal(size=4)
    running = [rng.normal(size=4), rng.uniform(0.5, 2, size=4)]
    ours = [tensor.Tensor(a, dtype=tensor.float64, device=device) for a in running]
    theirs = [torch.tensor(a) for a in running]
    for training, momentum in [(True, 0.2), (True, 0.0), (False, 0.2)]:
        args = dict(training=training, momentum=momentum, eps=1e-4)
        out = F.batch_norm(tensor.Tensor(x, device=device, dtype=tensor.float64), *ours,
                           tensor.Tensor(w, device=device, dtype=tensor.float64),
                           tensor.Tensor(b, device=device, dtype=tensor.float64), **args)
        expected = torch.nn.functional.batch_norm(torch.tensor(x), *theirs, torch.tensor(w),
                                                  torch.tensor(b), **args)
        np.testing.assert_allclose(host(out), expected.numpy(), rtol=1e-10, atol=1e-12)
        for mine, their in zip(ours, theirs):
            np.testing.assert_allclose(host(mine), their.numpy(), rtol=1e-12)


def test_functional_batch_norm_without_running_statistics_uses_the_batch(device):
    x = np.random.default_rng(4).normal(size=(5, 3, 2))
    out = F.batch_norm(tensor.Tensor(x, device=device), None, None, training=True)
    expected = torch.nn.functional.batch_norm(torch.tensor(x, dtype=torch.float32), None, None,
                                              training=True)
    np.testing.assert_allclose(host(out), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((3, 2), [2])])
def test_functional_layer_norm_matches_torch(shape, normalized, device):
    rng = np.random.default_rng(5)
    x = rng.normal(size=shape)
    w_shape = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    w, b = rng.normal(size=w_shape), rng.normal(size=w_shape)
    out = F.layer_norm(tensor.Tensor(x, dtype=tensor.float64, device=device), normalized,
                       tensor.Tensor(w, dtype=tensor.float64, device=device),
                       tensor.Tensor(b, dtype=tensor.float64, device=device), eps=1e-3)
    expected = torch.nn.functional.layer_norm(torch.tensor(x), w_shape, torch.tensor(w),
                                              torch.tensor(b), eps=1e-3)
    np.testing.assert_allclose(host(out), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_functional_group_norm_matches_torch(device):
    rng = np.random.default_rng(6)
    x, w, b = rng.normal(size=(2, 6, 3, 2)), rng.normal(size=6), rng.normal(size=6)
    out = F.group_norm(tensor.Tensor(x, dtype=tensor.float64, device=device), 3,
                       tensor.Tensor(w, dtype=tensor.float64, device=device),
                       tensor.Tensor(b, dtype=tensor.float64, device=device))
    expected = torch.nn.functional.group_norm(torch.tensor(x), 3, torch.tensor(w),
                                              torch.tensor(b))
    np.testing.assert_allclose(host(out), expected.numpy(), rtol=1e-10, atol=1e-12)


def leaf(array, device):
    return tensor.Tensor(array, dtype=tensor.float64, device=device, requires_grad=True)


# ---- the fused ops against the composite of tensor ops ---------------------------------------

def normalize_by_ops(x, axes, weight, bias, eps=1e-5):
    """The readable reference: (x - mean) / sqrt(var + eps) * weight + bias, over `axes`, as a
    chain of tensor ops that autograd differentiates op by op."""
    mean = x.mean(dim=axes, keepdim=True)
    var = x.var(dim=axes, keepdim=True, correction=0)
    return (x - mean) / (var + eps).sqrt() * weight + bias


COMPOSITES = {  # name: (fused op, the same by tensor ops, input shape, weight shape)
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   lambda x, w, b: normalize_by_ops(x, (0, 2, 3), w.reshape(1, 3, 1, 1),
                                                    b.reshape(1, 3, 1, 1)),
                   (4, 3, 2, 5), (3,)),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (2, 5), w, b),
                   lambda x, w, b: normalize_by_ops(x, (2, 3), w, b), (4, 3, 2, 5), (2, 5)),
    "group_norm": (lambda x, w, b: F.group_norm(x, 3, w, b),
                   lambda x, w, b: normalize_by_ops(x.reshape(4, 3, 2, 2, 5), (2, 3, 4),
                                                    w.reshape(1, 3, 2, 1, 1),
                                                    b.reshape(1, 3, 2, 1, 1)).reshape(4, 6, 2, 5),
                   (4, 6, 2, 5), (6,)),
}


@pytest.mark.exercise("ch08.batch_norm_backward")
@pytest.mark.parametrize("name", list(COMPOSITES))
def test_fused_op_equals_the_composite_of_tensor_ops(name, device):
    fused, composite, shape, w_shape = COMPOSITES[name]
    rng = np.random.default_rng(10)
    arrays = [rng.normal(1.0, 2.0, size=shape), rng.normal(size=w_shape), rng.normal(size=w_shape)]
    g = rng.normal(size=shape)
    results = []
    for fn in (fused, composite):
        inputs = [leaf(a, device) for a in arrays]
        out = fn(*inputs)
        out.backward(tensor.Tensor(g, dtype=tensor.float64, device=device))
        results.append([host(out)] + [host(t.grad) for t in inputs])
    for ours, reference in zip(*results):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


# ---- gradcheck of each fused op (float64) ---------------------------------------------------

GRADCHECKS = {
    "batch_norm-training": lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
    "batch_norm-no-affine": lambda x, w, b: F.batch_norm(x, None, None, training=True) * w.sum(),
    "batch_norm-eval": lambda x, w, b: F.batch_norm(
        x, tensor.Tensor(np.array([0.3, -0.2, 0.1]), device=x.device),
        tensor.Tensor(np.array([0.5, 2.0, 1.5]), device=x.device), w, b),
    "layer_norm": lambda x, w, b: F.layer_norm(x.reshape(4, 3, 3), (3, 3), w.reshape(1, 3)
                                               .expand(3, 3), b.reshape(3, 1).expand(3, 3)),
    "layer_norm-no-affine": lambda x, w, b: F.layer_norm(x, (3, 3)) + w.sum() + b.sum(),
    "group_norm": lambda x, w, b: F.group_norm(x.reshape(4, 3, 3), 3, w, b),
    "group_norm-two-groups": lambda x, w, b: F.group_norm(
        x.reshape(2, 6, 3), 2, tensor.cat([w, w]), tensor.cat([b, b])),
}


@pytest.mark.exercise("ch08.batch_norm_backward")
@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(name, device):
    rng = np.random.default_rng(7)
    x = leaf(rng.normal(1.0, 2.0, size=(4, 3, 3)), device)
    w, b = leaf(rng.normal(size=3), device), leaf(rng.normal(size=3), device)
    assert tensor.gradcheck(GRADCHECKS[name], x, w, b)


# ---- running statistics, modes and the graph ------------------------------------------------

def test_running_statistics_after_training_give_torchs_eval_outputs():
    """Train both for five steps with momentum None (the cumulative average), then evaluate."""
    ours, theirs = make_pair("BatchNorm2d", (4,), {"momentum": None}, "float32", "cpu")
    rng = np.random.default_rng(8)
    batches = [rng.normal(-1.0, 3.0, size=(6, 4, 3, 3)) for _ in range(5)]
    for x in batches:
        ours(tensor.Tensor(x))
        theirs(torch_tensor(x, "float32"))
    assert int(ours.num_batches_tracked.item()) == 5
    assert ours.num_batches_tracked.dtype == tensor.int64
    # the cumulative average: the plain mean of the five batch means and unbiased variances
    expected_mean = np.mean([x.mean(axis=(0, 2, 3)) for x in batches], axis=0)
    expected_var = np.mean([x.var(axis=(0, 2, 3), ddof=1) for x in batches], axis=0)
    np.testing.assert_allclose(ours.running_mean.numpy(), expected_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.running_var.numpy(), expected_var, rtol=1e-5)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(2, 4, 3, 3))
    np.testing.assert_allclose(ours(tensor.Tensor(x)).detach().numpy(),
                               theirs(torch_tensor(x, "float32")).detach().numpy(), rtol=1e-5,
                               atol=1e-5)


def test_eval_output_of_a_sample_does_not_depend_on_its_batch():
    layer = nn.BatchNorm1d(3)
    layer(tensor.randn(8, 3) * 2 + 1)
    layer.eval()
    x = tensor.randn(4, 3)
    alone = layer(x[:1]).detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy()[:1], alone, rtol=1e-6)


def test_untracked_batch_norm_uses_batch_statistics_in_eval_too():
    layer = nn.BatchNorm1d(3, track_running_stats=False).eval()
    x = tensor.randn(16, 3) * 5 + 3
    y = layer(x).detach().numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-3)
    assert layer.running_mean is None and list(layer.state_dict()) == ["weight", "bias"]


def test_running_statistics_are_updated_outside_the_graph_and_counted_as_changes(device):
    layer = nn.BatchNorm1d(3, device=device)
    versions = (layer.running_mean._version, layer.running_var._version)
    x = tensor.randn(5, 3).to(device)
    out = layer(x)
    assert out.op == "batch_norm" and out.parents == (x, layer.weight, layer.bias)
    assert not layer.running_mean.requires_grad and not layer.running_var.requires_grad
    assert layer.running_mean._version > versions[0] and layer.running_var._version > versions[1]
    with tensor.no_grad():  # training mode updates the statistics even without a graph
        layer(tensor.randn(5, 3).to(device))
    assert int(layer.num_batches_tracked.item()) == 2


def test_eval_mode_leaves_the_running_statistics_alone():
    layer = nn.BatchNorm2d(2)
    layer(tensor.randn(3, 2, 2, 2))
    state = {k: v.numpy().copy() for k, v in layer.state_dict().items()}
    layer.eval()
    layer(tensor.randn(3, 2, 2, 2))
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key])


@pytest.mark.parametrize("make, x, op", [
    (lambda: nn.BatchNorm2d(3), tensor.randn(2, 3, 4, 4, requires_grad=True), "batch_norm"),
    (lambda: nn.LayerNorm(4), tensor.randn(2, 3, 4, requires_grad=True), "layer_norm"),
    (lambda: nn.GroupNorm(2, 4), tensor.randn(2, 4, 3, requires_grad=True), "group_norm"),
])
def test_each_normalization_is_one_node(make, x, op):
    layer = make()
    out = layer(x)
    assert out.op == op and out.parents == (x, layer.weight, layer.bias)
    assert [node.op for node in out.topological_order() if node.parents] == [op]


def test_normalization_without_affine_step_saves_its_output():
    """Without weight and bias the output IS the normalized x_hat that backward reads: changing
    it in place must make backward refuse, not compute a wrong gradient."""
    x = tensor.randn(4, 3, requires_grad=True)
    out = F.layer_norm(x, (3,))
    with tensor.no_grad():
        out += 1
    with pytest.raises(RuntimeError, match="modified|changed|version"):
        out.sum().backward()


def test_changing_the_weight_before_backward_is_an_error():
    """The input's gradient reads gamma; an optimizer step between forward and backward would
    make it wrong, so (as in PyTorch) backward refuses."""
    layer = nn.BatchNorm1d(3)
    out = layer(tensor.randn(4, 3, requires_grad=True))
    with tensor.no_grad():
        layer.weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified|changed|version"):
        out.sum().backward()


def test_momentum_must_be_a_number_when_statistics_are_updated():
    with pytest.raises(TypeError, match="batch_norm: momentum must be a number"):
        F.batch_norm(tensor.randn(4, 2), tensor.zeros(2), tensor.ones(2), training=True,
                     momentum=None)


def test_float32_stays_float32():
    layer = nn.BatchNorm2d(2)
    x = tensor.randn(3, 2, 2, 2, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == tensor.float32 and x.grad.dtype == tensor.float32
    assert layer.running_var.dtype == tensor.float32


# ---- state_dict round trip with torch -------------------------------------------------------

def test_torch_state_dict_loads_and_ours_loads_into_torch():
    torch_model = torch.nn.Sequential(torch.nn.Identity(), torch.nn.BatchNorm2d(3),
                                      torch.nn.GroupNorm(3, 3), torch.nn.Flatten(),
                                      torch.nn.LayerNorm(12))
    ours = nn.Sequential(nn.Identity(), nn.BatchNorm2d(3), nn.GroupNorm(3, 3), nn.Flatten(),
                         nn.LayerNorm(12))
    rng = np.random.default_rng(9)
    for _ in range(4):  # train torch's model so that the running statistics are not defaults
        torch_model(torch_tensor(rng.normal(2, 3, size=(5, 3, 2, 2)), "float32"))
    with torch.no_grad():
        for p in torch_model.parameters():
            p.copy_(torch.from_numpy(rng.normal(size=tuple(p.shape))))
    state = torch_model.state_dict()
    assert list(ours.state_dict()) == list(state)
    assert "1.num_batches_tracked" in state
    ours.load_state_dict(state)
    assert int(ours[1].num_batches_tracked.item()) == 4
    ours.eval()
    torch_model.eval()
    x = rng.normal(size=(2, 3, 2, 2))
    expected = torch_model(torch_tensor(x, "float32")).detach().numpy()
    np.testing.assert_allclose(ours(tensor.Tensor(x)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-5)
    # and back: our state into a fresh torch model gives the same outputs
    fresh = torch.nn.Sequential(torch.nn.Identity(), torch.nn.BatchNorm2d(3),
                                torch.nn.GroupNorm(3, 3), torch.nn.Flatten(),
                                torch.nn.LayerNorm(12))
    fresh.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                           for k, v in ours.state_dict().items()})
    assert int(fresh[1].num_batches_tracked) == 4
    np.testing.assert_allclose(fresh.eval()(torch_tensor(x, "float32")).detach().numpy(),
                               expected, rtol=1e-6)


def test_reset_running_stats_and_parameters():
    layer = nn.BatchNorm1d(2)
    layer(tensor.randn(4, 2) * 3 + 1)
    layer.weight.data.fill_(3.0)
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.running_mean.numpy(), [0, 0])
    np.testing.assert_array_equal(layer.running_var.numpy(), [1, 1])
    assert int(layer.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(layer.weight.detach().numpy(), [1, 1])
    np.testing.assert_array_equal(layer.bias.detach().numpy(), [0, 0])


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("layer, shape, expected", [
    (nn.BatchNorm1d(3), (8,), r"BatchNorm1d\(3, .*\) expected input of shape \(N, 3\) or "
     r"\(N, 3, L\), got \(8,\)"),
    (nn.BatchNorm1d(3), (8, 4), r"expected input of shape \(N, 3\) or \(N, 3, L\), got \(8, 4\)"),
    (nn.BatchNorm2d(3), (2, 3, 4), r"BatchNorm2d\(3, .*\) expected input of shape "
     r"\(N, 3, H, W\), got \(2, 3, 4\)"),
    (nn.BatchNorm2d(3), (2, 4, 4, 4), r"\(N, 3, H, W\), got \(2, 4, 4, 4\)"),
    (nn.BatchNorm3d(2), (2, 2, 4, 4), r"BatchNorm3d\(2, .*\(N, 2, D, H, W\), got \(2, 2, 4, 4\)"),
    (nn.LayerNorm(4), (4, 3, 5), r"LayerNorm\(\(4,\), .*\) expected input of shape \(\*, 4\), "
     r"got \(4, 3, 5\)"),
    (nn.LayerNorm((2, 3)), (3,), r"expected input of shape \(\*, 2, 3\), got \(3,\)"),
    (nn.GroupNorm(2, 4), (2, 6, 3), r"GroupNorm\(2, 4, .*\) expected input of shape "
     r"\(N, 4, \*\), got \(2, 6, 3\)"),
])
def test_wrong_input_shapes_are_clear_errors(layer, shape, expected):
    with pytest.raises(ValueError, match=expected):
        layer(tensor.zeros(shape))


@pytest.mark.parametrize("layer, shape", [(nn.BatchNorm1d(3), (1, 3)),
                                          (nn.BatchNorm1d(3), (1, 3, 1)),
                                          (nn.BatchNorm2d(3), (1, 3, 1, 1))])
def test_batch_norm_training_on_one_value_per_channel_is_an_error(layer, shape):
    with pytest.raises(ValueError, match=r"BatchNorm.d\(3, .*\) expected more than 1 value per "
                                         r"channel when training, got input size "
                                         + re.escape(str(shape))):
        layer(tensor.zeros(shape))
    assert int(layer.num_batches_tracked.item()) == 0
    layer.eval()(tensor.zeros(shape))  # fine in evaluation: the running statistics are used
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel"):
        F.batch_norm(tensor.zeros(shape), None, None, training=True)


def test_functional_errors():
    x = tensor.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="running_mean and running_var must be given"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(3,\) for an "
                                         r"input of shape \(4, 3, 2\), got \(2,\)"):
        F.batch_norm(x, None, None, tensor.ones(2), training=True)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean must have shape \(3,\)"):
        F.batch_norm(x, tensor.zeros(4), tensor.ones(4))
    with pytest.raises(ValueError, match=r"batch_norm: expected input of shape \(N, C, \*\)"):
        F.batch_norm(tensor.zeros(3), None, None, training=True)
    with pytest.raises(ValueError, match=r"layer_norm: expected input of shape \(\*, 3\) for "
                                         r"normalized_shape=\(3,\), got \(4, 3, 2\)"):
        F.layer_norm(x, 3)
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(2,\)"):
        F.layer_norm(x, 2, tensor.ones(3))
    with pytest.raises(ValueError, match=r"group_norm: expected a number of channels divisible "
                                         r"by num_groups=2, got input of shape \(4, 3, 2\)"):
        F.group_norm(x, 2)
    with pytest.raises(TypeError, match="batch_norm: input must be a Tensor"):
        F.batch_norm(np.zeros((2, 3)), None, None)
    with pytest.raises(RuntimeError, match="batch_norm: input is on cpu but running_mean is on "
                                           "standin"):
        F.batch_norm(x, tensor.zeros(3, device="standin"), tensor.ones(3, device="standin"))


def test_group_norm_needs_channels_divisible_by_groups():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by "
                                         r"num_groups \(4\)"):
        nn.GroupNorm(4, 6)


def test_values_per_channel_count_the_spatial_positions_too():
    # (1, 3, 2): one sample but two positions per channel, so batch statistics exist
    out = nn.BatchNorm1d(3)(tensor.Tensor(np.arange(6.0).reshape(1, 3, 2)))
    np.testing.assert_allclose(out.detach().numpy(), [[[-1, 1]] * 3], rtol=1e-4)
    assert math.isclose(float(nn.BatchNorm1d(3).eps), 1e-5)
