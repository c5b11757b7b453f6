"""Pictures of computation graphs and of training, for both engines.

`visualize` never imports `engine` or `tensor`. It reads a graph through a small duck-typed
protocol that `engine.Value` and `tensor.Tensor` both follow; every node exposes

    parents     tuple of the nodes it was computed from; () for a leaf
    op          name of the op that made it, e.g. "*", "tanh"; "" for a leaf
    data        its value: a float (Value) or an array with .shape and .dtype (Tensor)
    grad        d(root)/d(node): a float, an array, or None (a Tensor before backward)
    label       a name to show, "" for none (optional: a node without it shows no name)
    _backward   its local chain-rule step, called as node._backward(node.grad): given
                grad = d(root)/d(node), it adds grad * d(node)/d(parent) into each parent's
                .grad (needed by backward_frames only)

A node that lacks one of these is refused with a TypeError that names the missing attribute.

- `draw_graph(root)`: the graph that computed root, as a graphviz.Digraph (inline in Jupyter).
- `backward_frames(root)`, `show_frames(frames)`: backward one chain-rule step per picture.
- `plot_losses`, `plot_decision_boundary`, `plot_image_grid`, `plot_confusion_matrix`:
  matplotlib plots of training.
"""

from visualize.graph import draw_graph
from visualize.plots import (
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_image_grid,
    plot_losses,
)
from visualize.progress import progress
from visualize.stepthrough import backward_frames, show_frames

__all__ = [
    "progress",
    "backward_frames",
    "draw_graph",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_image_grid",
    "plot_losses",
    "show_frames",
]
