"""RMSNorm and F.rms_norm against PyTorch, and the positional encodings (Grad School's own
building blocks, not in torch.nn) against their formulas.

RMSNorm: a table of layers, each built in both libraries with the same random weight (torch's
state_dict loaded into ours), one forward and backward compared (output, input and weight
gradients) in float32 and float64 on every device; hypothesis draws further shapes for
F.rms_norm; gradcheck of the fused op; float16 computed in float32. Positional encodings:
the sinusoidal table against the formula of "Attention is all you need", both layouts and the
unbatched form, the buffer's (non-)persistence; the learned table against torch.nn.Embedding
with the same weights, forward and backward. Then the errors.
"""

import math
import re

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
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def host(t):
    return None if t is None else t.detach().cpu().numpy()


def ours_and_theirs(array, dtype, device, requires_grad=True):
    return (tensor.Tensor(array, dtype=getattr(tensor, dtype), device=device,
                          requires_grad=requires_grad),
            torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=requires_grad))


# ---- RMSNorm ---------------------------------------------------------------------------------

# (id, positional arguments, options, input shape)
RMS_NORMS = [
    ("last-dim", (6,), {}, (4, 6)),
    ("sequence", (5,), {}, (2, 3, 5)),
    ("two-dims", ((3, 4),), {}, (2, 5, 3, 4)),
    ("list-shape", ([4],), {"eps": 1e-3}, (3, 4)),
    ("no-affine", (4,), {"elementwise_affine": False}, (3, 2, 4)),
    ("eps", (8,), {"eps": 0.5}, (2, 8)),
    ("unbatched", (3,), {}, (3,)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args, options, shape", [row[1:] for row in RMS_NORMS],
                         ids=[row[0] for row in RMS_NORMS])
def test_rms_norm_layer_matches_torch(args, options, shape, dtype, device):
    theirs = torch.nn.RMSNorm(*args, **options).to(getattr(torch, dtype))
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.normal(1.0, 0.5, size=tuple(p.shape))))
    ours = nn.RMSNorm(*args, **options).to(device, getattr(tensor, dtype))
    ours.load_state_dict(theirs.state_dict())
    x, xt = ours_and_theirs(rng.normal(0.5, 2.0, size=shape), dtype, device)
    out, expected = ours(x), theirs(xt)
    assert str(out.dtype) == dtype and out.shape == tuple(expected.shape)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), **TOLERANCE[dtype])
    g = rng.normal(size=shape)
    out.backward(tensor.Tensor(g, dtype=getattr(tensor, dtype), device=device))
    expected.backward(torch.tensor(g, dtype=getattr(torch, dtype)))
    np.testing.assert_allclose(host(x.grad), xt.grad.numpy(), **TOLERANCE[dtype])
    if theirs.weight is not None:
        np.testing.assert_allclose(host(ours.weight.grad), theirs.weight.grad.numpy(),
                                   **TOLERANCE[dtype])


@pytest.mark.parametrize("args, options", [row[1:3] for row in RMS_NORMS],
                         ids=[row[0] for row in RMS_NORMS])
def test_rms_norm_repr_and_state_dict_match_torch(args, options):
    ours, theirs = nn.RMSNorm(*args, **options), torch.nn.RMSNorm(*args, **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if theirs.weight is not None:
        np.testing.assert_array_equal(host(ours.weight), theirs.weight.detach().numpy())
    assert not hasattr(ours, "bias") or ours.bias is None


@st.composite
def rms_cases(draw):
    lead = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2)))
    normalized = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=2)))
    return (lead + normalized, normalized, draw(st.booleans()),
            draw(st.sampled_from([None, 1e-6, 0.1])), draw(st.floats(-3, 3)),
            draw(st.floats(0.01, 100)))


@SETTINGS
@given(case=rms_cases())
def test_functional_rms_norm_matches_torch_for_random_shapes(case):
    shape, normalized, with_weight, eps, offset, scale = case
    rng = np.random.default_rng(len(shape))
    x, xt = ours_and_theirs(rng.normal(offset, scale, size=shape), "float64", "cpu")
    w, wt = ours_and_theirs(rng.normal(1.0, 0.5, size=normalized), "float64", "cpu")
    out = F.rms_norm(x, normalized, w if with_weight else None, eps)
    expected = torch.nn.functional.rms_norm(xt, normalized, wt if with_weight else None, eps)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = rng.normal(size=shape)
    out.backward(tensor.Tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(host(x.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    if with_weight:
        np.testing.assert_allclose(host(w.grad), wt.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_rms_norm_is_the_formula_and_eps_none_is_the_dtypes_epsilon():
    x = np.random.default_rng(0).normal(size=(3, 4))
    for dtype in ("float32", "float64"):
        eps = np.finfo(dtype).eps
        expected = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)
        np.testing.assert_allclose(host(F.rms_norm(tensor.Tensor(x, dtype=dtype), 4)), expected,
                                   **TOLERANCE[dtype])
    tiny = np.full((1, 4), 1e-4)  # mean(x^2) = 1e-8, far above float64's eps, not float32's
    np.testing.assert_allclose(host(F.rms_norm(tensor.Tensor(tiny, dtype="float64"), 4)),
                               np.ones((1, 4)), rtol=1e-7)


@pytest.mark.parametrize("with_weight", [False, True])
def test_rms_norm_gradcheck(with_weight, device):
    rng = np.random.default_rng(3)
    x = tensor.Tensor(rng.normal(size=(3, 2, 5)), dtype=tensor.float64, device=device,
                      requires_grad=True)
    w = tensor.Tensor(rng.normal(1.0, 0.5, size=(2, 5)), dtype=tensor.float64, device=device,
                      requires_grad=True)
    if with_weight:
        assert tensor.gradcheck(lambda x, w: F.rms_norm(x, (2, 5), w, 1e-5), x, w)
    else:
        assert tensor.gradcheck(lambda x: F.rms_norm(x, 5), x)


def test_rms_norm_is_one_node_and_float16_is_computed_in_float32():
    x = tensor.randn(4, 8, requires_grad=True)
    layer = nn.RMSNorm(8)
    out = layer(x)
    assert out.op == "rms_norm" and set(map(id, out.parents)) == {id(x), id(layer.weight)}
    half = np.random.default_rng(1).normal(0, 300, size=(2, 8))  # squares overflow float16
    out = F.rms_norm(tensor.Tensor(half, dtype=tensor.float16), 8)
    expected = torch.nn.functional.rms_norm(torch.tensor(half, dtype=torch.float32), [8])
    assert out.dtype == tensor.float16 and np.isfinite(host(out)).all()
    np.testing.assert_allclose(host(out).astype(np.float32), expected.numpy(), rtol=2e-3,
                               atol=2e-3)


# ---- positional encodings --------------------------------------------------------------------

def sinusoid_table(max_len, d_model):
    """The formula, element by element: PE[p, 2i] = sin(p / 10000^(2i/d)),
    PE[p, 2i+1] = cos(p / 10000^(2i/d))."""
    table = np.zeros((max_len, d_model))
    for p in range(max_len):
        for j in range(d_model):
            angle = p / 10000 ** ((j - j % 2) / d_model)
            table[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return table


@pytest.mark.parametrize("d_model, max_len", [(4, 10), (7, 5), (16, 50), (1, 3)])
def test_sinusoidal_table_is_the_formula(d_model, max_len):
    pe = nn.SinusoidalPositionalEncoding(d_model, max_len=max_len, dtype=tensor.float64)
    np.testing.assert_allclose(host(pe.pe), sinusoid_table(max_len, d_model), rtol=1e-12,
                               atol=1e-12)
    assert pe.pe.dtype == tensor.float64
    assert nn.SinusoidalPositionalEncoding(d_model, max_len).pe.dtype == tensor.float32


@pytest.mark.parametrize("kind", ["sinusoidal", "learned"])
@pytest.mark.parametrize("layout", ["batch_first", "sequence_first", "unbatched"])
def test_positional_encodings_add_position_p_to_every_token_at_p(kind, layout, device):
    d_model, max_len, n, length = 6, 9, 3, 5
    batch_first = layout == "batch_first"
    if kind == "sinusoidal":
        pe = nn.SinusoidalPositionalEncoding(d_model, max_len, batch_first=batch_first)
    else:
        pe = nn.LearnedPositionalEncoding(max_len, d_model, batch_first=batch_first)
    pe = pe.to(device, tensor.float64)
    table = host(pe.pe if kind == "sinusoidal" else pe.weight)[:length]
    shape = {"batch_first": (n, length, d_model), "sequence_first": (length, n, d_model),
             "unbatched": (length, d_model)}[layout]
    x = np.random.default_rng(0).normal(size=shape)
    expected = x + (table[:, None] if layout == "sequence_first" else table)
    xo = tensor.Tensor(x, device=device, requires_grad=True)
    out = pe(xo)
    np.testing.assert_allclose(host(out), expected, rtol=1e-12)
    out.backward(tensor.ones_like(out))
    np.testing.assert_array_equal(host(xo.grad), np.ones(shape))


def test_sinusoidal_table_is_a_buffer_left_out_of_the_state_dict():
    model = nn.Sequential(nn.Linear(4, 4), nn.SinusoidalPositionalEncoding(4, max_len=8))
    assert list(model.state_dict()) == ["0.weight", "0.bias"]
    assert [name for name, _ in model.named_buffers()] == ["1.pe"]
    assert not model[1].pe.requires_grad and list(model[1].parameters()) == []
    assert model.double()[1].pe.dtype == tensor.float64
    other = nn.Sequential(nn.Linear(4, 4), nn.SinusoidalPositionalEncoding(4, max_len=100))
    other.load_state_dict(model.state_dict())  # a checkpoint does not fix max_len


def test_learned_encoding_matches_torch_embedding_of_the_positions(device):
    max_len, d_model, n, length = 10, 4, 3, 7
    embedding = torch.nn.Embedding(max_len, d_model).double()
    pe = nn.LearnedPositionalEncoding(max_len, d_model, batch_first=True)
    pe.load_state_dict(embedding.state_dict())
    pe.to(device, tensor.float64)
    x = np.random.default_rng(1).normal(size=(n, length, d_model))
    xo, xt = ours_and_theirs(x, "float64", device)
    out, expected = pe(xo), xt + embedding(torch.arange(length))
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(2).normal(size=x.shape)
    out.backward(tensor.Tensor(g, device=device))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(host(pe.weight.grad), embedding.weight.grad.numpy(), rtol=1e-12)
    assert (host(pe.weight.grad)[length:] == 0).all()  # positions past L get no gradient
    assert list(pe.state_dict()) == ["weight"]
    assert repr(pe) == "LearnedPositionalEncoding(10, 4, batch_first=True)"


def test_learned_encoding_starts_standard_normal():
    tensor.manual_seed(0)
    weight = host(nn.LearnedPositionalEncoding(1000, 64).weight)
    assert abs(weight.mean()) < 0.01 and abs(weight.std() - 1) < 0.01


# ---- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, x, error, message", [
    (lambda: nn.RMSNorm(4), tensor.zeros(2, 3), ValueError,
     "RMSNorm((4,), eps=None, elementwise_affine=True) expected input of shape (*, 4), got "
     "(2, 3)"),
    (lambda: nn.RMSNorm((2, 3)), tensor.zeros(3), ValueError,
     "RMSNorm((2, 3), eps=None, elementwise_affine=True) expected input of shape (*, 2, 3)"),
    (lambda: (lambda x: F.rms_norm(x, 3, tensor.ones(4))), tensor.zeros(2, 3), ValueError,
     "rms_norm: weight must have shape (3,) for an input of shape (2, 3), got (4,)"),
    (lambda: (lambda x: F.rms_norm(x, (3,))), np.zeros((2, 3)), TypeError,
     "rms_norm: input must be a Tensor, got ndarray"),
    (lambda: (lambda x: F.rms_norm(x, 5)), tensor.zeros(2, 3), ValueError,
     "rms_norm: expected input of shape (*, 5) for normalized_shape=(5,), got (2, 3)"),
    (lambda: nn.SinusoidalPositionalEncoding(8, max_len=16), tensor.zeros(20, 2, 8), ValueError,
     "SinusoidalPositionalEncoding(8, max_len=16, batch_first=False): the input's sequence has "
     "20 positions, more than max_len=16 (input of shape (20, 2, 8))"),
    (lambda: nn.LearnedPositionalEncoding(16, 8, batch_first=True), tensor.zeros(2, 17, 8),
     ValueError, "LearnedPositionalEncoding(16, 8, batch_first=True): the input's sequence has "
     "17 positions, more than max_len=16"),
    (lambda: nn.LearnedPositionalEncoding(16, 8, batch_first=True), tensor.zeros(2, 5, 4),
     ValueError, "LearnedPositionalEncoding(16, 8, batch_first=True) expected input of shape "
     "(N, L, 8) or (L, 8), got (2, 5, 4)"),
    (lambda: nn.SinusoidalPositionalEncoding(8), tensor.zeros(8), ValueError,
     "SinusoidalPositionalEncoding(8, max_len=5000, batch_first=False) expected input of shape "
     "(L, N, 8) or (L, 8), got (8,)"),
])
def test_bad_input_is_a_clear_error(make, x, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()(x)


@pytest.mark.parametrize("make, message", [
    (lambda: nn.SinusoidalPositionalEncoding(0), "SinusoidalPositionalEncoding: d_model must be "
     "a whole number > 0, got 0"),
    (lambda: nn.SinusoidalPositionalEncoding(4, max_len=2.5), "max_len must be a whole number"),
    (lambda: nn.LearnedPositionalEncoding(-1, 4), "LearnedPositionalEncoding: max_len must be"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()
