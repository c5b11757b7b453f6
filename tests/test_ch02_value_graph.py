"""Chapter 02: the graph behind a Value, and how backward() walks it."""

import math

import pytest

from engine.value import Value


def test_a_leaf_and_its_repr():
    a = Value(2, label="a")
    assert (a.data, a.grad, a.label, a.parents, a.op) == (2.0, 0.0, "a", (), "")
    assert isinstance(a.data, float)
    assert repr(a) == "Value(data=2.0, grad=0.0)"
    a._backward(1.0)  # a leaf's local step has nowhere to send the gradient
    assert a.grad == 0.0


def test_an_op_records_its_parents_and_name():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c.parents == (a, b) and c.op == "*" and c.data == -6.0
    assert (a + b).op == "+"
    assert (a**2).op == "**2" and (a**2).parents == (a,)
    assert (a.exp().op, a.tanh().op, a.relu().op, a.sigmoid().op) == (
        "exp",
        "tanh",
        "relu",
        "sigmoid",
    )


def test_local_backward_steps_add_into_the_parents():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c._backward(10.0)  # given dL/dc = 10, the step adds 10 * dc/da and 10 * dc/db
    assert (a.grad, b.grad) == (-30.0, 20.0)
    c._backward(10.0)  # each call ADDS its share
    assert (a.grad, b.grad) == (-60.0, 40.0)
    assert c.grad == 0.0  # the step is handed its gradient; it never reads or writes c.grad

    t = a.tanh()
    t._backward(1.0)
    assert a.grad == pytest.approx(-60.0 + 1 - math.tanh(2.0) ** 2)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


LOCAL_RULES = [
    pytest.param(lambda a: a**3, lambda x: 3 * x**2, id="pow",
                 marks=pytest.mark.exercise("ch02.pow")),
    pytest.param(lambda a: a**-0.5, lambda x: -0.5 * x**-1.5, id="pow_negative",
                 marks=pytest.mark.exercise("ch02.pow")),
    pytest.param(lambda a: a.exp(), math.exp, id="exp", marks=pytest.mark.exercise("ch02.exp")),
    pytest.param(lambda a: a.sigmoid(), lambda x: _sigmoid(x) * (1 - _sigmoid(x)), id="sigmoid",
                 marks=pytest.mark.exercise("ch02.sigmoid")),
    pytest.param(lambda a: a.tanh(), lambda x: 1 - math.tanh(x) ** 2, id="tanh"),
]


@pytest.mark.parametrize("op, slope", LOCAL_RULES)
def test_one_backward_step_adds_the_incoming_gradient_times_the_local_slope(op, slope):
    """Each op's rule alone, before backward() is written: out._backward(g) must ADD
    g * d(out)/da into a.grad, and leave out.grad alone."""
    a = Value(0.7)
    out = op(a)
    out._backward(2.0)
    assert a.grad == pytest.approx(2.0 * slope(0.7), rel=1e-12)
    out._backward(2.0)
    assert a.grad == pytest.approx(4.0 * slope(0.7), rel=1e-12)
    assert out.grad == 0.0


@pytest.mark.exercise("ch02.topological_order")
def test_topological_order_puts_every_node_after_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = e.topological_order()
    assert len(order) == len(set(map(id, order))) == 5
    assert order[-1] is e
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_a_node_used_twice_receives_both_contributions():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0

    b = Value(3.0)
    (b + b).backward()
    assert b.grad == 2.0

    c = Value(0.5)
    t = c.tanh()
    (t * t + t).backward()  # d/dc (t^2 + t) = (2t + 1)(1 - t^2)
    assert c.grad == pytest.approx((2 * math.tanh(0.5) + 1) * (1 - math.tanh(0.5) ** 2))


def test_diamond_graph():
    # a feeds b and c, which meet again in d: dd/da = c * db/da + b * dc/da
    a = Value(1.5)
    b = a * 2.0
    c = a.exp()
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(2.0 * math.exp(1.5) + 3.0 * math.exp(1.5), rel=1e-15)
    assert (b.grad, c.grad) == (c.data, b.data)


def test_gradients_accumulate_across_backward_calls():
    w = Value(2.0)
    for x in (3.0, 5.0):  # two losses sharing w: like two mini-batches
        (w * x).tanh().backward()
    expected = 3.0 * (1 - math.tanh(6.0) ** 2) + 5.0 * (1 - math.tanh(10.0) ** 2)
    assert w.grad == pytest.approx(expected, rel=1e-14)


def test_backward_twice_through_a_retained_graph_doubles_the_leaf_gradients():
    a, b = Value(2.0), Value(-1.0)
    h = a * b
    loss = (h * h + a).tanh()
    loss.backward(retain_graph=True)
    once = (a.grad, b.grad, h.grad)
    loss.backward()
    assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])
    assert h.grad == once[2]  # an intermediate node starts from 0 on every call


def test_backward_through_a_released_graph_is_an_error():
    a = Value(2.0)
    loss = (a * a).exp()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


@pytest.mark.exercise("ch02.topological_order")
def test_a_million_node_chain_backpropagates_without_recursion():
    x, c = Value(1.0), Value(1.000001)
    y = x
    n = 1_000_000
    for _ in range(n):
        y = y * c
    y.backward()
    assert y.data == pytest.approx(1.000001**n, rel=1e-10)
    assert x.grad == pytest.approx(1.000001**n, rel=1e-10)  # = e^(n ln c), about e
    assert c.grad == pytest.approx(n * 1.000001 ** (n - 1), rel=1e-10)
