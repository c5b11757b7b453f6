"""Selecting and scattering along a dimension: index_select, masked_select, scatter (and
scatter_), scatter_add (and scatter_add_); and the questions whose answers make masks and
indices: isnan, isinf, isfinite, isclose, allclose, equal, nonzero, where(condition),
nan_to_num.

Gradients are each other's forwards: a selection's adjoint scatter-adds, a scatter's adjoint
gathers. The rows run through chapter 4's op-table checks (tests/test_ch04_ops.py); then
random shapes against PyTorch, in-place scatter_ in a graph, and the errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ch04_ops import (
    Op,
    table_tests,
)

import tensor
from tensor import Tensor

R, D = "real", "distinct"
DISTINCT_PLACES = [[0, 3], [2, 1], [1, 2]]  # no place written twice: no race between writes
REPEATED_PLACES = [[0, 0], [3, 3], [1, 2]]

OPS = [
    Op("index_select", lambda T, a: a.index_select(1, T.index(a, [3, 0, 3])), [(3, 4)]),
    Op("index_select_fn", lambda T, a: T.index_select(a, 0, T.index(a, [2, 2, 1, 0])),
       [(3, 4)]),
    Op("masked_select", lambda T, a, b: a.masked_select(b > 0), [(3, 4), (4,)], (R, D)),
    Op("masked_select_broadcast_input", lambda T, a, b: T.masked_select(a, b > 0),
       [(4,), (3, 4)], (R, D)),
    Op("scatter", lambda T, a, b: a.scatter(1, T.index(a, DISTINCT_PLACES), b),
       [(3, 4), (3, 2)]),
    Op("scatter_value", lambda T, a: T.scatter(a, 1, T.index(a, DISTINCT_PLACES), 0.5),
       [(3, 4)]),
    Op("scatter_add", lambda T, a, b: a.scatter_add(1, T.index(a, REPEATED_PLACES), b),
       [(3, 4), (3, 2)]),
    Op("scatter_add_fn", lambda T, a, b: T.scatter_add(a, 0, T.index(a, [[2, 0], [2, 1]]), b),
       [(3, 2), (2, 2)]),
    Op("scatter_in_place", lambda T, a, b: (a * 1).scatter_(
        1, T.index(a, DISTINCT_PLACES), b), [(3, 4), (3, 2)]),
    Op("scatter_value_in_place", lambda T, a: (a * 2).scatter_(
        0, T.index(a, [[1, 0, 2, 2]]), -1.0), [(3, 4)]),
    Op("scatter_add_in_place", lambda T, a, b: (a + 1).scatter_add_(
        1, T.index(a, REPEATED_PLACES), b), [(3, 4), (3, 2)]),
    Op("nan_to_num", lambda T, a: T.nan_to_num(a) * 2, [(3, 4)]),
    # questions: bools or indices, no gradient
    Op("isnan", lambda T, a: T.isnan(a), [(3, 4)], differentiable=False),
    Op("isinf", lambda T, a: a.isinf(), [(3, 4)], differentiable=False),
    Op("isfinite", lambda T, a: T.isfinite(a), [(3, 4)], differentiable=False),
    Op("isclose", lambda T, a, b: T.isclose(a, a + b * 1e-9), [(3, 4), (3, 4)],
       differentiable=False),
    Op("nonzero", lambda T, a: T.nonzero(a > 0), [(3, 4)], differentiable=False),
    Op("where_condition_only", lambda T, a: T.where(a > 0)[1], [(3, 4)], differentiable=False),
    Op("where_method", lambda T, a, b: a.where(b > 0, b), [(3, 4), (3, 4)], (R, D)),
]


DIFFERENTIABLE = [op for op in OPS if op.differentiable]
test_gradcheck, test_matches_torch, test_matches_torch_in_float64, \
    test_grad_fn_names_match_torch = table_tests(OPS, named=DIFFERENTIABLE)


# ---- random shapes against PyTorch ------------------------------------------------------------

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def scatter_cases(draw):
    """input and src shapes, a dim, and an index that fits them (places may repeat)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    dim = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, n)) if d != dim else draw(st.integers(1, 5))
                        for d, n in enumerate(shape))
    index = draw(st.lists(st.integers(0, shape[dim] - 1), min_size=int(np.prod(index_shape)),
                          max_size=int(np.prod(index_shape))))
    return shape, dim, np.array(index).reshape(index_shape)


def gradients_agree(inputs, theirs, ours_out, theirs_out):
    weights = np.random.default_rng(1).standard_normal(tuple(theirs_out.shape))
    np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(),
                               rtol=1e-12)
    (ours_out * Tensor(weights, device=inputs[0].device)).sum().backward()
    (theirs_out * torch.tensor(weights)).sum().backward()
    for x, t in zip(inputs, theirs):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@given(case=scatter_cases())
@SETTINGS
def test_scatter_add_and_gather_adjoints_match_torch(device, case):
    shape, dim, index = case
    rng = np.random.default_rng(0)
    a, s = rng.standard_normal(shape), rng.standard_normal(index.shape)
    x, src = Tensor(a, requires_grad=True, device=device), Tensor(s, requires_grad=True,
                                                                   device=device)
    tx, tsrc = torch.tensor(a, requires_grad=True), torch.tensor(s, requires_grad=True)
    gradients_agree([x, src], [tx, tsrc], x.scatter_add(dim, Tensor(index, device=device), src),
                    tx.scatter_add(dim, torch.tensor(index), tsrc))


@given(case=scatter_cases())
@SETTINGS
def test_index_select_and_masked_select_match_torch(device, case):
    shape, dim, index = case
    a = np.random.default_rng(0).standard_normal(shape)
    x, t = Tensor(a, requires_grad=True, device=device), torch.tensor(a, requires_grad=True)
    chosen = index.reshape(-1)
    gradients_agree([x], [t], x.index_select(dim, Tensor(chosen, device=device)),
                    t.index_select(dim, torch.tensor(chosen)))
    x, t = Tensor(a, requires_grad=True, device=device), torch.tensor(a, requires_grad=True)
    gradients_agree([x], [t], x.masked_select(x > 0.3), t.masked_select(t > 0.3))


# ---- scatter's uses and rules ----------------------------------------------------------------


def test_scatter_makes_one_hot_rows_like_torch(device):
    labels = [3, 0, 9, 3]
    ours = tensor.zeros(4, 10, device=device).scatter_(1, Tensor(labels, device=device)
                                                        .unsqueeze(1), 1)
    theirs = torch.zeros(4, 10).scatter_(1, torch.tensor(labels).unsqueeze(1), 1)
    assert ours.tolist() == theirs.tolist() == F.one_hot(torch.tensor(labels), 10).tolist()


def test_scatter_add_counts_like_bincount(device):
    labels = Tensor([2, 0, 2, 2, 4], device=device)
    counts = tensor.zeros(5, dtype=tensor.int64, device=device).scatter_add_(
        0, labels, tensor.ones(5, dtype=tensor.int64, device=device))
    assert counts.tolist() == np.bincount([2, 0, 2, 2, 4], minlength=5).tolist()


def test_src_larger_than_index_gets_zero_gradient_where_unused(device):
    """Only src's leading block of index's shape is written; the rest did not take part."""
    x = tensor.zeros(2, 3, device=device)
    src = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, device=device)
    out = x.scatter(1, Tensor([[2], [0]], device=device), src)
    assert out.tolist() == [[0.0, 0.0, 1.0], [4.0, 0.0, 0.0]]
    out.backward(Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=device))
    assert src.grad.tolist() == [[3.0, 0.0, 0.0], [4.0, 0.0, 0.0]]


def test_scatter_in_place_on_a_parameter_needs_no_grad(device):
    w = tensor.zeros(2, 3, requires_grad=True, device=device)
    index = Tensor([[1], [2]], device=device)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*'scatter_'"):
        w.scatter_(1, index, 1.0)
    with tensor.no_grad():
        w.scatter_(1, index, 1.0)
    assert w.tolist() == [[0, 1, 0], [0, 0, 1]] and w.requires_grad


def test_scatter_reduce_add_is_scatter_add(device):
    x, index = tensor.ones(3, device=device), Tensor([0, 0, 2], device=device)
    assert x.scatter(0, index, Tensor([1.0, 2.0, 3.0], device=device), reduce="add").tolist() \
        == [4.0, 1.0, 4.0]
    assert x.scatter(0, index, 2.0, reduce="add").tolist() == [5.0, 1.0, 3.0]


@pytest.mark.parametrize("call, error, message", [
    (lambda x, i: x.scatter(1, i + 4, 1.0), IndexError, r"must be in \[0, 3\].*from 4 to 6"),
    (lambda x, i: x.scatter(1, i, tensor.ones(3, 2, dtype=tensor.float64)), TypeError,
     "src must have input's dtype float32"),
    (lambda x, i: x.scatter(1, i[0], 1.0), ValueError, "does not fit input of shape"),
    (lambda x, i: x.scatter_add(1, i, tensor.ones(3, 1)), ValueError, "and src of shape"),
    (lambda x, i: x.scatter(1, i.float(), 1.0), TypeError, "integer"),
    (lambda x, i: x.index_select(0, i), ValueError, "must be 1-d"),
    (lambda x, i: x.index_select(0, Tensor([3])), IndexError, r"\[0, 2\]"),
    (lambda x, i: x.masked_select(i), TypeError, "bool tensor"),
    (lambda x, i: x.scatter(1, i, 1.0, reduce="multiply"), NotImplementedError, "multiply"),
])
def test_errors_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call(tensor.zeros(3, 4), Tensor([[0, 1], [2, 1], [1, 0]]))


def test_mixing_devices_is_an_error():
    with pytest.raises(RuntimeError, match="standin"):
        tensor.zeros(3, 4).index_select(0, Tensor([0], device="standin"))


# ---- the questions ---------------------------------------------------------------------------

SPECIAL = [[np.nan, 1.0, -np.inf], [np.inf, -2.5, 0.0]]


def test_predicates_and_nan_to_num_on_special_values(device):
    x = Tensor(SPECIAL, requires_grad=True, device=device)
    t = torch.tensor(SPECIAL, requires_grad=True)
    for name in ("isnan", "isinf", "isfinite"):
        assert getattr(x, name)().tolist() == getattr(t, name)().tolist()
    for kwargs in ({}, {"nan": 0.5, "posinf": 9.0, "neginf": -9.0}):
        ours, theirs = x.nan_to_num(**kwargs), t.nan_to_num(**kwargs)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    (x.nan_to_num(posinf=9.0, neginf=-9.0) * 3).sum().backward()
    (t.nan_to_num(posinf=9.0, neginf=-9.0) * 3).sum().backward()
    assert x.grad.tolist() == t.grad.tolist() == [[0, 3, 0], [0, 3, 3]]


def test_allclose_and_equal_answer_with_python_bools(device):
    x = Tensor([1.0, 2.0, np.nan], device=device)
    near = Tensor([1.0, 2.0 + 1e-6, np.nan], device=device)
    assert tensor.allclose(x, near, equal_nan=True) is True
    assert x.allclose(near) is False  # NaN is close to nothing unless equal_nan
    assert x[:2].allclose(near[:2], rtol=0, atol=1e-8) is False
    assert tensor.equal(x[:2], Tensor([1, 2], device=device)) is True  # values, not dtypes
    assert x.equal(x) is False  # NaN != NaN, as in torch.equal
    assert x[:2].equal(x[:1]) is False  # shapes differ


@given(shape=st.lists(st.integers(0, 3), max_size=3).map(tuple), data=st.data())
@SETTINGS
def test_nonzero_and_where_condition_match_torch(device, shape, data):
    bits = data.draw(st.lists(st.booleans(), min_size=int(np.prod(shape)),
                              max_size=int(np.prod(shape))))
    mask = np.array(bits, dtype=bool).reshape(shape)
    x, t = Tensor(mask, device=device), torch.tensor(mask)
    ours, theirs = tensor.nonzero(x), torch.nonzero(t)
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
    assert ours.dtype == tensor.int64
    for o, th in zip(tensor.where(x), torch.where(t), strict=True):
        assert o.tolist() == th.tolist()
    assert len(x.nonzero(as_tuple=True)) == len(torch.nonzero(t, as_tuple=True))


def test_where_condition_indexes_the_selected_elements(device):
    x = Tensor([[0.5, -1.0], [2.0, -3.0]], device=device)
    assert x[tensor.where(x > 0)].tolist() == [0.5, 2.0]
    with pytest.raises(TypeError, match=r"\(condition\) or \(condition, input, other\)"):
        tensor.where(x > 0, x)


def test_a_vector_takes_a_0d_index_and_src_like_torch():
    """The one-hot of one label: `zeros(10).scatter_(0, tensor(3), value=1)`."""
    label = 3
    ours = tensor.zeros(10).scatter_(0, tensor.Tensor(label), value=1)
    theirs = torch.zeros(10).scatter_(0, torch.tensor(label), value=1)
    assert ours.tolist() == theirs.tolist()
    src = tensor.Tensor(5.0, requires_grad=True)
    out = tensor.zeros(10).scatter_add(0, tensor.Tensor(label), src)
    (out * tensor.arange(10.0)).sum().backward()
    assert out.tolist() == torch.zeros(10).scatter_add(0, torch.tensor(label),
                                                       torch.tensor(5.0)).tolist()
    assert src.grad.item() == 3.0  # the gradient at the place it went to
