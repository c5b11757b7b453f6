"""The one walk over a computation graph that everything in `visualize` shares.

A graph node, for `visualize`, is anything that exposes the protocol described in
`visualize/__init__.py`: `parents`, `op`, `data` and `grad` (and `_backward` when we step through
backward). `walk(root)` visits every node reachable from `root` through `parents` exactly once and
returns them in *topological order*: every node comes after all of its parents, so the root is
last. Reading that list forwards replays the forward pass; reading it backwards is the order in
which backward may apply the chain rule, because by the time we reach a node, every node that
used it has already sent it its share of the gradient.

The walk is a depth-first search with an explicit stack instead of recursion, so a chain of a
million nodes works (Python's recursion limit would stop a recursive walk at about a thousand).
Nodes are told apart by `id(node)`, never by `==` or hashing: a Tensor's `==` compares elements.
"""

from typing import Any, NamedTuple

GRAPH_ATTRIBUTES = ("parents", "op", "data", "grad")


class Walk(NamedTuple):
    """The nodes reachable from a root, parents before children (root last), and the edges
    `(parent, child)`, one per entry of `child.parents` (so `a * a` has two edges from `a`)."""

    nodes: list[Any]
    edges: list[tuple[Any, Any]]


def check_node(node, attributes=GRAPH_ATTRIBUTES):
    """Raise TypeError naming the first protocol attribute that `node` lacks."""
    for name in attributes:
        if not hasattr(node, name):
            raise TypeError(
                f"visualize expected a graph node with {', '.join('.' + a for a in attributes)} "
                f"(an engine.Value or a tensor.Tensor); got an object of type "
                f"{type(node).__name__}, which has no .{name}"
            )


def walk(root):
    """All nodes reachable from `root`, in topological order, and their edges.

    Each stack entry is `(node, parents_done)`. The first time we pop a node we mark it seen and
    push it back with `parents_done=True` underneath its unseen parents; when it surfaces again
    every parent has been emitted, so we emit the node. Every node is checked for the protocol.
    """
    nodes = []
    seen = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            nodes.append(node)
            continue
        if id(node) in seen:
            continue
        check_node(node)
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(tuple(node.parents)):
            if id(parent) not in seen:
                stack.append((parent, False))
    edges = [(parent, child) for child in nodes for parent in child.parents]
    return Walk(nodes, edges)
