"""Chapter 5: the matrix calculus of matmul, and softmax / log_softmax / logsumexp /
cross-entropy. The op table's chapter-5 rows (tests/test_ch04_ops.py) run through the same
checks as chapter 4's; then the results the chapter derives by hand."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes
from test_ch04_ops import chapter, check_against_torch, check_gradients

import tensor
from tensor import Tensor


@pytest.mark.parametrize("op", chapter(5))
def test_gradcheck(op, device):
    check_gradients(op, device)


@pytest.mark.parametrize("op", chapter(5))
def test_matches_torch(op, device):
    check_against_torch(op, device)


@pytest.mark.parametrize("op", chapter(5))
def test_matches_torch_in_float64(op, device):
    check_against_torch(op, device, dtype="float64", rtol=1e-10, atol=1e-12)


# ---- matmul ----------------------------------------------------------------------------------


def test_matmul_gradients_are_the_matrix_formulas(device):
    """dL/dA = dL/dC @ B^T and dL/dB = A^T @ dL/dC."""
    rng = np.random.default_rng(0)
    a, b, g = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    A, B = Tensor(a, requires_grad=True, device=device), Tensor(b, requires_grad=True,
                                                                device=device)
    (A @ B).backward(Tensor(g, device=device))
    np.testing.assert_allclose(Tensor(A.grad).numpy(), g @ b.T, rtol=1e-12)
    np.testing.assert_allclose(Tensor(B.grad).numpy(), a.T @ g, rtol=1e-12)


def test_a_shared_weight_gets_the_sum_over_the_batch(device):
    x = tensor.ones(5, 2, 3, device=device)
    w = tensor.ones(3, 4, requires_grad=True, device=device)
    (x @ w).sum().backward()
    assert Tensor(w.grad).numpy().tolist() == np.full((3, 4), 10.0).tolist()


@pytest.mark.parametrize("a, b, message", [
    ((3, 4), (5, 2), r"\(3, 4\) and \(5, 2\) do not fit.*\(4\).*second-to-last.*\(5\)"),
    ((3, 4), (3,), r"only dimension \(3\)"),
    ((), (3,), "at least one dimension"),
    ((2, 3, 4), (3, 4, 5), r"cannot be broadcast for '@ \(batch dimensions\)'"),
])
def test_matmul_shape_errors_name_the_shapes(device, a, b, message):
    with pytest.raises(ValueError, match=message):
        tensor.zeros(a, device=device) @ tensor.zeros(b, device=device)


@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       vectors=st.sampled_from(["", "a", "b", "ab"]))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_batched_and_vector_matmul_match_torch(device, shapes, n, k, m, vectors):
    shape_a = (k,) if "a" in vectors else shapes.input_shapes[0] + (n, k)
    shape_b = (k,) if "b" in vectors else shapes.input_shapes[1] + (k, m)
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    A, B = Tensor(a, requires_grad=True, device=device), Tensor(b, requires_grad=True,
                                                                device=device)
    TA, TB = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, expected = A @ B, TA @ TB
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(expected.shape)
    out.backward(Tensor(g, device=device))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(Tensor(A.grad).numpy(), TA.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Tensor(B.grad).numpy(), TB.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- softmax, log_softmax, logsumexp, cross-entropy ---------------------------------------


def test_huge_logits_stay_finite(device):
    logits = [[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]]
    x = Tensor(logits, requires_grad=True, device=device)
    expected = F.log_softmax(torch.tensor(logits), dim=1)
    np.testing.assert_allclose(x.log_softmax(dim=1).detach().numpy(), expected.numpy())
    np.testing.assert_allclose(x.softmax(dim=1).detach().numpy(), expected.exp().numpy())
    lse = x.logsumexp(dim=1)
    np.testing.assert_allclose(lse.detach().numpy(), [1e4, 3.0 + np.log(3.0)], rtol=1e-6)
    x.log_softmax(dim=1).sum().backward()
    assert np.isfinite(Tensor(x.grad).numpy()).all()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # log(0) = -inf, as meant
def test_logsumexp_of_minus_infinity_is_minus_infinity(device):
    x = Tensor([[-np.inf, -np.inf], [0.0, -np.inf]], device=device)
    assert x.logsumexp(dim=1).tolist() == [-np.inf, 0.0]


def test_softmax_rows_sum_to_one(device):
    x = tensor.randn(4, 7, device=device)
    np.testing.assert_allclose(x.softmax(dim=1).sum(dim=1).numpy(), np.ones(4), rtol=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_one_hot(device):
    """For L = mean_i -log softmax(x_i)[y_i], dL/dx = (softmax(x) - onehot(y)) / N: the
    result that makes the fused log-softmax + NLL both cheap and stable."""
    rng = np.random.default_rng(3)
    logits, labels = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    x = Tensor(logits, requires_grad=True, device=device)
    y = Tensor(labels, device=device)
    loss = -x.log_softmax(dim=1)[tensor.arange(5, device=device), y].mean()
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    loss.backward()
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(Tensor(x.grad).numpy(), (softmax - np.eye(4)[labels]) / 5,
                               rtol=1e-10)
