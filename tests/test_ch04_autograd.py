"""tensor.autograd: Function, grad, backward(inputs=...), grad mode per thread, no partial
gradients, and graphs freed by reference counting alone (no reference cycles)."""

import gc
import threading
import tracemalloc
import weakref

import numpy as np
import pytest
import torch

import tensor
from tensor import Tensor
from tensor.autograd import Function

# ---- Function: a custom op, checked with gradcheck and against torch.autograd.Function -----

class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


class TorchCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


class SortValues(Function):
    """Several outputs, one of them not differentiable (the indices)."""

    @staticmethod
    def forward(ctx, x):
        order = Tensor(np.argsort(x.detach().numpy()))
        ctx.save_for_backward(order)
        values = x[order]
        ctx.mark_non_differentiable(order)
        return values, order

    @staticmethod
    def backward(ctx, grad_values, grad_order):
        (order,) = ctx.saved_tensors
        grad = tensor.zeros(grad_values.shape, dtype=grad_values.dtype)
        with tensor.no_grad():
            grad[order] = grad_values
        return grad


def test_a_function_matches_torch_and_passes_gradcheck():
    data = np.array([0.5, -1.0, 2.0])
    x = Tensor(data, dtype=tensor.float64, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = Cube.apply(x), TorchCube.apply(tx)
    assert y.grad_fn.name() == "CubeBackward" and type(ty.grad_fn).__name__ == "TorchCubeBackward"
    (y * Tensor([1.0, 2.0, 3.0], dtype=tensor.float64)).sum().backward()
    (ty * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    assert tensor.gradcheck(Cube.apply, Tensor(data, requires_grad=True))


def test_needs_input_grad_and_several_outputs():
    seen = {}

    class Record(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen["needs"] = ctx.needs_input_grad
            return a * scale, a + b

        @staticmethod
        def backward(ctx, grad_scaled, grad_sum):
            return grad_scaled * 3.0 + grad_sum, None, None

    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0])
    scaled, total = Record.apply(a, b, 3.0)
    assert seen["needs"] == (True, False, False)
    (scaled.sum() * 2 + total.sum()).backward()
    assert a.grad.tolist() == [7.0, 7.0]  # 2 * 3 from the first output, 1 from the second


def test_a_non_differentiable_output_and_sorting():
    x = Tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = SortValues.apply(x)
    assert values.tolist() == [1.0, 2.0, 3.0] and not order.requires_grad
    (values * Tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_a_function_returning_the_wrong_number_of_gradients_is_a_clear_error():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Wrong.backward returned 1 gradient\(s\), but "
                                           r"forward took 2"):
        Wrong.apply(a, b).sum().backward()
    assert a.grad is None and b.grad is None


def test_saved_tensors_changed_in_place_are_an_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    with tensor.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---- autograd.grad and backward(inputs=...) --------------------------------------------------

def test_grad_returns_gradients_without_touching_dot_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    (gx,) = tensor.autograd.grad(y, x, retain_graph=True)
    assert gx.tolist() == [3.0, 4.0] and x.grad is None and w.grad is None
    gx, gw = tensor.autograd.grad([y], [x, w], grad_outputs=[Tensor(2.0)])
    assert gx.tolist() == [6.0, 8.0] and gw.tolist() == [2.0, 4.0]


def test_grad_of_an_unused_input():
    x, unused = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tensor.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = tensor.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_grad_with_create_graph_is_a_clear_error():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        tensor.autograd.grad((x * x).sum(), x, create_graph=True)


def test_grad_of_an_intermediate_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = tensor.autograd.grad(y, h)
    assert gh.tolist() == [6.0, 12.0]


def test_backward_into_chosen_inputs_only():
    x, w = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]
    tensor.autograd.backward([(x * w).sum(), (x * 2).sum()], inputs=x)
    assert x.grad.tolist() == [5.0, 6.0]


# ---- grad_fn -------------------------------------------------------------------------------

def test_grad_fn_walks_the_graph_like_torch():
    x, w = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    assert x.grad_fn is None and y.grad_fn.name() == "SumBackward0"
    ((mul, index),) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0" and index == 0
    leaves = [node for node, _ in mul.next_functions]
    assert [node.name() for node in leaves] == ["AccumulateGrad", "AccumulateGrad"]
    assert leaves[0].variable is x
    assert (x * 2).grad_fn.next_functions[1] == (None, 0)  # a constant needs no gradient
    assert repr(y.grad_fn).startswith("<SumBackward0 object at")


# ---- nothing half-done: a failing backward leaves every .grad as it was ----------------------

def test_an_exception_in_backward_leaves_no_partial_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    x.grad = tensor.ones(2)

    class Fails(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("this step fails")

    loss = (x * w).sum() + Fails.apply(w).sum()  # x's and w's products are reached first
    with pytest.raises(ValueError, match="this step fails"):
        loss.backward()
    assert x.grad.tolist() == [1.0, 1.0] and w.grad is None


# ---- grad mode belongs to a thread ---------------------------------------------------------

def test_no_grad_in_one_thread_does_not_stop_another():
    failures, steps = [], 500
    started = threading.Barrier(2)

    def evaluate():
        started.wait()
        for _ in range(steps):
            with tensor.no_grad():
                assert not (tensor.ones(2, requires_grad=True) * 2).requires_grad

    def train():
        w = Tensor([1.0, 2.0], requires_grad=True)
        started.wait()
        for _ in range(steps):
            try:
                (w * w).sum().backward()
            except RuntimeError as error:
                failures.append(error)

    threads = [threading.Thread(target=evaluate), threading.Thread(target=train)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and tensor.is_grad_enabled()


def test_set_grad_enabled_and_inference_mode():
    x = Tensor([1.0], requires_grad=True)
    with tensor.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    tensor.set_grad_enabled(False)
    try:
        assert not tensor.is_grad_enabled()
    finally:
        tensor.set_grad_enabled(True)
    with tensor.inference_mode():
        assert not (x * 2).requires_grad
    with tensor.inference_mode(False):
        assert (x * 2).requires_grad


# ---- no reference cycles: graphs are freed by reference counting alone -----------------------

def _forward(params, x):
    w1, b1, w2, b2 = params
    return (((x @ w1 + b1).relu() @ w2 + b2).log_softmax(dim=1)[:, 0]).mean()


def test_a_graph_is_freed_when_its_last_reference_drops():
    gc.disable()
    try:
        x = Tensor(np.ones((2, 3)), requires_grad=True)
        y = (x * 2).exp().sum()
        refs = [weakref.ref(t) for t in (y, *y.parents)]
        del y
        assert all(ref() is None for ref in refs)
        z = (x * 2).exp().sum()
        ref = weakref.ref(z.parents[0])
        z.backward(retain_graph=True)
        del z
        assert ref() is None
    finally:
        gc.enable()


def test_2000_forward_passes_without_no_grad_keep_memory_flat():
    """Each loss (and its graph) is dropped at the next iteration; with the cyclic collector
    off, memory stays flat only if nothing forms a cycle."""
    tensor.manual_seed(0)
    params = [tensor.randn(20, 32, requires_grad=True), tensor.zeros(32, requires_grad=True),
              tensor.randn(32, 10, requires_grad=True), tensor.zeros(10, requires_grad=True)]
    x = tensor.randn(64, 20)
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(200):
            loss = _forward(params, x)
        after_200, _ = tracemalloc.get_traced_memory()
        for _ in range(1800):
            loss = _forward(params, x)
        after_2000, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    del loss
    assert after_2000 - after_200 < 64 * 1024, (after_200, after_2000)
