"""The Tensor engine's machinery: construction and dtypes, backward(), graph release, no_grad,
conversions, factories, random seeds, DLPack, gradcheck, and the errors a learner meets."""

import numpy as np
import pytest
import torch

import tensor
from tensor import Tensor

# ---- construction and dtypes -------------------------------------------------------------------


def test_python_data_gets_pytorchs_default_dtypes(device):
    assert Tensor([1.0, 2]).dtype == tensor.float32
    assert Tensor([1, 2], device=device).dtype == tensor.int64
    assert Tensor([True, False], device=device).dtype == tensor.bool
    assert Tensor(2.5, device=device).shape == ()
    assert Tensor([[1, 2]], dtype=tensor.float64, device=device).dtype == tensor.float64
    assert Tensor([1.0], device=device).device == device


def test_arrays_keep_their_dtype_and_are_copied():
    array = np.arange(3.0)
    t = Tensor(array)
    assert t.dtype == tensor.float64
    array[0] = 7
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_bad_data_is_a_type_error():
    with pytest.raises(TypeError, match="Tensor"):
        Tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="dtype"):
        Tensor([1.0], dtype="complex64")


def test_only_float_tensors_can_require_grad():
    with pytest.raises(TypeError, match="int64"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        tensor.arange(3).requires_grad_()


@pytest.mark.parametrize("make, expected", [
    (lambda: Tensor([1.0]) * 2.5, tensor.float32),
    (lambda: Tensor([1.0]) + np.float64(1.0), tensor.float32),
    (lambda: 2 ** Tensor([1.0], dtype=tensor.float64), tensor.float64),
    (lambda: Tensor([1]) * 2.5, tensor.float32),
    (lambda: Tensor([1]) + 1, tensor.int64),
    (lambda: Tensor([3]) / Tensor([2]), tensor.float32),
    (lambda: Tensor([1]) + Tensor([1.0]), tensor.float32),
    (lambda: Tensor([1.0]) + Tensor([1.0], dtype=tensor.float64), tensor.float64),
    (lambda: Tensor([True]) + 1, tensor.int64),
])
def test_no_silent_float64(make, expected):
    """A Python number keeps the tensor's dtype; int meets float gives the float (PyTorch's
    rules, where NumPy would often say float64)."""
    assert make().dtype == expected


def test_repr_looks_like_pytorch():
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)) == (
        "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)")
    assert repr(Tensor([1, 2, 3])) == "tensor([1, 2, 3])"
    assert repr(Tensor(2.5)) == "tensor(2.5000)"
    assert repr(Tensor([0.5], dtype=tensor.float64)) == "tensor([0.5000], dtype=tensor.float64)"
    assert repr(Tensor([1.0], device="standin")) == "tensor([1.], device='standin')"
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x.sum()) == "tensor(3., grad_fn=<SumBackward0>)"


# ---- backward ----------------------------------------------------------------------------------


def test_backward_of_a_small_expression(device):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = Tensor([4.0, 5.0, 6.0], requires_grad=True, device=device)
    loss = (x * y + x**2).sum()
    loss.backward()
    np.testing.assert_allclose(x.grad.tolist(), [4 + 2, 5 + 4, 6 + 6])
    np.testing.assert_allclose(y.grad.tolist(), [1, 2, 3])
    assert loss.item() == pytest.approx(32 + 14)


def test_leaf_grads_accumulate_and_intermediate_grads_are_dropped(device):
    x = Tensor([1.0, -2.0], requires_grad=True, device=device)
    h = x * 3
    kept = x * 2
    kept.retain_grad()
    (h + kept).sum().backward()
    assert h.grad is None
    assert kept.grad.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [5.0, 5.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [8.0, 8.0]


def test_inputs_that_do_not_require_grad_get_none(device):
    w = Tensor([1.0, 2.0], requires_grad=True, device=device)
    x = Tensor([3.0, 4.0], device=device)
    (w * x).sum().backward()
    assert x.grad is None
    assert not x.requires_grad and x.is_leaf
    assert w.grad.tolist() == [3.0, 4.0]


def test_a_tensor_used_twice_gets_both_gradients(device):
    x = Tensor([3.0], requires_grad=True, device=device)
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [7.0]


def test_backward_of_a_non_scalar_needs_a_gradient(device):
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 2\)"):
        y.backward(gradient=[1.0, 2.0, 3.0])
    y.backward(gradient=Tensor([[1.0, 0.0], [0.0, 1.0]], device=device))
    assert x.grad.tolist() == [[2.0, 0.0], [0.0, 2.0]]


def test_backward_without_a_graph_is_an_error(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0], device=device).sum().backward()


def test_a_released_graph_cannot_be_walked_twice(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    loss = (x.exp() * 2).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_retain_graph_keeps_it(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_a_shared_subgraph_is_released_by_the_first_backward(device):
    x = Tensor([1.0], requires_grad=True, device=device)
    h = x.exp()
    first, second = (h * 2).sum(), (h * 3).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="second time"):
        second.backward()


def test_leaf_gradients_are_arrays_of_their_own(device):
    """Gradients travel without copies, so a leaf may receive a broadcast view or an array
    that another leaf also received; backward() copies those so .grad can be updated in
    place (optimizers, clip_grad_norm_)."""
    a = Tensor([1.0, 2.0], requires_grad=True, device=device)
    b = Tensor([3.0, 4.0], requires_grad=True, device=device)
    w = Tensor([[1.0, 2.0]], requires_grad=True, device=device)
    ((a + b).sum() + w.sum()).backward()
    assert a.grad is not b.grad
    a.grad *= 10
    assert b.grad.tolist() == [1.0, 1.0]
    w.grad[...] = 0  # a read-only broadcast view would refuse this
    assert w.grad.tolist() == [[0.0, 0.0]]


def test_a_long_chain_needs_no_recursion():
    """50,000 nodes: far beyond Python's recursion limit (1,000), for backward's topological
    sort and for freeing a graph that was never used."""
    x = Tensor([1.0], requires_grad=True, dtype=tensor.float64)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([1.00001**50_000])
    unused = x
    for _ in range(50_000):
        unused = unused + 1.0
    del unused


def test_requires_grad_is_settable_on_leaves_only():
    x = Tensor([1.0])
    x.requires_grad = True
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    assert y.detach().is_leaf and not y.detach().requires_grad


# ---- no_grad, detach -------------------------------------------------------------------------


def test_no_grad_records_nothing(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    with tensor.no_grad():
        y = x * 2
        with tensor.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.parents == ()
    assert z.requires_grad and z.parents
    assert tensor.is_grad_enabled()


def test_no_grad_as_a_decorator_restores_the_mode_after_an_error():
    @tensor.no_grad()
    def fails(x):
        assert not tensor.is_grad_enabled()
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fails(Tensor([1.0]))
    assert tensor.is_grad_enabled()


def test_detach_shares_data_and_leaves_the_graph(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    d = (x * 1).detach()
    assert not d.requires_grad and d.parents == ()
    e = x.detach()
    e.data[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_assigning_data_replaces_the_values_as_in_torch(device):
    ours = Tensor([1.0, 2.0], requires_grad=True, device=device)
    theirs = torch.tensor([1.0, 2.0], requires_grad=True)
    before = ours
    ours.data = tensor.backend.to_device(np.array([[3.0, 4.0, 5.0]], np.float32), device)
    theirs.data = torch.tensor([[3.0, 4.0, 5.0]])
    assert ours is before and ours.requires_grad and ours.is_leaf
    assert ours.tolist() == theirs.tolist() and tuple(ours.shape) == tuple(theirs.shape)
    (ours * 2).sum().backward()  # the new values take part in the graph like the old ones
    assert ours.grad.tolist() == [[2.0, 2.0, 2.0]]


def test_assigning_a_tensor_takes_its_array(device):
    p = Tensor([1.0, 2.0], requires_grad=True, device=device)
    source = Tensor([7.0, 8.0], dtype=tensor.float64, device=device)
    p.data = source
    assert p.array is source.array and p.dtype == tensor.float64 and p.tolist() == [7.0, 8.0]
    assert isinstance(p.data, Tensor) and p.data.array is p.array and not p.data.requires_grad


def test_assigning_data_on_another_device_moves_the_tensor():
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.data = p.data.to("standin")
    assert p.device == "standin" and p.requires_grad
    assert (p * p).device == "standin"
    p.data = tensor.backend.to_device(p.array, "cpu")  # a raw array is accepted too
    assert p.device == "cpu" and isinstance(p.array, np.ndarray)


def test_in_place_arithmetic_on_data_changes_the_tensor_itself(device):
    p = Tensor([1.0, 2.0], requires_grad=True, device=device)
    array = p.array
    p.data -= 0.5  # in place on the shared memory; Python assigns the same memory back
    assert p.array is array and p.tolist() == [0.5, 1.5]
    p.array -= 0.5  # the raw array, likewise
    assert p.array is array and p.tolist() == [0.0, 1.0]


def test_data_must_be_set_to_an_array(device):
    p = Tensor([1.0, 2.0], requires_grad=True, device=device)
    with pytest.raises(TypeError, match="got list"):
        p.data = [1.0, 2.0]
    with pytest.raises(TypeError, match="must stay floating-point; got dtype int64"):
        p.data = tensor.backend.to_device(np.array([1, 2]), device)
    assert p.tolist() == [1.0, 2.0]


def test_setitem_is_refused_on_tensors_that_require_grad_outside_no_grad():
    w = tensor.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 1.0
    with tensor.no_grad():
        w[0] = 1.0
        w[1:] = Tensor([2.0, 3.0])
    assert w.tolist() == [1.0, 2.0, 3.0]


# ---- leaving the engine: Python, NumPy, devices ---------------------------------------------


def test_python_and_numpy_conversions():
    t = Tensor([[1.0, 2.0]])
    assert t.tolist() == [[1.0, 2.0]]
    assert Tensor([3.5]).item() == 3.5 and float(Tensor(2.0)) == 2.0
    assert np.shares_memory(t.numpy(), t.data)
    assert np.asarray(t).shape == (1, 2)
    with pytest.raises(ValueError, match="one element"):
        t.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(t)
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        Tensor([1.0], requires_grad=True).numpy()


def test_numpy_of_a_device_tensor_is_an_explicit_copy():
    t = Tensor([1.0, 2.0], device="standin")
    host = t.numpy()
    assert isinstance(host, np.ndarray)
    host[0] = 9
    assert t.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"\.cpu\(\)"):
        np.asarray(t)


def test_numpy_arrays_take_part_as_in_pytorch():
    """`t + ndarray` reads the array as a tensor of its own dtype, as PyTorch does (float32 with
    a float64 array gives float64); a device tensor refuses a host array (no silent copy)."""
    result = Tensor([1.0]) + np.ones(1)
    assert result.tolist() == [2.0] and result.dtype == tensor.float64
    result = np.ones(1, dtype=np.float32) * Tensor([3.0])
    assert result.tolist() == [3.0] and result.dtype == tensor.float32
    with pytest.raises(RuntimeError, match="standin tensor and an array on cpu"):
        Tensor([1.0], device="standin") + np.ones(1)


def test_mixing_devices_names_both():
    with pytest.raises(RuntimeError, match="cpu and standin"):
        Tensor([1.0]) + Tensor([1.0], device="standin")
    with pytest.raises(RuntimeError, match="devices"):
        tensor.cat([Tensor([1.0]), Tensor([1.0], device="standin")])


def test_to_moves_between_devices_and_dtypes_with_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.to("standin")
    assert y.device == "standin" and x.to("cpu") is x
    z = (y.double() * Tensor([3.0, 4.0], device="standin", dtype=tensor.float64)).sum()
    z.backward()
    assert x.grad.dtype == tensor.float32 and isinstance(x.grad.array, np.ndarray)
    assert x.grad.tolist() == [3.0, 4.0]
    assert Tensor([1.5]).to(tensor.int64).dtype == tensor.int64


def test_cuda_without_a_gpu_says_how_to_get_one():
    if tensor.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(RuntimeError, match="no CUDA GPU is available.*gpu"):
        Tensor([1.0]).cuda()
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        tensor.zeros(2, device="cuda:1")


def test_tensors_hash_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


# ---- errors that name what was given ----------------------------------------------------


def test_shape_errors_name_the_shapes_and_the_op(device):
    a, b = tensor.ones(3, 4, device=device), tensor.ones(5, 4, device=device)
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(5, 4\) cannot be broadcast for '\+'"):
        a + b
    with pytest.raises(ValueError, match=r"reshape.*\(3, 4\).*\(5,\)"):
        a.reshape(5)
    with pytest.raises(IndexError, match="sum: dimension 2 is out of range"):
        a.sum(dim=2)
    with pytest.raises(ValueError, match="cat: shapes"):
        tensor.cat([a, tensor.ones(3, 5, device=device)], dim=0)
    with pytest.raises(ValueError, match="expand"):
        a.expand(3, 5)
    with pytest.raises(TypeError, match="bool"):
        a.masked_fill(a, 0.0)
    with pytest.raises(TypeError, match="where: condition"):
        tensor.where(a, a, a)
    with pytest.raises(TypeError, match="mean.*int64"):
        tensor.arange(3, device=device).mean()


# ---- factories and random numbers ---------------------------------------------------------


def test_factories(device):
    assert tensor.zeros(2, 3, device=device).shape == (2, 3)
    assert tensor.ones((2, 3), dtype=tensor.float64).dtype == tensor.float64
    assert tensor.full((2,), 3).dtype == tensor.int64
    assert tensor.full((2,), 0.5, device=device).tolist() == [0.5, 0.5]
    assert tensor.arange(4, device=device).tolist() == [0, 1, 2, 3]
    assert tensor.arange(0, 1, 0.25).dtype == tensor.float32
    assert tensor.linspace(0, 1, 5, device=device).tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert tensor.eye(2, device=device).tolist() == [[1, 0], [0, 1]]
    assert tensor.empty(3, device=device).shape == (3,)
    like = tensor.ones(2, 2, dtype=tensor.float64, device=device)
    assert tensor.zeros_like(like).dtype == tensor.float64
    assert tensor.ones_like(like).device == device
    assert tensor.full_like(like, 2).tolist() == [[2, 2], [2, 2]]
    assert tensor.rand_like(like).shape == (2, 2) and tensor.randn_like(like).shape == (2, 2)
    w = tensor.randn(3, 2, requires_grad=True, device=device)
    assert w.requires_grad and w.dtype == tensor.float32 and w.device == device
    r = tensor.rand(1000, device=device)
    assert 0 <= r.min().item() and r.max().item() < 1
    n = tensor.randint(2, 5, (1000,), device=device)
    assert n.dtype == tensor.int64 and set(n.tolist()) == {2, 3, 4}
    assert tensor.randint(3, (2, 2)).shape == (2, 2)
    with pytest.raises(TypeError, match="floating"):
        tensor.randn(2, dtype=tensor.int64)


def test_manual_seed_repeats_runs_and_devices_agree():
    tensor.manual_seed(7)
    first = tensor.randn(5).tolist()
    tensor.manual_seed(7)
    assert tensor.randn(5).tolist() == first
    assert tensor.randn(5, device="standin").tolist() == first


# ---- sharing memory with other libraries -------------------------------------------------


def test_dlpack_shares_memory_with_torch_both_ways():
    ours = Tensor([1.0, 2.0, 3.0])
    theirs = torch.from_dlpack(ours)
    theirs[0] = 10.0
    assert ours.tolist() == [10.0, 2.0, 3.0]

    source = torch.arange(4, dtype=torch.float32)
    t = tensor.from_dlpack(source)
    assert t.dtype == tensor.float32 and t.device == "cpu"
    source[1] = 7.0
    assert t.tolist() == [0.0, 7.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="detach"):
        torch.from_dlpack(Tensor([1.0], requires_grad=True))


def test_from_numpy_and_from_dlpack_of_numpy_share_memory():
    array = np.zeros(3, dtype=np.float32)
    for t in (tensor.from_numpy(array), tensor.from_dlpack(array)):
        t.data[1] = 5.0
    assert array.tolist() == [0.0, 5.0, 0.0]
    assert np.shares_memory(np.from_dlpack(tensor.from_numpy(array)), array)


# ---- gradcheck itself ------------------------------------------------------------------------


def square_with_a_wrong_backward(x):
    out = x._result(x.array**2, (x,), "bad_square")

    def backward(grad):  # wrong: d(x**2)/dx is 2x
        x._accumulate(grad * x.array)

    out._backward = backward
    return out


def test_gradcheck_reports_the_worst_mismatch(device):
    x = Tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True, device=device)
    assert tensor.gradcheck(lambda t: t**2, x)
    with pytest.raises(AssertionError, match=r"input 0 at element \(\d, \d\): numeric .* vs "
                                             r"analytic"):
        tensor.gradcheck(square_with_a_wrong_backward, x)
    assert x.grad is None and x.dtype == tensor.float32  # the caller's tensor is left alone


def test_a_gradient_of_the_wrong_shape_is_caught_where_it_is_added():
    x = Tensor([1.0, 2.0], requires_grad=True)
    out = x._result(x.array.sum(), (x,), "bad_sum")
    out._backward = lambda grad: x._accumulate(grad)
    with pytest.raises(RuntimeError, match=r"shape \(\) for a tensor of shape \(2,\)"):
        out.backward()


# ---- copying and pickling --------------------------------------------------------------------


def test_deepcopy_and_pickle_keep_values_device_and_requires_grad(device):
    import copy
    import pickle

    w = Tensor([[1.0, 2.0]], requires_grad=True, device=device)
    for twin in (copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert twin.tolist() == [[1.0, 2.0]] and twin.requires_grad
        assert twin.device == device and twin.data is not w.data
        (twin + w).sum()  # same device object: they can meet in an op
    with pytest.raises(RuntimeError, match="leaf"):
        copy.deepcopy(w * 2)


# ---- every bad input is a clear error ----------------------------------------------------


def _x():
    return tensor.ones(2, 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: _x().clamp(), ValueError, "clamp needs at least one of min and max"),
    (lambda: tensor.gelu(_x(), approximate="fast"), ValueError, "approximate must be 'none'"),
    (lambda: _x().permute(0, 0), ValueError, r"permute: \(0, 0\) is not an ordering"),
    (lambda: _x().transpose(0, 2), IndexError, "transpose: dimension 2 is out of range"),
    (lambda: _x().unsqueeze(3), IndexError, "unsqueeze: dimension 3"),
    (lambda: _x().split([1, 1], dim=1), ValueError, r"split: sizes \[1, 1\] add up to 2"),
    (lambda: _x().chunk(0), ValueError, "chunks must be positive"),
    (lambda: tensor.pad(_x(), (1,)), ValueError, "pad: needs"),
    (lambda: tensor.pad(_x(), (1, 1), mode="bogus"), ValueError, "mode must be 'constant'"),
    (lambda: _x().gather(1, _x()), TypeError, "gather: expected an integer"),
    (lambda: _x().gather(1, tensor.zeros(3, 3, dtype=tensor.int64)), ValueError,
     r"gather: index of shape \(3, 3\)"),
    (lambda: _x()[_x()], IndexError, "integers or bools"),
    (lambda: _x()[Tensor([0], device="standin")], RuntimeError, "cpu tensor with a standin"),
    (lambda: tensor.stack([_x(), tensor.ones(3, 2)]), ValueError, "stack: all tensors"),
    (lambda: tensor.cat([]), ValueError, "non-empty"),
    (lambda: tensor.randint(5, 2, (3,)), ValueError, r"low \(5\) must be smaller"),
    (lambda: tensor.zeros(-1), ValueError, "non-negative"),
    (lambda: _x().to("tpu"), ValueError, "unknown device 'tpu'"),
    (lambda: _x().to(tensor.float32).backward(), RuntimeError, "does not require grad"),
    (lambda: _x() + "1", TypeError, r"unsupported operand type\(s\) for \+: 'Tensor' and 'str'"),
    (lambda: [1.0] * _x(), TypeError, "wrap it in a Tensor"),
    (lambda: _x().sum(dim=(0, -2)), ValueError, "same axis twice"),
    (lambda: tensor.from_dlpack([1, 2]), TypeError, "from_dlpack expects"),
    (lambda: tensor.from_numpy([1, 2]), TypeError, "from_numpy expects a numpy.ndarray"),
    (lambda: int(Tensor([1, 2])), ValueError, "one element"),
    (lambda: len(Tensor(1.0)), TypeError, "0-d"),
])
def test_bad_inputs_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_zero_dimensional_results_are_arrays_not_scalars(device):
    """NumPy returns a 0-d result as a scalar (np.float32), which has no in-place writes;
    .data must stay an array of the device, as the design promises."""
    x = tensor.randn(3, requires_grad=True, device=device)
    xp = tensor.backend.get_xp(device)
    for result in (-x.sum(), x.sum() * 2, x.sum().exp(), x.mean()):
        assert result.shape == ()
        assert isinstance(result.array, type(xp.zeros(1))), type(result.array)
    loss = x.sum() * 2
    loss.data[...] = 5.0  # writable in place
    assert loss.item() == 5.0
