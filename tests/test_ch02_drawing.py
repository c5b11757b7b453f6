"""Chapter 02: drawing the graph of a computation, and backward one step at a time.

`visualize` reads graphs through a duck-typed protocol, so most tests run twice: on a tiny
stand-in node defined here (the protocol and nothing else) and on the real `engine.Value`.
"""

import math
import re

import numpy as np
import pytest
from dot_source import arrows, boxes, count, fills, ovals
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.value import Value
from visualize import backward_frames, draw_graph, show_frames
from visualize.graph import HIGHLIGHT_FILL
from visualize.stepthrough import INPUT_FILL, STEP_FILL
from visualize.walk import walk


class Node:
    """The visualize protocol and nothing more: parents, op, data, grad, label, _backward(grad)."""

    def __init__(self, data, label="", parents=(), op=""):
        self.data = data
        self.grad = 0.0
        self.label = label
        self.parents = parents
        self.op = op
        self._backward = lambda grad: None

    def __add__(self, other):
        out = Node(self.data + other.data, parents=(self, other), op="+")

        def backward(grad):
            self.grad += grad
            other.grad += grad

        out._backward = backward
        return out

    def __mul__(self, other):
        out = Node(self.data * other.data, parents=(self, other), op="*")

        def backward(grad):
            self.grad += other.data * grad
            other.grad += self.data * grad

        out._backward = backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Node(t, parents=(self,), op="tanh")

        def backward(grad):
            self.grad += (1 - t**2) * grad

        out._backward = backward
        return out


ENGINES = pytest.mark.parametrize("leaf", [Node, Value], ids=["stand-in", "Value"])


def abc(leaf):
    """d = a*b + c with a = 2, b = -3, c = 10: five values (a, b, c, e = a*b, d), two ops."""
    a, b, c = leaf(2.0, label="a"), leaf(-3.0, label="b"), leaf(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    return a, b, c, e, d


def neuron(leaf):
    """o = tanh(x1*w1 + x2*w2 + b): the classic single neuron: 5 leaves and 5 ops
    (two *, two +, tanh), so 10 values."""
    x1, x2 = leaf(2.0, label="x1"), leaf(0.0, label="x2")
    w1, w2 = leaf(-3.0, label="w1"), leaf(1.0, label="w2")
    b = leaf(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return [x1, x2, w1, w2, b], o


def backward(root):
    """A plain full backward over the protocol: grads 0, root 1, rules in reverse order."""
    order = walk(root).nodes
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        node._backward(node.grad)


def title(digraph):
    return re.search(r'label="(step [^"]*)"', digraph.source).group(1)


# ---- the walk ---------------------------------------------------------------------------------


@ENGINES
def test_walk_lists_each_node_once_parents_first(leaf):
    a, b, c, e, d = abc(leaf)
    graph = walk(d)
    assert [node.label for node in graph.nodes] == ["a", "b", "e", "c", "d"]
    assert [(p.label, q.label) for p, q in graph.edges] == [
        ("a", "e"), ("b", "e"), ("e", "d"), ("c", "d")
    ]


def test_walk_of_a_deep_chain_needs_no_recursion():
    x = Node(0.5, label="x0")
    for _ in range(20_000):
        x = x.tanh()
    graph = walk(x)
    assert len(graph.nodes) == 20_001
    assert graph.nodes[0].label == "x0" and graph.nodes[-1] is x


@st.composite
def random_expression(draw):
    """A random DAG of Values: leaves, then ops on any earlier nodes (so nodes get reused)."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 25))):
        op = draw(st.sampled_from(["+", "*", "tanh"]))
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        nodes.append(a + b if op == "+" else a * b if op == "*" else a.tanh())
    return nodes[-1]


@settings(max_examples=60, deadline=None)
@given(random_expression())
def test_walk_is_a_topological_order_of_every_reachable_node(root):
    graph = walk(root)
    position = {id(node): i for i, node in enumerate(graph.nodes)}
    assert len(position) == len(graph.nodes)  # each node once
    assert graph.nodes[-1] is root
    for node in graph.nodes:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert len(graph.edges) == sum(len(node.parents) for node in graph.nodes)
    assert set(position) == set(id(node) for node in reachable(root))


def reachable(root):
    found, todo = {}, [root]
    while todo:
        node = todo.pop()
        if id(node) not in found:
            found[id(node)] = node
            todo.extend(node.parents)
    return list(found.values())


# ---- draw_graph -------------------------------------------------------------------------------


@ENGINES
def test_counts_boxes_ovals_and_arrows(leaf):
    *_, d = abc(leaf)
    source = draw_graph(d).source
    assert boxes(source) == 5  # a, b, c, e, d
    assert ovals(source) == 2  # *, +
    assert arrows(source) == 6  # a->*, b->*, *->e, e->+, c->+, +->d
    assert 'label="*"' in source and 'label="+"' in source


@ENGINES
def test_neuron_counts(leaf):
    _, o = neuron(leaf)
    source = draw_graph(o).source
    # each binary op: 2 arrows in, 1 out; tanh: 1 in, 1 out
    assert (boxes(source), ovals(source), arrows(source)) == (10, 5, 4 * 3 + 2)
    assert 'label=tanh' in source


def test_a_value_used_twice_gets_two_arrows():
    a = Value(3.0, label="a")
    source = draw_graph(a * a).source
    assert (boxes(source), ovals(source), arrows(source)) == (2, 1, 3)


@ENGINES
def test_boxes_show_label_data_and_grad(leaf):
    *_, d = abc(leaf)
    backward(d)
    source = draw_graph(d).source
    for box in ["{a|data 2|grad -3}", "{b|data -3|grad 2}", "{c|data 10|grad 1}",
                "{e|data -6|grad 1}", "{d|data 4|grad 1}"]:
        assert f'label="{box}"' in source


def test_show_grad_false_hides_grads():
    *_, d = abc(Value)
    source = draw_graph(d, show_grad=False).source
    assert "grad" not in source
    assert 'label="{a|data 2}"' in source


def test_left_to_right_by_default_and_top_to_bottom_on_request():
    *_, d = abc(Node)
    assert "rankdir=LR" in draw_graph(d).source
    top_down = draw_graph(d, rankdir="TB").source
    assert "rankdir=TB" in top_down
    # braces turn record fields across the layout: one per line in a top-to-bottom graph, so
    # that its boxes stay narrow (a tall graph fits a page's width with its text readable)
    assert 'label="{a|data 2|grad 0}"' in top_down
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB, RL, BT; got 'XY'"):
        draw_graph(d, rankdir="XY")


def test_unlabelled_values_show_data_and_grad_only():
    source = draw_graph(Value(1.5) * Value(2.0)).source
    assert 'label="{data 3|grad 0}"' in source


def test_record_characters_in_labels_are_escaped():
    x = Node(1.0, label="x|{y}<z>")
    source = draw_graph(x).source
    assert r"x\|\{y\}\<z\>" in source
    assert draw_graph(x).pipe(format="svg").count(b"x|{y}&lt;z&gt;") == 1


def test_highlight_one_node_or_several():
    a, b, c, e, d = abc(Node)
    assert fills(draw_graph(d).source, HIGHLIGHT_FILL) == 0
    assert fills(draw_graph(d, highlight=a).source, HIGHLIGHT_FILL) == 1
    assert fills(draw_graph(d, highlight=e).source, HIGHLIGHT_FILL) == 1  # the box, not the op
    assert fills(draw_graph(d, highlight=[a, b, c]).source, HIGHLIGHT_FILL) == 3
    source = draw_graph(d, highlight={a}).source
    assert re.search(rf'label="\{{a\|[^"]*" fillcolor="{HIGHLIGHT_FILL}"', source)
    with pytest.raises(ValueError, match="highlight expected nodes of the graph"):
        draw_graph(d, highlight=Node(5.0))


def test_title_is_drawn_above_the_graph():
    *_, d = abc(Node)
    source = draw_graph(d, title="d = a*b + c").source
    assert 'label="d = a*b + c"' in source and "labelloc=t" in source


def test_arrays_show_shape_dtype_a_few_numbers_and_the_grad_norm():
    w = Node(np.arange(12, dtype=np.float32).reshape(3, 4), label="W")
    w.grad = np.full((3, 4), 0.5, dtype=np.float32)
    bias = Node(np.array([1.0, -2.0], dtype=np.float32), label="bias")
    bias.grad = None
    source = draw_graph(Node(0.0, parents=(w, bias), op="linear")).source
    assert 'label="{W|(3, 4) float32|data [0, 1, 2, ...]|grad norm 1.732}"' in source
    assert 'label="{bias|(2,) float32|data [1, -2]|grad None}"' in source
    assert 'label=linear' in source


def test_a_big_graph_is_summarised_in_one_box():
    x = Value(1.0)
    for _ in range(150):
        x = (x * 0.5).tanh()  # three new values: the constant 0.5, the product, the tanh
    source = draw_graph(x).source
    assert boxes(source) == 0 and ovals(source) == 0 and arrows(source) == 0
    assert count(source, r"\[label=") == 1
    assert "graph of 451 values and 300 ops: 150 *, 150 tanh" in source
    assert "max_nodes=200" in source and "raise max_nodes" in source
    assert boxes(draw_graph(x, max_nodes=451).source) == 451
    with pytest.raises(ValueError, match="max_nodes must be a positive integer; got 0"):
        draw_graph(x, max_nodes=0)


def test_renders_to_svg_and_png():
    _, o = neuron(Value)
    digraph = draw_graph(o)
    svg = digraph.pipe(format="svg").decode()
    assert "<svg" in svg and "tanh" in svg and "x1" in svg
    assert digraph.pipe(format="png").startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "bad, missing",
    [(3.0, ".parents"), ("x", ".parents"), (type("NoGrad", (), {"parents": (), "op": "",
                                                                  "data": 1.0})(), ".grad")],
)
def test_a_root_outside_the_protocol_is_a_type_error(bad, missing):
    with pytest.raises(TypeError, match=re.escape(f"which has no {missing}")):
        draw_graph(bad)


def test_a_parent_outside_the_protocol_is_a_type_error():
    root = Node(1.0, parents=(Node(2.0), 7), op="+")
    with pytest.raises(TypeError, match=r"got an object of type int, which has no \.parents"):
        draw_graph(root)


# ---- backward, step by step -------------------------------------------------------------------


@ENGINES
def test_one_frame_to_start_and_one_per_op(leaf):
    *_, d = abc(leaf)
    assert len(backward_frames(d)) == 1 + 2
    _, o = neuron(leaf)
    assert len(backward_frames(o)) == 1 + 5


@ENGINES
def test_frames_say_and_show_which_rule_ran(leaf):
    a, b, c, e, d = abc(leaf)
    start, plus, times = backward_frames(d)
    assert title(start) == ("step 0 of 2: every grad starts at 0, and the grad of d is 1, its "
                            "derivative with respect to itself")
    assert title(plus) == "step 1 of 2: the rule of '+' sends the grad of d to e and c"
    assert title(times) == "step 2 of 2: the rule of '*' sends the grad of e to a and b"
    # start: only the root is lit, all other grads are 0
    assert fills(start.source, STEP_FILL) == 1 and fills(start.source, INPUT_FILL) == 0
    assert 'label="{d|data 4|grad 1}"' in start.source
    assert 'label="{e|data -6|grad 0}"' in start.source
    # after '+': d's box and its '+' oval lit as the step, e and c as the inputs that got grad
    assert fills(plus.source, STEP_FILL) == 2 and fills(plus.source, INPUT_FILL) == 2
    assert re.search(rf'label="\+" [^\]]*fillcolor="{STEP_FILL}"', plus.source)
    assert 'label="{e|data -6|grad 1}"' in plus.source
    assert 'label="{a|data 2|grad 0}"' in plus.source
    # after '*': a and b hold their final grads
    assert 'label="{a|data 2|grad -3}"' in times.source
    assert 'label="{b|data -3|grad 2}"' in times.source


def test_frames_name_unlabelled_inputs():
    x = Value(2.0, label="x")
    start, y = backward_frames(x * 3)
    assert title(start).startswith("step 0 of 1: every grad starts at 0, and the grad of the root")
    assert title(y) == "step 1 of 1: the rule of '*' sends the grad of its output to x and an " \
        "unlabelled leaf"
    a = Value(3.0, label="a")
    square = backward_frames(a * a)[1]
    assert title(square).endswith("sends the grad of its output to a")


def test_grads_after_the_last_frame_equal_a_normal_backward():
    leaves, o = neuron(Value)
    leaves[0].grad = 123.0  # stale grads are reset by the step-through
    backward_frames(o)
    stepped = [leaf.grad for leaf in leaves]
    fresh_leaves, fresh_o = neuron(Value)
    fresh_o.backward()
    assert stepped == pytest.approx([leaf.grad for leaf in fresh_leaves])
    assert fresh_o.data == pytest.approx(math.tanh(0.8813735870195432))
    assert stepped == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5], abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(random_expression())
def test_stepping_through_random_expressions_gives_backwards_grads(root):
    graph = walk(root)
    frames = backward_frames(root, max_nodes=len(graph.nodes))
    assert len(frames) == 1 + sum(1 for node in graph.nodes if node.parents)
    stepped = [node.grad for node in graph.nodes]
    for node in graph.nodes:
        node.grad = 0.0
    root.backward()
    assert stepped == pytest.approx([node.grad for node in graph.nodes])


def test_frames_follow_draw_options():
    *_, d = abc(Node)
    frames = backward_frames(d, rankdir="TB", show_grad=False)
    assert all("rankdir=TB" in f.source and "grad 0" not in f.source for f in frames)


def test_too_big_to_step_through_is_refused_before_any_grad_changes():
    *_, d = abc(Node)
    d.grad = 7.0
    with pytest.raises(ValueError, match="graph of 5 values in every frame, more than max_nodes=4"):
        backward_frames(d, max_nodes=4)
    assert d.grad == 7.0


def test_an_op_node_without_a_backward_rule_is_a_type_error():
    class NoRule:
        def __init__(self, parents=()):
            self.parents, self.op, self.data, self.grad = parents, "f" if parents else "", 1.0, 0.0

    with pytest.raises(TypeError, match=r"type NoRule, which has no \._backward"):
        backward_frames(NoRule(parents=(NoRule(),)))


def test_array_grads_are_reset_to_arrays_of_zeros():
    x = Node(np.ones(3), label="x")
    y = Node(np.ones(3), parents=(x,), op="copy")

    def rule(grad):
        x.grad += grad

    y._backward = rule
    start, after = backward_frames(y)
    assert 'label="{x|(3,) float64|data [1, 1, 1]|grad [1, 1, 1]}"' in after.source
    assert 'grad [0, 0, 0]' in start.source
    np.testing.assert_array_equal(x.grad, np.ones(3))


def test_show_frames_stacks_every_frame_as_inline_svg():
    *_, d = abc(Value)
    frames = backward_frames(d)
    html = show_frames(frames)._repr_html_()
    assert html.count("<svg") == len(frames) == 3
    assert "<?xml" not in html and "step 2 of 2" in html
