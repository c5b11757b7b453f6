"""Chapter 09: the pictures of recurrent networks (visualize/recurrent.py) name the gates a cell
really computes, and draw a packed batch in the order nn.utils.rnn really packs it."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nn  # noqa: E402
import tensor  # noqa: E402
from nn.utils.rnn import pack_padded_sequence, pad_sequence  # noqa: E402
from visualize import draw_graph  # noqa: E402
from visualize.recurrent import draw_packed, draw_padded, label_gates  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_label_gates_names_the_lstm_gates_by_their_values():
    tensor.manual_seed(0)
    cell = nn.LSTMCell(2, 3)
    x, h, c = tensor.randn(4, 2), tensor.randn(4, 3), tensor.randn(4, 3)
    h_t, _ = cell(x, (h, c))
    found = label_gates(h_t, "ifgo")
    a = (x.numpy() @ cell.weight_ih.detach().numpy().T + cell.bias_ih.detach().numpy()
         + h.numpy() @ cell.weight_hh.detach().numpy().T + cell.bias_hh.detach().numpy())
    blocks = np.split(a, 4, axis=1)
    expected = {"i": sigmoid(blocks[0]), "f": sigmoid(blocks[1]), "g": np.tanh(blocks[2]),
                "o": sigmoid(blocks[3])}
    assert sorted(found) == ["f", "g", "i", "o"]
    for name, nodes in found.items():
        assert len(nodes) == 1 and nodes[0].label == name
        np.testing.assert_allclose(nodes[0].data, expected[name], rtol=1e-5, atol=1e-6)
    source = draw_graph(h_t, show_grad=False).source  # each gate's box starts with its name
    assert all(f"{{{name}|" in source for name in "ifgo")


def test_label_gates_follows_the_gru_chunks_through_the_sums():
    tensor.manual_seed(1)
    cell = nn.GRUCell(3, 2)
    x, h = tensor.randn(5, 3), tensor.randn(5, 2)
    h_t = cell(x, h)
    found = label_gates(h_t, "rzn")
    xs = np.split(x.numpy() @ cell.weight_ih.detach().numpy().T
                  + cell.bias_ih.detach().numpy(), 3, axis=1)
    us = np.split(h.numpy() @ cell.weight_hh.detach().numpy().T
                  + cell.bias_hh.detach().numpy(), 3, axis=1)
    r, z = sigmoid(xs[0] + us[0]), sigmoid(xs[1] + us[1])
    n = np.tanh(xs[2] + r * us[2])
    for name, value in {"r": r, "z": z, "n": n}.items():
        (node,) = found[name]
        np.testing.assert_allclose(node.data, value, rtol=1e-5, atol=1e-6)


def test_label_gates_reads_arrays_on_any_device(device):
    tensor.manual_seed(0)
    cell = nn.GRUCell(2, 3).to(device)
    h_t = cell(tensor.randn(2, 2, device=device), tensor.randn(2, 3, device=device))
    found = label_gates(h_t, "rzn")
    assert {name: len(nodes) for name, nodes in found.items()} == {"r": 1, "z": 1, "n": 1}


def test_label_gates_leaves_a_graph_without_chunks_alone_and_refuses_two_names():
    tensor.manual_seed(0)
    cell = nn.RNNCell(2, 3)
    h = cell(tensor.randn(1, 2))
    assert label_gates(h, "abc") == {} and h.label == ""
    left = tensor.randn(1, 4, requires_grad=True).chunk(2, dim=-1)[0]
    second = tensor.randn(1, 6, requires_grad=True).chunk(3, dim=-1)[1]
    mixed = (left + second).sigmoid()  # chunk 0 of one tensor meets chunk 1 of another
    with pytest.raises(ValueError, match="reached from gate 'p' and from gate 'q'"):
        label_gates(mixed, "pq")


def cell_texts(ax):
    """The texts written in the cells (not the row numbers or the captions)."""
    return [t.get_text() for t in ax.texts if t.get_fontsize() == 10 and "=" not in
            t.get_text() and "(" not in t.get_text()]


def test_draw_padded_writes_each_step_and_the_padding_in_the_given_order():
    ax = draw_padded([2, 3], title="padded")
    assert cell_texts(ax) == ["a0", "a1", "pad", "b0", "b1", "b2"]
    assert ax.get_title() == "padded"
    ax = draw_padded([2, 3], order=[1, 0])
    assert cell_texts(ax) == ["b0", "b1", "b2", "a0", "a1", "pad"]
    grey = [p for p in ax.patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(
        "#e0e0e0")]
    assert len(grey) == 1


@settings(max_examples=30, deadline=None)
@given(lengths=st.lists(st.integers(1, 6), min_size=1, max_size=6))
def test_draw_packed_shows_the_rows_of_packed_data_in_order(lengths):
    # sequence b's step t holds the number 10 b + t, so the packed data names its own rows
    sequences = [tensor.Tensor(10.0 * b + np.arange(n, dtype=np.float32)).reshape(n, 1)
                 for b, n in enumerate(lengths)]
    packed = pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=False)
    expected = [f"{'abcdef'[int(v) // 10]}{int(v) % 10}" for v in packed.data.numpy()[:, 0]]
    ax = draw_packed(lengths, sorted_indices=packed.sorted_indices.tolist())
    assert cell_texts(ax) == expected
    assert cell_texts(draw_packed(lengths)) == expected  # the default sort is the same
    rows = [t.get_text() for t in ax.texts if t.get_fontsize() == 8]
    assert rows == [str(i) for i in range(sum(lengths))]
    sizes = [t.get_text() for t in ax.texts if ": " in t.get_text()]
    assert sizes == [f"t={t}: {n}" for t, n in enumerate(packed.batch_sizes.tolist())]
    plt.close("all")


def test_bad_input_is_an_error_that_says_what_was_wrong():
    with pytest.raises(ValueError, match=r"draw_padded expected 1 to 26 sequence lengths, "
                                         r"each at least 1, got \[2, 0\]"):
        draw_padded([2, 0])
    with pytest.raises(ValueError, match=r"order must be a permutation of 0..1, got \[0, 0\]"):
        draw_padded([2, 3], order=[0, 0])
    with pytest.raises(ValueError, match=r"sorted_indices must order the sequences longest "
                                         r"first, got \[0, 1\] for lengths \[2, 3\]"):
        draw_packed([2, 3], sorted_indices=[0, 1])
    with pytest.raises(ValueError, match="draw_packed expected 1 to 26"):
        draw_packed([])
