"""Indexing, reductions and shape ops over random shapes and indices (hypothesis).

Indexing is checked against NumPy's own indexing as the oracle (it also allows negative
steps, which PyTorch does not): the forward is `x[index]`, and the gradient puts each output
gradient back where its element came from, adding up when an integer index repeats
(`numpy.add.at`). Reductions are checked against PyTorch."""

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, basic_indices

from tensor import Tensor

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_index(device, shape, index, seed=0):
    rng = np.random.default_rng(seed)
    array = rng.standard_normal(shape)
    x = Tensor(array, requires_grad=True, device=device)
    out = x[index]
    expected = array[index]
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    weights = rng.standard_normal(np.shape(expected))
    (out * Tensor(weights, device=device)).sum().backward()
    wanted = np.zeros(shape)
    np.add.at(wanted, index, weights)
    np.testing.assert_allclose(Tensor(x.grad).numpy(), wanted, rtol=1e-12)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=4))
@SETTINGS
def test_basic_indexing(device, data, shape):
    index = data.draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    check_index(device, shape, index)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=4))
@SETTINGS
def test_integer_array_indexing_with_repeats(device, data, shape):
    count = data.draw(st.integers(1, 6))
    index = data.draw(arrays(np.int64, count, elements=st.integers(-shape[0], shape[0] - 1)))
    check_index(device, shape, (index,))
    columns = data.draw(arrays(np.int64, count, elements=st.integers(0, shape[-1] - 1)))
    check_index(device, shape, (Ellipsis, columns))


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=4))
@SETTINGS
def test_boolean_mask_indexing(device, data, shape):
    mask = data.draw(arrays(np.bool_, shape))
    check_index(device, shape, mask)


def test_a_tensor_index_selects_like_an_array(device):
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, device=device)
    rows = Tensor([2, 0, 2], device=device)
    picked = x[rows, 1:]
    assert picked.tolist() == [[9, 10, 11], [1, 2, 3], [9, 10, 11]]
    picked.sum().backward()
    assert Tensor(x.grad).numpy().tolist() == [[0, 1, 1, 1], [0, 0, 0, 0], [0, 2, 2, 2]]


REDUCTIONS = {
    "sum": lambda t, dim, keep: t.sum(dim=dim, keepdim=keep),
    "mean": lambda t, dim, keep: t.mean(dim=dim, keepdim=keep),
    "amax": lambda t, dim, keep: t.amax(dim=dim, keepdim=keep),
    "var": lambda t, dim, keep: t.var(dim=dim, keepdim=keep),
    "logsumexp": lambda t, dim, keep: t.logsumexp(dim=dim, keepdim=keep),
}


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=4, min_side=2, max_side=3),
       name=st.sampled_from(sorted(REDUCTIONS)), keep=st.booleans())
@SETTINGS
def test_reductions_over_any_dims_match_torch(device, data, shape, name, keep):
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                              max_size=len(shape), unique_by=lambda d: d % len(shape)))
    array = np.random.default_rng(len(dims)).permutation(np.prod(shape)).reshape(shape) * 0.1
    x, tx = Tensor(array, requires_grad=True, device=device), torch.tensor(array,
                                                                           requires_grad=True)
    out, expected = REDUCTIONS[name](x, tuple(dims), keep), REDUCTIONS[name](tx, tuple(dims),
                                                                             keep)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(Tensor(x.grad).numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
@SETTINGS
def test_permute_and_reshape_round_trip_their_gradients(device, shape, data):
    order = data.draw(st.permutations(range(len(shape))))
    array = np.arange(float(np.prod(shape))).reshape(shape)
    x = Tensor(array, requires_grad=True, device=device)
    y = x.permute(*order).reshape(-1)
    np.testing.assert_array_equal(y.detach().numpy(), array.transpose(order).reshape(-1))
    (y * Tensor(np.arange(float(y.shape[0])), device=device)).sum().backward()
    expected = np.arange(float(y.shape[0])).reshape(array.transpose(order).shape)
    np.testing.assert_array_equal(Tensor(x.grad).numpy(), expected.transpose(np.argsort(order)))
