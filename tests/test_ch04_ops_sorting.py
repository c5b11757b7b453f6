"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, mode, unique.

The rows go through chapter 4's op-table checks (tests/test_ch04_ops.py): gradcheck, values
and gradients against PyTorch in float32 and float64, on every device, and PyTorch's grad_fn
names. Then what the table cannot say: ties (stable order, against PyTorch's stable sort, on
random shapes), NaN, the (values, indices) pairs, unique's options, and the errors."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ch04_ops import (
    Op,
    table_tests,
)

import tensor
from tensor import Tensor

D = "distinct"  # no ties: the order, and so the gradient, is the same in both libraries

OPS = [
    Op("sort", lambda T, a: a.sort(dim=1).values, [(3, 5)], D),
    Op("sort_descending_dim0", lambda T, a: T.sort(a, dim=0, descending=True).values,
       [(4, 3)], D),
    Op("sort_indices", lambda T, a: a.sort(dim=-1).indices, [(3, 5)], D, differentiable=False),
    Op("sort_0d", lambda T, a: a.sort().values * 2, [()], D),
    Op("argsort", lambda T, a: T.argsort(a, dim=1, descending=True), [(3, 5)], D,
       differentiable=False),
    Op("topk", lambda T, a: a.topk(2, dim=1).values, [(3, 5)], D),
    Op("topk_smallest", lambda T, a: T.topk(a, 3, dim=0, largest=False).values, [(4, 3)], D),
    Op("topk_indices", lambda T, a: a.topk(3).indices, [(2, 5)], D, differentiable=False),
    Op("kthvalue", lambda T, a: a.kthvalue(2, dim=1).values, [(3, 5)], D),
    Op("kthvalue_keepdim", lambda T, a: T.kthvalue(a, 3, 0, keepdim=True).values, [(4, 3)], D),
    Op("median", lambda T, a: a.median(), [(3, 5)], D),
    Op("median_even_count", lambda T, a: T.median(a), [(2, 3)], D),
    Op("median_dim", lambda T, a: a.median(dim=1).values, [(3, 5)], D),
    Op("median_dim_keepdim", lambda T, a: T.median(a, 0, keepdim=True).values, [(4, 3)], D),
    Op("median_dim_indices", lambda T, a: a.median(dim=1).indices, [(3, 4)], D,
       differentiable=False),
    Op("mode_distinct", lambda T, a: a.mode(0).values, [(4, 3)], D),
    Op("mode_repeats", lambda T, a: T.cat([a, a[:, :2]], dim=1).mode(dim=1).values, [(3, 4)], D),
    Op("mode_indices", lambda T, a: T.mode(T.cat([a, a[:, 1:3]], dim=1)).indices, [(3, 4)], D,
       differentiable=False),
]


DIFFERENTIABLE = [op for op in OPS if op.differentiable]
test_gradcheck, test_matches_torch, test_matches_torch_in_float64, \
    test_grad_fn_names_match_torch = table_tests(OPS, named=DIFFERENTIABLE)


# ---- ties, on random shapes: stable order against PyTorch's stable sort ---------------------


@st.composite
def tied_arrays(draw):
    """Arrays of 1 to 3 dimensions holding few distinct values (many ties), a dim of them."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    values = draw(st.lists(st.integers(-2, 2), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape))))
    return np.array(values, dtype=np.float64).reshape(shape), draw(st.integers(-len(shape),
                                                                              len(shape) - 1))


SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(case=tied_arrays(), descending=st.booleans())
@SETTINGS
def test_sort_with_ties_is_pytorchs_stable_sort(device, case, descending):
    a, dim = case
    x = Tensor(a, requires_grad=True, device=device)
    t = torch.tensor(a, requires_grad=True)
    ours, theirs = x.sort(dim=dim, descending=descending), t.sort(dim=dim,
                                                                   descending=descending,
                                                                   stable=True)
    np.testing.assert_array_equal(ours.values.detach().numpy(), theirs.values.detach().numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(x.argsort(dim, descending).numpy(),
                                  t.argsort(dim=dim, descending=descending, stable=True).numpy())
    weights = np.random.default_rng(0).standard_normal(a.shape)
    (ours.values * Tensor(weights, device=device)).sum().backward()
    (theirs.values * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@given(case=tied_arrays(), k=st.integers(1, 5), keepdim=st.booleans())
@SETTINGS
def test_order_statistics_with_ties_match_torch(device, case, k, keepdim):
    """Values always agree; indices are PyTorch's too where they are specified (mode: the
    last occurrence of the smallest most frequent value)."""
    a, dim = case
    x, t = Tensor(a, device=device), torch.tensor(a)
    k = min(k, a.shape[dim])
    np.testing.assert_array_equal(x.topk(k, dim).values.numpy(), t.topk(k, dim).values.numpy())
    np.testing.assert_array_equal(x.topk(k, dim, largest=False).values.numpy(),
                                  t.topk(k, dim, largest=False).values.numpy())
    np.testing.assert_array_equal(x.kthvalue(k, dim, keepdim).values.numpy(),
                                  t.kthvalue(k, dim, keepdim).values.numpy())
    np.testing.assert_array_equal(x.median(dim, keepdim).values.numpy(),
                                  t.median(dim, keepdim).values.numpy())
    assert x.median().item() == t.median().item()
    ours, theirs = x.mode(dim, keepdim), t.mode(dim, keepdim)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_whole_median_shares_its_gradient_among_ties(device):
    """PyTorch's rule for median() (as for max()): equal elements split the gradient."""
    x = Tensor([3.0, 1.0, 2.0, 2.0, 5.0], requires_grad=True, device=device)
    t = torch.tensor([3.0, 1.0, 2.0, 2.0, 5.0], requires_grad=True)
    x.median().backward()
    t.median().backward()
    assert x.grad.tolist() == t.grad.tolist() == [0, 0, 0.5, 0.5, 0]


def test_nan_sorts_last_and_makes_the_median_nan(device):
    a = [[1.0, np.nan, 0.0, 2.0], [3.0, 1.0, 2.0, 0.0]]
    x, t = Tensor(a, device=device), torch.tensor(a)
    for descending in (False, True):
        ours, theirs = x.sort(dim=1, descending=descending), t.sort(dim=1, descending=descending)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(x.median(dim=1).values.numpy(), t.median(dim=1).values.numpy())
    np.testing.assert_array_equal(x.median(dim=1).indices.numpy(),
                                  t.median(dim=1).indices.numpy())
    assert np.isnan(x.median().item()) and np.isnan(x.topk(1, dim=1).values.numpy()[0, 0])


def test_values_indices_pairs_unpack_and_name_their_parts(device):
    x = Tensor([[2.0, 9.0, 4.0]], device=device)
    values, indices = x.topk(2)
    assert values.tolist() == [[9.0, 4.0]] and indices.tolist() == [[1, 2]]
    pair = x.sort(descending=True)
    assert pair.values.tolist() == pair[0].tolist() == [[9.0, 4.0, 2.0]]
    assert pair.indices.dtype == tensor.int64 and not pair.indices.requires_grad
    assert x.kthvalue(1).indices.tolist() == [0]


def test_changing_the_indices_in_place_is_caught_at_backward(device):
    """The gradient is scattered through the indices, so they are saved like any input."""
    x = Tensor([3.0, 1.0, 2.0], requires_grad=True, device=device)
    values, indices = x.sort()
    indices.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


def test_unique_matches_torch(device):
    a = np.array([[3, 1, 3], [2, 1, 1], [3, 1, 3]])
    x, t = Tensor(a, device=device), torch.tensor(a)
    assert x.unique().tolist() == t.unique().tolist() == [1, 2, 3]
    for ours, theirs in zip(tensor.unique(x, return_inverse=True, return_counts=True),
                            torch.unique(t, return_inverse=True, return_counts=True)):
        assert ours.tolist() == theirs.tolist() and ours.shape == tuple(theirs.shape)
    for ours, theirs in zip(x.unique(dim=0, return_inverse=True, return_counts=True),
                            t.unique(dim=0, return_inverse=True, return_counts=True)):
        assert ours.tolist() == theirs.tolist()
    values, counts = x.float().unique(return_counts=True)
    assert values.dtype == tensor.float32 and counts.tolist() == [4, 1, 4]
    values, inverse = x.unique(sorted=True, return_inverse=True)
    assert values[inverse].tolist() == a.tolist()  # the inverse rebuilds the input


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.topk(6), IndexError, r"k \(6\) must be between 0 and the size 5"),
    (lambda x: x.kthvalue(0, dim=1), IndexError, r"k \(0\) must be between 1 and the size 5"),
    (lambda x: x.sort(dim=2), IndexError, "out of range"),
    (lambda x: x[:, :0].median(dim=1), IndexError, "empty"),
    (lambda x: x[:, :0].mode(dim=1), IndexError, "empty"),
    (lambda x: x[:0].median(), RuntimeError, "empty tensor"),
])
def test_errors_say_what_is_wrong(device, call, error, message):
    with pytest.raises(error, match=message):
        call(tensor.zeros(2, 5, device=device))
