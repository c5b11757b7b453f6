"""Backward, one chain-rule step at a time, as a sequence of pictures (lesson 02).

Backward is a loop over the graph in reverse topological order. Each op node holds a local rule,
`_backward(grad)`: called as `node._backward(node.grad)`, with the node's own grad dL/d(out), it
adds dL/d(out) * d(out)/d(input) into each input's grad. Reverse topological order guarantees
that when a node's rule runs, every node that used it has already added its share, so its grad
is complete.

`backward_frames` runs exactly that loop itself and draws the graph after every step:

    frame 0        every grad reset to 0, then the root's grad set to 1 (dL/dL = 1)
    frame k        the k-th op node's rule has run: the node and its op are orange, the inputs
                   whose grads it just added to are blue, and the caption says which rule sent
                   grad where

so a graph with n op nodes (values that have parents) gives n + 1 frames, and after the last one
every grad equals what `root.backward()` computes. Leaves have no rule to run and get no frame.
"""

from visualize.graph import draw_walk
from visualize.labels import is_array
from visualize.walk import GRAPH_ATTRIBUTES, check_node, walk

STEP_FILL = "#ffb74d"  # orange: the node whose rule just ran
INPUT_FILL = "#81d4fa"  # blue: its inputs, whose grads the rule just added to


def backward_frames(root, *, rankdir="LR", show_grad=True, max_nodes=200):
    """Run backward from `root` step by step and return one `graphviz.Digraph` per step.

    Resets every node's grad to 0 and the root's to 1, then calls each op node's rule,
    `node._backward(node.grad)`, in reverse topological order; frame 0 shows the start, frame k
    the graph after the k-th rule. The grads are left as a full backward leaves them. Show the
    frames in Jupyter one per cell output (`for frame in frames: display(frame)`) or all at
    once with `show_frames(frames)`. A graph of more than `max_nodes` values raises ValueError
    before any grad changes.
    """
    graph = walk(root)
    if len(graph.nodes) > max_nodes:
        raise ValueError(
            f"backward_frames would draw a graph of {len(graph.nodes):,} values in every frame, "
            f"more than max_nodes={max_nodes}; step through a smaller expression or raise "
            "max_nodes"
        )
    rules = [node for node in reversed(graph.nodes) if node.parents]
    for node in rules:
        check_node(node, GRAPH_ATTRIBUTES + ("_backward",))

    def frame(title, fills, op_fills):
        return draw_walk(graph, rankdir=rankdir, show_grad=show_grad, max_nodes=max_nodes,
                         fills=fills, op_fills=op_fills, title=title)

    for node in graph.nodes:
        node.grad = _filled_like(node.data, 0.0)
    root.grad = _filled_like(root.data, 1.0)
    steps = len(rules)
    root_name = getattr(root, "label", "") or "the root"
    frames = [frame(f"step 0 of {steps}: every grad starts at 0, and the grad of {root_name} is "
                    "1, its derivative with respect to itself", {id(root): STEP_FILL}, {})]
    for step, node in enumerate(rules, start=1):
        _apply_rule(node)
        inputs = _distinct(node.parents)
        fills = {id(parent): INPUT_FILL for parent in inputs}
        fills[id(node)] = STEP_FILL
        output = getattr(node, "label", "") or "its output"
        title = (f"step {step} of {steps}: the rule of '{node.op}' sends the grad of {output} "
                 f"to {_join(_name(parent) for parent in inputs)}")
        frames.append(frame(title, fills, {id(node): STEP_FILL}))
    return frames


class FrameStrip:
    """Frames stacked top to bottom as inline SVG; Jupyter displays it through `_repr_html_`."""

    def __init__(self, frames):
        self.frames = list(frames)

    def _repr_html_(self):
        svgs = []
        for digraph in self.frames:
            svg = digraph.pipe(format="svg", encoding="utf-8")
            svgs.append("<div>" + svg[svg.index("<svg"):] + "</div>")  # drop the XML prolog
        return "\n".join(svgs)


def show_frames(frames):
    """All frames in one cell output, first to last: `show_frames(backward_frames(loss))`."""
    return FrameStrip(frames)


def _apply_rule(node):
    """Run one node's rule so that its parents' .grad show the result at once.

    A Value's rule adds into its parents' `.grad` itself. A Tensor's rule hands each parent
    an array (`parent._accumulate`, into `parent._incoming`, which `backward()` adds into
    `.grad` only once the whole pass has succeeded); here it is added straight away, so that
    the frame can draw it."""
    if not hasattr(node, "_incoming"):
        node._backward(node.grad)
        return
    node._backward(node.grad.array)
    for parent in _distinct(node.parents):
        if parent._incoming is not None:
            parent.grad.array[...] += parent._incoming
            parent._incoming = None


def _filled_like(data, value):
    """A gradient for `data`: the number `value`, or an array of data's shape filled with it.

    `data[...]` is the whole array; for a NumPy scalar (NumPy returns one, not a 0-d array, from
    some operations on 0-d arrays, and a scalar cannot be filled in place) it is a 0-d array."""
    if not is_array(data):
        return value
    if hasattr(data, "fill_"):  # a Tensor, whose grad is a Tensor too (outside any graph)
        return data.detach().clone().fill_(value)
    grad = data[...].copy()
    grad.fill(value)
    return grad


def _name(node):
    label = getattr(node, "label", "")
    if label:
        return str(label)
    return f"the output of '{node.op}'" if node.parents else "an unlabelled leaf"


def _distinct(nodes):
    """`nodes` without repeats, in order (the inputs of `a * a` are one node, twice)."""
    distinct = []
    for node in nodes:
        if all(node is not other for other in distinct):
            distinct.append(node)
    return distinct


def _join(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
