"""Broadcasting and its gradient, over random shapes (hypothesis), against PyTorch.

The gradient of a broadcast input is the output's gradient summed over the axes along which
the input was copied; `unbroadcast` is the one function that does it for every binary op."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tensor
from tensor import Tensor

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1),
    "maximum": lambda a, b: a.maximum(b),
    "where": lambda a, b: (tensor if isinstance(a, Tensor) else torch).where(a * b > 0, a, b),
}


@pytest.mark.exercise("ch04.unbroadcast")
def test_unbroadcast_sums_the_copies():
    grad = np.ones((2, 3, 4))
    assert unbroadcast_shape(grad, (3, 1)) == ((3, 1), 8.0)
    assert unbroadcast_shape(grad, (4,)) == ((4,), 6.0)
    assert unbroadcast_shape(grad, ()) == ((), 24.0)
    assert unbroadcast_shape(grad, (1, 3, 1)) == ((1, 3, 1), 8.0)
    assert tensor.unbroadcast(grad, (2, 3, 4)) is grad


def unbroadcast_shape(grad, shape):
    reduced = tensor.unbroadcast(grad, shape)
    return np.shape(reduced), float(np.max(reduced))


@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3))
@settings(max_examples=50, deadline=None)
def test_broadcast_shapes_agrees_with_numpy(shapes):
    a, b = shapes.input_shapes
    assert tensor.broadcast_shapes(a, b, "+") == np.broadcast_shapes(a, b)


@given(a=array_shapes(min_dims=1, max_dims=3, max_side=4),
       b=array_shapes(min_dims=1, max_dims=3, max_side=4))
@settings(max_examples=50, deadline=None)
def test_shapes_that_do_not_broadcast_are_a_clear_error(a, b):
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(ValueError, match=r"cannot be broadcast for '\*'"):
            tensor.zeros(a) * tensor.zeros(b)


@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
@SETTINGS
@pytest.mark.exercise("ch04.unbroadcast")
def test_binary_ops_broadcast_like_torch(device, shapes, op, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = BINARY[op](*ours), BINARY[op](*theirs)
    assert out.shape == tuple(expected.shape) == shapes.result_shape
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    weights = rng.standard_normal(shapes.result_shape)
    (out * Tensor(weights, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for x, tx in zip(ours, theirs):
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(Tensor(x.grad).numpy(), tx.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
@SETTINGS
def test_expand_is_broadcasting_made_explicit(device, shape, data):
    target = data.draw(mutually_broadcastable_shapes(num_shapes=1, base_shape=shape,
                                                     max_dims=4, max_side=3))
    size = np.broadcast_shapes(shape, target.result_shape)
    x = Tensor(np.arange(float(np.prod(shape))).reshape(shape), requires_grad=True,
               device=device)
    x.expand(*size).sum().backward()
    copies = int(np.prod(size)) // int(np.prod(shape))
    assert Tensor(x.grad).numpy().tolist() == np.full(shape, float(copies)).tolist()
