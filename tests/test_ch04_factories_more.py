"""More factories: meshgrid, linspace, logspace, full_like, empty, empty_like (values against
PyTorch), and the random ones: randperm, randint, multinomial, normal, bernoulli.

Random numbers here come from NumPy's (or CuPy's) generator, not PyTorch's, so a seed gives
other numbers than PyTorch's: the random factories are checked by statistics instead (means,
variances, frequencies within a few standard deviations of what the distribution says, with
fixed seeds so that a run never fails by bad luck), plus reproducibility: the same seed gives
the same numbers, on the CPU and on the stand-in device alike."""

import numpy as np
import pytest
import torch

import tensor
from tensor import Tensor
from tensor.random import Generator


def close_to_expected(counts, probabilities, sigmas=5):
    """Each count of n draws lies within `sigmas` standard deviations of n p (binomial)."""
    counts, p = np.asarray(counts, dtype=float), np.asarray(probabilities, dtype=float)
    n = counts.sum(axis=-1, keepdims=True)
    spread = sigmas * np.sqrt(n * p * (1 - p)) + 1
    assert (np.abs(counts - n * p) <= spread).all(), (counts, n * p)


# ---- deterministic factories, against PyTorch -------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda T, **on: T.linspace(-1, 2, 7, **on),
    lambda T, **on: T.linspace(0, 1, 1, dtype=T.float64, **on),
    lambda T, **on: T.logspace(0, 3, 4, **on),
    lambda T, **on: T.logspace(-1, 1, 5, base=2.0, dtype=T.float64, **on),
    lambda T, **on: T.full_like(T.zeros(2, 3, dtype=T.int64, **on), 7),
    lambda T, **on: T.full_like(T.zeros(2, 3, **on), 0.25, dtype=T.float64),
    lambda T, **on: T.empty(2, 3, **on).fill_(1.5),
    lambda T, **on: T.empty((4,), dtype=T.int32, **on).zero_(),
    lambda T, **on: T.empty_like(T.ones(3, 2, dtype=T.float64, **on)).fill_(2),
], ids=["linspace", "linspace_one", "logspace", "logspace_base2", "full_like_int",
        "full_like_dtype", "empty", "empty_tuple", "empty_like"])
def test_factories_match_torch(device, make):
    ours, theirs = make(tensor, device=device), make(torch)
    assert ours.device == tensor.backend.parse_device(device)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch_with_gradients(device, indexing):
    arrays = [np.array([1.0, 2.0, 3.0]), np.array([-1.0, 4.0]), np.array(0.5)]
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    grids, expected = tensor.meshgrid(*ours, indexing=indexing), torch.meshgrid(
        *theirs, indexing=indexing)
    weights = np.random.default_rng(0).standard_normal(tuple(expected[0].shape))
    for g, e in zip(grids, expected, strict=True):
        np.testing.assert_array_equal(g.detach().numpy(), e.detach().numpy())
        assert g.grad_fn.name() == e.grad_fn.name()
    sum((g * Tensor(weights, device=device)).sum() for g in grids).backward()
    sum((e * torch.tensor(weights)).sum() for e in expected).backward()
    for x, t in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_meshgrid_takes_a_list_and_defaults_to_ij():
    x, y = tensor.meshgrid([tensor.arange(3), tensor.arange(2)])
    assert x.shape == y.shape == (3, 2) and x[:, 0].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="0-d or 1-d tensors"):
        tensor.meshgrid(tensor.zeros(2, 2))
    with pytest.raises(ValueError, match="'ij' or 'xy'"):
        tensor.meshgrid(tensor.zeros(2), indexing="ji")


# ---- random factories, by their statistics ------------------------------------------------------


def test_randperm_is_a_uniform_permutation(device):
    tensor.manual_seed(0)
    perm = tensor.randperm(10, device=device)
    assert perm.dtype == tensor.int64 and sorted(perm.tolist()) == list(range(10))
    assert tensor.randperm(0).shape == (0,) and tensor.randperm(3, dtype=tensor.float32).dtype \
        == tensor.float32
    first = [tensor.randperm(4, device=device)[0].item() for _ in range(2000)]
    close_to_expected(np.bincount(first, minlength=4), [0.25] * 4)


def test_randint_covers_its_range_uniformly(device):
    tensor.manual_seed(1)
    x = tensor.randint(3, 8, (20000,), device=device)
    assert x.dtype == tensor.int64 and x.min().item() == 3 and x.max().item() == 7
    close_to_expected(np.bincount(x.numpy() - 3), [0.2] * 5)


def test_multinomial_with_replacement_draws_in_proportion(device):
    tensor.manual_seed(2)
    weights = Tensor([[1.0, 0.0, 3.0, 4.0], [0.0, 0.0, 5.0, 0.0], [1, 1, 1, 1]], device=device)
    draws = tensor.multinomial(weights, 8000, replacement=True).numpy()
    assert draws.shape == (3, 8000) and draws.dtype == np.int64
    counts = np.stack([np.bincount(row, minlength=4) for row in draws])
    assert counts[0, 1] == 0 and counts[1].tolist() == [0, 0, 8000, 0]  # weight 0: never
    close_to_expected(counts[0], [1 / 8, 0, 3 / 8, 4 / 8])
    close_to_expected(counts[2], [0.25] * 4)


def test_multinomial_without_replacement_draws_each_category_once(device):
    tensor.manual_seed(3)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    draws = tensor.multinomial(Tensor(np.tile(w, (4000, 1)), device=device), 2).numpy()
    assert (draws[:, 0] != draws[:, 1]).all()
    close_to_expected(np.bincount(draws[:, 0], minlength=4), w / w.sum())
    # the second draw: P(second = j) = sum_i p_i p_j / (1 - p_i) over i != j
    p = w / w.sum()
    second = [sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)]
    close_to_expected(np.bincount(draws[:, 1], minlength=4), second)
    all_of_them = tensor.multinomial(Tensor([0.0, 0.5, 0.5, 0.0], device=device), 4)
    assert sorted(all_of_them[:2].tolist()) == [1, 2] and all_of_them[2:].tolist() == [0, 3]


def test_multinomial_refuses_bad_weights():
    with pytest.raises(ValueError, match="finite and >= 0"):
        tensor.multinomial(Tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="positive total weight"):
        tensor.multinomial(Tensor([[1.0, 1.0], [0.0, 0.0]]), 1)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from 2"):
        tensor.multinomial(Tensor([1.0, 1.0]), 3)
    with pytest.raises(ValueError, match="1-d or 2-d floating-point"):
        tensor.multinomial(Tensor([1, 1]), 1)


def test_normal_has_the_asked_mean_and_spread(device):
    tensor.manual_seed(4)
    mean = Tensor([[-2.0], [0.0], [5.0]], dtype=tensor.float64, device=device)
    std = Tensor([0.5, 1.0, 3.0, 0.0], dtype=tensor.float64, device=device)
    x = tensor.normal(mean.expand(3, 4).repeat(1, 5000), std.repeat(5000)).numpy()
    assert x.shape == (3, 20000) and x.dtype == np.float64
    columns = x.reshape(3, 5000, 4)
    sample_mean, sample_std = columns.mean(axis=1), columns.std(axis=1)
    expected_std = np.broadcast_to([0.5, 1.0, 3.0, 0.0], (3, 4))
    assert (np.abs(sample_mean - [[-2], [0], [5]]) <= 5 * expected_std / np.sqrt(5000)).all()
    np.testing.assert_allclose(sample_std, expected_std, rtol=0.05)
    y = tensor.normal(3.0, 2.0, size=(40000,), device=device)
    assert y.dtype == tensor.float32 and abs(y.mean().item() - 3) < 0.05
    assert abs(y.std().item() - 2) < 0.05
    assert tensor.normal(Tensor([0.0, 1.0], device=device)).shape == (2,)  # std defaults to 1


@pytest.mark.parametrize("call", [
    lambda T, m, s: T.normal(m, 2.0),
    lambda T, m, s: T.normal(1.0, s),
    lambda T, m, s: T.normal(m, s),
], ids=["tensor_float", "float_tensor", "tensor_tensor"])
def test_normal_gradient_is_zero_as_in_torch(call):
    """A draw is not differentiated through (the reparameterization trick is how to)."""
    m, s = Tensor([0.0, 1.0], requires_grad=True), Tensor([1.0, 2.0], requires_grad=True)
    tm, ts = torch.tensor([0.0, 1.0], requires_grad=True), torch.tensor([1.0, 2.0],
                                                                       requires_grad=True)
    ours, theirs = call(tensor, m, s), call(torch, tm, ts)
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    ours.sum().backward()
    theirs.sum().backward()
    for x, t in ((m, tm), (s, ts)):
        assert (x.grad is None) == (t.grad is None)
        assert x.grad is None or x.grad.tolist() == t.grad.tolist() == [0.0, 0.0]


def test_normal_refuses_a_negative_std():
    with pytest.raises(ValueError, match="std must be >= 0"):
        tensor.normal(tensor.zeros(2), Tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="needs a size"):
        tensor.normal(0.0, 1.0)


def test_bernoulli_draws_ones_with_the_given_probability(device):
    tensor.manual_seed(5)
    p = Tensor([0.0, 0.1, 0.5, 0.9, 1.0], dtype=tensor.float64, device=device)
    draws = tensor.bernoulli(p.expand(20000, 5)).numpy()
    assert draws.dtype == np.float64 and set(np.unique(draws)) <= {0.0, 1.0}
    ones = draws.sum(axis=0)
    assert ones[0] == 0 and ones[-1] == 20000
    for count, q in zip(ones[1:4], [0.1, 0.5, 0.9]):
        close_to_expected([count, 20000 - count], [q, 1 - q])
    fixed = tensor.zeros(20000, device=device).bernoulli(0.25)
    close_to_expected([fixed.sum().item(), 20000 - fixed.sum().item()], [0.25, 0.75])
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        tensor.bernoulli(Tensor([1.5], device=device))


def test_bernoulli_gradient_is_zero_as_in_torch():
    p = Tensor([0.2, 0.7], requires_grad=True)
    tp = torch.tensor([0.2, 0.7], requires_grad=True)
    ours, theirs = p.bernoulli(), tp.bernoulli()
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    ours.sum().backward()
    theirs.sum().backward()
    assert p.grad.tolist() == tp.grad.tolist() == [0.0, 0.0]


# ---- seeds and generators -----------------------------------------------------------------------

SAMPLERS = {
    "randperm": lambda d, **g: tensor.randperm(8, device=d, **g),
    "multinomial": lambda d, **g: tensor.multinomial(Tensor([1.0, 2.0, 3.0], device=d), 5,
                                                     replacement=True, **g),
    "multinomial_no_replacement": lambda d, **g: tensor.multinomial(
        Tensor([[1.0, 2.0, 3.0]], device=d), 2, **g),
    "normal": lambda d, **g: tensor.normal(tensor.zeros(4, device=d), 1.0, **g),
    "normal_size": lambda d, **g: tensor.normal(0.0, 1.0, (4,), device=d, **g),
    "bernoulli": lambda d, **g: tensor.bernoulli(tensor.full((6,), 0.5, device=d), **g),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_a_seed_repeats_the_same_numbers_on_every_device(name):
    runs = []
    for device in ("cpu", "standin", "cpu"):
        tensor.manual_seed(123)
        runs.append(SAMPLERS[name](device).tolist())
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_a_generator_is_a_stream_of_its_own(name):
    tensor.manual_seed(7)
    expected_default = tensor.rand(3).tolist()
    first = SAMPLERS[name]("cpu", generator=Generator().manual_seed(42)).tolist()
    tensor.manual_seed(7)
    second = SAMPLERS[name]("cpu", generator=Generator().manual_seed(42)).tolist()
    assert first == second
    assert tensor.rand(3).tolist() == expected_default  # the default stream was not touched
