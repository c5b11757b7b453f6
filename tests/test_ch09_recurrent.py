"""RNN, LSTM, GRU and their cells against PyTorch, and the fused layer ops against the cells.

A module pair is torch.nn.<Module> and nn.<Module> built from the same arguments, ours loaded
with torch's state_dict. One forward through both compares the output and the final states;
one backward from random output gradients compares the gradients of the input, the initial
states and every parameter; in float32 and float64, on every device (cpu and the standin).
Hypothesis draws sizes, layers, directions, batch_first, bias, projections, nonlinearity,
unbatched inputs and given or default initial states. Then: gradcheck of each fused layer
op, the fused op against the composition of cells over time (values and gradients, with and
without variable lengths, both directions), dropout between layers, the graph (one node per
layer and direction), names, repr, and the errors. Packed sequences:
tests/test_ch09_recurrent_packed.py.
"""

import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor
from nn.functional.recurrent import gru_layer, lstm_layer, rnn_layer
from tensor.gradcheck import gradcheck

# PyTorch's own LSTM with proj_size warns that oneDNN cannot run it (it falls back)
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def host(t):
    return t.detach().cpu().numpy()


def ours_tensor(array, dtype, device, requires_grad=False):
    return tensor.Tensor(array, dtype=getattr(tensor, dtype), device=device,
                         requires_grad=requires_grad)


def theirs_tensor(array, dtype, requires_grad=False):
    return torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=requires_grad)


def make_pair(module, args, options, dtype, device, seed=0):
    """torch.nn.<module> (its own random initialization, seeded) and nn.<module> with the same
    weights, ours on `device`."""
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, module)(*args, **options).to(getattr(torch, dtype))
    ours = getattr(nn, module)(*args, **options).to(device, getattr(tensor, dtype))
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def as_tuple(states):
    return states if isinstance(states, tuple) else (states,)


def compare(ours, theirs, x, hx, dtype, device, seed=1):
    """Forward and backward through both modules (x: an array; hx: None, an array, or a tuple
    of arrays): outputs, final states and all gradients agree."""
    tol = TOLERANCE[dtype]
    xo, xt = ours_tensor(x, dtype, device, True), theirs_tensor(x, dtype, True)
    if hx is None:
        ho = ht = None
    else:
        ho = tuple(ours_tensor(h, dtype, device, True) for h in as_tuple(hx))
        ht = tuple(theirs_tensor(h, dtype, True) for h in as_tuple(hx))
    out_o, states_o = ours(xo, ho if ho is None or len(ho) > 1 else ho[0])
    out_t, states_t = theirs(xt, ht if ht is None or len(ht) > 1 else ht[0])
    results = (out_o,) + as_tuple(states_o)
    expected = (out_t,) + as_tuple(states_t)
    rng = np.random.default_rng(seed)
    grads = [rng.normal(size=tuple(e.shape)) for e in expected]
    for mine, theirs_value in zip(results, expected):
        assert mine.shape == tuple(theirs_value.shape) and str(mine.dtype) == dtype
        np.testing.assert_allclose(host(mine), theirs_value.detach().numpy(), **tol)
    sum((r * ours_tensor(g, dtype, device)).sum() for r, g in zip(results, grads)).backward()
    sum((e * theirs_tensor(g, dtype)).sum() for e, g in zip(expected, grads)).backward()
    np.testing.assert_allclose(host(xo.grad), xt.grad.numpy(), **tol)
    for mine, theirs_value in zip(ho or (), ht or ()):
        np.testing.assert_allclose(host(mine.grad), theirs_value.grad.numpy(), **tol)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(host(getattr(ours, name).grad), p.grad.numpy(), **tol,
                                   err_msg=name)


def initial_states(module, layers, directions, batch, hidden, proj, rng, unbatched=False):
    """Random h_0 (and c_0 for an LSTM) of the shapes PyTorch expects."""
    lead = (layers * directions,) + (() if unbatched else (batch,))
    h = rng.normal(size=lead + (proj or hidden,))
    return (h, rng.normal(size=lead + (hidden,))) if module == "LSTM" else h


# ---- the sequence layers against PyTorch -----------------------------------------------------

# (id, module, positional arguments, options, input shape, with initial states)
LAYERS = [
    ("rnn", "RNN", (3, 5), {}, (4, 2, 3), False),
    ("rnn-relu-2-layers-hx", "RNN", (3, 5, 2), {"nonlinearity": "relu"}, (4, 2, 3), True),
    ("rnn-bidirectional-batch-first", "RNN", (2, 4),
     {"bidirectional": True, "batch_first": True, "num_layers": 2}, (3, 5, 2), True),
    ("lstm", "LSTM", (3, 5), {}, (4, 2, 3), False),
    ("lstm-3-layers-bidirectional-hx", "LSTM", (3, 4, 3), {"bidirectional": True},
     (5, 2, 3), True),
    ("lstm-projection", "LSTM", (3, 6), {"proj_size": 2, "num_layers": 2}, (4, 3, 3), True),
    ("lstm-projection-bidirectional-batch-first", "LSTM", (2, 5),
     {"proj_size": 3, "bidirectional": True, "batch_first": True}, (2, 4, 2), True),
    ("lstm-no-bias", "LSTM", (3, 4), {"bias": False, "num_layers": 2}, (3, 2, 3), False),
    ("lstm-unbatched", "LSTM", (3, 4), {"bidirectional": True}, (5, 3), True),
    ("gru", "GRU", (3, 5), {}, (4, 2, 3), False),
    ("gru-2-layers-bidirectional-hx", "GRU", (3, 4, 2), {"bidirectional": True}, (3, 2, 3), True),
    ("gru-no-bias-batch-first", "GRU", (2, 3), {"bias": False, "batch_first": True},
     (2, 4, 2), True),
    ("gru-unbatched", "GRU", (2, 3), {}, (4, 2), False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("module, args, options, shape, with_hx", [row[1:] for row in LAYERS],
                         ids=[row[0] for row in LAYERS])
def test_layer_matches_torch(module, args, options, shape, with_hx, dtype, device):
    ours, theirs = make_pair(module, args, options, dtype, device)
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    unbatched = len(shape) == 2
    batch = 1 if unbatched else shape[0 if options.get("batch_first") else 1]
    layers = args[2] if len(args) > 2 else options.get("num_layers", 1)
    hx = (initial_states(module, layers, 2 if options.get("bidirectional") else 1, batch,
                         args[1], options.get("proj_size", 0), rng, unbatched)
          if with_hx else None)
    compare(ours, theirs, x, hx, dtype, device)


@pytest.mark.exercise("ch09.rnn_bptt")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_backward_through_time_matches_torch(nonlinearity, device):
    """dL/dx, dL/dh_0 and every weight gradient of a plain RNN over 6 steps, both directions."""
    ours, theirs = make_pair("RNN", (3, 4), {"nonlinearity": nonlinearity,
                                              "bidirectional": True}, "float64", device)
    rng = np.random.default_rng(3)
    compare(ours, theirs, rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 2, 4)), "float64",
            device)


@st.composite
def layer_configs(draw, module):
    hidden = draw(st.integers(1, 5))
    options = dict(num_layers=draw(st.integers(1, 3)), bias=draw(st.booleans()),
                   batch_first=draw(st.booleans()), bidirectional=draw(st.booleans()))
    if module == "LSTM" and hidden > 1:
        options["proj_size"] = draw(st.sampled_from([0, draw(st.integers(1, hidden - 1))]))
    if module == "RNN":
        options["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    sizes = dict(input=draw(st.integers(1, 4)), hidden=hidden, steps=draw(st.integers(1, 5)),
                 batch=draw(st.integers(1, 3)), unbatched=draw(st.booleans()),
                 with_hx=draw(st.booleans()), dtype=draw(st.sampled_from(["float32", "float64"])))
    return options, sizes


def check_config(module, options, sizes, device):
    ours, theirs = make_pair(module, (sizes["input"], sizes["hidden"]), options, sizes["dtype"],
                             device)
    rng = np.random.default_rng(0)
    steps, batch = sizes["steps"], sizes["batch"]
    if sizes["unbatched"]:
        shape = (steps, sizes["input"])
    else:
        shape = (batch, steps) if options["batch_first"] else (steps, batch)
        shape += (sizes["input"],)
    hx = (initial_states(module, options["num_layers"], 2 if options["bidirectional"] else 1,
                         batch, sizes["hidden"], options.get("proj_size", 0), rng,
                         sizes["unbatched"])
          if sizes["with_hx"] else None)
    compare(ours, theirs, rng.normal(size=shape), hx, sizes["dtype"], device)


@pytest.mark.parametrize("module", ["RNN", "LSTM", "GRU"])
def test_random_layers_match_torch(module):
    @SETTINGS
    @given(layer_configs(module))
    def check(config):
        check_config(module, *config, "cpu")

    check()


@SETTINGS
@given(st.sampled_from(["RNN", "LSTM", "GRU"]).flatmap(
    lambda module: st.tuples(st.just(module), layer_configs(module))))
def test_random_layers_match_torch_on_the_standin_device(drawn):
    module, (options, sizes) = drawn
    check_config(module, options, sizes, "standin")


# ---- the cells against PyTorch ---------------------------------------------------------------

def compare_cell(module, args, options, batch, dtype, device, with_hx, seed=0):
    ours, theirs = make_pair(module, args, options, dtype, device, seed)
    rng = np.random.default_rng(seed)
    lead = () if batch is None else (batch,)
    x = rng.normal(size=lead + (args[0],))
    states = 2 if module == "LSTMCell" else 1
    hx = [rng.normal(size=lead + (args[1],)) for _ in range(states)] if with_hx else None
    tol = TOLERANCE[dtype]
    xo, xt = ours_tensor(x, dtype, device, True), theirs_tensor(x, dtype, True)
    ho = None if hx is None else [ours_tensor(h, dtype, device, True) for h in hx]
    ht = None if hx is None else [theirs_tensor(h, dtype, True) for h in hx]
    out_o = as_tuple(ours(xo, None if ho is None else (tuple(ho) if states == 2 else ho[0])))
    out_t = as_tuple(theirs(xt, None if ht is None else (tuple(ht) if states == 2 else ht[0])))
    grads = [rng.normal(size=tuple(t.shape)) for t in out_t]
    for mine, expected in zip(out_o, out_t):
        assert mine.shape == tuple(expected.shape)
        np.testing.assert_allclose(host(mine), expected.detach().numpy(), **tol)
    sum((o * ours_tensor(g, dtype, device)).sum() for o, g in zip(out_o, grads)).backward()
    sum((t * theirs_tensor(g, dtype)).sum() for t, g in zip(out_t, grads)).backward()
    np.testing.assert_allclose(host(xo.grad), xt.grad.numpy(), **tol)
    for mine, expected in zip(ho or (), ht or ()):
        np.testing.assert_allclose(host(mine.grad), expected.grad.numpy(), **tol)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(host(getattr(ours, name).grad), p.grad.numpy(), **tol)


CELLS = [
    ("rnn-cell", "RNNCell", (3, 4), {}),
    ("rnn-cell-relu-no-bias", "RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}),
    ("gru-cell", "GRUCell", (3, 4), {}),
    ("gru-cell-no-bias", "GRUCell", (2, 5), {"bias": False}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [2, None], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_hx", [True, False], ids=["hx", "zeros"])
@pytest.mark.parametrize("module, args, options", [row[1:] for row in CELLS],
                         ids=[row[0] for row in CELLS])
def test_cell_matches_torch(module, args, options, batch, with_hx, dtype, device):
    compare_cell(module, args, options, batch, dtype, device, with_hx)


@pytest.mark.exercise("ch09.lstm_cell")
@pytest.mark.parametrize("options", [{}, {"bias": False}], ids=["bias", "no-bias"])
@pytest.mark.parametrize("batch", [3, None], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_hx", [True, False], ids=["hx", "zeros"])
def test_lstm_cell_matches_torch(options, batch, with_hx, device):
    for dtype in ("float32", "float64"):
        compare_cell("LSTMCell", (3, 5), options, batch, dtype, device, with_hx)


@SETTINGS
@given(module=st.sampled_from(["RNNCell", "LSTMCell", "GRUCell"]),
       sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       batch=st.sampled_from([None, 1, 2, 4]), with_hx=st.booleans(), bias=st.booleans(),
       relu=st.booleans(), seed=st.integers(0, 100))
def test_random_cells_match_torch(module, sizes, batch, with_hx, bias, relu, seed):
    options = {"bias": bias}
    if module == "RNNCell" and relu:
        options["nonlinearity"] = "relu"
    compare_cell(module, sizes, options, batch, "float64", "cpu", with_hx, seed)


# ---- the fused layer ops: gradcheck, and equal to the cells over time -------------------------

def lengths_for(steps, batch, varied):
    return [steps - (b % steps) for b in range(batch)] if varied else None


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("varied", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize("op", ["rnn_tanh", "rnn_relu", "lstm", "lstm_proj", "gru"])
def test_fused_layer_op_passes_gradcheck(op, varied, reverse, device):
    rng = np.random.default_rng(7)
    steps, batch, hidden, proj = 4, 3, 3, 2
    gates = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "lstm_proj": 4, "gru": 3}[op]
    size = proj if op == "lstm_proj" else hidden

    def leaf(*shape):
        return tensor.Tensor(rng.normal(0, 0.6, size=shape), requires_grad=True, device=device)

    xw, h0 = leaf(steps, batch, gates * hidden), leaf(batch, size)
    w_hh, b_hh = leaf(gates * hidden, size), leaf(gates * hidden)
    lengths = lengths_for(steps, batch, varied)
    if op.startswith("rnn"):
        nonlinearity = op[4:]
        assert gradcheck(lambda *a: rnn_layer(*a, lengths=lengths, reverse=reverse,
                                              nonlinearity=nonlinearity), xw, h0, w_hh, b_hh)
    elif op == "gru":
        assert gradcheck(lambda *a: gru_layer(*a, lengths=lengths, reverse=reverse),
                         xw, h0, w_hh, b_hh)
    else:
        c0 = leaf(batch, hidden)
        w_hr = leaf(proj, hidden) if op == "lstm_proj" else None
        inputs = (xw, h0, c0, w_hh, b_hh) + ((w_hr,) if w_hr is not None else ())
        assert gradcheck(lambda *a: lstm_layer(*a, lengths=lengths, reverse=reverse), *inputs)


def cells_over_time(module, cell, x, states, lengths, reverse):
    """The reference: the cell applied step by step (a state carried unchanged once a sequence
    has ended), stacked into the fused op's layout: S (T + 1, B, ...) with the initial state
    at row 0 (forward) or T (reverse)."""
    steps = x.shape[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    rows = {steps if reverse else 0: states}
    for t in order:
        new = cell(x[t], states if module == "LSTM" else states[0])
        new = new if isinstance(new, tuple) else (new,)
        if lengths is not None:
            active = tensor.Tensor(np.array(lengths)[:, None] > t, device=x.device)
            new = tuple(tensor.where(active, n, s) for n, s in zip(new, states))
        states = new
        rows[t if reverse else t + 1] = states
    ordered = [rows[k] for k in range(steps + 1)]
    return tensor.stack([tensor.cat(list(r), dim=1) for r in ordered])


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("varied", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize("module", ["RNN", "RNN-relu", "LSTM", "GRU"])
def test_fused_layer_op_equals_the_cells_over_time(module, varied, reverse, device):
    """Values and gradients of xw's input x, the initial states and all four weights."""
    name = module.split("-")[0]
    nonlinearity = "relu" if module.endswith("relu") else "tanh"
    steps, batch, features, hidden = 5, 3, 2, 4
    options = {"nonlinearity": nonlinearity} if name == "RNN" else {}
    cell = getattr(nn, name + "Cell")(features, hidden, **options).to(device, tensor.float64)
    rng = np.random.default_rng(11)
    x = tensor.Tensor(rng.normal(size=(steps, batch, features)), device=device,
                      requires_grad=True)
    states = tuple(tensor.Tensor(rng.normal(size=(batch, hidden)), device=device,
                                 requires_grad=True) for _ in range(2 if name == "LSTM" else 1))
    lengths = lengths_for(steps, batch, varied)
    g = rng.normal(size=(steps + 1, batch, hidden * len(states)))

    def gradients(S):
        (S * tensor.Tensor(g, device=device)).sum().backward()
        found = [host(t.grad) for t in (x, *states, *cell.parameters())]
        for t in (x, *states, *cell.parameters()):
            t.grad = None
        return host(S), found

    expected = gradients(cells_over_time(name, cell, x, states, lengths, reverse))
    xw = F.linear(x, cell.weight_ih, cell.bias_ih)
    if name == "LSTM":
        fused = lstm_layer(xw, *states, cell.weight_hh, cell.bias_hh, lengths=lengths,
                           reverse=reverse)
    elif name == "GRU":
        fused = gru_layer(xw, states[0], cell.weight_hh, cell.bias_hh, lengths, reverse)
    else:
        fused = rnn_layer(xw, states[0], cell.weight_hh, cell.bias_hh, lengths, reverse,
                          nonlinearity)
    found = gradients(fused)
    np.testing.assert_allclose(found[0], expected[0], rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(found[1], expected[1]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_a_layer_is_one_node_whatever_the_length():
    """The graph of nn.LSTM's output has one lstm_layer node per layer and direction, and as
    many nodes for 50 steps as for 2."""
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)

    def ops(steps):
        out, _ = lstm(tensor.randn(steps, 2, 3))
        return [node.op for node in out.topological_order()]

    short, long = ops(2), ops(50)
    assert len(short) == len(long) and short.count("lstm_layer") == 4
    assert long.count("lstm_layer") == 4 and "sigmoid" not in long


# ---- dropout, names, repr --------------------------------------------------------------------

def test_dropout_between_layers_in_training_only():
    """A 2-layer LSTM with dropout p is the first layer, F.dropout, the second layer (same
    random draws); the last layer's output is not dropped; eval() is exact."""
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    first, second = nn.LSTM(3, 4), nn.LSTM(4, 4)
    for k, part in enumerate((first, second)):
        part.load_state_dict({name.replace(f"_l{k}", "_l0"): p
                              for name, p in lstm.state_dict().items() if f"_l{k}" in name})
    x = tensor.randn(6, 5, 3)
    tensor.manual_seed(3)
    out, _ = lstm(x)
    tensor.manual_seed(3)
    middle, _ = first(x)
    expected, _ = second(F.dropout(middle, 0.5, training=True))
    np.testing.assert_allclose(host(out), host(expected), rtol=1e-6)
    assert (host(out) != 0).all()
    lstm.eval()
    out_eval, _ = lstm(x)
    expected_eval, _ = second(first(x)[0])
    np.testing.assert_allclose(host(out_eval), host(expected_eval), rtol=1e-6)


def test_dropout_drops_about_p_of_the_inputs_of_the_next_layer():
    """With an RNN whose second layer is the identity map of its input (W_ih = I, no
    recurrence, relu), the fraction of zeros in the output is p."""
    rnn = nn.RNN(8, 8, num_layers=2, nonlinearity="relu", bias=False, dropout=0.3)
    with tensor.no_grad():
        rnn.weight_ih_l0.copy_(tensor.eye(8))
        rnn.weight_ih_l1.copy_(tensor.eye(8))
        rnn.weight_hh_l0.zero_()
        rnn.weight_hh_l1.zero_()
    x = tensor.rand(50, 40, 8) + 0.1
    out, _ = rnn(x)
    zeros = float((host(out) == 0).mean())
    assert abs(zeros - 0.3) < 0.02
    kept = host(out)[host(out) != 0]
    np.testing.assert_allclose(kept, host(x)[host(out) != 0] / 0.7, rtol=1e-5)


def test_no_warnings_even_with_saturating_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for module in (nn.RNN, nn.LSTM, nn.GRU):
            layer = module(3, 4, dropout=0.2)
            out, _ = layer(tensor.full((3, 2, 3), 1e4))
            out.sum().backward()
            assert np.isfinite(host(out)).all()


@pytest.mark.parametrize("module, args, options", [
    ("RNN", (3, 4), {"num_layers": 2, "bidirectional": True, "bias": False}),
    ("LSTM", (3, 5), {"num_layers": 3, "bidirectional": True, "proj_size": 2}),
    ("LSTM", (2, 3), {"bias": False}),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True}),
    ("RNNCell", (3, 4), {}), ("LSTMCell", (3, 4), {"bias": False}), ("GRUCell", (3, 4), {}),
])
def test_names_order_shapes_and_repr_are_torchs(module, args, options):
    ours, theirs = getattr(nn, module)(*args, **options), getattr(torch.nn, module)(*args,
                                                                                   **options)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    if not module.endswith("Cell"):
        assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in theirs.all_weights]
        assert ours.flatten_parameters() is None


def test_repr_of_a_relu_rnn_names_its_nonlinearity():
    """(PyTorch's RNN repr leaves it out; the cells' shows it.)"""
    assert repr(nn.RNN(3, 4, 2, "relu")) == "RNN(3, 4, nonlinearity=relu, num_layers=2)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"


@pytest.mark.parametrize("module", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_initialization_is_uniform_within_one_over_sqrt_hidden(module):
    tensor.manual_seed(0)
    layer = getattr(nn, module)(100, 16)  # 1/sqrt(16) = 0.25; at least 1,900 values
    values = np.concatenate([host(p).ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.24
    assert abs(values.mean()) < 0.015 and abs(values.std() - 0.25 / np.sqrt(3)) < 0.01


def test_the_front_door_has_them():
    import gradschool

    for name in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"):
        assert getattr(gradschool.nn, name) is getattr(nn, name)


# ---- bad input -------------------------------------------------------------------------------

def check_error(kind, pattern, call):
    with pytest.raises(kind, match=pattern):
        call()


BAD = [
    ("rank", lambda: nn.LSTM(4, 6)(tensor.zeros(2, 3, 4, 5)), ValueError,
     r"LSTM(4, 6) expected input of shape (L, N, 4) or (L, 4), got (2, 3, 4, 5)"),
    ("features", lambda: nn.GRU(4, 6, batch_first=True)(tensor.zeros(2, 3, 5)), ValueError,
     r"GRU(4, 6, batch_first=True) expected input of shape (N, L, 4) or (L, 4), got (2, 3, 5)"),
    ("h_0 shape", lambda: nn.RNN(4, 6, 2)(tensor.zeros(5, 3, 4), tensor.zeros(1, 3, 6)),
     ValueError, r"RNN(4, 6, num_layers=2) expected h_0 of shape (2, 3, 6) for input of "
     r"shape (5, 3, 4), got (1, 3, 6)"),
    ("c_0 shape", lambda: nn.LSTM(4, 6, proj_size=2)(
        tensor.zeros(5, 3, 4), (tensor.zeros(1, 3, 2), tensor.zeros(1, 3, 2))), ValueError,
     r"LSTM(4, 6, proj_size=2) expected c_0 of shape (1, 3, 6) for input of shape (5, 3, 4), "
     r"got (1, 3, 2)"),
    ("unbatched h_0", lambda: nn.GRU(4, 6)(tensor.zeros(5, 4), tensor.zeros(1, 1, 6)),
     ValueError, r"GRU(4, 6) expected h_0 of shape (1, 6) for input of shape (5, 4), got "
     r"(1, 1, 6)"),
    ("lstm hx not a pair", lambda: nn.LSTM(4, 6)(tensor.zeros(5, 3, 4), tensor.zeros(1, 3, 6)),
     TypeError, r"LSTM(4, 6) expected hx = (h_0, c_0), a tuple of 2 Tensors, got Tensor"),
    ("hx not a tensor", lambda: nn.RNN(4, 6)(tensor.zeros(5, 3, 4), [[0.0] * 6]), TypeError,
     r"RNN(4, 6) expected h_0 to be a Tensor, got list"),
    ("hx device", lambda: nn.RNN(4, 6)(tensor.zeros(5, 3, 4),
                                       tensor.zeros(1, 3, 6, device="standin")),
     RuntimeError, r"RNN(4, 6) got input on cpu but h_0 on standin"),
    ("input device", lambda: nn.LSTM(4, 6)(tensor.zeros(5, 3, 4, device="standin")),
     RuntimeError, r"LSTM(4, 6) got input on standin but its weights are on cpu"),
    ("dtype", lambda: nn.GRU(4, 6)(tensor.zeros(5, 3, 4, dtype=tensor.float64)), ValueError,
     r"GRU(4, 6) expected input of dtype float32 (its weights'), got float64"),
    ("hx dtype", lambda: nn.RNN(4, 6)(tensor.zeros(5, 3, 4),
                                      tensor.zeros(1, 3, 6, dtype=tensor.float64)),
     ValueError, r"RNN(4, 6) expected h_0 of dtype float32 (the input's), got float64"),
    ("not a tensor", lambda: nn.LSTM(4, 6)(np.zeros((5, 3, 4))), TypeError,
     r"LSTM(4, 6) expected input to be a Tensor or a PackedSequence, got ndarray"),
    ("cell rank", lambda: nn.LSTMCell(4, 6)(tensor.zeros(2, 3, 4)), ValueError,
     r"LSTMCell(4, 6) expected input of shape (N, 4) or (4,), got (2, 3, 4)"),
    ("cell features", lambda: nn.RNNCell(4, 6, nonlinearity="relu")(tensor.zeros(2, 5)),
     ValueError, r"RNNCell(4, 6, nonlinearity=relu) expected input of shape (N, 4) or (4,), "
     r"got (2, 5)"),
    ("cell hx shape", lambda: nn.GRUCell(4, 6)(tensor.zeros(2, 4), tensor.zeros(3, 6)),
     ValueError, r"GRUCell(4, 6) expected hx of shape (2, 6) for input of shape (2, 4), got "
     r"(3, 6)"),
    ("cell c shape", lambda: nn.LSTMCell(4, 6)(tensor.zeros(4), (tensor.zeros(6),
                                                                 tensor.zeros(1, 6))),
     ValueError, r"LSTMCell(4, 6) expected c of shape (6,) for input of shape (4,), got (1, 6)"),
    ("cell hx device", lambda: nn.RNNCell(4, 6)(tensor.zeros(2, 4),
                                                tensor.zeros(2, 6, device="standin")),
     RuntimeError, r"RNNCell(4, 6) got input on cpu but hx on standin"),
    ("cell lstm hx", lambda: nn.LSTMCell(4, 6)(tensor.zeros(2, 4), tensor.zeros(2, 6)),
     TypeError, r"LSTMCell(4, 6) expected hx = (h, c), a tuple of 2 Tensors, got Tensor"),
    ("proj_size", lambda: nn.LSTM(4, 6, proj_size=6), ValueError,
     r"LSTM: proj_size must be smaller than hidden_size (6), got 6"),
    ("dropout", lambda: nn.GRU(4, 6, dropout=1.5), ValueError,
     r"GRU: dropout must be a probability in [0, 1], got 1.5"),
    ("nonlinearity", lambda: nn.RNN(4, 6, nonlinearity="sigmoid"), ValueError,
     r"RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"),
    ("hidden_size", lambda: nn.LSTM(4, 0), ValueError,
     r"LSTM: hidden_size must be a whole number >= 1, got 0"),
    ("num_layers", lambda: nn.GRU(4, 6, num_layers=1.5), ValueError,
     r"GRU: num_layers must be a whole number >= 1, got 1.5"),
    ("op lengths", lambda: rnn_layer(tensor.zeros(3, 2, 4), tensor.zeros(2, 4),
                                     tensor.zeros(4, 4), lengths=[3, 4]), ValueError,
     r"rnn_layer: lengths [3, 4] do not fit a batch of 2 sequences of at most 3 steps"),
    ("op shapes", lambda: lstm_layer(tensor.zeros(3, 2, 8), tensor.zeros(2, 2),
                                     tensor.zeros(2, 2), tensor.zeros(8, 3)), ValueError,
     r"lstm_layer: weight_hh must have shape (8, 2) for xw of shape (3, 2, 8), got (8, 3)"),
]


@pytest.mark.parametrize("call, kind, message", [row[1:] for row in BAD],
                         ids=[row[0] for row in BAD])
def test_bad_input_is_a_clear_error(call, kind, message):
    check_error(kind, re.escape(message), call)
