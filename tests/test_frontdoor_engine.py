"""The scalar engine is micrograd-compatible: `random.seed` gives micrograd's weights, a
micrograd training loop gives micrograd's numbers, and `Value._prev` / `Value._op` are there
for notebooks (and micrograd's draw_dot) that read them."""

import math
import random

import pytest

from engine import nn as ours_nn
from engine.value import Value

micrograd_nn = pytest.importorskip("micrograd.nn")


def test_random_seed_gives_micrographs_weights():
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = ours_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    ours_nn.manual_seed(1337)  # the same thing under PyTorch's name
    again = ours_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in again.parameters()] == [p.data for p in theirs.parameters()]


def moons(n=30):
    """A deterministic stand-in for sklearn's make_moons (micrograd's demo data)."""
    rng = random.Random(0)
    xs, ys = [], []
    for i in range(n):
        t = 3.14159 * (i % (n // 2)) / (n // 2)
        if i < n // 2:
            x = [math.cos(t), math.sin(t)]
            y = 1
        else:
            x = [1 - math.cos(t), 0.5 - math.sin(t)]
            y = -1
        xs.append([x[0] + rng.gauss(0, 0.1), x[1] + rng.gauss(0, 0.1)])
        ys.append(y)
    return xs, ys


def train(nn_module, steps=3):
    """micrograd's demo loop: SVM max-margin loss + L2, SGD with a decaying rate."""
    random.seed(1337)
    model = nn_module.MLP(2, [16, 16, 1])
    xs, ys = moons()
    history = []
    for k in range(steps):
        scores = [model(x) for x in xs]
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(ys, scores)) / len(ys)
        model.zero_grad()
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total.data, accuracy))
    return history, [p.data for p in model.parameters()]


def test_micrographs_demo_loop_gives_micrographs_numbers():
    theirs, their_weights = train(micrograd_nn)
    ours, our_weights = train(ours_nn)
    for (loss_a, acc_a), (loss_b, acc_b) in zip(ours, theirs):
        assert loss_a == pytest.approx(loss_b, rel=1e-12) and acc_a == acc_b
    assert our_weights == pytest.approx(their_weights, rel=1e-10, abs=1e-12)


def test_prev_and_op_are_micrographs_names():
    a, b = Value(2.0), Value(3.0)
    c = a * b + a
    assert c._op == c.op == "+"
    assert c._prev == set(c.parents) and a in c._prev
    product = next(p for p in c._prev if p is not a)
    assert product._op == "*" and product._prev == {a, b}
    assert a._prev == set() and a._op == ""


def draw_dot_nodes(root):
    """micrograd's trace(): the nodes and edges of a graph, read through _prev only."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def test_micrographs_graph_walk_runs_on_value():
    from micrograd.engine import Value as MicrogradValue

    graphs = []
    for make in (Value, MicrogradValue):
        x = make(1.5)
        graphs.append(draw_dot_nodes((x * 2 + 1).relu()))
    (ours, our_edges), (theirs, their_edges) = graphs
    assert len(ours) == len(theirs) == 6 and len(our_edges) == len(their_edges) == 5
    assert sorted(n._op for n in ours) == sorted(n._op for n in theirs)
    assert sorted(n.data for n in ours) == sorted(n.data for n in theirs)
