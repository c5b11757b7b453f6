"""More elementwise math (tensor/ops/math.py) and running sums and products
(tensor/ops/scan.py), through the op table's checks (tests/test_ch04_ops.py): gradcheck,
values and gradients against PyTorch in float32 and float64, on every device, and the grad_fn
names. Then what a table cannot say: the sign rules of % and //, the dtypes integer tensors
get, the zero gradient of steps, the errors PyTorch raises, and cumprod/prod through zeros."""

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
# 'distinct' values lie in (-2, 2), at least 0.1 from every whole number and every half, so no
# step (floor, round, %) jumps within gradcheck's eps of an input

OPS = [
    # ---- trigonometry and hyperbolic functions ----
    Op("sin", lambda T, a: T.sin(a), [(3, 4)]),
    Op("cos", lambda T, a: a.cos(), [(3, 4)]),
    Op("tan", lambda T, a: T.tan(a * 0.6), [(3, 4)], D),
    Op("asin", lambda T, a: T.asin(a * 0.4), [(3, 4)], D),
    Op("acos", lambda T, a: (a * 0.4).acos(), [(3, 4)], D),
    Op("atan", lambda T, a: T.atan(a), [(3, 4)]),
    Op("arcsin_alias", lambda T, a: T.arcsin(a * 0.4) + a.arctan(), [(3, 4)], D),
    Op("atan2", lambda T, a, b: T.atan2(a, b), [(3, 4), (4,)], (R, N)),
    Op("atan2_method", lambda T, a, b: a.atan2(b), [(3, 1), (3, 4)], (N, N)),
    Op("sinh", lambda T, a: T.sinh(a), [(3, 4)]),
    Op("cosh", lambda T, a: a.cosh(), [(3, 4)]),
    # ---- logarithms, exponentials, powers ----
    Op("log10", lambda T, a: T.log10(a), [(3, 4)], P),
    Op("log2", lambda T, a: a.log2(), [(3, 4)], P),
    Op("log1p", lambda T, a: T.log1p(a), [(3, 4)], P),
    Op("expm1", lambda T, a: a.expm1(), [(3, 4)]),
    Op("square", lambda T, a: T.square(a), [(3, 4)]),
    Op("rsqrt", lambda T, a: a.rsqrt(), [(3, 4)], P),
    Op("reciprocal", lambda T, a: T.reciprocal(a), [(3, 4)], N),
    # ---- rounding and signs: steps, gradient 0 ----
    Op("floor", lambda T, a: T.floor(a) * a, [(3, 4)], D),
    Op("ceil", lambda T, a: a.ceil(), [(3, 4)], D),
    Op("round", lambda T, a: T.round(a * 3), [(3, 4)], D),
    Op("round_decimals", lambda T, a: a.round(decimals=1), [(3, 4)], D),
    Op("trunc", lambda T, a: T.trunc(a * 2), [(3, 4)], D),
    Op("fix_alias", lambda T, a: a.fix() + a, [(3, 4)], D),
    Op("frac", lambda T, a: T.frac(a * 3), [(3, 4)], D),
    Op("sign", lambda T, a: T.sign(a) * a, [(3, 4)], D),
    Op("sgn", lambda T, a: a.sgn() * a, [(3, 4)], D),
    # ---- division with remainder ----
    Op("fmod", lambda T, a, b: T.fmod(a * 3, b), [(3, 4), (4,)], (D, N)),
    Op("fmod_number", lambda T, a: a.fmod(0.7), [(3, 4)], D),
    Op("remainder", lambda T, a, b: T.remainder(a * 3, b), [(3, 4), (3, 4)], (D, N)),
    Op("remainder_number", lambda T, a: a.remainder(-0.7), [(3, 4)], D),
    Op("mod", lambda T, a, b: (a * 3) % b, [(3, 4), (3, 1)], (D, N)),
    Op("mod_number", lambda T, a: a % 0.7, [(3, 4)], D),
    Op("rmod_number", lambda T, a: 2.5 % a, [(3, 4)], N, differentiable=False),
    Op("floordiv", lambda T, a, b: (a * 3) // b, [(3, 4), (4,)], (D, N), differentiable=False),
    Op("floordiv_number", lambda T, a: a // 0.7, [(3, 4)], D, differentiable=False),
    Op("rfloordiv_number", lambda T, a: 2.5 // a, [(3, 4)], N, differentiable=False),
    Op("floor_divide", lambda T, a, b: T.floor_divide(a, b), [(3, 4), (3, 4)], (R, N),
       differentiable=False),
    # ---- running sums and products (scan.py) ----
    Op("cumsum", lambda T, a: T.cumsum(a, 1), [(3, 4)]),
    Op("cumsum_dim0", lambda T, a: a.cumsum(dim=0), [(3, 4, 2)]),
    Op("cumsum_negative_dim", lambda T, a: a.cumsum(-1), [(2, 5)]),
    Op("cumsum_0d", lambda T, a: a.cumsum(0), [()]),
    Op("cumprod", lambda T, a: T.cumprod(a, 1), [(3, 4)], N),
    Op("cumprod_dim0", lambda T, a: a.cumprod(dim=0), [(4, 2, 3)], N),
    Op("prod", lambda T, a: T.prod(a), [(3, 4)], N),
    Op("prod_dim", lambda T, a: a.prod(1), [(3, 4)], N),
    Op("prod_dim_keepdim", lambda T, a: a.prod(dim=0, keepdim=True), [(3, 2, 2)], N),
]


test_gradcheck, test_matches_torch, test_matches_torch_in_float64, \
    test_grad_fn_names_match_torch = table_tests(OPS)


# ---- % and //: the sign rules -------------------------------------------------------------

SIGNS = [(-7.0, 3.0), (7.0, -3.0), (-7.0, -3.0), (7.0, 3.0), (-7.5, 2.0), (6.0, 3.0),
         (0.0, -2.0), (5.5, -2.5)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_remainder_follows_the_divisor_and_fmod_the_dividend(device, dtype):
    pairs = [(a, b) for a, b in SIGNS if dtype.startswith("float") or a == int(a) and b == int(b)]
    a_values, b_values = zip(*pairs)
    a = Tensor(list(a_values), device=device).to(getattr(tensor, dtype))
    b = Tensor(list(b_values), device=device).to(getattr(tensor, dtype))
    assert (a % b).tolist() == [x % y for x, y in pairs]  # Python's rule: the divisor's sign
    assert (a // b).tolist() == [x // y for x, y in pairs]  # floor: a == (a // b) * b + a % b
    assert a.fmod(b).tolist() == [math.fmod(x, y) for x, y in pairs]  # the dividend's sign
    assert str((a % b).dtype) == dtype and str((a // b).dtype) == dtype
    ta, tb = torch.tensor(a_values, dtype=getattr(torch, dtype)), torch.tensor(
        b_values, dtype=getattr(torch, dtype))
    assert (a % b).tolist() == (ta % tb).tolist()
    assert (a // b).tolist() == (ta // tb).tolist()
    assert a.fmod(b).tolist() == ta.fmod(tb).tolist()


def test_numbers_on_either_side_of_mod_and_floordiv(device):
    x = Tensor([-7, 7, 5], device=device)
    assert (x % 3).tolist() == [2, 1, 2] and (x // 3).tolist() == [-3, 2, 1]
    assert (10 % x).tolist() == [-4, 3, 0] and (10 // x).tolist() == [-2, 1, 2]
    assert (x % 2.5).dtype == tensor.float32  # an int tensor with a float number: float32
    assert tensor.remainder(10, x).tolist() == [-4, 3, 0]
    assert tensor.floor_divide(10, x).tolist() == [-2, 1, 2]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns of the inf and nan
def test_integer_division_by_zero_raises_as_in_torch(device):
    x = Tensor([5, -5], device=device)
    for op in (lambda: x % 0, lambda: x // 0, lambda: x.fmod(Tensor([1, 0], device=device))):
        with pytest.raises(ZeroDivisionError, match="division by zero"):
            op()
    f = Tensor([5.0, -5.0], device=device)
    assert np.isnan((f % 0.0).tolist()).all() and np.isnan(f.fmod(0.0).tolist()).all()


def test_floordiv_and_number_mod_have_no_derivative_as_in_torch(device):
    x = tensor.randn(3, requires_grad=True, device=device)
    for make in (lambda x: x // 2, lambda x: 2.0 % x, lambda x: x.floor_divide(x + 5)):
        out = make(x)
        assert out.requires_grad  # recorded, as in PyTorch, but with no backward rule
        with pytest.raises(RuntimeError, match="derivative for '.*' is not implemented"):
            out.sum().backward()
    tx = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide"):
        (tx // 2).sum().backward()


def test_remainder_gradients_are_one_and_minus_the_quotient(device):
    a = Tensor([-7.5, 7.5, 2.0], dtype=tensor.float64, requires_grad=True, device=device)
    b = Tensor([2.0, -2.0, 0.75], dtype=tensor.float64, requires_grad=True, device=device)
    (a % b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 1.0]
    assert b.grad.tolist() == [4.0, 4.0, -2.0]  # -floor(a / b)
    a.grad = b.grad = None
    a.fmod(b).sum().backward()
    assert b.grad.tolist() == [3.0, 3.0, -2.0]  # -trunc(a / b)


# ---- dtypes, steps, special values ------------------------------------------------------


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign", "sgn", "square"])
def test_rounding_keeps_an_integer_tensor_integer(device, name):
    x = Tensor([5, -3, 0], dtype=tensor.int32, device=device)
    out = getattr(x, name)()
    expected = getattr(torch.tensor([5, -3, 0], dtype=torch.int32), name)()
    assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
    assert out.tolist() == expected.tolist()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns of the inf and nan
@pytest.mark.parametrize("name", ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
                                  "log10", "log2", "log1p", "expm1", "rsqrt", "reciprocal"])
def test_math_on_integers_is_float32(device, name):
    x = Tensor([1, 0, -1] if name not in ("log10", "log2", "rsqrt") else [1, 2, 4],
               device=device)
    out, expected = getattr(x, name)(), getattr(torch.tensor(x.tolist()), name)()
    assert out.dtype == tensor.float32 and expected.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_frac_of_an_integer_tensor_is_refused(device):
    with pytest.raises(TypeError, match="frac.*floating-point.*int64"):
        Tensor([1, 2], device=device).frac()


def test_steps_pass_back_zeros(device):
    """floor, ceil, round, trunc and sign are flat: their gradient is 0, everywhere (at the
    jumps too), as PyTorch's is; not an error, not nan."""
    values = [-1.5, -0.5, 0.0, 0.5, 2.0, 2.5]
    for name in ["floor", "ceil", "round", "trunc", "sign", "sgn"]:
        x = Tensor(values, requires_grad=True, device=device)
        tx = torch.tensor(values, requires_grad=True)
        out, expected = getattr(x, name)(), getattr(tx, name)()
        assert out.grad_fn.name() == expected.grad_fn.name()
        out.sum().backward()
        expected.sum().backward()
        assert x.grad.tolist() == torch.zeros(6).add(tx.grad).tolist() == [0.0] * 6


def test_round_halves_to_even_and_sign_of_zero(device):
    x = Tensor([0.5, 1.5, 2.5, -0.5, -2.5, 1.2345], device=device)
    assert x.round().tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 1.0]
    assert x.round(decimals=2).tolist() == torch.tensor(x.tolist()).round(decimals=2).tolist()
    assert Tensor([-2.0, 0.0, 3.0], device=device).sign().tolist() == [-1.0, 0.0, 1.0]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns of the inf and nan
def test_special_values_match_torch(device):
    """The edges of each domain: PyTorch's inf and nan, ours too."""
    values = [-1.0, 1.0, 0.0, -0.0, 2.0, -2.0]
    x, tx = Tensor(values, device=device), torch.tensor(values)
    for name in ["asin", "acos", "log10", "log2", "log1p", "rsqrt", "reciprocal", "atan"]:
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(tx, name)().numpy(),
                                      err_msg=name)
    others = [0.0, -0.0, 0.0, -1.0, 0.0, -0.0]
    np.testing.assert_array_equal(tensor.atan2(x, Tensor(others, device=device)).numpy(),
                                  torch.atan2(tx, torch.tensor(others)).numpy())


def test_log1p_and_expm1_keep_tiny_values(device):
    """log(1 + x) loses every digit of x = 1e-17 (1 + x rounds to 1); log1p keeps them."""
    x = Tensor([1e-17], dtype=tensor.float64, device=device)
    assert x.log1p().item() == pytest.approx(1e-17, rel=1e-12)
    assert x.expm1().item() == pytest.approx(1e-17, rel=1e-12)
    assert (1 + x).log().item() == 0.0 and (x.exp() - 1).item() == 0.0


# ---- cumsum, cumprod, prod ------------------------------------------------------------------


def test_cumsum_and_prod_dtypes_follow_torch(device):
    for dtype in ["int32", "int64", "bool", "uint8"]:
        x = Tensor([1, 0, 1], device=device).to(getattr(tensor, dtype))
        tx = torch.tensor([1, 0, 1]).to(getattr(torch, dtype))
        for ours, theirs in [(x.cumsum(0), tx.cumsum(0)), (x.cumprod(0), tx.cumprod(0)),
                             (x.prod(), tx.prod())]:
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.") == "int64"
            assert ours.tolist() == theirs.tolist()
    x = Tensor([1.5, 2.5], requires_grad=True, device=device)
    out = x.cumsum(0, dtype=tensor.float64)
    assert out.dtype == tensor.float64
    out.sum().backward()
    assert x.grad.dtype == tensor.float32 and x.grad.tolist() == [2.0, 1.0]
    assert x.prod(dtype=tensor.float64).dtype == tensor.float64


def test_prod_takes_one_dim_as_torch_does(device):
    with pytest.raises(TypeError, match="one integer"):
        tensor.ones(2, 3, device=device).prod((0, 1))


ZERO_CASES = [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 5.0], [1.5, -2.0, 3.0, 0.0],
              [0.0, 0.0, 0.0, 0.0], [3.0, -1.0, 2.0, 0.5]]


@pytest.mark.parametrize("values", ZERO_CASES)
def test_cumprod_and_prod_gradients_through_zeros_match_torch(device, values):
    """Dividing the product by x_j (the shortcut for 'the product of the others') fails at a
    zero; the gradients at, before and after zeros must still be exact."""
    rows = np.array([values, values[::-1]])
    weights = np.random.default_rng(0).standard_normal(rows.shape)
    for make in (lambda t: t.cumprod(1), lambda t: t.prod(1), lambda t: t.prod()):
        x = Tensor(rows, dtype=tensor.float64, requires_grad=True, device=device)
        tx = torch.tensor(rows, requires_grad=True)
        out, expected = make(x), make(tx)
        w = weights if out.ndim == 2 else weights[:, 0] if out.ndim == 1 else weights[0, 0]
        (out * Tensor(w, dtype=tensor.float64, device=device)).sum().backward()
        (expected * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy())
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(),
       zeros=st.booleans(), op=st.sampled_from(["cumsum", "cumprod", "prod"]))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_scans_over_any_dim_match_torch(device, shape, data, zeros, op):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    rng = np.random.default_rng(sum(shape) * 7 + dim)
    a = rng.standard_normal(shape)
    if zeros:
        a[rng.random(shape) < 0.3] = 0.0
    x = Tensor(a, requires_grad=True, device=device)
    tx = torch.tensor(a, requires_grad=True)
    args = {"dim": dim, "keepdim": keepdim} if op == "prod" else {"dim": dim}
    out, expected = getattr(x, op)(**args), getattr(tx, op)(**args)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = rng.standard_normal(expected.shape)
    out.backward(Tensor(g, device=device))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_the_table_covers_every_op():
    import inspect

    source = "\n".join(inspect.getsource(op.fn) for op in OPS)
    for name in ["sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "log10",
                 "log2", "log1p", "expm1", "square", "rsqrt", "reciprocal", "floor", "ceil",
                 "round", "trunc", "frac", "sign", "sgn", "fmod", "remainder", "floor_divide",
                 "cumsum", "cumprod", "prod"]:
        assert f"{name}(" in source, f"no row of the op table uses {name}"
    assert " % " in source and " // " in source
