"""Chapter 10: the pictures of attention (visualize/attention.py) show the weights they are
given, hidden keys in grey, and the Transformer block's two arrangements as they compute."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nn  # noqa: E402
from visualize.attention import (  # noqa: E402
    MASKED_COLOUR,
    draw_transformer_blocks,
    plot_attention,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_heat_map_shows_the_weights_row_by_row_with_labels():
    weights = np.array([[1.0, 0.0, 0.0], [0.25, 0.75, 0.0]])
    ax = plot_attention(weights, queries=["a", "b"], keys="xyz", title="w")
    image = ax.images[0]
    np.testing.assert_array_equal(np.ma.getdata(image.get_array()), weights)
    assert image.get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]  # query 0 on top
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]
    assert ax.get_title() == "w" and ax.get_xlabel() == "key" and ax.get_ylabel() == "query"


def test_hidden_keys_are_grey_and_the_rest_keeps_its_colours():
    mask = nn.Transformer.generate_square_subsequent_mask(3).numpy()  # 0 and -inf
    ax = plot_attention(mask, vmin=-1)
    image = ax.images[0]
    shown = image.get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(shown), np.isinf(mask))
    rgba = image.to_rgba(shown)
    hidden = matplotlib.colors.to_rgba(MASKED_COLOUR)
    assert all(tuple(rgba[i, j]) == hidden for i, j in zip(*np.nonzero(np.isinf(mask))))
    assert tuple(rgba[0, 0]) != hidden
    assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0  # no labels given


def test_the_heat_map_draws_on_the_axes_given_and_adds_a_colour_bar():
    fig, ax = plt.subplots()
    assert plot_attention(np.eye(2), ax, colorbar=True) is ax
    assert len(fig.axes) == 2


@pytest.mark.parametrize("weights, options, message", [
    (np.ones(3), {}, r"2-D array .* got an array of shape \(3,\)"),
    (np.ones((2, 3)), {"queries": "abc"}, "2 queries in the weights, but 3 labels"),
    (np.ones((2, 3)), {"keys": ["k"]}, "3 keys in the weights, but 1 labels"),
])
def test_the_heat_map_refuses_what_it_cannot_draw(weights, options, message):
    with pytest.raises(ValueError, match=message):
        plot_attention(weights, **options)


def edges(source):
    """(tail, head, dashed) of every edge in a graphviz source, without the node prefixes."""
    found = []
    for line in source.splitlines():
        if "->" in line:
            tail, rest = line.strip().split(" -> ")
            head = rest.split(" ")[0].split("[")[0]
            found.append((tail.split("_", 1)[1], head.split("_", 1)[1], "dashed" in rest))
    return found


@pytest.mark.parametrize("norm_first, expected", [
    # post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x))
    (False, [("in", "attention", False), ("attention", "add1", False), ("in", "add1", True),
             ("add1", "norm1", False), ("norm1", "ff", False), ("ff", "add2", False),
             ("norm1", "add2", True), ("add2", "norm2", False), ("norm2", "out", False)]),
    # pre-norm: x = x + sa(norm1(x)); x = x + ff(norm2(x))
    (True, [("in", "norm1", False), ("norm1", "attention", False), ("attention", "add1", False),
            ("in", "add1", True), ("add1", "norm2", False), ("norm2", "ff", False),
            ("ff", "add2", False), ("add1", "add2", True), ("add2", "out", False)]),
])
def test_the_block_diagram_wires_the_residual_steps_as_the_layer_computes(norm_first, expected):
    graph = draw_transformer_blocks(norm_first)
    assert sorted(edges(graph.source)) == sorted(expected)
    label = "pre-norm (norm_first=True)" if norm_first else "post-norm (norm_first=False)"
    assert label in graph.source


def test_both_arrangements_side_by_side_and_bad_arguments():
    graph = draw_transformer_blocks()
    assert graph.source.count("subgraph cluster_") == 2 and len(edges(graph.source)) == 18
    with pytest.raises(ValueError, match="norm_first as a bool or a sequence of bools"):
        draw_transformer_blocks("pre")
    with pytest.raises(ValueError, match="norm_first as a bool"):
        draw_transformer_blocks(())
