"""Every loss of nn.functional and nn against PyTorch: forward and backward (input and, where
PyTorch has it, target), in float32 and float64, with each reduction, every option, gradcheck,
on every device; then the edge cases PyTorch defines (log clamped at -100, all samples
ignored, huge logits) and the errors.

One table drives it all. A row is (id, function, module, arguments, options): the arguments
are NumPy arrays, wrapped as G (a float array that gets a gradient) or C (a constant: class
indices, weights); the options are keyword arguments spelled as in torch. The same row calls
F.<function> and torch.nn.functional.<function>, and nn.<Module> and torch.nn.<Module>."""

from dataclasses import dataclass

import numpy as np
import pytest
import torch

import nn
import nn.functional as F
import tensor


@dataclass
class G:
    """A float array that requires grad."""
    array: np.ndarray


@dataclass
class C:
    """A constant array (class indices, a weight)."""
    array: np.ndarray


rng = np.random.default_rng(0)


def normal(*shape):
    return rng.normal(size=shape)


def uniform(low, high, *shape):
    return rng.uniform(low, high, size=shape)


def classes(high, *shape, ignore=None):
    """Class indices in [0, high); with `ignore`, a few of them replaced by that value."""
    labels = rng.integers(0, high, size=shape)
    if ignore is not None:
        labels.reshape(-1)[::3] = ignore
    return labels


def probabilities(*shape):
    """Rows that sum to 1 along dimension 1 (or 0 for one row)."""
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


# (id, function, module, {argument name: G or C}, options)
LOSSES = [
    ("mse", "mse_loss", "MSELoss", dict(input=G(normal(4, 3)), target=G(normal(4, 3))), {}),
    ("mse-3d", "mse_loss", "MSELoss", dict(input=G(normal(2, 3, 2)), target=G(normal(2, 3, 2))),
     {}),
    ("l1", "l1_loss", "L1Loss", dict(input=G(normal(4, 3)), target=G(normal(4, 3))), {}),
    ("huber", "huber_loss", "HuberLoss", dict(input=G(2 * normal(4, 3)), target=G(normal(4, 3))),
     {}),
    ("huber-delta", "huber_loss", "HuberLoss",
     dict(input=G(2 * normal(4, 3)), target=G(normal(4, 3))), dict(delta=0.5)),
    ("smooth_l1", "smooth_l1_loss", "SmoothL1Loss",
     dict(input=G(2 * normal(4, 3)), target=G(normal(4, 3))), {}),
    ("smooth_l1-beta", "smooth_l1_loss", "SmoothL1Loss",
     dict(input=G(2 * normal(4, 3)), target=G(normal(4, 3))), dict(beta=0.3)),
    ("smooth_l1-beta0", "smooth_l1_loss", "SmoothL1Loss",
     dict(input=G(2 * normal(4, 3)), target=G(normal(4, 3))), dict(beta=0.0)),
    ("bce", "binary_cross_entropy", "BCELoss",
     dict(input=G(uniform(0.05, 0.95, 4, 3)), target=G(uniform(0, 1, 4, 3))), {}),
    ("bce-weight", "binary_cross_entropy", "BCELoss",
     dict(input=G(uniform(0.05, 0.95, 4, 3)), target=G(uniform(0, 1, 4, 3)),
          weight=C(uniform(0.5, 2, 3))), {}),
    ("bce_logits", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
     dict(input=G(3 * normal(4, 3)), target=G(uniform(0, 1, 4, 3))), {}),
    ("bce_logits-weight", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
     dict(input=G(3 * normal(4, 3)), target=G(uniform(0, 1, 4, 3)),
          weight=C(uniform(0.5, 2, 4, 1))), {}),
    ("bce_logits-pos_weight", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
     dict(input=G(3 * normal(4, 3)), target=G(uniform(0, 1, 4, 3)),
          pos_weight=C(uniform(0.5, 3, 3))), {}),
    ("bce_logits-both", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
     dict(input=G(3 * normal(2, 4, 3)), target=G(uniform(0, 1, 2, 4, 3)),
          weight=C(uniform(0.5, 2, 4, 3)), pos_weight=C(uniform(0.5, 3, 3))), {}),
    ("ce", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6))), {}),
    ("ce-weight", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6)), weight=C(uniform(0.2, 2, 4))), {}),
    ("ce-ignore", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6, ignore=-100))), {}),
    ("ce-ignore_index=2", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6))), dict(ignore_index=2)),
    ("ce-smoothing", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6))), dict(label_smoothing=0.2)),
    ("ce-all-options", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6, ignore=1)), weight=C(uniform(0.2, 2, 4))),
     dict(ignore_index=1, label_smoothing=0.3)),
    ("ce-probabilities", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(5, 4)), target=G(probabilities(5, 4))), {}),
    ("ce-probabilities-all", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(5, 4)), target=G(probabilities(5, 4)), weight=C(uniform(0.2, 2, 4))),
     dict(label_smoothing=0.1)),
    ("ce-kdim", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(2, 4, 3, 2)), target=C(classes(4, 2, 3, 2, ignore=-100)),
          weight=C(uniform(0.2, 2, 4))), dict(label_smoothing=0.1)),
    ("ce-kdim-probabilities", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(2, 3, 4)), target=G(probabilities(2, 3, 4))), {}),
    ("ce-unbatched", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(5)), target=C(np.array(3))), dict(label_smoothing=0.1)),
    ("ce-unbatched-probabilities", "cross_entropy", "CrossEntropyLoss",
     dict(input=G(normal(5)), target=G(probabilities(5))), {}),
    ("nll", "nll_loss", "NLLLoss", dict(input=G(normal(6, 4)), target=C(classes(4, 6))), {}),
    ("nll-weight-ignore", "nll_loss", "NLLLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6, ignore=-100)),
          weight=C(uniform(0.2, 2, 4))), {}),
    ("nll-ignore_index=0", "nll_loss", "NLLLoss",
     dict(input=G(normal(6, 4)), target=C(classes(4, 6))), dict(ignore_index=0)),
    ("nll-kdim", "nll_loss", "NLLLoss",
     dict(input=G(normal(2, 4, 3)), target=C(classes(4, 2, 3)), weight=C(uniform(0.2, 2, 4))),
     {}),
    ("nll-unbatched", "nll_loss", "NLLLoss", dict(input=G(normal(5)), target=C(np.array(1))), {}),
]
IDS = [row[0] for row in LOSSES]
REDUCTIONS = ["mean", "sum", "none"]
TOLERANCE = {"float32": dict(rtol=2e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def ours(arguments, dtype="float64", device="cpu"):
    """Our tensors for a row's arguments (float arrays in `dtype`, indices int64)."""
    def convert(value):
        array = value.array
        kind = getattr(tensor, dtype) if array.dtype.kind == "f" else tensor.int64
        return tensor.Tensor(array, dtype=kind, device=device, requires_grad=isinstance(value, G))
    return {name: convert(value) for name, value in arguments.items()}


def theirs(arguments, dtype="float64"):
    def convert(value):
        array = value.array
        kind = getattr(torch, dtype) if array.dtype.kind == "f" else torch.int64
        return torch.tensor(array, dtype=kind, requires_grad=isinstance(value, G))
    return {name: convert(value) for name, value in arguments.items()}


def call(library, function, args, options, reduction):
    """library.<function>(input, target, weight=..., pos_weight=..., **options)."""
    args = dict(args)
    return getattr(library, function)(args.pop("input"), args.pop("target"), **args, **options,
                                      reduction=reduction)


def host(array):
    if isinstance(array, tensor.Tensor):
        return array.detach().cpu().numpy()
    return tensor.backend.backend_of(array).to_numpy(array)


def compare(out, expected, args, targs, dtype, device, what=""):
    """Same loss values (and dtype, device), and the same gradients after backward of
    sum(loss * g) for a fixed random g."""
    assert out.device == tensor.backend.parse_device(device)
    assert str(out.dtype) == dtype, f"{what}loss dtype"
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(),
                               **TOLERANCE[dtype], err_msg=f"{what}loss")
    g = np.random.default_rng(1).normal(size=out.shape)
    (out * tensor.Tensor(g, dtype=out.dtype, device=device)).sum().backward()
    (expected * torch.tensor(g, dtype=expected.dtype)).sum().backward()
    for name, ours_ in args.items():
        if ours_.requires_grad:
            assert ours_.grad is not None, f"{what}no gradient for {name}"
            assert str(ours_.grad.dtype) == dtype
            np.testing.assert_allclose(host(ours_.grad), targs[name].grad.numpy(),
                                       **TOLERANCE[dtype], err_msg=f"{what}gradient of {name}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("row", LOSSES, ids=IDS)
def test_function_matches_torch(row, dtype, reduction, device):
    _, function, _, arguments, options = row
    args, targs = ours(arguments, dtype, device), theirs(arguments, dtype)
    out = call(F, function, args, options, reduction)
    expected = call(torch.nn.functional, function, targs, options, reduction)
    compare(out, expected, args, targs, dtype, device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("row", LOSSES, ids=IDS)
def test_module_matches_torch_module(row, reduction, device):
    _, _, module, arguments, options = row
    args, targs = ours(arguments, device=device), theirs(arguments)
    buffers = {k: args.pop(k) for k in ("weight", "pos_weight") if k in args}
    tbuffers = {k: targs.pop(k) for k in ("weight", "pos_weight") if k in targs}
    criterion = getattr(nn, module)(**buffers, **options, reduction=reduction)
    expected_criterion = getattr(torch.nn, module)(**tbuffers, **options, reduction=reduction)
    assert repr(criterion) == repr(expected_criterion)
    assert list(criterion.state_dict()) == list(expected_criterion.state_dict())
    out = criterion(args["input"], args["target"])
    expected = expected_criterion(targs["input"], targs["target"])
    compare(out, expected, args, targs, "float64", device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("row", LOSSES, ids=IDS)
def test_gradcheck(row, reduction, device):
    _, function, _, arguments, options = row
    args = ours(arguments, device=device)
    names = [name for name, value in args.items() if value.requires_grad]
    constants = {name: value for name, value in args.items() if name not in names}

    def loss(*differentiable):
        return call(F, function, {**constants, **dict(zip(names, differentiable))}, options,
                    reduction)

    assert tensor.gradcheck(loss, *(args[name] for name in names))


@pytest.mark.exercise("ch06.cross_entropy")
def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    logits = normal(5, 3)
    labels = np.array([0, 2, 1, 1, 0])
    x = tensor.Tensor(logits, requires_grad=True)
    F.cross_entropy(x, tensor.Tensor(labels)).backward()
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad, (softmax - np.eye(3)[labels]) / 5, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 7, 64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("as_module", [False, True], ids=["function", "module"])
@pytest.mark.exercise("ch06.cross_entropy")
def test_cross_entropy_gradient_has_the_right_scale(n, reduction, as_module):
    """The gradient's size, not only its direction: (softmax - one_hot) / N for the mean and
    softmax - one_hot for the sum, exactly as PyTorch. A gradient k times too large is a
    learning rate k times too large for SGD; Adam would hide it, since it divides by the
    gradient's own scale."""
    logits, labels = normal(n, 10), rng.integers(0, 10, size=n)
    x = tensor.Tensor(logits, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    if as_module:
        nn.CrossEntropyLoss(reduction=reduction)(x, tensor.Tensor(labels)).backward()
        torch.nn.CrossEntropyLoss(reduction=reduction)(tx, torch.tensor(labels)).backward()
    else:
        F.cross_entropy(x, tensor.Tensor(labels), reduction=reduction).backward()
        torch.nn.functional.cross_entropy(tx, torch.tensor(labels), reduction=reduction).backward()
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    closed_form = (softmax - np.eye(10)[labels]) / (n if reduction == "mean" else 1)
    np.testing.assert_allclose(host(x.grad), closed_form, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_is_one_fused_node():
    x = tensor.randn(4, 3, requires_grad=True)
    per_sample = F.cross_entropy(x, tensor.Tensor([0, 1, 2, 0]), reduction="none")
    assert per_sample.op == "cross_entropy" and per_sample.parents == (x,)


# ---- the edge cases PyTorch defines ---------------------------------------------------------


def check_edge(function, arguments, options=None, reduction="mean", device="cpu",
               dtype="float32"):
    args, targs = ours(arguments, dtype, device), theirs(arguments, dtype)
    out = call(F, function, args, options or {}, reduction)
    expected = call(torch.nn.functional, function, targs, options or {}, reduction)
    compare(out, expected, args, targs, dtype, device)
    return out


def test_bce_clamps_the_log_at_minus_100_like_torch(device):
    """Probabilities of exactly 0 and 1: finite loss (each log is at least -100) and finite
    gradients for the input (the denominator x (1 - x) is at least 1e-12); the target's
    gradient, log(1 - x) - log(x), is +-inf there, in PyTorch too."""
    arguments = dict(input=G(np.array([0.0, 1.0, 0.0, 1.0, 0.5])),
                     target=G(np.array([1.0, 0.0, 0.0, 1.0, 0.3])))
    for reduction in REDUCTIONS:
        with np.errstate(divide="ignore"):
            out = check_edge("binary_cross_entropy", arguments, reduction=reduction,
                             device=device)
        assert np.isfinite(out.detach().numpy()).all()
    assert F.binary_cross_entropy(tensor.Tensor([0.0]), tensor.Tensor([1.0])).item() == 100.0


def test_huge_logits_stay_finite_like_torch(device):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [50.0, 60.0, -70.0]])
    for options in ({}, {"label_smoothing": 0.1}):
        out = check_edge("cross_entropy", dict(input=G(logits), target=C(np.array([1, 0, 2]))),
                         options, device=device)
        assert np.isfinite(out.item())
    out = check_edge("binary_cross_entropy_with_logits",
                     dict(input=G(logits), target=G(uniform(0, 1, 3, 3))), device=device)
    assert np.isfinite(out.item())


def test_cross_entropy_with_minus_infinity_for_another_class_like_torch(device):
    """A class masked out with a score of -inf adds nothing (0 * log 0 is taken as 0)."""
    logits = np.array([[0.5, -np.inf, 1.0], [-np.inf, 2.0, 0.0]])
    check_edge("cross_entropy", dict(input=G(logits), target=C(np.array([0, 1]))),
               device=device)


def test_all_samples_ignored_gives_nan_mean_like_torch():
    arguments = dict(input=G(normal(3, 4)), target=C(np.full(3, -100)))
    with np.errstate(invalid="ignore"):
        for function in ("cross_entropy", "nll_loss"):
            assert np.isnan(check_edge(function, arguments, dtype="float64").item())
            assert check_edge(function, arguments, reduction="sum").item() == 0.0


def test_weighted_mean_divides_by_the_weights_of_the_samples():
    """PyTorch's weighted mean: sum_n w[y_n] loss_n / sum_n w[y_n], not / N."""
    x = tensor.Tensor([[0.0, 0.0], [0.0, 0.0]])
    w = tensor.Tensor([1.0, 3.0])
    loss = F.cross_entropy(x, tensor.Tensor([0, 1]), w)
    assert loss.item() == pytest.approx(np.log(2))  # (1 + 3) log 2 / (1 + 3)


# ---- modules --------------------------------------------------------------------------------


def test_loss_weights_are_buffers_that_move_with_the_module():
    criterion = nn.CrossEntropyLoss(weight=tensor.ones(3))
    assert list(criterion.state_dict()) == ["weight"]
    criterion.to("standin")
    assert criterion.weight.device == "standin"
    x = tensor.randn(2, 3, device="standin", requires_grad=True)
    criterion(x, tensor.Tensor([0, 2], device="standin")).backward()
    assert x.grad is not None


def test_a_torch_loss_state_dict_loads():
    expected = torch.nn.BCEWithLogitsLoss(weight=torch.rand(3), pos_weight=torch.rand(3))
    criterion = nn.BCEWithLogitsLoss(weight=tensor.zeros(3), pos_weight=tensor.zeros(3))
    criterion.load_state_dict({k: v.numpy() for k, v in expected.state_dict().items()})
    x, y = normal(2, 3), uniform(0, 1, 2, 3)
    np.testing.assert_allclose(criterion(tensor.Tensor(x), tensor.Tensor(y)).item(),
                               expected(torch.tensor(x), torch.tensor(y)).item(), rtol=1e-6)


# ---- errors ---------------------------------------------------------------------------------

ELEMENTWISE = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
               "binary_cross_entropy_with_logits"]


@pytest.mark.parametrize("function", ELEMENTWISE)
def test_shape_mismatch_names_the_loss_and_both_shapes(function):
    with pytest.raises(ValueError, match=rf"{function}: input of shape \(8, 1\) and target of "
                                         r"shape \(8,\) must have the same shape"):
        getattr(F, function)(tensor.rand(8, 1), tensor.rand(8))


@pytest.mark.parametrize("function", ELEMENTWISE)
def test_integer_targets_for_elementwise_losses_say_float(function):
    with pytest.raises(TypeError, match=rf"{function}: target must be a floating-point tensor, "
                                        r"got dtype int64; convert it with \.float\(\)"):
        getattr(F, function)(tensor.rand(3), tensor.Tensor([0, 1, 1]))


@pytest.mark.parametrize("function", ["cross_entropy", "nll_loss"])
def test_class_index_out_of_range(function, device):
    x = tensor.randn(3, 4, device=device)
    with pytest.raises(IndexError, match=rf"{function}: target 4 is out of bounds: class "
                                         r"indices must be in \[0, 3\] for 4 classes"):
        getattr(F, function)(x, tensor.Tensor([0, 4, 1], device=device))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        getattr(F, function)(x, tensor.Tensor([0, -1, 1], device=device))


def test_float_targets_for_index_based_losses():
    x = tensor.randn(3, 4)
    with pytest.raises(TypeError, match=r"nll_loss: expected class indices of shape \(3,\), got "
                                        r"a float32 target of shape \(3,\); class indices must "
                                        r"be an integer tensor, e.g. target.long\(\)"):
        F.nll_loss(x, tensor.Tensor([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match=r"nll_loss: expected class indices of shape \(3,\), got "
                                        r"a float32 target of shape \(3, 4\)"):
        F.nll_loss(x, tensor.rand(3, 4))  # probabilities are cross_entropy's
    with pytest.raises(TypeError, match=r"cross_entropy: expected class indices of shape \(3,\) "
                                        r"or class probabilities of shape \(3, 4\), got a "
                                        r"float32 target of shape \(3,\)"):
        F.cross_entropy(x, tensor.Tensor([0.0, 1.0, 2.0]))


def test_index_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"cross_entropy: input of shape \(3, 4\) \(4 classes "
                                         r"along dim 1\) expects class indices of shape \(3,\), "
                                         r"got target of shape \(3, 1\)"):
        F.cross_entropy(tensor.randn(3, 4), tensor.Tensor([[0], [1], [2]]))


def test_bad_options_are_value_errors():
    x, y = tensor.randn(3, 4), tensor.Tensor([0, 1, 2])
    with pytest.raises(ValueError, match=r"cross_entropy: reduction must be one of \('none', "
                                         r"'mean', 'sum'\), got 'average'"):
        F.cross_entropy(x, y, reduction="average")
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        F.cross_entropy(x, y, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have one value per class, shape \(4,\), "
                                         r"got shape \(3,\)"):
        F.cross_entropy(x, y, tensor.ones(3))
    with pytest.raises(ValueError, match="ignore_index=0 cannot be used with class-probability"):
        F.cross_entropy(x, tensor.rand(3, 4), ignore_index=0)
    with pytest.raises(ValueError, match="delta must be positive, got 0"):
        F.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match=r"pos_weight of shape \(3,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=tensor.ones(3))


def test_bce_refuses_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: every input must be a "
                                         r"probability in \[0, 1\], got values from -0.5 to 2; "
                                         r"apply sigmoid first"):
        F.binary_cross_entropy(tensor.Tensor([-0.5, 2.0]), tensor.Tensor([0.0, 1.0]))


def test_options_after_target_are_keyword_only():
    x, y = tensor.randn(3, 4), tensor.Tensor([0, 1, 2])
    with pytest.raises(TypeError):
        F.cross_entropy(x, y, None, -100)
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss(None, -100)


def test_tensors_on_two_devices():
    with pytest.raises(RuntimeError, match="mse_loss: input is on cpu but target is on standin"):
        F.mse_loss(tensor.zeros(2), tensor.zeros(2, device="standin"))
    with pytest.raises(RuntimeError, match="cross_entropy: input is on standin but weight is on "
                                           "cpu"):
        F.cross_entropy(tensor.zeros(2, 3, device="standin"),
                        tensor.Tensor([0, 1], device="standin"), tensor.ones(3))
