"""nn.MultiheadAttention and F.multi_head_attention_forward against PyTorch, on every device.

The same parameter names, order, shapes and state_dict keys as torch.nn.MultiheadAttention for
every option; PyTorch's initialization statistics; and, with torch's weights loaded, the same
outputs, attention weights and gradients (of query, key, value, float masks and every
parameter) for Hypothesis' draws of: self-, key-is-value and cross-attention, kdim/vdim,
bias, add_bias_kv, add_zero_attn, batch_first both ways, unbatched inputs, need_weights and
average_attn_weights, every attn_mask (bool or float, 2-D or 3-D, causal) with every
key_padding_mask (bool or float), float32 and float64. Then dropout's statistics, the
functional form, the one projection of self-attention, and the errors."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradschool
import nn
import nn.functional as F
import tensor

pytestmark = pytest.mark.filterwarnings(
    "ignore:Support for mismatched key_padding_mask and attn_mask is deprecated")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=3e-5), "float64": dict(rtol=1e-10, atol=1e-12)}
OPTIONS = [{}, dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
           dict(kdim=3, vdim=5), dict(kdim=3, vdim=5, bias=False, add_bias_kv=True),
           dict(batch_first=True, dropout=0.1)]
rng = np.random.default_rng(0)


def host(t):
    return t.detach().cpu().numpy()


def pair(embed_dim, num_heads, dtype="float32", device="cpu", **options):
    """Our MultiheadAttention and torch's, with torch's weights loaded into ours."""
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(embed_dim, num_heads, **options).to(getattr(torch, dtype))
    ours = nn.MultiheadAttention(embed_dim, num_heads, **options)
    ours.load_state_dict(theirs.state_dict())
    return ours.to(device=device, dtype=getattr(tensor, dtype)), theirs


# ---- parameters, state_dict, init, repr ------------------------------------------------------

@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_parameters_and_state_dict_match_torch(options):
    ours = nn.MultiheadAttention(4, 2, **options)
    theirs = torch.nn.MultiheadAttention(4, 2, **options)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for name in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first",
                 "add_zero_attn", "_qkv_same_embed_dim"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_initialization_is_torchs():
    tensor.manual_seed(0)
    layer = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier uniform of the stacked (3E, E) weight
    w = host(layer.in_proj_weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert not host(layer.in_proj_bias).any() and not host(layer.out_proj.bias).any()
    bias_k = np.concatenate([host(layer.bias_k).ravel(), host(layer.bias_v).ravel()])
    # xavier normal of a (1, 1, E) tensor: PyTorch counts fan_in = fan_out = 1 * E
    assert abs(bias_k.std() - math.sqrt(2 / (64 + 64))) < 0.03
    separate = nn.MultiheadAttention(8, 2, kdim=50, vdim=30)
    assert np.abs(host(separate.k_proj_weight)).max() <= math.sqrt(6 / (50 + 8))


# ---- against torch ---------------------------------------------------------------------------

@st.composite
def cases(draw):
    heads, head_dim = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    embed_dim = heads * head_dim
    mode = draw(st.sampled_from(["self", "kv", "cross"]))
    kdim = vdim = None
    if mode == "cross" and draw(st.booleans()):
        kdim, vdim = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    options = dict(bias=draw(st.booleans()), add_bias_kv=draw(st.booleans()),
                   add_zero_attn=draw(st.booleans()), kdim=kdim, vdim=vdim,
                   batch_first=draw(st.booleans()))
    batch = draw(st.sampled_from([None, 1, 3]))  # None: unbatched
    length = draw(st.integers(1, 4))
    sources = length if mode == "self" else draw(st.integers(1, 5))
    call = dict(need_weights=draw(st.booleans()), average_attn_weights=draw(st.booleans()))
    attn = draw(st.sampled_from(["none", "bool2d", "bool3d", "float2d", "float3d", "causal"]))
    padding = draw(st.sampled_from(["none", "bool", "float"]))
    n = 1 if batch is None else batch
    if attn == "causal":
        call["is_causal"] = True
        attn_mask = np.triu(np.ones((length, sources), dtype=bool), 1)
    elif attn != "none":
        attn_mask = _mask((length, sources) if attn.endswith("2d") else
                          (n * heads, length, sources), attn.startswith("bool"))
    padding_mask = None if padding == "none" else _mask(
        (sources,) if batch is None else (n, sources), padding == "bool")
    mask_grad = draw(st.booleans())
    return dict(embed_dim=embed_dim, heads=heads, mode=mode, options=options, batch=batch,
                length=length, sources=sources, call=call, mask_grad=mask_grad,
                attn_mask=None if attn == "none" else attn_mask, key_padding_mask=padding_mask)


def _mask(shape, boolean):
    """A random mask that hides some keys, never key 0 (so no row is all hidden)."""
    hidden = rng.random(shape) < 0.3
    hidden[..., 0] = False
    if boolean:
        return hidden
    return np.where(hidden, -np.inf, rng.normal(size=shape))


def _inputs(case):
    """query, key, value arrays (key and value the query itself for self-attention)."""
    layout = (lambda seq, n, e: (seq, e)) if case["batch"] is None else (
        (lambda seq, n, e: (n, seq, e)) if case["options"]["batch_first"] else
        (lambda seq, n, e: (seq, n, e)))
    e, n = case["embed_dim"], case["batch"]
    kdim = case["options"]["kdim"] or e
    vdim = case["options"]["vdim"] or e
    query = rng.normal(size=layout(case["length"], n, e))
    key = rng.normal(size=layout(case["sources"], n, kdim))
    value = rng.normal(size=layout(case["sources"], n, vdim))
    return query, key, value


def _tensors(arrays, mode, make):
    """Tensors for the arrays, shared as self-attention (x, x, x) or key-is-value need."""
    query = make(arrays[0])
    if mode == "self":
        return query, query, query
    key = make(arrays[1])
    return query, key, key if mode == "kv" else make(arrays[2])


def run_case(case, dtype, device):
    """Forward and backward through ours and torch's; returns both results and the pairs
    (name, our tensor, torch's) whose gradients must agree."""
    ours_layer, theirs_layer = pair(case["embed_dim"], case["heads"], dtype, device,
                                    **case["options"])
    arrays = _inputs(case)
    if case["mode"] == "kv":
        arrays = (arrays[0], arrays[1], arrays[1])
    ours = _tensors(arrays, case["mode"], lambda a: tensor.Tensor(
        a, dtype=getattr(tensor, dtype), device=device, requires_grad=True))
    theirs = _tensors(arrays, case["mode"], lambda a: torch.tensor(
        a, dtype=getattr(torch, dtype), requires_grad=True))
    masks_ours, masks_theirs, checked = {}, {}, []
    for name in ("attn_mask", "key_padding_mask"):
        mask = case[name]
        if mask is None:
            continue
        grad = mask.dtype != bool and case["mask_grad"]
        dt = None if mask.dtype == bool else dtype
        masks_ours[name] = tensor.Tensor(mask, dtype=dt and getattr(tensor, dt), device=device,
                                         requires_grad=grad)
        masks_theirs[name] = torch.tensor(mask, dtype=dt and getattr(torch, dt),
                                          requires_grad=grad)
        if grad:
            checked.append((name, masks_ours[name], masks_theirs[name]))
    out, weights = ours_layer(*ours, **masks_ours, **case["call"])
    expected, expected_weights = theirs_layer(*theirs, **masks_theirs, **case["call"])
    g = rng.normal(size=tuple(expected.shape))
    loss = (out * tensor.Tensor(g, dtype=out.dtype, device=device)).sum()
    expected_loss = (expected * torch.tensor(g, dtype=expected.dtype)).sum()
    if expected_weights is not None:
        gw = rng.normal(size=tuple(expected_weights.shape))
        loss = loss + (weights * tensor.Tensor(gw, dtype=out.dtype, device=device)).sum()
        expected_loss = expected_loss + (expected_weights * torch.tensor(gw, dtype=expected.dtype)
                                         ).sum()
    loss.backward()
    expected_loss.backward()
    checked += [(name, a, b) for name, a, b in zip(("query", "key", "value"), ours, theirs)]
    checked += [(name, p, q) for (name, p), (_, q) in zip(ours_layer.named_parameters(),
                                                         theirs_layer.named_parameters())]
    return (out, weights), (expected, expected_weights), checked


def assert_same(results, expected, checked, dtype):
    for ours, theirs, what in zip(results, expected, ("output", "weights")):
        assert (ours is None) == (theirs is None), what
        if ours is not None:
            assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == dtype, what
            np.testing.assert_allclose(host(ours), theirs.detach().numpy(), **TOLERANCE[dtype],
                                       err_msg=what)
    for name, ours, theirs in checked:
        assert (ours.grad is None) == (theirs.grad is None), name
        if ours.grad is not None:
            np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), **TOLERANCE[dtype],
                                       err_msg=f"gradient of {name}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=cases())
@SETTINGS
def test_matches_torch(device, dtype, case):
    assert_same(*run_case(case, dtype, device), dtype)


@pytest.mark.parametrize("need_weights", [True, False])
def test_every_mask_combination_matches_torch(device, need_weights):
    """Each attn_mask kind with each key_padding_mask kind, in one table."""
    for attn in ["none", "bool2d", "bool3d", "float2d", "float3d"]:
        for padding in ["none", "bool", "float"]:
            case = dict(embed_dim=4, heads=2, mode="self", batch=2, length=3, sources=3,
                        options=dict(bias=True, add_bias_kv=False, add_zero_attn=False,
                                     kdim=None, vdim=None, batch_first=True),
                        call=dict(need_weights=need_weights, average_attn_weights=True),
                        mask_grad=True, key_padding_mask=None if padding == "none" else
                        _mask((2, 3), padding == "bool"),
                        attn_mask=None if attn == "none" else _mask(
                            (3, 3) if attn.endswith("2d") else (4, 3, 3),
                            attn.startswith("bool")))
            assert_same(*run_case(case, "float64", device), "float64")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the nan
@pytest.mark.parametrize("need_weights, expected", [(True, "nan"), (False, "zero")])
def test_a_query_with_every_key_hidden_is_as_in_torch(device, need_weights, expected):
    """PyTorch: nan from the path that returns the weights, 0 from the fused one."""
    ours, theirs = pair(4, 2, device=device, batch_first=True)
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    padding = np.array([[False, False, False], [True, True, True]])
    out, _ = ours(*[tensor.Tensor(x, device=device)] * 3,
                  key_padding_mask=tensor.Tensor(padding, device=device),
                  need_weights=need_weights)
    expected_out, _ = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(padding),
                             need_weights=need_weights)
    np.testing.assert_allclose(host(out), expected_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert np.isnan(host(out)[1]).all() if expected == "nan" else not host(out)[1].any()


def test_eval_mode_turns_dropout_off_and_matches_torch(device):
    ours, theirs = pair(6, 3, device=device, dropout=0.5, batch_first=True)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(2, 4, 6)).astype(np.float32)
    out, weights = ours(*[tensor.Tensor(x, device=device)] * 3)
    expected, expected_weights = theirs(*[torch.tensor(x)] * 3)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(weights), expected_weights.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


# ---- dropout, training mode ----------------------------------------------------------------

@pytest.mark.parametrize("need_weights", [True, False])
def test_dropout_zeroes_a_fraction_p_of_the_weights_and_keeps_the_mean(device, need_weights):
    """With all projections zero but W_v = I and out_proj = I, every weight is 1/S and the
    output is the average of the values; dropout zeroes a fraction p of the weights (the
    returned weights show it) and keeps the output's mean."""
    p, n, length, e = 0.3, 64, 32, 4
    tensor.manual_seed(0)
    layer = nn.MultiheadAttention(e, 2, dropout=p, batch_first=True, dtype=tensor.float64)
    weight = np.zeros((3 * e, e))
    weight[2 * e:] = np.eye(e)
    layer.in_proj_weight.data = tensor.Tensor(weight, dtype=tensor.float64)
    layer.out_proj.weight.data = tensor.eye(e, dtype=tensor.float64)
    layer.to(device)
    x = tensor.ones(n, length, e, dtype=tensor.float64, device=device)
    out, weights = layer(x, x, x, need_weights=need_weights, average_attn_weights=False)
    values = host(out)
    if need_weights:
        w = host(weights)
        assert w.shape == (n, 2, length, length)
        assert abs(np.mean(w == 0) - p) < 5 * np.sqrt(p * (1 - p) / w.size)
        np.testing.assert_allclose(w[w != 0], 1 / length / (1 - p), rtol=1e-12)
        np.testing.assert_allclose(values[..., :2], w[:, 0].sum(-1)[..., None].repeat(2, -1),
                                   rtol=1e-12)  # head 0's output: its weights' row sums
    else:
        assert weights is None
    assert abs(values.mean() - 1) < 5 * np.sqrt(p / (1 - p) / values.size / length) * 3


# ---- the functional form ---------------------------------------------------------------------

@pytest.mark.parametrize("separate", [False, True])
@pytest.mark.parametrize("static", [False, True])
def test_functional_matches_torch(device, separate, static):
    e, heads, n, length, sources = 6, 3, 2, 3, 4
    arrays = dict(query=rng.normal(size=(length, n, e)), key=rng.normal(size=(sources, n, e)),
                  value=rng.normal(size=(sources, n, e)),
                  in_proj_weight=rng.normal(size=(3 * e, e)), in_proj_bias=rng.normal(size=3 * e),
                  bias_k=rng.normal(size=(1, 1, e)),
                  bias_v=rng.normal(size=(1, 1, e)), out_proj_weight=rng.normal(size=(e, e)),
                  out_proj_bias=rng.normal(size=e), q_proj_weight=rng.normal(size=(e, e)),
                  k_proj_weight=rng.normal(size=(e, e)), v_proj_weight=rng.normal(size=(e, e)),
                  static_k=rng.normal(size=(n * heads, 5, e // heads)),
                  static_v=rng.normal(size=(n * heads, 5, e // heads)))
    if static:
        del arrays["bias_k"], arrays["bias_v"]
    else:
        del arrays["static_k"], arrays["static_v"]
    ours = {k: tensor.Tensor(a, dtype=tensor.float64, device=device, requires_grad=True)
            for k, a in arrays.items()}
    theirs = {k: torch.tensor(a, requires_grad=True) for k, a in arrays.items()}
    options = dict(embed_dim_to_check=e, num_heads=heads, add_zero_attn=True, dropout_p=0.5,
                   training=False, use_separate_proj_weight=separate, need_weights=True)
    defaults = dict(bias_k=None, bias_v=None)
    out, weights = F.multi_head_attention_forward(**{**defaults, **ours}, **options)
    expected, expected_weights = TF.multi_head_attention_forward(**{**defaults, **theirs},
                                                                 **options)
    (out.sum() + (weights * weights).sum()).backward()
    (expected.sum() + (expected_weights * expected_weights).sum()).backward()
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(host(weights), expected_weights.detach().numpy(), rtol=1e-10)
    for name, t in ours.items():
        if theirs[name].grad is not None:
            np.testing.assert_allclose(host(t.grad), theirs[name].grad.numpy(), rtol=1e-9,
                                       atol=1e-12, err_msg=name)


def test_self_attention_projects_with_one_matrix_product():
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    x = tensor.randn(2, 5, 8, requires_grad=True)
    out, _ = layer(x, x, x, need_weights=False)
    ops = [node.op for node in out.topological_order()]
    assert ops.count("linear") == 2 and ops.count("scaled_dot_product_attention") == 1
    cross, _ = layer(x, tensor.randn(2, 3, 8), tensor.randn(2, 3, 8), need_weights=False)
    assert [node.op for node in cross.topological_order()].count("linear") == 4


def test_float64_and_the_front_door():
    layer = gradschool.nn.MultiheadAttention(4, 2, dtype=tensor.float64)
    assert layer.in_proj_weight.dtype == tensor.float64
    out, weights = layer(tensor.randn(3, 4, dtype=tensor.float64),
                         tensor.randn(5, 4, dtype=tensor.float64),
                         tensor.randn(5, 4, dtype=tensor.float64))
    assert out.shape == (3, 4) and weights.shape == (3, 5) and out.dtype == tensor.float64
    assert gradschool.nn.functional.multi_head_attention_forward is F.multi_head_attention_forward


# ---- bad input -------------------------------------------------------------------------------

def _x(*shape, dtype=tensor.float32):
    return tensor.Tensor(rng.normal(size=shape), dtype=dtype)


def _call(*tensors, **options):
    """Self-attention MultiheadAttention(8, 2, batch_first=True) on `tensors`, built when the
    test runs (built at import, a stubbed workbook's broken init would stop collection)."""
    return lambda: nn.MultiheadAttention(8, 2, batch_first=True)(*tensors, **options)


X = _x(3, 5, 8)
BAD = [
    (lambda: nn.MultiheadAttention(10, 3), ValueError,
     r"MultiheadAttention\(10, 3\): embed_dim must be divisible by num_heads"),
    (lambda: nn.MultiheadAttention(8, 0), ValueError, "num_heads must be a whole number > 0"),
    (lambda: nn.MultiheadAttention(8, 2, dropout=2.0), ValueError, "between 0 and 1"),
    (_call(X, X, X, attn_mask=tensor.zeros(5, 4)), ValueError,
     r"MultiheadAttention\(8, 2, batch_first=True\) expected attn_mask of shape \(L, S\) = "
     r"\(5, 5\) or \(N \* num_heads, L, S\) = \(6, 5, 5\), got \(5, 4\)"),
    (_call(X, X, X, attn_mask=tensor.zeros(3, 5, 5)), ValueError,
     r"= \(6, 5, 5\), got \(3, 5, 5\)"),
    (_call(X, X, X, attn_mask=tensor.zeros(5, 5, dtype=tensor.int64)), TypeError,
     "expected attn_mask of dtype bool"),
    (_call(X, X, X, attn_mask=tensor.zeros(5, 5, dtype=tensor.float64)), TypeError,
     "of the query's dtype float32"),
    (_call(X, X, X, key_padding_mask=tensor.zeros(2, 5, dtype=tensor.bool)), ValueError,
     r"expected key_padding_mask of shape \(N, S\) = \(3, 5\).*got \(2, 5\)"),
    (_call(X, X, X, key_padding_mask=tensor.zeros(3, 5, dtype=tensor.int64)), TypeError,
     "expected key_padding_mask of dtype bool"),
    (_call(_x(3, 5, 6), X, X), ValueError,
     r"with 8, 8 and 8 features \(embed_dim, kdim, vdim\), got query \(3, 5, 6\)"),
    (_call(X, _x(3, 4, 8), _x(3, 5, 8)), ValueError,
     "key and value must have the same batch and sequence sizes"),
    (_call(X, _x(2, 5, 8), _x(2, 5, 8)), ValueError, "the same batch size"),
    (_call(X, _x(5, 8), X), ValueError, "all 3-D .batched. or all 2-D"),
    (_call(_x(5, 8), _x(5, 8), _x(5, 8), key_padding_mask=tensor.zeros(
        3, 5, dtype=tensor.bool)), ValueError, r"key_padding_mask of shape \(S,\) = \(5,\)"),
    (_call(X, X, X, is_causal=True), ValueError, "is_causal=True is a hint"),
    (_call(X, X, _x(3, 5, 8, dtype=tensor.float64)), TypeError, "of one dtype"),
    (lambda: nn.MultiheadAttention(8, 2, kdim=3, vdim=4)(_x(5, 2, 8), _x(6, 2, 4), _x(6, 2, 4)),
     ValueError, r"MultiheadAttention\(8, 2, kdim=3, vdim=4\) expected query, key and value "
     r"with 8, 3 and 4 features"),
    (_call(X.numpy(), X, X), TypeError, "query must be a Tensor"),
]
_W = dict(embed_dim_to_check=4, num_heads=2, in_proj_weight=_x(12, 4), in_proj_bias=None,
          bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
          out_proj_weight=_x(4, 4), out_proj_bias=None)
_Q = _x(3, 2, 4)
BAD += [
    (lambda: F.multi_head_attention_forward(_Q, _Q, _Q, **{**_W, "bias_k": _x(1, 1, 4)}),
     ValueError, "multi_head_attention_forward: bias_k and bias_v go together"),
    (lambda: F.multi_head_attention_forward(_Q, _Q, _Q, **{**_W, "bias_k": _x(1, 1, 4),
                                                           "bias_v": _x(1, 1, 4)},
                                            static_k=_x(4, 5, 2)),
     ValueError, "not with static_k"),
    (lambda: F.multi_head_attention_forward(_Q, _Q, _Q, **_W, static_k=_x(4, 5, 3)),
     ValueError, r"expected static_k of shape \(N \* num_heads, S, head_dim\) = \(4, S, 2\)"),
    (lambda: F.multi_head_attention_forward(_Q, _Q, _Q, **_W, use_separate_proj_weight=True),
     ValueError, "needs in_proj_weight, or q_proj_weight"),
    (lambda: F.multi_head_attention_forward(_Q, _Q, _Q, **{**_W, "num_heads": 3}),
     ValueError, "embed_dim 4 is not divisible by num_heads 3"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
