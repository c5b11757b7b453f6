"""The sliding-window mechanism of tensor/ops/window.py, at the array level, on every device:
the window view against its definition and against torch's unfold (without copying), its
adjoint scatter_windows (<windows(x), c> = <x, scatter_windows(c)>), the four padding modes
against torch's F.pad with their adjoints, and the output-size arithmetic against the sizes
torch's convolution and pooling produce."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensor
from tensor.backend import get_backend
from tensor.ops import window

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
rng = np.random.default_rng(0)


def host(backend, array):
    return backend.to_numpy(array)


@st.composite
def window_cases(draw, max_dims=3):
    """(shape, kernel_size, stride, dilation) with at least one window per dimension."""
    dims = draw(st.integers(1, max_dims))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    spatial = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4))
                    for k, d in zip(kernel, dilation))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + spatial
    return shape, kernel, stride, dilation


def by_definition(x, kernel, stride, dilation):
    """view[n, c, *p, *j] = x[n, c, *(p*s + j*d)], with explicit loops."""
    dims = len(kernel)
    out = window.output_shape(x.shape[2:], kernel, stride, (0,) * dims, dilation)
    result = np.empty(x.shape[:2] + out + kernel, x.dtype)
    for p in itertools.product(*map(range, out)):
        for j in itertools.product(*map(range, kernel)):
            at = tuple(pi * s + ji * d for pi, ji, s, d in zip(p, j, stride, dilation))
            result[(slice(None), slice(None)) + p + j] = x[(slice(None), slice(None)) + at]
    return result


@pytest.mark.exercise("ch08.window_view")
@given(case=window_cases())
@SETTINGS
def test_windows_is_the_definition_and_a_view(device, case):
    shape, kernel, stride, dilation = case
    backend = get_backend(device)
    x = rng.normal(size=shape)
    view = window.windows(backend, backend.array(x), kernel, stride, dilation)
    np.testing.assert_array_equal(host(backend, view), by_definition(x, kernel, stride, dilation))
    if device == "cpu":
        assert np.shares_memory(view, x) or view.base is not None
        assert not view.flags.writeable


@pytest.mark.exercise("ch08.window_view")
def test_windows_share_the_input_memory_without_a_copy():
    x = np.arange(2 * 3 * 8 * 9, dtype=np.float32).reshape(2, 3, 8, 9)
    view = window.windows(get_backend("cpu"), x, (3, 2), (2, 1), (1, 3))
    assert np.shares_memory(view, x)
    assert view.shape == (2, 3, 3, 6, 3, 2)


@pytest.mark.exercise("ch08.window_view")
@given(case=window_cases(max_dims=2))
@SETTINGS
def test_windows_match_torch_unfold(case):
    shape, kernel, stride, dilation = case
    if len(kernel) == 1:  # unfold is 2-d: a 1-d case is a 2-d one with a height of one
        shape, kernel, stride, dilation = (shape[:2] + (1,) + shape[2:], (1,) + kernel,
                                           (1,) + stride, (1,) + dilation)
    x = rng.normal(size=shape)
    view = window.windows(get_backend("cpu"), x, kernel, stride, dilation)
    n, c = shape[:2]
    ours = view.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], -1)
    theirs = torch.nn.functional.unfold(torch.tensor(x), kernel, dilation=dilation,
                                        stride=stride)
    np.testing.assert_array_equal(ours, theirs.numpy())


@given(case=window_cases())
@SETTINGS
def test_scatter_windows_is_the_adjoint_of_windows(device, case):
    shape, kernel, stride, dilation = case
    backend = get_backend(device)
    x = rng.normal(size=shape)
    view = window.windows(backend, backend.array(x), kernel, stride, dilation)
    cols = rng.normal(size=view.shape)
    back = window.scatter_windows(backend, backend.array(cols), shape, kernel, stride, dilation)
    assert back.shape == shape
    np.testing.assert_allclose(np.sum(host(backend, view) * cols),
                               np.sum(x * host(backend, back)), rtol=1e-10)
    # and element by element: each input element gets the sum over its copies
    index = window.windows(get_backend("cpu"), np.arange(x.size).reshape(shape), kernel, stride,
                           dilation)
    expected = np.zeros(x.size)
    np.add.at(expected, index.reshape(-1), cols.reshape(-1))
    np.testing.assert_allclose(host(backend, back).reshape(-1), expected, rtol=1e-12)


def test_scatter_windows_accepts_any_strides_and_keeps_the_dtype():
    cols = np.ones((1, 2, 2, 2, 3, 3), np.float32).transpose(0, 1, 4, 5, 2, 3)  # kernel-first
    back = window.scatter_windows(get_backend("cpu"), cols, (1, 2, 4, 4), (2, 2), (1, 1), (1, 1))
    assert back.dtype == np.float32
    counts = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_array_equal(back[0, 0], counts)  # how many windows hold each element


MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
         "circular": "circular"}


@given(dims=st.integers(1, 3), mode=st.sampled_from(sorted(MODES)), data=st.data())
@SETTINGS
def test_pad_matches_torch_and_pad_adjoint_is_its_adjoint(device, dims, mode, data):
    backend = get_backend(device)
    spatial = tuple(data.draw(st.integers(2, 5)) for _ in range(dims))
    limit = {"reflect": -1, "circular": 0}.get(mode, 2)  # reflect: < size; circular: <= size
    pads = tuple((data.draw(st.integers(0, min(3, n + limit))),
                  data.draw(st.integers(0, min(3, n + limit)))) for n in spatial)
    x = rng.normal(size=(2, 3) + spatial)
    padded = window.pad(backend, backend.array(x), pads, mode)
    torch_pad = tuple(a for pair in reversed(pads) for a in pair)
    expected = torch.nn.functional.pad(torch.tensor(x), torch_pad, mode=MODES[mode])
    np.testing.assert_array_equal(host(backend, padded), expected.numpy())
    g = rng.normal(size=padded.shape)
    back = window.pad_adjoint(backend, backend.array(g), pads, mode)
    np.testing.assert_allclose(np.sum(host(backend, padded) * g),
                               np.sum(x * host(backend, back)), rtol=1e-10)


def test_pad_with_a_constant_value():
    x = np.zeros((1, 1, 2), np.float32)
    padded = window.pad(get_backend("cpu"), x, ((1, 0),), "constant", -np.inf)
    assert padded.dtype == np.float32 and padded[0, 0].tolist() == [-np.inf, 0, 0]


@pytest.mark.parametrize("mode, pads, message", [
    ("reflect", ((3, 0),), "reflect padding of (3, 0) must be smaller than the size 3"),
    ("circular", ((0, 4),), "circular padding of (0, 4) must be at most the size 3"),
    ("mirror", ((1, 1),), "padding mode must be one of"),
])
def test_pad_errors(mode, pads, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        window.pad(get_backend("cpu"), np.zeros((1, 1, 3)), pads, mode)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_tensor_pad_modes_match_torch_with_gradients(device, mode):
    x = rng.normal(size=(2, 3, 5, 6))
    ours = tensor.Tensor(x, requires_grad=True, device=device)
    theirs = torch.tensor(x, requires_grad=True)
    y = tensor.pad(ours, (1, 2, 3, 1), mode=mode)
    expected = torch.nn.functional.pad(theirs, (1, 2, 3, 1), mode=mode)
    np.testing.assert_array_equal(y.detach().cpu().numpy(), expected.detach().numpy())
    g = rng.normal(size=y.shape)
    (y * tensor.Tensor(g, device=device)).sum().backward()
    (expected * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.grad.cpu().numpy(), theirs.grad.numpy(), rtol=1e-12)


@given(size=st.integers(1, 12), kernel=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), dilation=st.integers(1, 2))
@settings(max_examples=40, deadline=None)
def test_output_size_matches_torch_convolution(size, kernel, stride, padding, dilation):
    expected = torch.nn.functional.conv1d(torch.zeros(1, 1, size), torch.zeros(1, 1, kernel),
                                          stride=stride, padding=padding,
                                          dilation=dilation).shape[-1] \
        if size + 2 * padding >= dilation * (kernel - 1) + 1 else None
    out = window.output_size(size, kernel, stride, padding, dilation)
    assert out == expected if expected is not None else out <= 0


@given(size=st.integers(1, 12), kernel=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), dilation=st.integers(1, 2))
@settings(max_examples=40, deadline=None)
def test_ceil_mode_output_size_matches_torch_pooling(size, kernel, stride, padding, dilation):
    if padding > kernel // 2 or size + 2 * padding < dilation * (kernel - 1) + 1:
        return  # torch refuses these
    expected = torch.nn.functional.max_pool1d(torch.zeros(1, 1, size), kernel, stride, padding,
                                              dilation, ceil_mode=True).shape[-1]
    assert window.output_size(size, kernel, stride, padding, dilation, ceil_mode=True) == expected


def test_same_padding_puts_the_odd_element_after():
    assert window.same_padding((3, 4, 1), (1, 1, 3)) == ((1, 1), (1, 2), (0, 0))
    assert window.same_padding((3,), (2,)) == ((2, 2),)


def test_ntuple():
    assert window.ntuple(2, 3, "stride", "conv3d") == (2, 2, 2)
    assert window.ntuple((1, 2), 2, "stride", "conv2d") == (1, 2)
    with pytest.raises(ValueError, match=r"conv2d: stride must be an int or a tuple of 2 ints"):
        window.ntuple((1, 2, 3), 2, "stride", "conv2d")
