"""RNN, LSTM and GRU on PackedSequence input against PyTorch: the output is a PackedSequence
with the input's batch_sizes, sorted_indices and unsorted_indices and PyTorch's data; the final
states are taken at each sequence's true length, in the caller's batch order; gradients reach
the padded input, the initial states and every parameter. Lengths sorted (enforce_sorted=True)
or not (enforce_sorted=False), batch_first, both directions, stacked layers, projections;
hypothesis draws the rest."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
import tensor
from nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def host(t):
    return t.detach().cpu().numpy()


def compare_packed(module, options, lengths, enforce_sorted, dtype, device, with_hx, seed=0,
                   features=3, hidden=4):
    """One forward and backward through torch.nn.<module> and nn.<module> (same weights) on
    the same padded batch packed with `lengths`."""
    tol = TOLERANCE[dtype]
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, module)(features, hidden, **options).to(getattr(torch, dtype))
    ours = getattr(nn, module)(features, hidden, **options).to(device, getattr(tensor, dtype))
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(seed)
    batch, steps = len(lengths), max(lengths)
    batch_first = options.get("batch_first", False)
    x = rng.normal(size=((batch, steps) if batch_first else (steps, batch)) + (features,))
    xo = tensor.Tensor(x, dtype=getattr(tensor, dtype), device=device, requires_grad=True)
    xt = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    po = pack_padded_sequence(xo, lengths, batch_first, enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first,
                                                 enforce_sorted)
    count = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    sizes = [options.get("proj_size", 0) or hidden] + ([hidden] if module == "LSTM" else [])
    hx = [rng.normal(size=(count, batch, size)) for size in sizes] if with_hx else None
    ho = None if hx is None else [tensor.Tensor(h, dtype=getattr(tensor, dtype), device=device,
                                                requires_grad=True) for h in hx]
    ht = None if hx is None else [torch.tensor(h, dtype=getattr(torch, dtype),
                                               requires_grad=True) for h in hx]

    def state_argument(states):
        return None if states is None else (tuple(states) if len(states) > 1 else states[0])

    out_o, states_o = ours(po, state_argument(ho))
    out_t, states_t = theirs(pt, state_argument(ht))
    assert isinstance(out_o, PackedSequence)
    assert out_o.batch_sizes.tolist() == out_t.batch_sizes.tolist()
    for mine, expected in ((out_o.sorted_indices, out_t.sorted_indices),
                           (out_o.unsorted_indices, out_t.unsorted_indices)):
        assert (mine is None) == (expected is None)
        assert mine is None or mine.tolist() == expected.tolist()
    states_o = states_o if isinstance(states_o, tuple) else (states_o,)
    states_t = states_t if isinstance(states_t, tuple) else (states_t,)
    results, expected = (out_o.data, *states_o), (out_t.data, *states_t)
    for mine, theirs_value in zip(results, expected):
        assert mine.shape == tuple(theirs_value.shape)
        np.testing.assert_allclose(host(mine), theirs_value.detach().numpy(), **tol)
    grads = [rng.normal(size=tuple(e.shape)) for e in expected]
    sum((r * tensor.Tensor(g, dtype=getattr(tensor, dtype), device=device)).sum()
        for r, g in zip(results, grads)).backward()
    sum((e * torch.tensor(g, dtype=getattr(torch, dtype))).sum()
        for e, g in zip(expected, grads)).backward()
    np.testing.assert_allclose(host(xo.grad), xt.grad.numpy(), **tol)
    for mine, theirs_value in zip(ho or (), ht or ()):
        np.testing.assert_allclose(host(mine.grad), theirs_value.grad.numpy(), **tol)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(host(getattr(ours, name).grad), p.grad.numpy(), **tol,
                                   err_msg=name)


# (id, module, options, lengths, enforce_sorted, with initial states)
PACKED = [
    ("rnn-sorted", "RNN", {}, [5, 3, 3, 1], True, False),
    ("rnn-relu-unsorted-bidirectional", "RNN",
     {"nonlinearity": "relu", "bidirectional": True, "num_layers": 2}, [2, 5, 1, 3], False, True),
    ("lstm-sorted-hx", "LSTM", {}, [4, 4, 2], True, True),
    ("lstm-unsorted-bidirectional-2-layers", "LSTM", {"bidirectional": True, "num_layers": 2},
     [1, 4, 2, 4, 3], False, True),
    ("lstm-projection-batch-first", "LSTM",
     {"proj_size": 2, "batch_first": True, "bidirectional": True}, [3, 1, 4], False, True),
    ("gru-sorted-batch-first", "GRU", {"batch_first": True}, [3, 2, 1], True, False),
    ("gru-unsorted-bidirectional-3-layers", "GRU", {"bidirectional": True, "num_layers": 3},
     [2, 3, 1, 3], False, True),
    ("one-sequence", "LSTM", {"bidirectional": True}, [3], True, True),
    ("all-equal", "GRU", {"bidirectional": True}, [2, 2, 2], False, False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("module, options, lengths, enforce_sorted, with_hx",
                         [row[1:] for row in PACKED], ids=[row[0] for row in PACKED])
def test_packed_input_matches_torch(module, options, lengths, enforce_sorted, with_hx, dtype,
                                    device):
    compare_packed(module, options, lengths, enforce_sorted, dtype, device, with_hx)


@SETTINGS
@given(module=st.sampled_from(["RNN", "LSTM", "GRU"]),
       lengths=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       enforce_sorted=st.booleans(), layers=st.integers(1, 2), bidirectional=st.booleans(),
       batch_first=st.booleans(), bias=st.booleans(), with_hx=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), project=st.booleans(),
       seed=st.integers(0, 50))
def test_random_packed_inputs_match_torch(module, lengths, enforce_sorted, layers, bidirectional,
                                          batch_first, bias, with_hx, dtype, project, seed):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    options = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first,
                   bias=bias)
    if module == "LSTM" and project:
        options["proj_size"] = 2
    compare_packed(module, options, lengths, enforce_sorted, dtype, "cpu", with_hx, seed)


def test_final_states_are_at_each_true_length():
    """A sequence packed with padding after it ends has the final state of the sequence alone;
    the padded output holds zeros past each length (pad_packed_sequence)."""
    lstm = nn.LSTM(2, 3, bidirectional=True)
    x = tensor.randn(4, 2, 2)
    out, (h, c) = lstm(pack_padded_sequence(x, [2, 4], enforce_sorted=False))
    alone, (h_alone, c_alone) = lstm(x[:2, 0])
    np.testing.assert_allclose(host(h[:, 0]), host(h_alone), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(c[:, 0]), host(c_alone), rtol=1e-5, atol=1e-6)
    padded, lengths = pad_packed_sequence(out)
    assert lengths.tolist() == [2, 4] and padded.shape == (4, 2, 6)
    np.testing.assert_allclose(host(padded[:2, 0]), host(alone), rtol=1e-5, atol=1e-6)
    assert (host(padded[2:, 0]) == 0).all()


def test_a_packed_sequence_with_the_wrong_features_is_a_clear_error():
    packed = pack_padded_sequence(tensor.zeros(3, 2, 5), [3, 2])
    with pytest.raises(ValueError, match=r"GRU\(4, 6\) expected a PackedSequence of data shaped "
                                         r"\(\*, 4\), got \(5, 5\)"):
        nn.GRU(4, 6)(packed)
    with pytest.raises(ValueError, match=r"RNN\(5, 6\) expected h_0 of shape \(1, 2, 6\) for "
                                         r"input of shape \(5, 5\), got \(1, 3, 6\)"):
        nn.RNN(5, 6)(packed, tensor.zeros(1, 3, 6))
