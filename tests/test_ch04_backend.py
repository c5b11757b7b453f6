"""The backend seam: device names, the optional GPU, and the stand-in device that enforces
CuPy's host/device rules on the CPU (so these rules are tested on machines without a GPU)."""

import numpy as np
import pytest

import tensor
from tensor import backend
from tensor.backend import standin_xp
from tensor.backend.standin_array import StandinArray

# ---- device names ------------------------------------------------------------------------------


@pytest.mark.parametrize("given, name", [("cpu", "cpu"), ("CUDA", "cuda:0"), ("cuda:1", "cuda:1"),
                                         (" standin ", "standin")])
def test_device_names_are_normalized(given, name):
    assert backend.parse_device(given) == name


@pytest.mark.parametrize("given, error, message", [
    ("gpu", ValueError, "unknown device 'gpu'; expected 'cpu', 'cuda', 'cuda:N'"),
    ("cuda:x", ValueError, "unknown device 'cuda:x'"),
    (0, TypeError, "a device must be a string"),
])
def test_bad_device_names(given, error, message):
    with pytest.raises(error, match=message):
        backend.parse_device(given)
    with pytest.raises(error):
        tensor.zeros(2, device=given)


def test_cuda_availability_is_a_question_not_an_error():
    assert tensor.cuda.is_available() in (True, False)
    assert tensor.cuda.device_count() >= 0
    if not tensor.cuda.is_available():
        with pytest.raises(RuntimeError, match=r"no CUDA GPU is available.*gradschool\[gpu\]"):
            backend.get_backend("cuda")


def test_each_device_has_its_array_module():
    assert backend.get_xp("cpu") is np
    assert backend.get_xp("standin") is standin_xp
    assert backend.get_backend("cpu").device == "cpu"


def test_to_device_is_explicit_and_a_no_op_when_already_there():
    host = np.arange(3.0)
    assert backend.to_device(host, "cpu") is host
    moved = backend.to_device(host, "standin")
    assert isinstance(moved, StandinArray) and backend.to_device(moved, "standin") is moved
    back = backend.to_device(moved, "cpu")
    assert isinstance(back, np.ndarray) and back.tolist() == [0.0, 1.0, 2.0]
    assert backend.backend_of(moved).device == "standin" and backend.backend_of([1]) is None


# ---- the kernels NumPy and CuPy spell differently -----------------------------------------


def test_scatter_add_counts_repeated_indices(device):
    b = backend.get_backend(device)
    target = b.xp.zeros(4)
    b.scatter_add(target, (b.asarray([0, 2, 0]),), b.asarray([1.0, 2.0, 3.0]))
    assert target.tolist() == [4.0, 0.0, 2.0, 0.0]


def test_sliding_window_view(device):
    b = backend.get_backend(device)
    windows = b.sliding_window_view(b.xp.arange(5.0), 3)
    assert windows.shape == (3, 3) and windows[2].tolist() == [2.0, 3.0, 4.0]


def test_random_numbers_come_in_the_asked_dtype(device):
    b = backend.get_backend(device)
    assert b.rand((2, 3), np.float32).dtype == np.float32
    assert b.randn((2,), np.float64).dtype == np.float64
    assert b.randint(0, 3, (5,), np.int64).dtype == np.int64


# ---- the stand-in device: CuPy's rules on the CPU -------------------------------------------


def test_standin_arrays_refuse_implicit_conversion_to_numpy():
    a = standin_xp.arange(3.0)
    with pytest.raises(TypeError, match="Implicit conversion .* is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array(a)
    assert isinstance(a.get(), np.ndarray) and a.get().tolist() == [0.0, 1.0, 2.0]
    assert isinstance(standin_xp.asnumpy(a), np.ndarray)


@pytest.mark.parametrize("mix", [
    lambda a, h: a + h,
    lambda a, h: h + a,
    lambda a, h: h * a,
    lambda a, h: np.add(a, h),
    lambda a, h: np.concatenate([a, h]),
    lambda a, h: np.where(a > 0, a, h),
    lambda a, h: standin_xp.maximum(a, h),
    lambda a, h: standin_xp.exp(h),
    lambda a, h: a[h.astype(int)],
    lambda a, h: a.__setitem__(slice(None), h),
])
def test_standin_arrays_refuse_to_mix_with_host_arrays(mix):
    with pytest.raises(TypeError, match="standin"):
        mix(standin_xp.arange(3.0), np.ones(3))


def test_standin_arrays_compute_like_numpy_and_stay_on_the_device():
    a = standin_xp.asarray(np.array([[1.0, -2.0], [3.0, 4.0]], dtype=np.float32))
    for result in (a + 1, 2 * a, np.exp(a), a @ a, a.T, a[0], a[a > 0], a.sum(axis=0),
                   np.concatenate([a, a]), standin_xp.where(a > 0, a, 0.0), a.max(),
                   standin_xp.zeros_like(a)):
        assert isinstance(result, StandinArray)
    assert a.sum().shape == () and float(a.sum()) == 6.0  # 0-d arrays, as in CuPy
    assert (a * np.float32(2)).dtype == np.float32  # NumPy scalars are fine, as in CuPy
    view = a[1:]
    view[0, 0] = 10.0
    assert a[1, 0].item() == 10.0
    same = a
    a += 1
    assert a is same and a[0, 0].item() == 2.0
    assert standin_xp.add.reduce(a, axis=0).tolist() == [13.0, 4.0]
    with pytest.raises(AttributeError, match="numpy.random"):
        standin_xp.random  # noqa: B018


def test_standin_tensors_run_every_op_without_touching_numpy(device):
    """A small end-to-end computation; on the stand-in any host/device slip would raise."""
    x = tensor.randn(4, 3, device=device, requires_grad=True)
    w = tensor.randn(3, 5, device=device, requires_grad=True)
    y = tensor.Tensor([0, 4, 2, 2], device=device)
    logits = tensor.gelu((x.unsqueeze(-1) * w).sum(dim=1))
    logits = logits.masked_fill(tensor.zeros(4, 5, device=device) > 1, 0.0)
    log_p = logits - logits.exp().sum(dim=1, keepdim=True).log()
    loss = -log_p[tensor.arange(4, device=device), y].mean()
    loss = loss + tensor.pad(x, (1, 1)).std() + x.max(dim=0).values.sum() + x[x > 0].sum()
    loss.backward()
    for t in (x.grad, w.grad):
        assert backend.get_backend(device).is_array(t.array)
    assert np.isfinite(loss.item())
