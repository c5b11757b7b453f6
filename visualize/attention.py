"""Pictures of attention, for the lesson on the Transformer (chapter 10).

- `plot_attention(weights, ax, queries=..., keys=...)`: a matrix of attention weights (or a
  mask, or scores) as a heat map, one row per query and one column per key, labelled with the
  queries' and keys' tokens. Row i is how query i spreads its attention over the keys; a cell
  that is not a finite number (a score of -inf: a key that is hidden from that query) is drawn
  in a neutral grey, so a mask shows as the grey part of the picture.
- `draw_transformer_blocks(norm_first=(False, True))`: the Transformer encoder layer's
  diagram, the post-norm arrangement of the 2017 paper and the pre-norm one of GPT-2 side by
  side, with the residual connections drawn as the paths that skip each step.

`plot_attention` draws with matplotlib's object API on the `ax` given (or a new one), never
calls `plt.show()`, and returns the Axes; `draw_transformer_blocks` returns a
graphviz.Digraph, which Jupyter shows inline.
"""

import graphviz
import matplotlib.pyplot as plt
import numpy as np

MASKED_COLOUR = "#d9d9d9"  # cells that are not finite numbers: keys hidden by a mask


def plot_attention(weights, ax=None, *, queries=None, keys=None, title=None, vmin=0.0,
                   vmax=1.0, cmap="viridis", colorbar=False, fontsize=8):
    """Draw the 2-D array `weights` (L queries, S keys) as a heat map, query 0 at the top.

    `queries` and `keys`: a label per row and per column (strings, or one string with one
    character per row / column), shown as tick labels; None: no labels. Cells that are not
    finite (-inf, nan) are drawn in grey. `vmin`/`vmax` fix the colour scale (0 to 1 suits
    attention weights; None: the finite values' range). Returns the Axes.
    """
    values = np.asarray(weights, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"plot_attention expected a 2-D array of weights (queries, keys), "
                         f"got an array of shape {values.shape}")
    queries, keys = (_labels(labels, n, what) for labels, n, what in (
        (queries, values.shape[0], "queries"), (keys, values.shape[1], "keys")))
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    colours = plt.get_cmap(cmap).with_extremes(bad=MASKED_COLOUR)
    shown = np.ma.masked_invalid(values)
    image = ax.imshow(shown, cmap=colours, vmin=vmin, vmax=vmax, interpolation="nearest")
    for labels, set_ticks, set_labels, count in (
            (queries, ax.set_yticks, ax.set_yticklabels, values.shape[0]),
            (keys, ax.set_xticks, ax.set_xticklabels, values.shape[1])):
        if labels is None:
            set_ticks([])
        else:
            set_ticks(range(count))
            set_labels(labels, fontsize=fontsize)
    ax.set(xlabel="key", ylabel="query", title=title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _labels(labels, count, what):
    """Tick labels as a list of `count` strings (a string gives one per character)."""
    if labels is None:
        return None
    labels = list(labels)
    if len(labels) != count:
        raise ValueError(f"plot_attention: {count} {what} in the weights, but {len(labels)} "
                         f"labels for them")
    return [str(label) for label in labels]


def draw_transformer_blocks(norm_first=(False, True)):
    """The encoder layer's diagram for each entry of `norm_first` (False: post-norm, True:
    pre-norm), side by side, input at the top:

        post-norm:  x = LayerNorm(x + SelfAttention(x));  x = LayerNorm(x + FeedForward(x))
        pre-norm:   x = x + SelfAttention(LayerNorm(x));  x = x + FeedForward(LayerNorm(x))

    Each "+" adds a step's result to the path that skipped it (the residual connection, a
    dashed edge). Returns a graphviz.Digraph."""
    variants = [norm_first] if isinstance(norm_first, bool) else list(norm_first)
    if not variants or not all(isinstance(v, bool) for v in variants):
        raise ValueError(f"draw_transformer_blocks expected norm_first as a bool or a sequence "
                         f"of bools, got {norm_first!r}")
    graph = graphviz.Digraph(graph_attr={"rankdir": "TB", "nodesep": "0.35", "ranksep": "0.3"},
                             node_attr={"shape": "box", "style": "rounded,filled",
                                        "fontname": "Helvetica", "fontsize": "11",
                                        "fillcolor": "#eef3fb"},
                             edge_attr={"arrowsize": "0.6"})
    for index, pre in enumerate(variants):
        with graph.subgraph(name=f"cluster_{index}") as block:
            block.attr(label="pre-norm (norm_first=True)" if pre else
                       "post-norm (norm_first=False)", fontname="Helvetica", fontsize="12",
                       style="rounded", color="#999999")
            _draw_block(block, f"b{index}_", pre)
    return graph


def _draw_block(graph, prefix, pre):
    """One layer's nodes and edges: two residual steps (attention, then feed-forward)."""
    def node(name, label, **options):
        graph.node(prefix + name, label, **options)
        return prefix + name

    plain = {"shape": "plaintext", "style": ""}
    current = node("in", "x  (N, L, d_model)", **plain)
    steps = [("attention", "multi-head\nself-attention", "#fdf1dc"),
             ("ff", "feed-forward\nlinear, activation, linear", "#e5f3e5")]
    for number, (name, label, colour) in enumerate(steps, start=1):
        norm = f"LayerNorm (norm{number})"
        skip = current
        if pre:
            current = _edge(graph, current, node(f"norm{number}", norm))
        current = _edge(graph, current, node(name, label, fillcolor=colour))
        current = _edge(graph, current, node(f"add{number}", "+", shape="circle",
                                             fillcolor="white", fixedsize="true",
                                             width="0.3"))
        graph.edge(skip, current, style="dashed", color="#555555", constraint="false")
        if not pre:
            current = _edge(graph, current, node(f"norm{number}", norm))
    _edge(graph, current, node("out", "output  (N, L, d_model)", **plain))


def _edge(graph, tail, head):
    graph.edge(tail, head)
    return head
