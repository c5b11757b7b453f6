"""F.scaled_dot_product_attention against PyTorch, on every device.

Hypothesis draws shapes (leading batch and head dimensions that broadcast), every kind of mask
(none, bool, float, a float mask that requires grad, causal, each in several broadcastable
shapes), the scale, grouped-query attention and the dtype; each case compares the output and
the gradients of query, key, value and the float mask with torch's. Then: rows whose every
key is hidden (0, as PyTorch's CPU kernel gives), huge scores, float16, gradcheck of the fused
op, its agreement with the composite reference, dropout's statistics, one graph node, and the
errors."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradschool
import nn.functional as F
import tensor
from nn.functional.attention import _composite_attention
from tensor.gradcheck import gradcheck

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=2e-5), "float64": dict(rtol=1e-10, atol=1e-12)}
MASKS = ["none", "bool", "float", "float_grad", "causal"]
rng = np.random.default_rng(0)


def host(t):
    return t.detach().cpu().numpy()


def ours_and_theirs(array, dtype, device, grad=True):
    if array.dtype == bool:
        return tensor.Tensor(array, device=device), torch.tensor(array)
    return (tensor.Tensor(array, dtype=getattr(tensor, dtype), device=device, requires_grad=grad),
            torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=grad))


def compare(arrays, options, dtype, device, names=("query", "key", "value", "attn_mask")):
    """Run ours and torch's on the same arrays (a None mask stays None; a float mask array
    requires grad when options says so), backward of sum(out * g), and compare everything."""
    options = dict(options)
    mask_grad = options.pop("mask_grad", False)
    pairs = [ours_and_theirs(a, dtype, device, grad=i < 3 or mask_grad)
             if a is not None else (None, None) for i, a in enumerate(arrays)]
    ours, theirs = zip(*pairs)
    out = F.scaled_dot_product_attention(*ours, **options)
    expected = TF.scaled_dot_product_attention(*theirs, **options)
    assert out.shape == tuple(expected.shape) and str(out.dtype) == dtype
    g = rng.normal(size=tuple(expected.shape))
    (out * tensor.Tensor(g, dtype=out.dtype, device=device)).sum().backward()
    (expected * torch.tensor(g, dtype=expected.dtype)).sum().backward()
    np.testing.assert_allclose(host(out), expected.detach().numpy(), **TOLERANCE[dtype],
                               err_msg="output")
    for name, a, b in zip(names, ours, theirs):
        if a is not None and a.requires_grad:
            assert a.grad is not None and a.grad.shape == a.shape, name
            np.testing.assert_allclose(host(a.grad), b.grad.numpy(), **TOLERANCE[dtype],
                                       err_msg=f"gradient of {name}")
    return out


@st.composite
def cases(draw):
    """(query, key, value, mask arrays; options) of a valid call."""
    length, sources = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    features, value_features = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))

    def leading():  # the batch dims, each kept, set to 1, or (leftmost ones) dropped
        dims = tuple(draw(st.sampled_from([n, 1])) for n in batch)
        return dims[draw(st.integers(0, len(dims))):]

    q_batch, k_batch, v_batch = leading(), leading(), leading()
    kind = draw(st.sampled_from(MASKS))
    options = dict(scale=draw(st.sampled_from([None, 0.3, 1.7])))
    mask = None
    score_batch = np.broadcast_shapes(q_batch, k_batch)
    if kind == "causal":
        options["is_causal"] = True
    elif kind != "none":
        shape = draw(st.sampled_from([(length, sources), (1, sources), (length, 1),
                                      score_batch + (length, sources)]))
        if kind == "bool":
            mask = rng.random(shape) < 0.7
        else:
            mask = rng.normal(size=shape)
            mask[rng.random(shape) < 0.15] = -np.inf
            options["mask_grad"] = kind == "float_grad"
    arrays = [rng.normal(size=q_batch + (length, features)),
              rng.normal(size=k_batch + (sources, features)),
              rng.normal(size=v_batch + (sources, value_features)), mask]
    return arrays, options


# ---- against torch ---------------------------------------------------------------------------

@pytest.mark.exercise("ch10.attention_forward")
@pytest.mark.exercise("ch10.attention_backward")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=cases())
@SETTINGS
def test_matches_torch(device, dtype, case):
    arrays, options = case
    out = compare(arrays, options, dtype, device)
    assert out.op == "scaled_dot_product_attention"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("q_heads, kv_heads", [(4, 2), (6, 3), (4, 1), (3, 3)])
def test_grouped_query_attention_matches_torch(device, dtype, q_heads, kv_heads):
    arrays = [rng.normal(size=(2, q_heads, 3, 4)), rng.normal(size=(2, kv_heads, 5, 4)),
              rng.normal(size=(2, kv_heads, 5, 3)), rng.random((3, 5)) < 0.8]
    compare(arrays, dict(enable_gqa=True), dtype, device)
    compare(arrays[:3] + [None], dict(enable_gqa=True, is_causal=True), dtype, device)


def test_unbatched_2d_inputs_and_the_default_scale(device):
    arrays = [rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))]
    out = compare(arrays + [None], {}, "float64", device)
    q, k, v = arrays
    s = q @ k.T / math.sqrt(4)
    p = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(host(out), (p / p.sum(-1, keepdims=True)) @ v, rtol=1e-12)


def test_causal_is_aligned_top_left_as_in_torch(device):
    for length, sources in ((5, 3), (3, 5), (4, 4)):
        arrays = [rng.normal(size=(2, length, 3)), rng.normal(size=(2, sources, 3)),
                  rng.normal(size=(2, sources, 2)), None]
        compare(arrays, dict(is_causal=True), "float64", device)


# ---- edges -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["bool", "float"])
def test_a_row_with_every_key_hidden_gives_zeros_as_torch(device, kind):
    allowed = np.ones((4, 5), dtype=bool)
    allowed[1] = False
    mask = allowed if kind == "bool" else np.where(allowed, 0.0, -np.inf)
    arrays = [rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 2)),
              mask]
    out = compare(arrays, dict(mask_grad=kind == "float"), "float32", device)
    assert np.all(host(out)[:, 1] == 0) and np.isfinite(host(out)).all()


def test_no_keys_at_all_gives_zeros_as_torch(device):
    arrays = [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 0, 4)), rng.normal(size=(2, 0, 5))]
    out = compare(arrays + [None], {}, "float32", device)
    assert out.shape == (2, 3, 5) and not host(out).any()


def test_huge_scores_stay_finite_and_equal_float64(device):
    """Scores of about 1e8: softmax rows one-hot, nothing overflows (the row max is
    subtracted before exp); values and gradients equal float64's up to float32's rounding
    of the largest of them."""
    q = rng.choice([-1.0, 1.0], (2, 4, 8)) * 1e4
    k = rng.choice([-1.0, 1.0], (2, 6, 8)) * 1e4
    v = rng.normal(size=(2, 6, 3))
    ours = [tensor.Tensor(a, device=device, requires_grad=True) for a in (q, k, v)]
    exact = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out, expected = F.scaled_dot_product_attention(*ours), TF.scaled_dot_product_attention(*exact)
    g = rng.normal(size=out.shape)
    out.backward(tensor.Tensor(g, device=device))
    expected.backward(torch.tensor(g))
    for a, b in [(out, expected)] + [(x.grad, t.grad) for x, t in zip(ours, exact)]:
        b = b.detach().numpy()
        assert np.isfinite(host(a)).all()
        np.testing.assert_allclose(host(a), b, rtol=1e-5, atol=1e-6 * np.abs(b).max())


def test_float16_is_computed_in_float32(device):
    """q k^T would overflow float16 (7e4 > 65504) but the scaled scores do not."""
    q = rng.choice([-1.0, 1.0], (3, 4)) * 300
    k = rng.choice([-1.0, 1.0], (5, 4)) * 60
    v = rng.normal(size=(5, 2))
    ours = [tensor.Tensor(a, dtype=tensor.float16, device=device, requires_grad=True)
            for a in (q, k, v)]
    out = F.scaled_dot_product_attention(*ours)
    assert out.dtype == tensor.float16
    exact = TF.scaled_dot_product_attention(*[torch.tensor(a.astype(np.float16).astype(float))
                                              for a in (q, k, v)])
    np.testing.assert_allclose(host(out).astype(float), exact.numpy(), rtol=2e-3, atol=2e-3)
    out.sum().backward()
    assert all(np.isfinite(host(t.grad)).all() and t.grad.dtype == tensor.float16 for t in ours)


# ---- the fused op itself -----------------------------------------------------------------

@pytest.mark.exercise("ch10.attention_backward")
@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_gradcheck(device, mask):
    shapes = [(2, 3, 4), (2, 5, 4), (1, 5, 3)]
    inputs = [tensor.Tensor(rng.normal(size=s), dtype=tensor.float64, device=device,
                            requires_grad=True) for s in shapes]
    options = dict(scale=0.7, is_causal=mask == "causal")
    if mask == "bool":
        allowed = rng.random((3, 5)) < 0.6
        allowed[:, 0] = True
        options["attn_mask"] = tensor.Tensor(allowed, device=device)
    if mask == "float":
        inputs.append(tensor.Tensor(rng.normal(size=(2, 1, 5)), dtype=tensor.float64,
                                    device=device, requires_grad=True))
    assert gradcheck(lambda *args: F.scaled_dot_product_attention(*args, **options), *inputs)


@pytest.mark.exercise("ch10.attention_backward")
def test_gradcheck_with_dropout_and_grouped_heads(device):
    """Dropout's mask is redrawn on every call: reseeding makes it the same each time."""
    inputs = [tensor.Tensor(rng.normal(size=s), dtype=tensor.float64, device=device,
                            requires_grad=True) for s in [(2, 4, 3, 2), (2, 2, 4, 2),
                                                          (2, 2, 4, 3)]]

    def attention(q, k, v):
        tensor.manual_seed(3)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.3, enable_gqa=True)

    assert gradcheck(attention, *inputs)


@pytest.mark.parametrize("mask", ["none", "bool", "float"])
def test_the_fused_op_equals_the_composite_reference(device, mask):
    arrays = [rng.normal(size=s) for s in [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)]]
    masks = {"none": None, "bool": rng.random((3, 5)) < 0.7, "float": rng.normal(size=(3, 5))}
    if mask == "bool":
        masks["bool"][:, 0] = True

    def run(fn):
        q, k, v = [tensor.Tensor(a, dtype=tensor.float64, device=device, requires_grad=True)
                   for a in arrays]
        m = None if masks[mask] is None else tensor.Tensor(masks[mask], device=device,
                                                           dtype=masks[mask].dtype)
        out = fn(q, k, v, m)
        out.sum().backward()
        return [host(t) for t in (out, q.grad, k.grad, v.grad)]

    fused = run(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m, scale=0.5))
    composite = run(lambda q, k, v, m: _composite_attention(q, k, v, m, 0.5, 0.0)[0])
    for a, b in zip(fused, composite):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_one_node_and_the_saved_arrays_are_released(device):
    q, k, v = [tensor.Tensor(rng.normal(size=(2, 3, 4)), device=device, requires_grad=True)
               for _ in range(3)]
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.parents == (q, k, v) and out.grad_fn.name() == "ScaledDotProductAttentionBackward0"
    out.sum().backward()
    assert out.parents == ()  # the node let go of its inputs and saved arrays once used


def test_only_inputs_that_require_grad_get_one(device):
    q = tensor.Tensor(rng.normal(size=(3, 4)), device=device, requires_grad=True)
    k, v = tensor.Tensor(rng.normal(size=(5, 4)), device=device), tensor.Tensor(
        rng.normal(size=(5, 2)), device=device)
    F.scaled_dot_product_attention(q, k, v).sum().backward()
    assert q.grad is not None and k.grad is None and v.grad is None
    with tensor.no_grad():
        assert not F.scaled_dot_product_attention(q, k, v).requires_grad


# ---- dropout ---------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_zeroes_a_fraction_p_of_the_weights_and_keeps_the_mean(device, p):
    """q = k = 0 gives uniform weights 1/S; v = I makes the output the weights themselves,
    each 0 or (1/S) / (1 - p)."""
    tensor.manual_seed(0)
    n, sources = 64, 64
    q = tensor.zeros(n, 32, 4, dtype=tensor.float64, device=device)
    v = tensor.Tensor(np.broadcast_to(np.eye(sources), (n, sources, sources)),
                      dtype=tensor.float64, device=device, requires_grad=True)
    k = tensor.zeros(n, sources, 4, dtype=tensor.float64, device=device)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
    weights = host(out)
    count = weights.size
    assert abs(np.mean(weights == 0) - p) < 5 * np.sqrt(p * (1 - p) / count)
    np.testing.assert_allclose(weights[weights != 0], 1 / sources / (1 - p), rtol=1e-12)
    assert abs(weights.mean() - 1 / sources) < 5 * np.sqrt(p / (1 - p) / count) / sources
    g = rng.normal(size=out.shape)
    out.backward(tensor.Tensor(g, dtype=tensor.float64, device=device))
    # dL/dv = (p m)^T g, with the same mask as the forward (here p m is the output)
    np.testing.assert_allclose(host(v.grad), np.swapaxes(weights, 1, 2) @ g, rtol=1e-10)


def test_dropout_is_seeded_and_zero_and_one_are_exact(device):
    q, k, v = [tensor.Tensor(rng.normal(size=(2, 6, 4)), device=device) for _ in range(3)]
    runs = []
    for _ in range(2):
        tensor.manual_seed(7)
        runs.append(host(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)))
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(host(F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)),
                                  host(F.scaled_dot_product_attention(q, k, v)))
    assert not host(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)).any()


def test_the_front_door_has_it():
    assert gradschool.nn.functional.scaled_dot_product_attention is F.scaled_dot_product_attention


# ---- bad input -------------------------------------------------------------------------------

def _t(*shape, dtype=tensor.float32):
    return tensor.Tensor(rng.normal(size=shape), dtype=dtype)


BAD = [
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 3), _t(5, 2)), ValueError,
     r"query and key share E.*query \(3, 4\), key \(5, 3\)"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(6, 2)), ValueError,
     r"key and value share S.*value \(6, 2\)"),
    (lambda: F.scaled_dot_product_attention(_t(4), _t(5, 4), _t(5, 2)), ValueError,
     "at least 2-D"),
    (lambda: F.scaled_dot_product_attention(_t(2, 3, 4), _t(3, 5, 4), _t(3, 5, 2)), ValueError,
     "must broadcast together"),
    (lambda: F.scaled_dot_product_attention(_t(2, 4, 3, 4), _t(2, 3, 5, 4), _t(2, 3, 5, 2),
                                            enable_gqa=True), ValueError,
     "must divide the query's"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4, dtype=tensor.float64), _t(5, 4), _t(5, 2)),
     TypeError, "one floating-point dtype"),
    (lambda: F.scaled_dot_product_attention(tensor.ones(3, 4, dtype=tensor.int64),
                                            tensor.ones(5, 4, dtype=tensor.int64),
                                            tensor.ones(5, 2, dtype=tensor.int64)),
     TypeError, "floating-point"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2), attn_mask=_t(3, 4)),
     ValueError, r"attn_mask of shape \(3, 4\) does not broadcast to the scores' shape \(3, 5\)"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2), attn_mask=_t(2, 3, 5)),
     ValueError, "does not broadcast"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2),
                                            attn_mask=tensor.ones(3, 5, dtype=tensor.int64)),
     TypeError, "attn_mask must be bool"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2),
                                            attn_mask=_t(3, 5, dtype=tensor.float64)),
     TypeError, "attn_mask must be bool"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2), attn_mask=_t(3, 5),
                                            is_causal=True), ValueError, "not both"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2), dropout_p=1.5),
     ValueError, "between 0 and 1"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4), _t(5, 2), scale="big"),
     TypeError, "scale must be a number"),
    (lambda: F.scaled_dot_product_attention(np.ones((3, 4)), _t(5, 4), _t(5, 2)), TypeError,
     "query must be a Tensor"),
    (lambda: F.scaled_dot_product_attention(_t(3, 4), _t(5, 4).to("standin"), _t(5, 2)),
     RuntimeError, "key is on standin"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert str(info.value).startswith("scaled_dot_product_attention: ")
