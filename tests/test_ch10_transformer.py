"""TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and
Transformer against PyTorch.

One table drives the comparisons: a row builds a module in both libraries from the same
arguments, gives torch's random weights, loads its state_dict into ours, and runs one forward
and backward through both with the same inputs and masks, comparing the output, the gradient
of every input and of every parameter; in float32 and float64, on every device. The rows cover
post-norm and pre-norm, batch_first both ways, relu, gelu and callable activations, bias=False,
dropout > 0 in evaluation, unbatched inputs, and the masks: attention masks bool, float (with
-inf), causal (given with is_causal, or detected), one per head, key padding masks bool and
float, and their combinations. Every mask leaves key 0 visible, so no query is fully masked.
Then hypothesis over shapes and options, the state_dict keys, the causal mask, Transformer's
initialization, training-mode dropout, the clones, and the errors.
"""

import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=2e-5), "float64": dict(rtol=1e-10, atol=1e-11)}
D, HEADS, FF = 8, 2, 12  # d_model, nhead, dim_feedforward of the table's modules
N, L, S = 3, 5, 4  # batch, target (or source) length, memory length

pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]  # torch's warnings


def host(t):
    return None if t is None else t.detach().cpu().numpy()


# ---- the table ------------------------------------------------------------------------------

ACTIVATIONS = {  # name -> (ours, torch's): the same function in each library
    "relu": ("relu", "relu"),
    "gelu": ("gelu", "gelu"),
    "silu-function": (F.silu, torch.nn.functional.silu),
    "tanh-gelu-module": (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
}


def build(kind, options, library):
    """A module of `kind` with D, HEADS, FF and `options` (activation by ACTIVATIONS' name)."""
    torch_side = library is torch.nn
    options = dict(options)
    activation = ACTIVATIONS[options.pop("activation", "relu")][1 if torch_side else 0]
    layers = options.pop("layers", 2)
    final_norm = options.pop("final_norm", False)
    common = dict(dim_feedforward=FF, dropout=options.pop("dropout", 0.0),
                  activation=activation, **options)
    if kind == "Transformer":
        return library.Transformer(D, HEADS, layers, layers, **common)
    if kind in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        return getattr(library, kind)(D, HEADS, **common)
    layer_kind = kind + "Layer"
    layer = getattr(library, layer_kind)(D, HEADS, **common)
    norm = library.LayerNorm(D, bias=options.get("bias", True)) if final_norm else None
    extra = dict(enable_nested_tensor=False) if kind == "TransformerEncoder" and torch_side \
        else {}
    return getattr(library, kind)(layer, layers, norm, **extra)


def make_pair(kind, options, dtype, device, seed=0):
    theirs = build(kind, options, torch.nn).to(getattr(torch, dtype))
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.normal(0.0, 0.4, size=tuple(p.shape))))
    ours = build(kind, options, nn).to(dtype=getattr(tensor, dtype))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    ours.to(device)
    if options.get("dropout", 0.0):
        ours.eval()
        theirs.eval()
    return ours, theirs


def sequence_shape(length, batch_first, batched=True):
    if not batched:
        return (length, D)
    return (N, length, D) if batch_first else (length, N, D)


def make_mask(kind, rng, queries, keys, batched):
    """A mask as a NumPy array (bool or float64), key 0 always visible: "bool", "float",
    "causal" (float -inf above the diagonal), "causal-bool", "heads" (one bool mask per
    sample and head), "padding" / "padding-float" (a key padding mask, the tail padded)."""
    if kind.startswith("padding"):
        lengths = rng.integers(1, keys + 1, size=N if batched else 1)
        padded = np.arange(keys)[None, :] >= lengths[:, None]
        padded = padded if batched else padded[0]
        if kind == "padding":
            return padded
        return np.where(padded, -np.inf, rng.normal(0, 0.5, size=padded.shape))
    if kind.startswith("causal"):
        causal = np.triu(np.ones((queries, keys), dtype=bool), k=1)
        return causal if kind == "causal-bool" else np.where(causal, -np.inf, 0.0)
    shape = (queries, keys) if kind != "heads" else ((N if batched else 1) * HEADS, queries,
                                                     keys)
    hidden = rng.random(shape) < 0.3
    hidden[..., 0] = False
    if kind in ("bool", "heads"):
        return hidden
    return np.where(hidden, -np.inf, rng.normal(0, 1.0, size=shape))


def as_ours(array, dtype, device):
    if array.dtype == bool:
        return tensor.Tensor(array, dtype=tensor.bool, device=device)
    return tensor.Tensor(array, dtype=getattr(tensor, dtype), device=device)


def as_theirs(array, dtype):
    return torch.tensor(array, dtype=torch.bool if array.dtype == bool else getattr(torch, dtype))


# the arguments each kind's forward takes, in order: (name, queries, keys) for the masks,
# ("tgt"/"src"/"memory", length) for the sequences
SIGNATURES = {
    "TransformerEncoderLayer": (["src"], {"src_mask": "LL", "src_key_padding_mask": "L"}),
    "TransformerEncoder": (["src"], {"mask": "LL", "src_key_padding_mask": "L"}),
    "TransformerDecoderLayer": (["tgt", "memory"], {
        "tgt_mask": "LL", "memory_mask": "LS", "tgt_key_padding_mask": "L",
        "memory_key_padding_mask": "S"}),
    "Transformer": (["src", "tgt"], {
        "src_mask": "SS", "tgt_mask": "LL", "memory_mask": "LS", "src_key_padding_mask": "S",
        "tgt_key_padding_mask": "L", "memory_key_padding_mask": "S"}),
}
SIGNATURES["TransformerDecoder"] = SIGNATURES["TransformerDecoderLayer"]
LENGTHS = {"L": L, "S": S, "src": L, "tgt": L, "memory": S}


def compare(kind, options, masks, dtype, device, batched=True, flags=None, seed=0):
    """One forward and backward through ours and torch's `kind`: outputs and gradients (of the
    sequences and of every parameter) agree. `masks`: forward argument -> make_mask kind;
    `flags`: other forward arguments (is_causal, ...)."""
    ours, theirs = make_pair(kind, options, dtype, device, seed)
    rng = np.random.default_rng(seed + 1)
    batch_first = options.get("batch_first", False)
    names, mask_shapes = SIGNATURES[kind]
    if kind == "Transformer":  # its source has length S, as memory
        lengths = dict(LENGTHS, src=S)
    else:
        lengths = LENGTHS
    inputs = {name: rng.normal(size=sequence_shape(lengths[name], batch_first, batched))
              for name in names}
    ours_in = {name: tensor.Tensor(x, dtype=getattr(tensor, dtype), device=device,
                                   requires_grad=True) for name, x in inputs.items()}
    theirs_in = {name: torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
                 for name, x in inputs.items()}
    ours_kw, theirs_kw = dict(flags or {}), dict(flags or {})
    for name, mask_kind in masks.items():
        dims = mask_shapes[name]
        array = make_mask(mask_kind, rng, LENGTHS[dims[0]], LENGTHS[dims[-1]], batched)
        ours_kw[name], theirs_kw[name] = as_ours(array, dtype, device), as_theirs(array, dtype)
    out = ours(*ours_in.values(), **ours_kw)
    expected = theirs(*theirs_in.values(), **theirs_kw)
    assert out.shape == tuple(expected.shape) and str(out.dtype) == dtype
    np.testing.assert_allclose(host(out), expected.detach().numpy(), **TOLERANCE[dtype])
    g = rng.normal(size=tuple(expected.shape))
    out.backward(tensor.Tensor(g, dtype=getattr(tensor, dtype), device=device))
    expected.backward(torch.tensor(g, dtype=getattr(torch, dtype)))
    for name in names:
        np.testing.assert_allclose(host(ours_in[name].grad), theirs_in[name].grad.numpy(),
                                   **TOLERANCE[dtype], err_msg=name)
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(host(mine[name].grad), p.grad.numpy(), **TOLERANCE[dtype],
                                   err_msg=name)


# (id, kind, options, masks, forward flags, batched)
ENC = "TransformerEncoderLayer"
DEC = "TransformerDecoderLayer"
CASES = [
    ("enc-post-norm", ENC, {}, {}, {}, True),
    ("enc-pre-norm", ENC, {"norm_first": True}, {}, {}, True),
    ("enc-batch-first", ENC, {"batch_first": True}, {}, {}, True),
    ("enc-pre-norm-batch-first", ENC, {"batch_first": True, "norm_first": True}, {}, {}, True),
    ("enc-gelu", ENC, {"activation": "gelu"}, {}, {}, True),
    ("enc-callable", ENC, {"activation": "silu-function", "norm_first": True}, {}, {}, True),
    ("enc-module-activation", ENC, {"activation": "tanh-gelu-module"}, {}, {}, True),
    ("enc-no-bias", ENC, {"bias": False, "norm_first": True}, {}, {}, True),
    ("enc-eps", ENC, {"layer_norm_eps": 1e-2}, {}, {}, True),
    ("enc-dropout-eval", ENC, {"dropout": 0.3, "batch_first": True}, {"src_mask": "bool"}, {},
     True),
    ("enc-bool-mask", ENC, {}, {"src_mask": "bool"}, {}, True),
    ("enc-float-mask", ENC, {"batch_first": True}, {"src_mask": "float"}, {}, True),
    ("enc-causal-hint", ENC, {"norm_first": True}, {"src_mask": "causal"}, {"is_causal": True},
     True),
    ("enc-causal-bool", ENC, {"batch_first": True}, {"src_mask": "causal-bool"}, {}, True),
    ("enc-per-head-mask", ENC, {"batch_first": True}, {"src_mask": "heads"}, {}, True),
    ("enc-padding", ENC, {}, {"src_key_padding_mask": "padding"}, {}, True),
    ("enc-padding-float", ENC, {"batch_first": True},
     {"src_key_padding_mask": "padding-float"}, {}, True),
    ("enc-mask-and-padding", ENC, {"norm_first": True},
     {"src_mask": "float", "src_key_padding_mask": "padding"}, {}, True),
    ("enc-causal-and-padding", ENC, {"batch_first": True},
     {"src_mask": "causal", "src_key_padding_mask": "padding"}, {"is_causal": True}, True),
    ("enc-unbatched", ENC, {"norm_first": True},
     {"src_mask": "heads", "src_key_padding_mask": "padding"}, {}, False),
    ("encoder", "TransformerEncoder", {"final_norm": True}, {}, {}, True),
    ("encoder-detects-causal", "TransformerEncoder", {"batch_first": True, "norm_first": True},
     {"mask": "causal", "src_key_padding_mask": "padding"}, {}, True),
    ("encoder-masks", "TransformerEncoder", {"layers": 3, "activation": "gelu"},
     {"mask": "bool", "src_key_padding_mask": "padding-float"}, {}, True),
    ("dec-post-norm", DEC, {}, {}, {}, True),
    ("dec-pre-norm-batch-first", DEC, {"norm_first": True, "batch_first": True}, {}, {}, True),
    ("dec-causal", DEC, {}, {"tgt_mask": "causal"}, {"tgt_is_causal": True}, True),
    ("dec-all-masks", DEC, {"batch_first": True},
     {"tgt_mask": "causal", "memory_mask": "float", "tgt_key_padding_mask": "padding",
      "memory_key_padding_mask": "padding"}, {}, True),
    ("dec-bool-masks", DEC, {"norm_first": True, "activation": "gelu"},
     {"tgt_mask": "heads", "memory_mask": "bool", "memory_key_padding_mask": "padding-float"},
     {}, True),
    ("dec-no-bias-dropout-eval", DEC, {"bias": False, "dropout": 0.2}, {"tgt_mask": "causal"},
     {}, True),
    ("dec-unbatched", DEC, {"batch_first": True},
     {"tgt_mask": "causal", "memory_key_padding_mask": "padding"}, {}, False),
    ("decoder", "TransformerDecoder", {"final_norm": True, "batch_first": True},
     {"tgt_mask": "causal", "memory_key_padding_mask": "padding"}, {}, True),
    ("decoder-pre-norm", "TransformerDecoder", {"norm_first": True, "activation": "silu-function"},
     {"tgt_mask": "causal-bool", "memory_mask": "bool"}, {}, True),
    ("transformer", "Transformer", {}, {"tgt_mask": "causal"}, {}, True),
    ("transformer-batch-first-pre-norm", "Transformer",
     {"batch_first": True, "norm_first": True, "layers": 1},
     {"src_key_padding_mask": "padding", "tgt_mask": "causal",
      "memory_key_padding_mask": "padding", "tgt_key_padding_mask": "padding"}, {}, True),
    ("transformer-no-bias-gelu", "Transformer", {"bias": False, "activation": "gelu"},
     {"src_mask": "bool", "memory_mask": "float"}, {}, True),
    ("transformer-unbatched", "Transformer", {"layers": 1}, {"tgt_mask": "causal"}, {}, False),
]


def _exercises(kind, options):
    names = ["ch10.encoder_block"] if kind in (ENC, "TransformerEncoder", "Transformer") else []
    return [pytest.mark.exercise(*names)] if names else []


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind, options, masks, flags, batched", [
    pytest.param(*row[1:], id=row[0], marks=_exercises(row[1], row[2])) for row in CASES])
def test_matches_torch_forward_and_backward(kind, options, masks, flags, batched, dtype,
                                            device):
    compare(kind, options, masks, dtype, device, batched, flags)


# ---- randomized shapes and options (hypothesis), float64 ------------------------------------

@st.composite
def encoder_cases(draw):
    heads = draw(st.integers(1, 3))
    return dict(
        d_model=heads * draw(st.integers(1, 3)), nhead=heads,
        dim_feedforward=draw(st.integers(1, 10)), batch_first=draw(st.booleans()),
        norm_first=draw(st.booleans()), bias=draw(st.booleans()),
        activation=draw(st.sampled_from(["relu", "gelu"])),
    ), draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.sampled_from(
        [None, "bool", "float", "causal"])), draw(st.booleans())


@pytest.mark.exercise("ch10.encoder_block")
@SETTINGS
@given(case=encoder_cases())
def test_encoder_layer_matches_torch_for_random_shapes(case):
    options, batch, length, mask_kind, padding = case
    theirs = torch.nn.TransformerEncoderLayer(dropout=0.0, **options).double()
    ours = nn.TransformerEncoderLayer(dropout=0.0, **options).double()
    rng = np.random.default_rng(length)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.normal(0, 0.5, size=tuple(p.shape))))
    ours.load_state_dict(theirs.state_dict())
    shape = ((batch, length) if options["batch_first"] else (length, batch)) \
        + (options["d_model"],)
    x = rng.normal(size=shape)
    xo, xt = tensor.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    kw_ours, kw_theirs = {}, {}
    if mask_kind:
        mask = make_mask(mask_kind, rng, length, length, True)
        kw_ours["src_mask"], kw_theirs["src_mask"] = (as_ours(mask, "float64", "cpu"),
                                                      as_theirs(mask, "float64"))
    if padding:
        lengths = rng.integers(1, length + 1, size=batch)
        pad = np.arange(length)[None, :] >= lengths[:, None]
        kw_ours["src_key_padding_mask"] = tensor.Tensor(pad)
        kw_theirs["src_key_padding_mask"] = torch.tensor(pad)
    out, expected = ours(xo, **kw_ours), theirs(xt, **kw_theirs)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-9, atol=1e-10)
    g = rng.normal(size=shape)
    out.backward(tensor.Tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(host(xo.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(host(dict(ours.named_parameters())[name].grad),
                                   p.grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=name)


# ---- structure: state_dict keys, clones, initialization -------------------------------------

@pytest.mark.parametrize("kind", ["TransformerEncoderLayer", "TransformerEncoder",
                                  "TransformerDecoderLayer", "TransformerDecoder",
                                  "Transformer"])
@pytest.mark.parametrize("options", [{}, {"bias": False, "final_norm": True},
                                     {"activation": "tanh-gelu-module"}])
def test_state_dict_keys_shapes_and_repr_equal_torchs(kind, options):
    ours, theirs = build(kind, options, nn), build(kind, options, torch.nn)
    if kind.endswith("Layer"):  # (torch's ModuleList writes repeated layers as "(0-1): 2 x")
        assert repr(ours) == repr(theirs)
    mine, expected = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(expected)
    assert [tuple(v.shape) for v in mine.values()] == [tuple(v.shape) for v in expected.values()]
    assert [name for name, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_stack_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = nn.TransformerEncoder(layer, 3)
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    assert first is not second and first is not layer.linear1.weight
    np.testing.assert_array_equal(host(first), host(second))
    first.data.mul_(2)
    assert not np.array_equal(host(first), host(second))
    assert len(list(encoder.parameters())) == 3 * len(list(layer.parameters()))


def test_transformer_starts_xavier_uniform_like_torch():
    tensor.manual_seed(0)
    model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=64)
    reference = torch.nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1,
                                     num_decoder_layers=1, dim_feedforward=64)
    theirs = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        values = host(p)
        if p.ndim > 1:  # xavier uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out))
            bound = np.sqrt(6 / (p.shape[0] + p.shape[1]))
            assert np.abs(values).max() <= bound and values.std() > 0.45 * bound, name
        else:  # biases and norms start as their layers start them, as torch's
            expected = theirs[name].detach().numpy()
            if np.all(expected == expected.flat[0]):
                np.testing.assert_array_equal(values, expected, err_msg=name)


# ---- the causal mask ------------------------------------------------------------------------

@pytest.mark.exercise("ch10.causal_mask")
@pytest.mark.parametrize("size", [1, 2, 5])
def test_generate_square_subsequent_mask_is_torchs(size, device):
    mask = nn.Transformer.generate_square_subsequent_mask(size, device=device)
    expected = torch.nn.Transformer.generate_square_subsequent_mask(size)
    assert mask.dtype == tensor.float32 and mask.device == tensor.device(device)
    np.testing.assert_array_equal(host(mask), expected.numpy())
    mask = nn.Transformer.generate_square_subsequent_mask(size, dtype=tensor.float64)
    assert mask.dtype == tensor.float64


@pytest.mark.exercise("ch10.causal_mask")
def test_causal_mask_hides_the_future():
    """With the causal mask, changing a later token never changes an earlier output."""
    tensor.manual_seed(0)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0,
                                                               batch_first=True), 2)
    mask = nn.Transformer.generate_square_subsequent_mask(L)
    x = tensor.randn(N, L, D)
    changed = x.detach().clone()
    changed[:, 3] = tensor.randn(N, D)
    before, after = host(encoder(x, mask=mask)), host(encoder(changed, mask=mask))
    np.testing.assert_allclose(before[:, :3], after[:, :3], rtol=1e-6, atol=1e-6)
    assert not np.allclose(before[:, 3:], after[:, 3:])


# ---- dropout in training --------------------------------------------------------------------

def test_dropout_in_training_is_random_and_off_in_eval():
    tensor.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.5)
    x = tensor.randn(L, N, D, requires_grad=True)
    first, second = layer(x), layer(x)
    assert not np.allclose(host(first), host(second))
    first.sum().backward()
    assert np.isfinite(host(x.grad)).all()
    layer.eval()
    np.testing.assert_array_equal(host(layer(x)), host(layer(x)))
    assert all(not m.training for m in layer.modules())


def test_dropout_zeroes_about_p_of_the_feed_forward_units():
    """Dropout(p) between linear1 and linear2: with linear2 the identity map on d_model
    features, zero biases and no norm in the way, the feed-forward output is the dropped
    activations, about a fraction p of them 0 and the rest scaled by 1 / (1 - p)."""
    tensor.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 2, 16, dropout=0.25)
    with tensor.no_grad():
        layer.linear2.weight.copy_(tensor.eye(16))
        layer.linear2.bias.zero_()
    layer.dropout2.eval()
    x = tensor.rand(200, 4, 16) + 0.1
    h = host(layer.linear1(x).relu())
    out = host(layer._ff_block(x))
    dropped = (out == 0) & (h > 0)
    assert abs(dropped.sum() / (h > 0).sum() - 0.25) < 0.02
    np.testing.assert_allclose(out[~dropped], h[~dropped] / 0.75, rtol=1e-5)


# ---- bad input ------------------------------------------------------------------------------

def enc(**options):
    return nn.TransformerEncoderLayer(D, HEADS, FF, **options)


def dec(**options):
    return nn.TransformerDecoderLayer(D, HEADS, FF, **options)


WHO_ENC = "TransformerEncoderLayer(d_model=8, nhead=2, batch_first=False)"
WHO_DEC = "TransformerDecoderLayer(d_model=8, nhead=2, batch_first=True)"


@pytest.mark.parametrize("call, error, message", [
    (lambda: enc()(tensor.zeros(L, N, 6)), ValueError,
     f"{WHO_ENC} expected src of shape (L, N, 8) or (L, 8), got (5, 3, 6)"),
    (lambda: enc()(tensor.zeros(2, L, N, D)), ValueError,
     f"{WHO_ENC} expected src of shape (L, N, 8) or (L, 8), got (2, 5, 3, 8)"),
    (lambda: enc()(np.zeros((L, N, D))), TypeError, f"{WHO_ENC}: src must be a Tensor, got "
     "ndarray"),
    (lambda: enc()(tensor.zeros(L, N, D), src_mask=tensor.zeros(N, L, L)), ValueError,
     f"{WHO_ENC} expected src_mask of shape (5, 5) or (6, 5, 5) for an input of shape "
     "(5, 3, 8), got (3, 5, 5)"),
    (lambda: enc()(tensor.zeros(L, N, D), src_mask=tensor.zeros(L, L, dtype=tensor.int64)),
     TypeError, f"{WHO_ENC} expected src_mask of dtype bool (True: not allowed) or float "
     "(added to the scores), got int64"),
    (lambda: enc()(tensor.zeros(L, N, D), src_key_padding_mask=tensor.zeros(N + 1, L,
                                                                          dtype=tensor.bool)),
     ValueError, f"{WHO_ENC} expected src_key_padding_mask of shape (3, 5) for an input of "
     "shape (5, 3, 8), got (4, 5)"),
    (lambda: enc()(tensor.zeros(L, D), src_key_padding_mask=tensor.zeros(1, L,
                                                                       dtype=tensor.bool)),
     ValueError, f"{WHO_ENC} expected src_key_padding_mask of shape (5,) for an input of "
     "shape (5, 8), got (1, 5)"),
    (lambda: dec(batch_first=True)(tensor.zeros(N, L, D), tensor.zeros(N + 1, S, D)),
     ValueError, f"{WHO_DEC} expected tgt and memory with the same batch size (or both "
     "unbatched), got tgt (3, 5, 8) and memory (4, 4, 8)"),
    (lambda: dec(batch_first=True)(tensor.zeros(N, L, D), tensor.zeros(N, S, 4)), ValueError,
     f"{WHO_DEC} expected memory of shape (N, S, 8) or (S, 8), got (3, 4, 4)"),
    (lambda: dec(batch_first=True)(tensor.zeros(N, L, D), tensor.zeros(N, S, D),
                                   memory_mask=tensor.zeros(L, L)), ValueError,
     f"{WHO_DEC} expected memory_mask of shape (5, 4) or (6, 5, 4) for an input of shape "
     "(3, 5, 8), got (5, 5)"),
    (lambda: dec(batch_first=True)(tensor.zeros(N, L, D), tensor.zeros(N, S, D),
                                   memory_key_padding_mask=tensor.zeros(N, L, dtype=tensor.bool)),
     ValueError, f"{WHO_DEC} expected memory_key_padding_mask of shape (3, 4) for an input of "
     "shape (3, 5, 8), got (3, 5)"),
    (lambda: nn.Transformer(D, HEADS, 1, 1, FF)(tensor.zeros(S, N, D), tensor.zeros(L, 2, D)),
     ValueError, "Transformer(d_model=8, nhead=2, batch_first=False) expected src and tgt with "
     "the same batch size (dimension 1), got src (4, 3, 8) and tgt (5, 2, 8)"),
    (lambda: nn.Transformer(D, HEADS, 1, 1, FF)(tensor.zeros(S, N, D), tensor.zeros(L, N, 4)),
     ValueError, "Transformer(d_model=8, nhead=2, batch_first=False) expected src and tgt with "
     "8 features (the last dimension), got src (4, 3, 8) and tgt (5, 3, 4)"),
    (lambda: enc()(tensor.zeros(L, N, D), is_causal=True), ValueError,  # as torch: a hint only
     "is_causal=True is a hint that attn_mask is the causal mask: give the mask too"),
    (lambda: nn.TransformerEncoderLayer(10, 3), ValueError,
     "TransformerEncoderLayer: d_model=10 must be divisible by nhead=3"),
    (lambda: nn.TransformerDecoderLayer(8, 0), ValueError,
     "TransformerDecoderLayer: nhead must be a whole number > 0, got 0"),
    (lambda: nn.Transformer(12, 5), ValueError,
     "Transformer: d_model=12 must be divisible by nhead=5"),
    (lambda: enc(activation="tanh"), ValueError,
     "TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got 'tanh'"),
    (lambda: dec(activation=3), TypeError,
     "TransformerDecoderLayer: activation must be 'relu', 'gelu' or a callable, got int"),
    (lambda: nn.TransformerEncoder(enc(), 0), ValueError,
     "TransformerEncoder: num_layers must be a whole number >= 1, got 0"),
    (lambda: nn.TransformerDecoder("layer", 2), TypeError,
     "TransformerDecoder: the layer to repeat must be an nn.Module, got str"),
])
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_a_mask_on_another_device_is_an_error():
    layer = enc().to("standin")
    with pytest.raises(RuntimeError, match=re.escape(
            f"{WHO_ENC}: input is on standin but src_mask is on cpu")):
        layer(tensor.zeros(L, N, D, device="standin"), src_mask=tensor.zeros(L, L))
