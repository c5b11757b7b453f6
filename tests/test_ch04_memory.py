"""Memory: a training loop's memory stays flat, and backward() frees the graph it used.

backward() releases each node's closure (and the arrays it saved) once used, and forgets the
node's parents; intermediate gradients are dropped as soon as they are passed on. Results
computed under no_grad() keep no closure, so they hold nothing alive and form no reference
cycle. These tests run with the garbage collector off where they check that memory is freed
by reference counting alone, as soon as the last reference goes.
"""

import gc
import tracemalloc
import weakref

import numpy as np

import tensor
from tensor import Tensor


def make_mlp(device):
    tensor.manual_seed(0)
    params = [tensor.randn(8, 16, device=device) * 0.3, tensor.zeros(16, device=device),
              tensor.randn(16, 1, device=device) * 0.3, tensor.zeros(1, device=device)]
    for p in params:
        p.requires_grad = True
    x = tensor.randn(32, 8, device=device)
    y = (x.sum(dim=1, keepdim=True) > 0).float()
    return params, x, y


def linear(x, w, b):
    """x @ w + b written with this chapter's ops: broadcast x (N, I, 1) against w (I, O) and sum
    over I. (Chapter 5 brings `@`; these tests must not depend on its exercises.)"""
    return (x.unsqueeze(-1) * w).sum(dim=1) + b


def train(params, x, y, steps, lr=0.05):
    """A 2-layer MLP trained by hand: linear, relu, a squared loss, backward, in-place SGD."""
    w1, b1, w2, b2 = params
    for _ in range(steps):
        loss = ((linear(linear(x, w1, b1).relu(), w2, b2) - y) ** 2).mean()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
            p.grad = None
    return loss.item()


def test_10_000_training_steps_keep_memory_flat():
    """The peak of traced memory over the last 1,000 of 10,000 steps is no higher than over the
    first 1,000. On the CPU only: what is measured is the engine's bookkeeping, the same on
    every device (the stand-in's array wrappers only make tracing slower)."""
    params, x, y = make_mlp("cpu")
    first_loss = train(params, x, y, 1)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        train(params, x, y, 1000)
        _, peak_first = tracemalloc.get_traced_memory()
        train(params, x, y, 8000)
        tracemalloc.reset_peak()
        last_loss = train(params, x, y, 1000)
        _, peak_last = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_last <= peak_first + 16 * 1024, (peak_first, peak_last)
    assert last_loss < first_loss / 2  # and it did learn


def count_tensors():
    gc.collect()
    return sum(type(o) is Tensor for o in gc.get_objects())


def test_training_steps_leave_no_tensors_behind(device):
    params, x, y = make_mlp(device)
    train(params, x, y, 2)
    before = count_tensors()
    train(params, x, y, 50)
    assert count_tensors() == before


def test_backward_frees_intermediate_nodes(device):
    gc.collect()
    gc.disable()
    try:
        x = Tensor(np.ones((4, 3)), requires_grad=True, device=device)
        hidden = (x * 2).exp()
        loss = hidden.sum()
        alive = weakref.ref(hidden)
        del hidden
        assert alive() is not None  # the graph still needs it
        loss.backward()
        assert alive() is None  # released by backward, although `loss` is still here
        assert loss.parents == () and x.grad is not None
    finally:
        gc.enable()


def test_retain_graph_keeps_the_nodes(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    hidden = x.exp()
    loss = hidden.sum()
    alive = weakref.ref(hidden)
    del hidden
    loss.backward(retain_graph=True)
    assert alive() is not None and loss.parents


def test_no_grad_results_keep_nothing_alive(device):
    gc.collect()
    gc.disable()
    try:
        x = Tensor([1.0, 2.0], requires_grad=True, device=device)
        with tensor.no_grad():
            y = (x * 2).exp()
        x_alive, y_alive = weakref.ref(x), weakref.ref(y)
        del x
        assert x_alive() is None  # y does not hold its input
        del y
        assert y_alive() is None  # and y is not part of a reference cycle
    finally:
        gc.enable()


def test_an_unused_graph_is_freed_when_dropped(device):
    """A graph whose loss is dropped without backward() holds a cycle per node (node ->
    closure -> node); Python's cycle collector frees it."""
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    loss = (x * 3).exp().sum()
    alive = weakref.ref(loss)
    del loss
    gc.collect()
    assert alive() is None
