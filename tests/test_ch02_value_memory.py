"""Chapter 02: what backward() leaves behind, in gradients and in memory.

Two promises of the engine (see `engine/value.py`):

- backward() is all or nothing: when a local step raises part-way, every `grad` is put back to
  what it was before the call.
- No local step refers to its own output, so a graph has no reference cycles and Python frees
  it by reference counting alone, the moment the last reference to its root drops. The memory
  tests switch the cyclic garbage collector off to prove it: with cycles, every graph would
  then stay in memory for good.
"""

import gc
import math
import tracemalloc
import weakref

import pytest

from engine.nn import MLP, manual_seed
from engine.value import Value, linear

# ---- backward() is all or nothing ---------------------------------------------------------------


def stale_grads(root):
    """Give every node of root's graph a distinct, made-up grad (leftovers of earlier passes);
    return the nodes and those grads."""
    nodes = root.topological_order()
    for i, node in enumerate(nodes):
        node.grad = 0.5 + i
    return nodes, [node.grad for node in nodes]


def test_a_failing_op_rule_leaves_every_grad_as_it_was():
    # d(a**b)/db = a**b * ln(a) has no real value at a = -2: the rule of '**' raises, after the
    # rules of tanh and of the outer '+' have already sent gradients on.
    w, x, a, b = Value(0.3), Value(2.0), Value(-2.0), Value(2.0)
    loss = (w * x + a**b).tanh()
    nodes, before = stale_grads(loss)
    with pytest.raises(ValueError, match=r"needs a base a >= 0, got a = -2.0"):
        loss.backward()
    assert [node.grad for node in nodes] == before

    # The failed pass released nothing: with a valid base, the same graph backpropagates, and
    # the leaves add their new gradients to what they held (a**b used the base a = -2 and the
    # base 2 alike: both give 4).
    a.data = 2.0
    loss.backward()
    slope = 1 - loss.data**2  # d tanh(u)/du
    assert w.grad == pytest.approx(before[nodes.index(w)] + slope * x.data)
    assert b.grad == pytest.approx(before[nodes.index(b)] + slope * 4.0 * math.log(2.0))


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_a_rule_that_fails_half_way_through_its_own_step_changes_no_grad(error):
    a, b = Value(2.0), Value(3.0)
    c = a * b
    loss = c + a

    def half_then_fail(grad):  # sends its share to a, then fails before b
        a.grad += b.data * grad
        raise error("the rule of '*' failed half-way")

    c._backward = half_then_fail
    nodes, before = stale_grads(loss)
    with pytest.raises(error, match="half-way"):
        loss.backward()
    assert [node.grad for node in nodes] == before


def test_backward_through_a_released_graph_keeps_the_first_passs_grads():
    a = Value(2.0)
    h = a * a
    loss = h.exp()
    loss.backward()
    after_first = (a.grad, h.grad, loss.grad)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()
    assert (a.grad, h.grad, loss.grad) == after_first


# ---- a graph is freed as soon as its root is dropped ------------------------------------------


@pytest.fixture
def no_cyclic_gc():
    """Turn the cyclic garbage collector off for one test, so that only reference counting
    frees objects; turn it back on afterwards, whatever happens."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def every_op(leaves):
    """A loss that uses every op of the engine once, with numbers mixed in (they become
    constant leaves that only the graph holds)."""
    a, b, c = leaves
    u = linear([a, b, 1.5], [b, c, 2.0], a)
    v = (a * b + c).tanh() - b.sigmoid() / c.exp() + (2 * a).relu()
    w = (u**2).log() + a**c + 2.0**b + -v
    return w * 3 - 1


def node_refs(root, keep):
    """Weak references to the nodes of root's graph, except those in `keep`."""
    return [weakref.ref(node) for node in root.topological_order()
            if not any(node is kept for kept in keep)]


@pytest.mark.parametrize("backward", [None, {}, {"retain_graph": True}],
                         ids=["no backward", "backward()", "backward(retain_graph=True)"])
def test_dropping_the_root_frees_every_node_at_once(backward, no_cyclic_gc):
    leaves = [Value(0.7), Value(-0.4), Value(1.3)]
    loss = every_op(leaves)
    refs = node_refs(loss, keep=leaves)
    assert len(refs) > 25 and all(ref() is not None for ref in refs)
    if backward is not None:
        loss.backward(**backward)
    del loss
    alive = [node.op or "a constant leaf" for node in (ref() for ref in refs) if node is not None]
    assert alive == []


def test_no_rule_refers_to_its_own_node():
    loss = every_op([Value(0.7), Value(-0.4), Value(1.3)])
    for node in loss.topological_order():
        captured = [cell.cell_contents for cell in node._backward.__closure__ or ()]
        assert not any(value is node for value in captured), node.op


def test_two_thousand_mlp_forward_passes_keep_memory_flat(no_cyclic_gc):
    """Memory after 2,000 forward passes (no backward, which releases the rules) is what it was
    after 200: every pass's graph was freed as soon as its output was dropped.

    The yardstick is the size of one pass's graph, measured by keeping one: 1,800 passes more
    must not add a tenth of it, neither to the memory in use nor to its peak. (With a reference
    cycle per node, and the cyclic collector off, they would add 1,800 graphs.)"""
    manual_seed(0)
    model = MLP(2, [16, 16, 1])
    x = [0.5, -1.5]
    model(x)  # a first call may allocate caches once; leave them out of the measurement
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = model(x)
        one_graph = tracemalloc.get_traced_memory()[0] - before
        del kept
        tracemalloc.reset_peak()
        for _ in range(200):
            model(x)
        current_200, peak_200 = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(1_800):
            model(x)
        current_2000, peak_2000 = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert one_graph > 10_000  # a 2-16-16-1 MLP's graph: 67 nodes and their rules
    assert current_2000 - current_200 < one_graph / 10
    assert peak_2000 - peak_200 < one_graph / 10
