"""Chapter 04: drawing Tensor graphs with the same `draw_graph` that draws Value graphs.

A Tensor follows the protocol `visualize` reads (parents, op, data, grad, label), so its graph
is drawn like a Value's; each box adds the tensor's shape and dtype. Most tests run on "cpu" and
on "standin", whose arrays refuse implicit conversion to NumPy (as CuPy's do): drawing a device
tensor must read its numbers only through explicit copies.

The graph used throughout is a linear layer, a ReLU and a sum, with numbers chosen so that the
gradients are easy to check by hand:

    x (4, 3) --@-- W (3, 2) --+-- b (2,) --relu--> h (4, 2) --sum--> L ()
"""

import re

import numpy as np
import pytest
from dot_source import arrows, boxes, ovals

import tensor
from engine import Value
from visualize import backward_frames, draw_graph

X = np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.5  # rows -0.5.., -0.2.., 0.1.., 0.4..
W = [[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]]
B = [0.15, -0.45]
# x @ W + b = [[-0.25, -0.75], [-0.1, -0.45], [0.05, -0.15], [0.2, 0.15]]: ReLU keeps three
# entries, so L = 0.05 + 0.2 + 0.15 = 0.4, dL/db = [2, 1] (how many rows each column kept) and
# dL/dW = x^T mask = [[0.5, 0.4], [0.7, 0.5], [0.9, 0.6]], of norm sqrt(2.32) = 1.523.
MASK = np.array([[0, 0], [0, 0], [1, 0], [1, 1]], dtype=np.float32)


def linear_relu_sum(device):
    x = tensor.Tensor(X, device=device, label="x")
    w = tensor.Tensor(W, requires_grad=True, device=device, label="W")
    b = tensor.Tensor(B, requires_grad=True, device=device, label="b")
    h = (x @ w + b).relu()
    h.label = "h"
    loss = h.sum()
    loss.label = "L"
    return x, w, b, h, loss


def box_labels(source):
    """Every value box's text, in the order drawn (ids differ from run to run; labels don't)."""
    return re.findall(r'label="(\{[^"]*\})" shape=record', source)


# ---- structure ----------------------------------------------------------------------------------


def test_one_box_per_tensor_and_one_oval_per_op(device):
    *_, loss = linear_relu_sum(device)
    source = draw_graph(loss).source
    assert boxes(source) == 7  # x, W, x@W, b, x@W+b, h, L
    assert ovals(source) == 4  # @, +, relu, sum
    assert arrows(source) == 10  # 2 in + 1 out for @ and +; 1 in + 1 out for relu and sum
    for op in ('"@"', '"+"', "relu", "sum"):
        assert f"label={op} " in source


def test_boxes_show_shape_dtype_and_data(device):
    *_, loss = linear_relu_sum(device)
    source = draw_graph(loss, show_grad=False).source
    assert box_labels(source) == [
        "{x|(4, 3) float32|data [-0.5, -0.4, -0.3, ...]}",
        "{W|(3, 2) float32|data [1, -1, 0.5, ...]}",
        "{(4, 2) float32|data [-0.4, -0.3, -0.25, ...]}",  # x @ W
        "{b|(2,) float32|data [0.15, -0.45]}",
        "{(4, 2) float32|data [-0.25, -0.75, -0.1, ...]}",  # x @ W + b
        "{h|(4, 2) float32|data [0, 0, 0, ...]}",
        "{L|() float32|data 0.4}",  # a 0-d tensor is one number
    ]
    assert "grad" not in source


def test_other_dtypes_are_named():
    x = tensor.Tensor([[1.0, -2.0]], dtype=tensor.float64, requires_grad=True, label="x")
    y = tensor.where(x > 0, x, 0.0)  # the condition, a bool tensor, is a parent too
    source = draw_graph(y, show_grad=False).source
    assert "{x|(1, 2) float64|data [1, -2]}" in source
    assert "{(1, 2) bool|data [1, 0]}" in source
    assert "{(1, 2) float64|data [1, 0]}" in source
    assert "label=where " in source


# ---- gradients ----------------------------------------------------------------------------------


def test_grads_after_backward(device):
    x, w, b, h, loss = linear_relu_sum(device)
    h.retain_grad()  # intermediate grads are dropped after backward unless retained
    loss.backward(retain_graph=True)  # keep the graph: backward() frees it otherwise
    np.testing.assert_allclose(w.grad.tolist(), X.T @ MASK, rtol=1e-6)
    source = draw_graph(loss).source
    labels = box_labels(source)
    assert labels[0] == "{x|(4, 3) float32|data [-0.5, -0.4, -0.3, ...]|grad None}"  # no grad
    assert labels[1] == "{W|(3, 2) float32|data [1, -1, 0.5, ...]|grad norm 1.523}"
    assert labels[3] == "{b|(2,) float32|data [0.15, -0.45]|grad [2, 1]}"
    assert labels[5] == "{h|(4, 2) float32|data [0, 0, 0, ...]|grad norm 2.828}"  # sqrt(8)
    assert labels[6] == "{L|() float32|data 0.4|grad None}"  # the root's grad is not retained
    assert f"grad norm {np.linalg.norm(X.T @ MASK):.4g}" in source


def test_show_grad_false_hides_every_grad(device):
    *_, loss = linear_relu_sum(device)
    loss.backward(retain_graph=True)
    assert "grad" not in draw_graph(loss, show_grad=False).source


def test_after_a_plain_backward_only_the_root_is_left_to_draw(device):
    *_, loss = linear_relu_sum(device)
    loss.backward()  # frees the graph: each node forgets its parents
    source = draw_graph(loss).source
    assert (boxes(source), ovals(source), arrows(source)) == (1, 0, 0)


def test_drawing_changes_nothing(device):
    x, w, b, h, loss = linear_relu_sum(device)
    draw_graph(loss).pipe(format="svg")
    assert all(t.grad is None for t in (x, w, b, h, loss))
    assert loss.item() == pytest.approx(0.4)
    loss.backward()
    assert b.grad.tolist() == [2.0, 1.0]


def test_stepping_through_a_tensor_graph_ends_with_backwards_grads(device):
    x, w, b, h, _ = linear_relu_sum(device)
    loss = -h.mean()  # mean and neg of 0-d arrays: NumPy may return scalars, not arrays
    loss.label = "L"
    frames = backward_frames(loss)
    assert len(frames) == 1 + 5  # @, +, relu, mean, neg
    assert "{L|() float32|data -0.05|grad 1}" in frames[0].source
    assert "{b|(2,) float32|data [0.15, -0.45]|grad [0, 0]}" in frames[0].source
    assert "{b|(2,) float32|data [0.15, -0.45]|grad [-0.25, -0.125]}" in frames[-1].source
    stepped = w.grad.tolist()
    fresh = linear_relu_sum(device)
    (-fresh[3].mean()).backward()
    np.testing.assert_allclose(stepped, fresh[1].grad.tolist(), rtol=1e-6)
    np.testing.assert_allclose(stepped, -X.T @ MASK / 8, rtol=1e-6)


# ---- the same picture for both engines -----------------------------------------------------------


def test_a_value_graph_and_a_tensor_graph_of_one_formula_look_alike():
    def formula(a, b, c):
        e = a * b
        e.label = "e"
        d = e + c
        d.label = "d"
        return d

    values = [Value(v, label=name) for v, name in ((2.0, "a"), (-3.0, "b"), (10.0, "c"))]
    tensors = [tensor.Tensor(v.data, requires_grad=True, label=v.label) for v in values]
    d_value, d_tensor = formula(*values), formula(*tensors)
    d_value.backward()
    for node in (d_tensor, d_tensor.parents[0]):  # d and e: keep the grads of non-leaves
        node.retain_grad()
    d_tensor.backward(retain_graph=True)
    value_source, tensor_source = draw_graph(d_value).source, draw_graph(d_tensor).source
    for source in (value_source, tensor_source):
        assert (boxes(source), ovals(source), arrows(source)) == (5, 2, 6)
    assert box_labels(value_source)[0] == "{a|data 2|grad -3}"
    assert box_labels(tensor_source)[0] == "{a|() float32|data 2|grad -3}"
    assert [label.replace("() float32|", "") for label in box_labels(tensor_source)] == \
        box_labels(value_source)


# ---- device arrays -------------------------------------------------------------------------------


def test_cpu_and_standin_draw_the_same_boxes():
    *_, on_cpu = linear_relu_sum("cpu")
    *_, on_standin = linear_relu_sum("standin")
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(on_standin.parents[0].array)  # the premise: no implicit copy to the host
    for loss in (on_cpu, on_standin):
        loss.backward(retain_graph=True)
    assert box_labels(draw_graph(on_standin).source) == box_labels(draw_graph(on_cpu).source)


class DeviceArray:
    """A big array that only offers what NumPy and CuPy arrays share, refuses implicit
    conversion like a GPU array, and counts how many numbers were copied to the host."""

    copied = 0

    def __init__(self, array):
        self.array = array

    shape = property(lambda self: self.array.shape)
    dtype = property(lambda self: self.array.dtype)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("implicit conversion of a device array")

    def reshape(self, *shape):
        return DeviceArray(self.array.reshape(*shape))

    def __getitem__(self, key):
        return DeviceArray(self.array[key])

    def __mul__(self, other):
        return DeviceArray(self.array * other.array)

    def sum(self):
        return DeviceArray(self.array.sum())

    def tolist(self):
        DeviceArray.copied += self.array.size
        return self.array.tolist()

    def item(self):
        DeviceArray.copied += 1
        return self.array.item()


class Node:
    def __init__(self, data, grad, parents=(), op="", label=""):
        self.data, self.grad, self.parents, self.op, self.label = data, grad, parents, op, label


def test_a_device_array_is_drawn_from_a_handful_of_copied_numbers():
    big = np.ones((1000, 1000), dtype=np.float32)
    weight = Node(DeviceArray(big), DeviceArray(big * 2), label="W")
    root = Node(DeviceArray(big.sum(keepdims=True)[0, 0]), DeviceArray(np.float32(1)),
                parents=(weight,), op="sum")
    DeviceArray.copied = 0
    source = draw_graph(root).source
    assert "{W|(1000, 1000) float32|data [1, 1, 1, ...]|grad norm 2000}" in source
    assert "{() float32|data 1e+06|grad 1}" in source
    assert DeviceArray.copied == 3 + 1 + 1 + 1  # three data numbers, a norm, a loss, its grad


# ---- output --------------------------------------------------------------------------------------


def test_renders_to_svg_and_png(device):
    *_, loss = linear_relu_sum(device)
    digraph = draw_graph(loss, rankdir="TB")
    svg = digraph.pipe(format="svg").decode()
    assert "<svg" in svg and "(4, 3) float32" in svg and "relu" in svg and "(2,) float32" in svg
    assert digraph.pipe(format="png").startswith(b"\x89PNG\r\n\x1a\n")


def test_a_big_tensor_graph_is_summarised():
    x = tensor.ones(3, requires_grad=True)
    for _ in range(100):
        x = (x * 0.5).tanh()
    source = draw_graph(x).source
    assert boxes(source) == 0
    assert "graph of 301 values and 200 ops: 100 *, 100 tanh" in source
