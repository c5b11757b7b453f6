"""Tensor semantics PyTorch programs rely on: Size, device objects, 0-d tensors formatted as
numbers, Tensor + ndarray, repr with grad_fn, NumPy's keyword names (axis, keepdims), input=
and out=, and the small methods (new_zeros, view_as, logical_and, ...), each against
PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import gradschool as gs
import nn.functional as F
from tensor import Tensor
from tensor.size import Size


def test_shape_and_size_are_a_size():
    x = gs.zeros(2, 3)
    assert isinstance(x.shape, Size) and isinstance(x.size(), Size) and isinstance(x.shape, tuple)
    assert x.shape == (2, 3) == torch.zeros(2, 3).shape and x.size(1) == 3
    assert x.shape.numel() == 6 == torch.Size([2, 3]).numel()
    assert isinstance(x.shape[1:], Size) and x.shape[1:] == (3,) and x.shape[-1] == 3
    assert x.shape + (4,) == (2, 3, 4) and isinstance(x.shape + (4,), Size)
    assert str(x.shape) == "(2, 3)" and f"{x.shape}" == "(2, 3)"  # prints as the tuple it is
    n, d = x.shape
    assert (n, d) == (2, 3)
    assert gs.zeros(x.shape).shape == (2, 3)


@pytest.mark.parametrize("spec", ["", ".3f", "+.2f", ">8.4f", ".2e", "g"])
def test_zero_d_tensors_format_as_numbers(spec):
    value = 2.718281828
    assert format(gs.tensor(value), spec) == format(torch.tensor(value), spec)
    assert format(gs.tensor(value, requires_grad=True) * 2, spec) == format(
        torch.tensor(value, requires_grad=True) * 2, spec)


def test_other_tensors_format_as_their_repr():
    assert f"{gs.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    assert f"{gs.tensor([1.5]):.2f}" == "1.50"  # one element with a spec: the number
    assert f"{gs.tensor(3)}" == f"{torch.tensor(3)}" == "3"


@pytest.mark.filterwarnings("ignore:__array_wrap__:DeprecationWarning")  # PyTorch's, with NumPy 2
@pytest.mark.parametrize("values, dtype", [
    ([1.0, 2.0], np.float64), ([1.0, 2.0], np.float32), ([1, 2], np.int64), (2.5, np.float64),
])
def test_tensor_and_ndarray_as_in_pytorch(values, dtype, device):
    array = np.array(values, dtype=dtype)
    ours = gs.tensor([3.0, 4.0], device=device)
    theirs = torch.tensor([3.0, 4.0])
    if device != "cpu":
        with pytest.raises(RuntimeError, match=f"a {device} tensor and an array on cpu"):
            ours + array
        return
    for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / b):
        got, want = op(ours, array), op(theirs, array)
        if dtype != np.int64:  # PyTorch's own rule for float32 + an int64 array is odd
            assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert (ours == np.array([3.0, 0.0])).tolist() == [True, False]


def test_ndarray_on_the_left_gives_a_tensor():
    result = np.array([1.0, 2.0], dtype=np.float32) * gs.tensor([3.0, 4.0])
    assert isinstance(result, Tensor) and result.tolist() == [3.0, 8.0]


def test_ndarray_in_the_graph_is_a_constant():
    w = gs.tensor([1.0, 2.0], requires_grad=True)
    (w * np.array([3.0, 4.0], dtype=np.float32)).sum().backward()
    assert w.grad.tolist() == [3.0, 4.0]


def test_repr_names_the_backward_node_like_pytorch():
    ours = gs.tensor([1.0, 2.0], requires_grad=True)
    theirs = torch.tensor([1.0, 2.0], requires_grad=True)
    for make in (lambda x: x * 2, lambda x: (x * 2).sum(), lambda x: x.exp(), lambda x: x + 1,
                 lambda x: x.mean(), lambda x: 1 - x, lambda x: x.relu(), lambda x: x[0],
                 lambda x: x.reshape(2, 1), lambda x: x @ x):
        assert repr(make(ours)) == repr(make(theirs)).replace("torch.", "tensor.")
        assert type(make(ours).grad_fn).__name__ == type(make(theirs).grad_fn).__name__
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("loss, reduction", [
    (F.mse_loss, "mean"), (F.mse_loss, "sum"), (F.l1_loss, "mean"), (F.huber_loss, "mean"),
    (F.smooth_l1_loss, "sum"), (F.binary_cross_entropy_with_logits, "mean"),
    (F.binary_cross_entropy, "mean"),
])
def test_losses_are_one_node_named_as_in_pytorch(loss, reduction):
    x, t = np.array([[0.2, 0.7], [0.4, 0.1]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    ours = loss(gs.tensor(x, requires_grad=True), gs.tensor(t), reduction=reduction)
    theirs = getattr(torch.nn.functional, loss.__name__)(
        torch.tensor(x, requires_grad=True), torch.tensor(t), reduction=reduction)
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    ours_ce = F.cross_entropy(gs.tensor(x, requires_grad=True), gs.tensor([0, 1]))
    theirs_ce = torch.nn.functional.cross_entropy(torch.tensor(x, requires_grad=True),
                                                  torch.tensor([0, 1]))
    assert ours_ce.grad_fn.name() == theirs_ce.grad_fn.name() == "NllLossBackward0"


def _pair():
    x = np.arange(12.0).reshape(3, 4) % 5
    return gs.tensor(x), torch.tensor(x)


@pytest.mark.parametrize("call", [
    lambda m, x: x.sum(1, keepdims=True),
    lambda m, x: x.sum(axis=0),
    lambda m, x: x.mean(axis=1, keepdims=True),
    lambda m, x: x.argmax(axis=1),
    lambda m, x: x.argmin(axis=0, keepdims=True),
    lambda m, x: x.max(axis=1)[0],
    lambda m, x: x.max(axis=1).indices,
    lambda m, x: x.amax(axis=(0, 1)),
    lambda m, x: x.std(axis=0),
    lambda m, x: x.var(axis=1, keepdims=True),
    lambda m, x: x.logsumexp(axis=1),
    lambda m, x: x.softmax(axis=1),
    lambda m, x: m.sum(x, axis=1),
    lambda m, x: m.sum(input=x, dim=0),
    lambda m, x: m.argmax(x, axis=1),
    lambda m, x: m.max(input=x, dim=1).values,
    lambda m, x: m.mean(input=x),
    lambda m, x: m.cat([x, x], axis=0),
    lambda m, x: m.add(input=x, other=x),
    lambda m, x: m.mul(x, other=2.0),
    lambda m, x: m.matmul(input=x, other=x.T),
])
def test_numpy_keywords_and_input_as_in_pytorch(call):
    ours, theirs = _pair()
    np.testing.assert_allclose(call(gs, ours).numpy(), call(torch, theirs).numpy(), rtol=1e-6)


@pytest.mark.parametrize("call, out_shape, out_dtype", [
    (lambda m, x, out: m.matmul(x, x.T, out=out), (3, 3), "float64"),
    (lambda m, x, out: m.add(x, 1.0, out=out), (3, 4), "float64"),
    (lambda m, x, out: m.mul(x, x, out=out), (3, 4), "float64"),
    (lambda m, x, out: m.sum(x, 1, out=out), (3,), "float64"),
    (lambda m, x, out: m.exp(x, out=out), (3, 4), "float64"),
    (lambda m, x, out: m.cat([x, x], out=out), (6, 4), "float64"),
    (lambda m, x, out: m.argmax(x, 1, out=out), (3,), "int64"),
    (lambda m, x, out: m.div(x, 2, out=out), (3, 4), "float64"),
])
def test_out_writes_into_the_given_tensor(call, out_shape, out_dtype):
    ours, theirs = _pair()
    out_ours = gs.zeros(out_shape, dtype=out_dtype)
    out_theirs = torch.zeros(out_shape, dtype=getattr(torch, out_dtype))
    alias = out_ours.view(-1) if out_ours.ndim else out_ours
    result = call(gs, ours, out_ours)
    call(torch, theirs, out_theirs)
    assert result is out_ours
    np.testing.assert_allclose(out_ours.numpy(), out_theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(alias.numpy().reshape(out_shape), out_theirs.numpy())  # in place
    assert out_ours._version == 1


def test_out_with_a_tuple_and_with_resizing():
    ours, theirs = _pair()
    values, indices = gs.zeros(3, dtype="float64"), gs.zeros(3, dtype="int64")
    result = gs.max(ours, 1, out=(values, indices))
    assert result.values is values and result[1] is indices
    assert values.tolist() == torch.max(theirs, 1).values.tolist()
    empty = gs.tensor([], dtype="float64")
    gs.add(ours, ours, out=empty)
    assert empty.shape == (3, 4)
    with pytest.warns(UserWarning, match="was resized"):
        gs.add(ours, ours, out=gs.zeros(2, dtype="float64"))


def test_out_refuses_the_graph_as_pytorch_does():
    x = gs.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be part of the graph"):
        gs.mul(x, 2, out=gs.zeros(2))
    with pytest.raises(RuntimeError):
        torch.mul(torch.ones(2, requires_grad=True), 2, out=torch.zeros(2))
    with gs.no_grad():
        assert gs.mul(x, 2, out=gs.zeros(2)).tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="cannot be written into out of dtype int64"):
        gs.mul(gs.ones(2), 2.5, out=gs.zeros(2, dtype="int64"))
    with pytest.raises(TypeError, match="got both dim= and its alias axis="):
        gs.ones(2, 2).sum(dim=0, axis=1)


def test_keyword_calls_keep_their_meaning_on_standin(device):
    x = gs.arange(6.0, device=device).reshape(2, 3)
    out = gs.zeros(2, device=device)
    gs.sum(x, axis=1, out=out)
    assert out.tolist() == [3.0, 12.0] and out.device == device


def test_small_methods_as_in_pytorch(device):
    x = gs.arange(6.0, device=device).reshape(2, 3)
    t = torch.arange(6.0).reshape(2, 3)
    assert x.new_zeros(2).tolist() == t.new_zeros(2).tolist() and x.new_zeros(2).device == device
    assert x.new_ones((1, 2)).tolist() == t.new_ones((1, 2)).tolist()
    assert x.new_full((2,), 7).tolist() == t.new_full((2,), 7).tolist()
    assert x.new_tensor([1, 2]).dtype == gs.float32 and x.new_empty(3).shape == (3,)
    assert x.view_as(gs.zeros(3, 2)).shape == (3, 2) == x.reshape_as(gs.zeros(3, 2)).shape
    assert x[:1].expand_as(x).tolist() == t[:1].expand_as(t).tolist()
    assert x.type_as(gs.zeros(1, dtype="int64")).dtype == gs.int64
    assert x.is_floating_point() and x.element_size() == 4 and x.nelement() == 6
    assert x.ndimension() == 2 and not x.is_cuda and x.is_contiguous()
    assert not x.T.is_contiguous() and x.pin_memory() is x
    a, b = x > 1, x < 4
    for name in ("logical_and", "logical_or", "logical_xor"):
        assert getattr(a, name)(b).tolist() == getattr(t > 1, name)(t < 4).tolist()
        assert getattr(gs, name)(a, b).tolist() == getattr(torch, name)(t > 1, t < 4).tolist()
    assert a.logical_not().tolist() == (t > 1).logical_not().tolist()
    assert gs.logical_and(x, x - 1).tolist() == torch.logical_and(t, t - 1).tolist()


@pytest.mark.parametrize("name", ["add", "sub", "subtract", "mul", "multiply", "div", "divide",
                                  "true_divide", "pow", "eq", "ne", "lt", "le", "gt", "ge",
                                  "greater", "less", "greater_equal", "less_equal",
                                  "not_equal"])
def test_arithmetic_and_comparisons_as_functions(name):
    ours, theirs = _pair()
    np.testing.assert_allclose(getattr(gs, name)(ours, 2.0).numpy(),
                               getattr(torch, name)(theirs, 2.0).numpy())
    np.testing.assert_allclose(getattr(gs, name)(ours, ours + 1).numpy(),
                               getattr(torch, name)(theirs, theirs + 1).numpy())


def test_neg_and_negative():
    ours, theirs = _pair()
    assert gs.neg(ours).tolist() == torch.neg(theirs).tolist() == gs.negative(ours).tolist()


def test_gradcheck_takes_the_inputs_as_a_tuple_too():
    x = gs.tensor([0.3, -0.2], dtype=gs.float64, requires_grad=True)
    assert gs.autograd.gradcheck(lambda t: (t ** 3).sum(), (x,))
    assert gs.autograd.gradcheck(lambda t: (t ** 3).sum(), x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = gs.autograd.gradcheck(BadCube.apply, (x,), raise_exception=False)
    assert bad is False


class BadCube(gs.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x ** 2  # wrong on purpose: the derivative is 3x^2


@pytest.mark.parametrize("labels, num_classes", [([0, 2, 1], 3), ([[1, 0], [3, 3]], -1),
                                                 ([4], 6), (2, 5)])
def test_one_hot_as_in_pytorch(labels, num_classes, device):
    ours = F.one_hot(gs.tensor(labels, device=device), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes)
    assert ours.tolist() == theirs.tolist() and ours.dtype == gs.int64 and ours.device == device


def test_one_hot_errors():
    with pytest.raises(TypeError, match="int64 class indices"):
        F.one_hot(gs.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="smaller than num_classes"):
        F.one_hot(gs.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(gs.tensor([-1]), 3)
