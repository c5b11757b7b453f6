"""Draw a computation graph with Graphviz: every value a box, every op a small oval.

For `d = a*b + c` the picture reads left to right like the forward pass:

    [a | data 2 | grad -3] --> (*) --> [e | data -6 | grad 1] --> (+) --> [d | data 4 | grad 1]
    [b | data -3 | grad 2] -----^                [c | data 10 | grad 1] ----^

A value node's box holds its label, data and grad (see `visualize/labels.py` for arrays); an op
node sits between an op's inputs and its output and names the op, so each arrow into an oval is
one input of that op and the single arrow out of it is the value it made. The same picture read
right to left is backward: each oval is where one local chain-rule step sends the output's grad
to its inputs. With `rankdir="TB"` the graph runs top to bottom and each box lists its fields one
per line, which keeps a deep graph of tensors narrow enough to read at a book page's width.

Graphviz lays out a graph of a few hundred boxes into a readable picture, and a few thousand into
a grey wall. Past `max_nodes` values `draw_graph` therefore draws a single box that summarises
the graph instead (how many values, how many ops of each kind), and says how to get a picture.
"""

from collections import Counter

import graphviz

from visualize.labels import escape_record, node_fields
from visualize.walk import walk

HIGHLIGHT_FILL = "#ffd54f"  # amber: the node(s) a caller wants to point at
RANKDIRS = ("LR", "TB", "RL", "BT")
SUMMARY_OPS = 8  # the summary box names this many kinds of op, most frequent first


def draw_graph(root, rankdir="LR", show_grad=True, max_nodes=200, highlight=None, title=None):
    """Draw the graph that computed `root` as a `graphviz.Digraph`.

    In Jupyter the Digraph shows itself (as SVG); `.pipe(format="svg")` or `.pipe(format="png")`
    returns the rendered bytes and `.source` the DOT text.

    rankdir:   "LR" (inputs on the left, root on the right), "TB", "RL" or "BT".
    show_grad: add each value's grad to its box (turn off to draw a forward pass alone).
    max_nodes: draw at most this many values; a larger graph becomes one summary box.
    highlight: a node, or an iterable of nodes, of this graph whose boxes are filled in amber.
    title:     a caption drawn above the graph.
    """
    graph = walk(root)
    fills = {id(node): HIGHLIGHT_FILL for node in _highlighted(highlight, graph)}
    return draw_walk(graph, rankdir=rankdir, show_grad=show_grad, max_nodes=max_nodes,
                     fills=fills, op_fills={}, title=title)


def draw_walk(graph, *, rankdir, show_grad, max_nodes, fills, op_fills, title):
    """Draw an already walked graph; `fills` maps `id(node)` to a fill colour for the node's box,
    `op_fills` likewise for the oval of the op that made it. `draw_graph` and the backward
    step-through both draw through here."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive integer; got {max_nodes!r}")
    dot = graphviz.Digraph("computation_graph", graph_attr={"rankdir": rankdir})
    if title:
        dot.attr(label=title, labelloc="t")
    if len(graph.nodes) > max_nodes:
        dot.node("summary", label=summary_text(graph, max_nodes), shape="box")
        return dot
    # Record fields stack across the direction of the layout, and braces turn them: so in braces
    # a box reads side by side (label | data | grad) when the graph runs left to right, and one
    # field per line when it runs top to bottom. A tall graph of narrow boxes fits a page's width
    # with its text still readable; side by side, a few tensor boxes would make it twice as wide.
    for node in graph.nodes:
        fields = "|".join(escape_record(field) for field in node_fields(node, show_grad))
        dot.node(_value_id(node), "{" + fields + "}", shape="record",
                 **_fill(fills.get(id(node))))
        if node.parents:
            dot.node(_op_id(node), node.op or "?", shape="ellipse", width="0", height="0",
                     margin="0.04", **_fill(op_fills.get(id(node))))
            dot.edge(_op_id(node), _value_id(node))
    for parent, child in graph.edges:
        dot.edge(_value_id(parent), _op_id(child))
    return dot


def summary_text(graph, max_nodes):
    """'graph of 3,421 values and 1,700 ops: 800 *, 700 +, 200 tanh' and what to do about it."""
    ops = Counter(node.op or "?" for node in graph.nodes if node.parents)
    kinds = ", ".join(f"{count:,} {op}" for op, count in ops.most_common(SUMMARY_OPS))
    if len(ops) > SUMMARY_OPS:
        kinds += ", ..."
    return (
        f"graph of {len(graph.nodes):,} values and {ops.total():,} ops: {kinds}\\n"
        f"too many to draw (max_nodes={max_nodes:,}): "
        "draw a smaller expression or raise max_nodes"
    )


def _highlighted(highlight, graph):
    """`highlight` as a list of nodes of `graph`: None, one node, or an iterable of nodes."""
    if highlight is None:
        return []
    nodes = [highlight] if hasattr(highlight, "parents") else list(highlight)
    in_graph = {id(node) for node in graph.nodes}
    for node in nodes:
        if id(node) not in in_graph:
            raise ValueError(
                f"highlight expected nodes of the graph being drawn; got a {type(node).__name__} "
                "that the root does not depend on"
            )
    return nodes


def _fill(colour):
    return {"style": "filled", "fillcolor": colour} if colour else {}


def _value_id(node):
    return f"value{id(node)}"


def _op_id(node):
    return f"op{id(node)}"
