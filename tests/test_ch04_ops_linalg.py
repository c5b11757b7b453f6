"""Linear algebra (tensor/ops/linalg.py): norms, the named matrix products, einsum, diagonals
and triangles, through the op table's checks (tests/test_ch04_ops.py): gradcheck, values and
gradients against PyTorch in float32 and float64, on every device, and the grad_fn names.
Then randomized einsum equations and norms against PyTorch, the norm's gradient at 0, and the
errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes
from test_ch04_ops import (
    Op,
    table_tests,
)

import tensor
from tensor import Tensor

R, P, N, D = "real", "positive", "nonzero", "distinct"
INF = math.inf

OPS = [
    # ---- norms ----
    Op("norm", lambda T, a: T.norm(a), [(3, 4)]),
    Op("norm_dim", lambda T, a: a.norm(dim=1), [(3, 4)]),
    Op("norm_dims_keepdim", lambda T, a: a.norm(dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    Op("norm_fro", lambda T, a: T.norm(a, p="fro", dim=(-2, -1)), [(2, 3, 4)]),
    Op("norm_1", lambda T, a: a.norm(p=1, dim=0), [(3, 4)], D),
    Op("norm_inf", lambda T, a: a.norm(p=INF), [(3, 4)], D),
    Op("norm_minus_inf", lambda T, a: a.norm(p=-INF, dim=1), [(3, 4)], D),
    Op("norm_0", lambda T, a: a.norm(p=0) + a.norm(), [(3, 4)], D),
    Op("norm_3", lambda T, a: a.norm(p=3, dim=-1), [(3, 4)]),
    Op("norm_half", lambda T, a: a.norm(p=0.5), [(3, 4)], N),
    Op("norm_dtype", lambda T, a: a.norm(dtype=T.float64), [(3, 4)]),
    Op("dist", lambda T, a, b: T.dist(a, b), [(3, 4), (4,)]),
    Op("dist_1", lambda T, a, b: a.dist(b, p=1), [(3, 4), (3, 4)], D),
    Op("dist_3", lambda T, a, b: a.dist(b, 3), [(2, 3), (2, 1)]),
    # ---- named matrix products ----
    Op("mm", lambda T, a, b: T.mm(a, b), [(3, 4), (4, 5)]),
    Op("mm_method", lambda T, a, b: a.mm(b.t()), [(3, 4), (5, 4)]),
    Op("bmm", lambda T, a, b: T.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    Op("mv", lambda T, a, b: a.mv(b), [(3, 4), (4,)]),
    Op("dot", lambda T, a, b: T.dot(a, b), [(5,), (5,)]),
    Op("outer", lambda T, a, b: a.outer(b), [(3,), (4,)]),
    Op("addmm", lambda T, c, a, b: T.addmm(c, a, b), [(3, 5), (3, 4), (4, 5)]),
    Op("addmm_bias", lambda T, c, a, b: c.addmm(a, b, beta=0.5, alpha=-2), [(5,), (3, 4),
                                                                               (4, 5)]),
    Op("baddbmm", lambda T, c, a, b: T.baddbmm(c, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    Op("baddbmm_scaled", lambda T, c, a, b: c.baddbmm(a, b, beta=2, alpha=0.5),
       [(3, 1), (2, 3, 4), (2, 4, 5)]),
    # ---- einsum ----
    Op("einsum_matmul", lambda T, a, b: T.einsum("ij,jk->ik", a, b), [(3, 4), (4, 5)]),
    Op("einsum_batched", lambda T, a, b: T.einsum("bij,bjk->bik", a, b),
       [(2, 3, 4), (2, 4, 5)]),
    Op("einsum_implicit", lambda T, a, b: T.einsum("ij,jk", a, b), [(3, 4), (4, 2)]),
    Op("einsum_ellipsis", lambda T, a, b: T.einsum("...ij,...jk->...ik", a, b),
       [(2, 1, 3, 4), (5, 4, 2)]),
    Op("einsum_three", lambda T, a, b, c: T.einsum("ij,jk,kl->il", a, b, c),
       [(2, 3), (3, 4), (4, 2)]),
    Op("einsum_outer", lambda T, a, b: T.einsum("i,j->ij", a, b), [(3,), (4,)]),
    Op("einsum_dot", lambda T, a, b: T.einsum("i,i->", a, b), [(4,), (4,)]),
    Op("einsum_trace", lambda T, a: T.einsum("ii->", a), [(4, 4)]),
    Op("einsum_diagonal", lambda T, a: T.einsum("bii->bi", a), [(2, 3, 3)]),
    Op("einsum_transpose", lambda T, a: T.einsum("ijk->kij", a), [(2, 3, 4)]),
    Op("einsum_sum", lambda T, a: T.einsum("ij->", a), [(3, 4)]),
    Op("einsum_summed_alone", lambda T, a, b: T.einsum("ij,k->ik", a, b), [(3, 4), (2,)]),
    Op("einsum_attention", lambda T, q, k: T.einsum("bhqd,bhkd->bhqk", q, k),
       [(2, 2, 3, 4), (2, 2, 5, 4)]),
    Op("einsum_list", lambda T, a, b: T.einsum("ij,ij->i", [a, b]), [(3, 4), (3, 4)]),
    # ---- diagonals and triangles ----
    Op("trace", lambda T, a: T.trace(a), [(4, 4)]),
    Op("trace_rectangular", lambda T, a: a.trace(), [(3, 5)]),
    Op("diag_of_vector", lambda T, a: T.diag(a), [(4,)]),
    Op("diag_of_vector_offset", lambda T, a: a.diag(1), [(3,)]),
    Op("diag_of_matrix", lambda T, a: T.diag(a), [(4, 4)]),
    Op("diag_of_matrix_offset", lambda T, a: a.diag(diagonal=-1), [(3, 5)]),
    Op("diagonal", lambda T, a: T.diagonal(a), [(3, 4)]),
    Op("diagonal_offset_dims", lambda T, a: a.diagonal(offset=1, dim1=2, dim2=0), [(3, 2, 4)]),
    Op("diagonal_negative_offset", lambda T, a: a.diagonal(-1, -2, -1), [(2, 4, 3)]),
    Op("tril", lambda T, a: T.tril(a), [(4, 4)]),
    Op("tril_offset_batch", lambda T, a: a.tril(-1), [(2, 3, 4)]),
    Op("triu", lambda T, a: a.triu(), [(3, 4)]),
    Op("triu_offset", lambda T, a: T.triu(a, diagonal=2), [(2, 4, 4)]),
    Op("t", lambda T, a: T.t(a), [(3, 4)]),
    Op("t_vector", lambda T, a: a.t() * 2, [(4,)]),
]

# einsum is one node here; PyTorch composes it of several, so its last node's name varies
NOT_EINSUM = [op for op in OPS if not op.name.startswith("einsum")]
test_gradcheck, test_matches_torch, test_matches_torch_in_float64, \
    test_grad_fn_names_match_torch = table_tests(OPS, named=NOT_EINSUM)


def test_einsum_is_one_node():
    """One einsum node here; PyTorch computes einsum as several ops (permutes, a bmm, views),
    whose last one names its grad_fn (ViewBackward0, PermuteBackward0, ...)."""
    a = tensor.randn(3, 4, requires_grad=True)
    out = tensor.einsum("ij->ji", a)
    assert out.grad_fn.name() == "EinsumBackward0"
    assert out.grad_fn.next_functions[0][0].variable is a


# ---- norms ---------------------------------------------------------------------------------

NORM_PS = [2, 1, INF, -INF, 0, 3, 0.5, 1.5, "fro", None]


@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(),
       p=st.sampled_from(NORM_PS), keepdim=st.booleans(), zeros=st.booleans())
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_norms_match_torch(device, shape, data, p, keepdim, zeros):
    ndim = len(shape)
    dim = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1), st.lists(
        st.integers(0, ndim - 1), min_size=1, max_size=2 if p == "fro" else ndim,
        unique=True).map(tuple)))
    rng = np.random.default_rng(sum(shape) + len(str(p)))
    a = rng.standard_normal(shape)
    if zeros:
        a[rng.random(shape) < 0.4] = 0.0
    x, tx = Tensor(a, requires_grad=True, device=device), torch.tensor(a, requires_grad=True)
    out, expected = x.norm(p=p, dim=dim, keepdim=keepdim), tx.norm(p=p, dim=dim, keepdim=keepdim)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(expected.shape)
    out.backward(Tensor(g, device=device))
    expected.backward(torch.tensor(g))
    if p == 0:  # a count of nonzero elements: no gradient reaches x (.grad stays None)
        assert x.grad is None and tx.grad is None
        return
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, INF, "fro"])
def test_the_gradient_of_a_norm_at_zero_is_zero_not_nan(device, p):
    """||x|| has a kink at x = 0, where x / ||x|| is 0/0. PyTorch gives 0 there; a nan would
    poison every weight it reaches (weight decay on a zero row, a distance of a point to
    itself)."""
    x = tensor.zeros(2, 3, requires_grad=True, device=device)
    tx = torch.zeros(2, 3, requires_grad=True)
    x.norm(p=p, dim=1).sum().backward()
    tx.norm(p=p, dim=1).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [[0.0] * 3] * 2
    y = tensor.ones(3, requires_grad=True, device=device)
    y.dist(tensor.ones(3, device=device)).backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_inf_norm_shares_the_gradient_among_ties(device):
    x = Tensor([3.0, -3.0, 1.0], requires_grad=True, device=device)
    tx = torch.tensor([3.0, -3.0, 1.0], requires_grad=True)
    x.norm(p=INF).backward()
    tx.norm(p=INF).backward()
    assert x.grad.tolist() == tx.grad.tolist() == [0.5, -0.5, 0.0]


def test_norm_errors_match_torch(device):
    with pytest.raises(TypeError, match="norm.*floating-point.*int64"):
        Tensor([3, 4], device=device).norm()
    assert Tensor([3, 4], device=device).norm(dtype=tensor.float32).item() == 5.0
    with pytest.raises(ValueError, match="at most two dims"):
        tensor.ones(2, 2, 2, device=device).norm(p="fro", dim=(0, 1, 2))
    with pytest.raises(ValueError, match="'fro', 'nuc' or a number, got 'max'"):
        tensor.ones(2, device=device).norm(p="max")
    with pytest.raises(NotImplementedError, match="nuclear norm"):
        tensor.ones(2, 2, device=device).norm(p="nuc")


# ---- einsum -------------------------------------------------------------------------------


@st.composite
def einsum_problems(draw):
    """A random equation over the letters a-e, 1 to 3 operands of 0 to 3 dims each (letters
    may repeat within an operand: a diagonal), the output explicit or implicit; some dims of
    size 1 that broadcast against the letter's size in other operands."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcde"}
    operands = draw(st.lists(st.text("abcde", min_size=0, max_size=3), min_size=1,
                             max_size=3))
    used = sorted(set("".join(operands)))
    if draw(st.booleans()):
        output = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        equation = ",".join(operands) + "->" + output
    else:
        equation = ",".join(operands)
    ones = draw(st.sets(st.sampled_from("abcde"), max_size=2))
    shapes = [tuple(1 if c in ones and subs.count(c) == 1 and draw(st.booleans()) else sizes[c]
                    for c in subs) for subs in operands]
    return equation, shapes


@given(problem=einsum_problems())
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_einsum_equations_match_torch(device, problem):
    equation, shapes = problem
    rng = np.random.default_rng(len(equation) * 31 + sum(map(len, shapes)))
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = tensor.einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert out.shape == tuple(expected.shape), equation
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10,
                               atol=1e-12, err_msg=equation)
    g = rng.standard_normal(expected.shape)
    out.backward(Tensor(g, device=device))
    expected.backward(torch.tensor(g))
    for x, tx in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=equation)


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # a size-1 dim broadcast against 3 (PyTorch allows it)
    ("...i,...i->...", [(3, 1, 4), (2, 4)]),
    ("b...,b->b...", [(2, 3, 1), (2,)]),
    ("...,...->...", [(), (3,)]),
    ("i...j->j...i", [(2, 3, 1, 4)]),
    ("ij , jk -> ki", [(2, 3), (3, 2)]),
])
def test_einsum_broadcasts_and_ellipses_match_torch(device, equation, shapes):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = tensor.einsum(equation, *ours), torch.einsum(equation, *theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    for x, tx in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda a, b: tensor.einsum("ij,jk->ik", a), ValueError, "names 2 operand.*1 were given"),
    (lambda a, b: tensor.einsum("ijk,jk->ik", a, b), ValueError,
     r"operand 0 has 2 dimension.*'ijk' name 3"),
    (lambda a, b: tensor.einsum("ij,jk->iz", a, b), ValueError, "output letter 'z'"),
    (lambda a, b: tensor.einsum("ij,jk->ii", a, b), ValueError, "only once in the output"),
    (lambda a, b: tensor.einsum("i1,jk->ik", a, b), ValueError, "letters a-z"),
    (lambda a, b: tensor.einsum("ij,jk->ik", a, b.double()), TypeError,
     "one dtype, got float32 and float64"),
    (lambda a, b: tensor.einsum(a, [0, 1], b, [1, 2]), TypeError, "sublist format"),
])
def test_einsum_errors_say_what_is_wrong(device, call, error, message):
    a, b = tensor.ones(2, 3, device=device), tensor.ones(3, 4, device=device)
    with pytest.raises(error, match=message):
        call(a, b)


# ---- products, diagonals: the checks PyTorch makes ------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: tensor.mm(tensor.ones(3), tensor.ones(3, 3)), r"mm: expected two matrices.*\(3,\)"),
    (lambda: tensor.ones(3, 3).mv(tensor.ones(3, 3)), "mv: expected a matrix.*and a vector"),
    (lambda: tensor.dot(tensor.ones(3, 3), tensor.ones(3)), "dot: expected two vectors"),
    (lambda: tensor.dot(tensor.ones(3), tensor.ones(4)), "same length, got 3 and 4"),
    (lambda: tensor.outer(tensor.ones(3, 1), tensor.ones(3)), "outer: expected two vectors"),
    (lambda: tensor.bmm(tensor.ones(2, 3, 4), tensor.ones(1, 4, 5)), "batch sizes differ"),
    (lambda: tensor.bmm(tensor.ones(2, 3, 4), tensor.ones(2, 3, 5)), r"do not fit.*\(4\).*\(3\)"),
    (lambda: tensor.addmm(tensor.ones(4), tensor.ones(3, 4), tensor.ones(4, 5)),
     "cannot be broadcast"),
    (lambda: tensor.ones(2, 3, 4).t(), r"t\(\): expected a tensor with at most 2 dims"),
    (lambda: tensor.ones(2, 3, 4).trace(), "trace: expected a matrix"),
    (lambda: tensor.ones(2, 3, 4).diag(), "diag: expected a vector or a matrix"),
    (lambda: tensor.ones(3, 3).diagonal(dim1=1, dim2=-1), "must be different dims"),
    (lambda: tensor.ones(3).tril(), "tril: expected a tensor with at least 2 dims"),
])
def test_shape_errors_name_the_op_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_addmm_with_beta_zero_ignores_nan_in_the_input(device):
    bias = Tensor([math.nan, math.inf], requires_grad=True, device=device)
    a, b = tensor.ones(3, 4, device=device), tensor.ones(4, 2, device=device)
    out = tensor.addmm(bias, a, b, beta=0)
    assert out.tolist() == [[4.0, 4.0]] * 3
    out.sum().backward()
    assert bias.grad.tolist() == [0.0, 0.0]


def test_t_of_a_vector_or_number_is_itself(device):
    v = Tensor([1.0, 2.0], device=device)
    assert v.t().tolist() == [1.0, 2.0] and Tensor(3.0, device=device).t().item() == 3.0


def test_the_table_covers_every_op():
    import inspect

    source = "\n".join(inspect.getsource(op.fn) for op in OPS)
    for name in ["norm", "dist", "einsum", "mm", "bmm", "mv", "dot", "outer", "addmm", "baddbmm",
                 "trace", "diag", "diagonal", "tril", "triu", "t"]:
        assert f"{name}(" in source, f"no row of the op table uses {name}"
