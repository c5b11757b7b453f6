"""Rearranging elements: roll, flip, repeat, tile, repeat_interleave, narrow, unbind, movedim,
swapaxes. Their gradients are the adjoint of a move: a permutation back, or a sum over
copies. The rows run through chapter 4's op-table checks (tests/test_ch04_ops.py); then the
same ops on random shapes against PyTorch, the gradients by their formulas, and the errors."""

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

OPS = [
    Op("roll", lambda T, a: a.roll(1, 0), [(3, 4)]),
    Op("roll_two_dims", lambda T, a: T.roll(a, shifts=(2, -1), dims=(1, 0)), [(2, 3, 4)]),
    Op("roll_flat", lambda T, a: a.roll(5), [(3, 4)]),
    Op("flip", lambda T, a: a.flip(0), [(3, 4)]),
    Op("flip_dims", lambda T, a: T.flip(a, dims=(0, 2)), [(2, 3, 4)]),
    Op("flip_varargs", lambda T, a: a.flip(1, 0), [(3, 4)]),
    Op("repeat", lambda T, a: a.repeat(2, 3), [(3, 4)]),
    Op("repeat_new_dims", lambda T, a: a.repeat(2, 1, 3), [(4,)]),
    Op("tile", lambda T, a: T.tile(a, (2,)), [(3, 4)]),
    Op("tile_more_dims", lambda T, a: a.tile((2, 1, 2)), [(3, 2)]),
    Op("repeat_interleave", lambda T, a: a.repeat_interleave(2), [(3, 2)]),
    Op("repeat_interleave_dim", lambda T, a: T.repeat_interleave(a, 3, dim=1), [(2, 3)]),
    Op("repeat_interleave_counts", lambda T, a: a.repeat_interleave(
        T.index(a, [2, 0, 1]), dim=0), [(3, 4)]),
    Op("narrow", lambda T, a: a.narrow(1, 1, 2), [(3, 4)]),
    Op("narrow_negative_start", lambda T, a: T.narrow(a, 0, -2, 2), [(3, 4)]),
    Op("unbind", lambda T, a: a.unbind(1)[2] * a.unbind(1)[0], [(3, 4)]),
    Op("unbind_function", lambda T, a: T.unbind(a)[1], [(3, 4)]),
    Op("movedim", lambda T, a: a.movedim(0, -1), [(2, 3, 4)]),
    Op("movedim_many", lambda T, a: T.movedim(a, (0, 1), (2, 0)), [(2, 3, 4)]),
    Op("moveaxis", lambda T, a: T.moveaxis(a, 2, 0), [(2, 3, 4)]),
    Op("swapaxes", lambda T, a: a.swapaxes(0, 2), [(2, 3, 4)]),
    Op("swapdims", lambda T, a: T.swapdims(a, 0, 1), [(3, 4)]),
]


test_gradcheck, test_matches_torch, test_matches_torch_in_float64, \
    test_grad_fn_names_match_torch = table_tests(OPS)


# ---- random shapes against PyTorch ------------------------------------------------------------

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def both(shape, device, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return Tensor(a, requires_grad=True, device=device), torch.tensor(a, requires_grad=True)


def same_values_and_gradients(x, t, ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    weights = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
    (ours * Tensor(weights, device=x.device)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@given(shape=shapes, data=st.data())
@SETTINGS
def test_repeat_and_tile_match_torch(device, shape, data):
    sizes = tuple(data.draw(st.lists(st.integers(0, 3), min_size=len(shape),
                                     max_size=len(shape) + 1)))
    x, t = both(shape, device)
    same_values_and_gradients(x, t, x.repeat(*sizes), t.repeat(*sizes))
    x, t = both(shape, device)
    same_values_and_gradients(x, t, x.tile(sizes[:-1] or (2,)), t.tile(sizes[:-1] or (2,)))


@given(shape=shapes, data=st.data())
@SETTINGS
def test_roll_flip_and_movedim_match_torch(device, shape, data):
    ndim = len(shape)
    dims = tuple(data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                                    unique_by=lambda d: d % ndim)))
    shifts = tuple(data.draw(st.lists(st.integers(-5, 5), min_size=len(dims),
                                      max_size=len(dims))))
    for ours, theirs in [(lambda a: a.roll(shifts, dims), lambda a: a.roll(shifts, dims)),
                         (lambda a: a.flip(dims), lambda a: a.flip(dims)),
                         (lambda a: a.movedim(dims, tuple(range(len(dims)))),
                          lambda a: a.movedim(dims, tuple(range(len(dims)))))]:
        x, t = both(shape, device)
        same_values_and_gradients(x, t, ours(x), theirs(t))


@given(shape=shapes, data=st.data())
@SETTINGS
def test_repeat_interleave_matches_torch(device, shape, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[dim], max_size=shape[dim]))
    x, t = both(shape, device)
    same_values_and_gradients(
        x, t, x.repeat_interleave(Tensor(counts, device=device), dim=dim),
        t.repeat_interleave(torch.tensor(counts), dim=dim))
    x, t = both(shape, device)
    r = data.draw(st.integers(0, 3))
    same_values_and_gradients(x, t, x.repeat_interleave(r), t.repeat_interleave(r))


# ---- the gradients by their formulas ---------------------------------------------------------


def test_repeat_gradient_sums_over_the_copies(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.repeat(3)  # [1, 2, 1, 2, 1, 2]
    y.backward(Tensor([1.0, 10.0, 100.0, 1000.0, 1e4, 1e5], device=device))
    assert x.grad.tolist() == [1.0 + 100.0 + 1e4, 10.0 + 1000.0 + 1e5]


def test_roll_gradient_rolls_back(device):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    assert x.roll(1).tolist() == [3.0, 1.0, 2.0]
    x.roll(1).backward(Tensor([10.0, 20.0, 30.0], device=device))
    assert x.grad.tolist() == [20.0, 30.0, 10.0]  # element 0 went to place 1, and so on


def test_repeat_interleave_of_counts_alone_lists_positions(device):
    counts = Tensor([1, 2, 0, 3], device=device)
    assert tensor.repeat_interleave(counts).tolist() == [0, 1, 1, 3, 3, 3]
    assert counts.repeat_interleave(Tensor([2, 1, 1, 1], device=device)).tolist() == \
        [1, 1, 2, 0, 3]


def test_narrow_is_a_view_and_unbind_gives_the_slices(device):
    x = tensor.arange(12, device=device).reshape(3, 4)
    part = x.narrow(1, 1, 2)
    part.zero_()
    assert x.tolist() == [[0, 0, 0, 3], [4, 0, 0, 7], [8, 0, 0, 11]]
    assert [row.tolist() for row in x.unbind(1)] == [[0, 4, 8], [0, 0, 0], [0, 0, 0],
                                                     [3, 7, 11]]
    assert x.unbind(0)[2].shape == (4,) and len(x.unbind(1)) == 4


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.repeat(2), ValueError, r"at least one size per dimension \(2\)"),
    (lambda x: x.roll((1, 2), 0), ValueError, "same length"),
    (lambda x: x.roll((1, 2)), ValueError, "without dims, shifts must be one number"),
    (lambda x: x.flip(0, 0), ValueError, "same dimension twice"),
    (lambda x: x.flip(2), IndexError, "out of range"),
    (lambda x: x.narrow(1, 3, 2), IndexError, r"exceeds dimension 1 of size 4"),
    (lambda x: x.movedim((0, 1), 0), ValueError, "same number of dimensions"),
    (lambda x: x.repeat_interleave(-1), ValueError, "repeats must be >= 0"),
    (lambda x: x.repeat_interleave(Tensor([1, 2]), dim=1), ValueError, "one count per slice"),
])
def test_errors_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call(tensor.zeros(3, 4))
