"""Numerical stability: the ops that exponentiate, take logarithms or square their inputs stay
finite and correct at the edges of the float range, values and gradients.

- float32 with inputs of +-1e4 (exp(1e4) is inf, 1e4**2 is fine): every result and gradient is
  finite and equals PyTorch's (float32) and the float64 result.
- float16 at its limits: +-65504 (the largest float16; exp overflows past 11, x**2 past 256)
  and tiny values (6e-8, the smallest subnormal; 6.1e-5, the smallest normal). Each result
  and gradient equals the float64 result of the same input rounded to float16: finite
  wherever that is finite, and inf exactly where the true value lies beyond float16 (the
  log-softmax of [-65504, 0, 65504] is -131008). PyTorch's float16 is not the oracle here:
  its CPU layer_norm of a row of three 65504s gives 0.71, not 0.

The stable formulas: softmax and log_softmax shift by the row's max, logsumexp adds it back,
sigmoid and BCE-with-logits exponentiate only -|x|, cross_entropy is a fused log-softmax,
GELU and LayerNorm compute float16 in float32.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nn
import nn.functional as F
import tensor
from tensor import Tensor

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow notes

FLOAT32_ROWS = [
    [-1e4, 0.0, 1e4],
    [1e4, 1e4, 1e4],
    [-1e4, -1e4, -1e4],
    [1e4, -1e4, 0.5],
    [1e4, 9999.0, -0.25],
    [-1e4, -9998.0, 1.0],
    [0.5, -1.0, 2.0],
]
FLOAT16_ROWS = [
    [65504.0, 65504.0, 65504.0],
    [-65504.0, -65504.0, -65504.0],
    [65504.0, 65000.0, 60000.0],
    [-65504.0, -65000.0, -60000.0],
    [65504.0, 0.0, -1.0],
    [-65504.0, 0.0, 65504.0],
    [6e-8, -6e-8, 0.0],
    [6.1e-5, 1.2e-4, -3e-5],
    [1e-3, 6e-8, -6.1e-5],
]
INPUTS = {"float32": FLOAT32_ROWS, "float16": FLOAT16_ROWS}


def _targets(rows):
    return np.arange(rows) % 3


def _probabilities(rows):
    return np.resize([0.0, 1.0, 0.5, 0.25], (rows, 3))


def _affine(T, like):
    """LayerNorm's weight and bias, in the input's dtype."""
    weight, bias = np.array([0.5, 1.0, 2.0]), np.array([0.0, -1.0, 0.25])
    if T is torch:
        return torch.tensor(weight, dtype=like.dtype), torch.tensor(bias, dtype=like.dtype)
    return Tensor(weight, dtype=like.dtype, device=like.device), Tensor(
        bias, dtype=like.dtype, device=like.device)


def _const(T, like, data, dtype=None):
    if T is torch:
        return torch.tensor(data, dtype=dtype or like.dtype)
    return Tensor(data, dtype=dtype or like.dtype, device=like.device)


OPS = {  # fn(T, F, x) with T = tensor or torch, F its functional namespace
    "softmax": lambda T, F, x: F.softmax(x, dim=-1),
    "log_softmax": lambda T, F, x: F.log_softmax(x, dim=-1),
    "logsumexp": lambda T, F, x: T.logsumexp(x, dim=-1),
    "sigmoid": lambda T, F, x: T.sigmoid(x),
    "tanh": lambda T, F, x: T.tanh(x),
    "gelu": lambda T, F, x: F.gelu(x),
    "gelu_tanh": lambda T, F, x: F.gelu(x, approximate="tanh"),
    "cross_entropy": lambda T, F, x: F.cross_entropy(
        x, _const(T, x, _targets(x.shape[0]), T.int64), reduction="none"),
    "cross_entropy_mean_smoothed": lambda T, F, x: F.cross_entropy(
        x, _const(T, x, _targets(x.shape[0]), T.int64), label_smoothing=0.1),
    "bce_with_logits": lambda T, F, x: F.binary_cross_entropy_with_logits(
        x, _const(T, x, _probabilities(x.shape[0])), reduction="none"),
    "layer_norm": lambda T, F, x: F.layer_norm(x, (3,), *_affine(T, x)),
}


def run(fn, library, array, dtype, weights, device="cpu"):
    """(result, gradient of sum(result * weights)) of fn on `array` as `dtype`, as float64
    NumPy arrays; in Grad School (library tensor) or PyTorch."""
    if library is torch:
        x = torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=True)
        out = fn(torch, TF, x)
        (out * torch.tensor(weights, dtype=out.dtype)).sum().backward()
        assert out.dtype == x.dtype and x.grad.dtype == x.dtype
        return out.detach().double().numpy(), x.grad.double().numpy()
    x = Tensor(array, dtype=dtype, requires_grad=True, device=device)
    out = fn(tensor, F, x)
    (out * Tensor(weights, dtype=out.dtype, device=device)).sum().backward()
    assert out.dtype == x.dtype and x.grad.dtype == x.dtype, (out.dtype, x.grad.dtype)
    return out.detach().numpy().astype("float64"), x.grad.numpy().astype("float64")


def _weights(shape):
    """The gradient flowing into the op's output: not all ones (a softmax row sums to 1, so
    ones would give a zero gradient) and exact in float16."""
    return np.resize([1.0, -0.5, 0.25, 2.0, -1.5], shape)


def _rounded(exact, dtype):
    """float64 values rounded to `dtype` (and back to float64 to compare)."""
    return exact.astype(dtype).astype("float64")


def _close(actual, expected, rtol, atol, what):
    assert np.isfinite(actual).all() or not np.isfinite(expected).all(), f"{what}: {actual}"
    same_infinities = np.isinf(actual) == np.isinf(expected)
    assert same_infinities.all(), f"{what}: {actual}, expected {expected}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("op", sorted(OPS))
def test_float32_at_plus_minus_1e4_is_finite_and_equals_torch(device, op):
    array = np.array(FLOAT32_ROWS, dtype="float32")
    fn = OPS[op]
    weights = _weights(fn(torch, TF, torch.tensor(array)).shape)
    out, grad = run(fn, tensor, array, "float32", weights, device)
    their_out, their_grad = run(fn, torch, array, "float32", weights)
    exact_out, exact_grad = run(fn, torch, array, "float64", weights)
    for what, ours, theirs, exact in (("result", out, their_out, exact_out),
                                      ("gradient", grad, their_grad, exact_grad)):
        assert np.isfinite(ours).all(), f"{op} {what}: {ours}"
        np.testing.assert_allclose(ours, exact, rtol=1e-5, atol=1e-6, err_msg=f"{op} {what}")
        # PyTorch's logsumexp gradient is exp(x - logsumexp), the result rounded at 1e4 to
        # 1e-3: 2e-4 off (ours, from the shifted values, is within 1e-7 of float64's)
        rtol = 5e-4 if (op, what) == ("logsumexp", "gradient") else 1e-5
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-6, err_msg=f"{op} {what}")


@pytest.mark.parametrize("op", sorted(OPS))
def test_float16_at_its_limits_equals_the_float64_result_rounded(device, op):
    """Within a few float16 ulps (2**-10 = 1e-3 relative) of the exact result rounded to
    float16; finite wherever that is finite."""
    array = np.array(FLOAT16_ROWS, dtype="float16")
    fn = OPS[op]
    weights = _weights(fn(torch, TF, torch.tensor(array, dtype=torch.float64)).shape)
    out, grad = run(fn, tensor, array, "float16", weights, device)
    exact_out, exact_grad = run(fn, torch, array.astype("float64"), "float64", weights)
    _close(out, _rounded(exact_out, "float16"), 4e-3, 1e-7, f"{op} result")
    _close(grad, _rounded(exact_grad, "float16"), 4e-3, 1e-7, f"{op} gradient")


@pytest.mark.parametrize("dtype, scale", [("float32", 1e4), ("float16", 6e4)])
def test_layer_norm_module_at_the_limits(device, dtype, scale):
    """nn.LayerNorm (the module, in the input's dtype) on rows of huge values and tiny ones;
    the gradients of its weight and bias too."""
    rows = np.array([[scale, -scale, scale / 2, 0.0], [scale, scale, scale, scale],
                     [6e-8, -6e-8, 1e-7, 0.0]])
    weight = np.array([0.5, 1.0, 2.0, -1.0])
    layer = nn.LayerNorm(4).to(device=device, dtype=dtype)
    layer.weight.data = Tensor(weight, dtype=dtype, device=device)
    their_layer = torch.nn.LayerNorm(4).double()
    with torch.no_grad():
        their_layer.weight.copy_(torch.tensor(weight))
    x = Tensor(rows, dtype=dtype, requires_grad=True, device=device)
    x_exact = torch.tensor(np.asarray(rows, dtype=dtype).astype("float64"), requires_grad=True)
    out, expected = layer(x), their_layer(x_exact)
    weights = _weights(rows.shape)
    (out * Tensor(weights, dtype=dtype, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    rtol = 1e-5 if dtype == "float32" else 4e-3
    assert out.dtype == x.grad.dtype == layer.weight.grad.dtype == dtype
    for what, ours, theirs in (
            ("result", out.detach(), expected.detach()),
            ("input gradient", x.grad, x_exact.grad),
            ("weight gradient", layer.weight.grad, their_layer.weight.grad),
            ("bias gradient", layer.bias.grad, their_layer.bias.grad)):
        _close(ours.numpy().astype("float64"), _rounded(theirs.numpy(), dtype), rtol, 1e-6,
               f"LayerNorm {what}")


def _attention():
    """Grad School's attention softmax(q k^T / sqrt(d)) v, if it has one yet:
    F.scaled_dot_product_attention, or else nn.MultiheadAttention with one head and identity
    projections (which computes the same); None without either."""
    sdpa = getattr(F, "scaled_dot_product_attention", None)
    if sdpa is not None or not hasattr(nn, "MultiheadAttention"):
        return sdpa

    def through_the_layer(q, k, v):
        d = q.shape[-1]
        layer = nn.MultiheadAttention(d, 1, bias=False, batch_first=True).to(
            device=q.device, dtype=q.dtype)
        layer.in_proj_weight.data = Tensor(np.concatenate([np.eye(d)] * 3), dtype=q.dtype,
                                           device=q.device)
        layer.out_proj.weight.data = Tensor(np.eye(d), dtype=q.dtype, device=q.device)
        return layer(q, k, v, need_weights=False)[0]

    return through_the_layer


@pytest.mark.parametrize("dtype, big, small", [("float32", 1e4, 1e4), ("float16", 6e4, 0.3)])
def test_attention_at_the_limits(device, dtype, big, small):
    """softmax(q k^T / sqrt(d)) v with huge scores, up to 2e8 in float32 (rows of one-hot
    attention): values and gradients finite and equal to float64's. In float16, keys of 0.3
    keep the true scores, up to 6e4 * 0.3 * 4 / 2 = 3.6e4, inside float16, though q k^T
    before the scaling, 7.2e4, is not."""
    attention = _attention()
    if attention is None:
        pytest.skip("Grad School has no F.scaled_dot_product_attention (nor "
                    "nn.MultiheadAttention) yet: the attention row of issue 13 waits for it")
    rng = np.random.default_rng(0)
    q = rng.choice([-1.0, 1.0], (2, 5, 4)) * big
    k = rng.choice([-1.0, 1.0, 0.5], (2, 5, 4)) * small
    v = rng.choice([-1.0, 1.0, 0.0], (2, 5, 4)) * big
    ours = [Tensor(a, dtype=dtype, requires_grad=True, device=device) for a in (q, k, v)]
    exact = [torch.tensor(np.asarray(a, dtype=dtype).astype("float64"), requires_grad=True)
             for a in (q, k, v)]
    out, expected = attention(*ours), TF.scaled_dot_product_attention(*exact)
    weights = _weights(out.shape)
    (out * Tensor(weights, dtype=dtype, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    rtol = 1e-5 if dtype == "float32" else 4e-3
    result = out.detach().numpy().astype("float64")
    _close(result, _rounded(expected.detach().numpy(), dtype), rtol, 1e-6 * big,
           "attention result")
    for name, x, t in zip("qkv", ours, exact):
        _close(x.grad.numpy().astype("float64"), _rounded(t.grad.numpy(), dtype), rtol,
               1e-6 * big, f"gradient of {name}")
