"""Pictures for recurrent networks (chapter 09): the gates in a cell's computation graph, and a
batch of sequences of different lengths, padded and packed.

- `label_gates(root, names)`: names the gates in the graph of one step of a gated cell
  (LSTMCell, GRUCell), so that `draw_graph` shows "i", "f", "g", "o" instead of anonymous
  boxes. A cell computes all its gates' pre-activations as one wide tensor and cuts it into
  chunks (`chunk`, one "slice" node per chunk); the k-th chunk, followed down the graph to the
  first sigmoid or tanh it reaches, is gate k. Which chunk a slice holds is read off its data:
  the k-th block of columns of the tensor it was cut from.
- `draw_padded(lengths)`: the batch as a padded table, one row per sequence (time across,
  as batch_first=True holds it), the padding grey.
- `draw_packed(lengths)`: the same batch as a PackedSequence's `data`: time step by time
  step, only the sequences still running at that step, longest first; each step's group
  marked with its entry of `batch_sizes`.

Sequence b is named by a letter ("a", "b", ...) and its step t written "a0", "a1", ...; each
sequence has its own colour in both pictures. Like visualize.plots, they draw on the `ax` given
(or a new one), never call `plt.show()`, and return the Axes. `label_gates` reads the graph
through visualize's duck-typed protocol (visualize/__init__.py) and sets `label` on nodes.
"""

import string

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from visualize.walk import walk
from visualize.windows import GROUP_COLOURS

ACTIVATIONS = ("sigmoid", "tanh")
PADDING_FILL = "#e0e0e0"


def _chunk_index(piece):
    """Which block of columns of its parent the slice `piece` holds (None if it is not a
    block of equal-width columns)."""
    (whole,) = piece.parents
    width = piece.data.shape[-1]
    if whole.data.shape[:-1] != piece.data.shape[:-1] or whole.data.shape[-1] % width:
        return None
    for k in range(whole.data.shape[-1] // width):
        if bool((whole.data[..., k * width:(k + 1) * width] == piece.data).all()):
            return k
    return None


def label_gates(root, names):
    """Label the gates of one step of a gated cell in the graph that computed `root`.

    `names` names the chunks in the cell's order, e.g. "ifgo" for an LSTMCell, "rzn" for a
    GRUCell. Every slice node that holds the k-th chunk of the tensor it was cut from is
    followed down the graph (towards root) to the first sigmoid or tanh on each path; that
    node gets the label names[k]. Returns the labelled nodes, {name: [nodes]}.

    Raises ValueError if a gate would get two names (the chunks of two differently cut
    tensors meeting in one activation)."""
    graph = walk(root)
    children = {}
    for parent, child in graph.edges:
        children.setdefault(id(parent), []).append(child)
    found, named = {}, {}  # named: id(node) -> the name this call gave it
    for node in graph.nodes:
        if node.op != "slice" or len(node.parents) != 1:
            continue
        k = _chunk_index(node)
        if k is None or k >= len(names):
            continue
        frontier, seen = list(children.get(id(node), [])), set()
        while frontier:
            child = frontier.pop()
            if id(child) in seen:
                continue
            seen.add(id(child))
            if child.op not in ACTIVATIONS:
                frontier.extend(children.get(id(child), []))
                continue
            if named.get(id(child), names[k]) != names[k]:
                raise ValueError(f"label_gates: one {child.op} node is reached from gate "
                                 f"{named[id(child)]!r} and from gate {names[k]!r}")
            if id(child) not in named:
                named[id(child)] = child.label = names[k]
                found.setdefault(names[k], []).append(child)
    return found


def _check_lengths(lengths, what):
    lengths = [int(n) for n in lengths]
    if not lengths or min(lengths) < 1 or len(lengths) > len(string.ascii_lowercase):
        raise ValueError(f"{what} expected 1 to 26 sequence lengths, each at least 1, got "
                         f"{lengths}")
    return lengths


def _cell(ax, x, y, text, colour, width=1.0):
    """One box of a table: filled with `colour` (None: the grey of padding) and `text`."""
    ax.add_patch(Rectangle((x - 0.5 * width, y - 0.5), width, 1, linewidth=0.8,
                           edgecolor="#808080", facecolor=colour or PADDING_FILL,
                           alpha=0.35 if colour else 1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=10,
            color="black" if colour else "#808080")


def _finish(ax, title):
    ax.set_aspect("equal")
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=12)
    return ax


def draw_padded(lengths, ax=None, *, order=None, title=None):
    """Draw the batch of sequences with `lengths` as a padded table: one row per sequence, in
    `order` (a list of sequence indices; default 0, 1, ...), time steps across, up to the
    longest length; the padding past each sequence's end is grey. Returns the Axes."""
    lengths = _check_lengths(lengths, "draw_padded")
    order = list(range(len(lengths))) if order is None else [int(b) for b in order]
    if sorted(order) != list(range(len(lengths))):
        raise ValueError(f"draw_padded: order must be a permutation of 0..{len(lengths) - 1}, "
                         f"got {order}")
    steps = max(lengths)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * steps + 1.2, 0.5 * len(lengths) + 0.8))
    for row, b in enumerate(order):
        name = string.ascii_lowercase[b]
        for t in range(steps):
            real = t < lengths[b]
            _cell(ax, t, row, f"{name}{t}" if real else "pad",
                  GROUP_COLOURS[b % len(GROUP_COLOURS)] if real else None)
        ax.text(-0.8, row, f"{name} ({lengths[b]})", ha="right", va="center", fontsize=10)
    ax.set_xlim(-0.5, steps - 0.5)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xticks(range(steps), [f"t={t}" for t in range(steps)])
    ax.tick_params(length=0)
    return _finish(ax, title)


def draw_packed(lengths, ax=None, *, sorted_indices=None, title=None):
    """Draw the `data` of the PackedSequence of a batch with `lengths`: for t = 0, 1, ..., step
    t of every sequence longer than t, longest sequence first (`sorted_indices`, as
    pack_padded_sequence gives it; default a stable sort of the lengths, longest first), one
    group per time step, with its batch size written under it and each entry's row number in
    `data` above it. Returns the Axes."""
    lengths = _check_lengths(lengths, "draw_packed")
    if sorted_indices is None:
        sorted_indices = np.argsort(-np.asarray(lengths), kind="stable").tolist()
    sorted_indices = [int(b) for b in sorted_indices]
    if (sorted(sorted_indices) != list(range(len(lengths))) or
            any(lengths[a] < lengths[b] for a, b in zip(sorted_indices, sorted_indices[1:]))):
        raise ValueError(f"draw_packed: sorted_indices must order the sequences longest first, "
                         f"got {sorted_indices} for lengths {lengths}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.75 * sum(lengths) + 1, 1.6))
    x, gap, row = 0.0, 0.4, 0
    for t in range(max(lengths)):
        running = [b for b in sorted_indices if lengths[b] > t]
        start = x
        for b in running:
            _cell(ax, x, 0, f"{string.ascii_lowercase[b]}{t}", GROUP_COLOURS[b % len(
                GROUP_COLOURS)])
            ax.text(x, -0.75, str(row), ha="center", va="center", fontsize=8, color="#808080")
            x, row = x + 1, row + 1
        middle = (start + x - 1) / 2
        ax.plot([start - 0.45, x - 0.55], [0.75, 0.75], color="#404040", linewidth=1)
        ax.text(middle, 1.25, f"t={t}: {len(running)}", ha="center", va="center", fontsize=10)
        x += gap
    ax.set_xlim(-0.6, x - gap - 0.4)
    ax.set_ylim(1.7, -1.0)
    ax.set_xticks([])
    return _finish(ax, title)
