"""In-place ops and version counters, against PyTorch.

One table of in-place ops drives three checks: the values (and that aliases and views see the
change), the gradient through a graph that goes on after the op (PyTorch rebases its graph;
so do we, for a tensor not yet used elsewhere), and the version error when backward needs
values that an in-place op changed.
"""

import numpy as np
import pytest
import torch

import tensor
from tensor import Tensor

X = np.array([[0.5, -1.5, 2.0], [1.25, -0.75, 3.0]])
OTHER = np.array([0.25, 2.0, -1.0])

# name, our call, PyTorch's call (each changes t in place and returns it)
IN_PLACE = [
    ("add_", lambda t, o: t.add_(o), lambda t, o: t.add_(o)),
    ("add_alpha", lambda t, o: t.add_(o, alpha=2), lambda t, o: t.add_(o, alpha=2)),
    ("sub_", lambda t, o: t.sub_(o), lambda t, o: t.sub_(o)),
    ("mul_", lambda t, o: t.mul_(o), lambda t, o: t.mul_(o)),
    ("div_", lambda t, o: t.div_(o), lambda t, o: t.div_(o)),
    ("iadd", lambda t, o: t.__iadd__(o), lambda t, o: t.__iadd__(o)),
    ("isub", lambda t, o: t.__isub__(o), lambda t, o: t.__isub__(o)),
    ("imul", lambda t, o: t.__imul__(o), lambda t, o: t.__imul__(o)),
    ("itruediv", lambda t, o: t.__itruediv__(o), lambda t, o: t.__itruediv__(o)),
    ("pow_", lambda t, o: t.pow_(2), lambda t, o: t.pow_(2)),
    ("neg_", lambda t, o: t.neg_(), lambda t, o: t.neg_()),
    ("exp_", lambda t, o: t.exp_(), lambda t, o: t.exp_()),
    ("abs_", lambda t, o: t.abs_(), lambda t, o: t.abs_()),
    ("clamp_", lambda t, o: t.clamp_(-1, 1), lambda t, o: t.clamp_(-1, 1)),
    ("relu_", lambda t, o: t.relu_(), lambda t, o: t.relu_()),
    ("sigmoid_", lambda t, o: t.sigmoid_(), lambda t, o: t.sigmoid_()),
    ("tanh_", lambda t, o: t.tanh_(), lambda t, o: t.tanh_()),
    ("zero_", lambda t, o: t.zero_(), lambda t, o: t.zero_()),
    ("fill_", lambda t, o: t.fill_(0.5), lambda t, o: t.fill_(0.5)),
    ("copy_", lambda t, o: t.copy_(o), lambda t, o: t.copy_(o)),
    ("masked_fill_", lambda t, o: t.masked_fill_(t > 1, 0.0),
     lambda t, o: t.masked_fill_(t > 1, 0.0)),
    ("setitem_int", lambda t, o: t.__setitem__(0, o), lambda t, o: t.__setitem__(0, o)),
    ("setitem_mask", lambda t, o: t.__setitem__(t < 0, 9.0),
     lambda t, o: t.__setitem__(t < 0, 9.0)),
    ("setitem_slice", lambda t, o: t.__setitem__((slice(None), 1), 7.0),
     lambda t, o: t.__setitem__((slice(None), 1), 7.0)),
    ("index_put_", lambda t, o: t.index_put_((Tensor([1, 0], device=t.device),), o),
     lambda t, o: t.index_put_((torch.tensor([1, 0]),), o)),
]
NAMES = [row[0] for row in IN_PLACE]


def ours_and_theirs(device="cpu"):
    return (Tensor(X, dtype=tensor.float64, device=device),
            Tensor(OTHER, dtype=tensor.float64, device=device),
            torch.tensor(X), torch.tensor(OTHER))


@pytest.mark.parametrize("row", IN_PLACE, ids=NAMES)
def test_values_and_aliases_match_torch(row, device):
    _, ours_op, torch_op = row
    t, o, tt, to = ours_and_theirs(device=device)
    alias, view = t, t[1]
    version = t._version
    assert ours_op(t, o) is t
    torch_op(tt, to)
    np.testing.assert_allclose(t.numpy(), tt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(alias.numpy(), tt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(view.numpy(), tt[1].numpy(), rtol=1e-12)  # the view sees it
    assert t._version > version and view._version == t._version


def test_an_element_is_a_view_as_in_torch():
    t = Tensor([1.0, 2.0, 3.0])
    t[1].zero_()
    t[0].add_(5)
    assert t.tolist() == [6.0, 0.0, 3.0]


@pytest.mark.parametrize("row", IN_PLACE, ids=NAMES)
def test_gradients_through_an_in_place_op_match_torch(row):
    """y = x * 1.5 (a graph node), then y changed in place with `o` requiring grad, then a
    loss: gradients for x and o as PyTorch's rebased graph gives them."""
    _, ours_op, torch_op = row
    x, o, tx, to = ours_and_theirs()
    for t in (x, o, tx, to):
        t.requires_grad_()
    y, ty = x * 1.5, tx * 1.5
    assert ours_op(y, o) is y
    torch_op(ty, to)
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    (y * Tensor(weights, dtype=tensor.float64)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    assert y.grad_fn is not None
    for ours, theirs in ((x, tx), (o, to)):
        expected = np.zeros(ours.shape) if theirs.grad is None else theirs.grad.numpy()
        got = np.zeros(ours.shape) if ours.grad is None else ours.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_grad_fn_of_an_in_place_result_names_the_in_place_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y += 1
    assert y.grad_fn.name() == "AddBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "CloneBackward0"


# ---- the rules ------------------------------------------------------------------------------


def test_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = tensor.ones(3, requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.__setitem__(0, 5.0), lambda: w.zero_(),
                   lambda: w.normal_()):
        with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad .*no_grad"):
            change()
    assert w.tolist() == [1.0, 1.0, 1.0] and w._version == 0
    with tensor.no_grad():
        w -= 0.5
        w[0] = 2.0
    assert w.tolist() == [2.0, 0.5, 0.5] and w.requires_grad and w.is_leaf


def test_changing_a_saved_input_makes_backward_an_error_naming_the_op_and_versions():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = Tensor([3.0, 4.0])
    y = x * a
    a.mul_(2)  # mul's backward needs a as it was
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*is at version "
                                           r"1; expected version 0.*'\*' \(MulBackward0\)"):
        y.sum().backward()
    assert x.grad is None  # nothing was added


def test_changing_a_saved_output_makes_backward_an_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y.detach()  # shares memory and version with y
    z.add_(1)
    with pytest.raises(RuntimeError, match=r"output 0 of ExpBackward0, is at version 1"):
        y.sum().backward()


def test_an_input_that_was_not_saved_may_change():
    """add's backward needs no values, so PyTorch (and we) allow changing its inputs."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = Tensor([3.0, 4.0])
    y = x + a
    a.mul_(2)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_an_optimizer_step_between_forward_and_backward_is_caught():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0], requires_grad=True)
    loss = (w * x).sum()
    w.grad = tensor.ones(2)
    import nn

    nn.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_in_place_on_a_tensor_already_used_by_the_graph_names_the_out_of_place_form():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * 3  # y is used
    with pytest.raises(RuntimeError, match=r"already used .*y = y \* 2 instead of y \*= 2"):
        y.mul_(2)
    with pytest.raises(RuntimeError, match="in place on a view"):
        (x * 2)[0].add_(1)
    z.sum().backward()  # the refused changes left the graph intact
    assert x.grad.tolist() == [6.0, 6.0]


def test_results_that_do_not_fit_are_refused_and_nothing_changes():
    t = tensor.zeros(3)
    with pytest.raises(RuntimeError, match=r"result has shape \(2, 3\).*shape \(3,\)"):
        t.add_(tensor.ones(2, 3))
    ints = Tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast .* int64"):
        ints.mul_(1.5)
    expanded = tensor.ones(1).expand(3)
    with pytest.raises(RuntimeError, match="cannot be written"):
        expanded.add_(1)
    assert t.tolist() == [0.0, 0.0, 0.0] and ints.tolist() == [1, 2] and t._version == 0


def test_random_fills_use_the_device_generator(device):
    tensor.manual_seed(0)
    t = tensor.empty(1000, device=device).normal_(2.0, 0.5)
    assert abs(t.mean().item() - 2.0) < 0.1 and abs(t.std().item() - 0.5) < 0.05
    u = tensor.empty(1000, device=device).uniform_(-1, 3)
    assert -1 <= u.min().item() and u.max().item() < 3
    b = tensor.empty(1000, device=device).bernoulli_(0.25)
    assert set(np.unique(b.numpy())) <= {0.0, 1.0} and 0.2 < b.mean().item() < 0.3


def test_copy_between_devices():
    target = tensor.zeros(2, 3, device="standin")
    target.copy_(Tensor([1.0, 2.0, 3.0]))  # from the CPU, broadcast over rows
    assert target.device == "standin" and target.tolist() == [[1.0, 2.0, 3.0]] * 2


def test_data_is_a_tensor_sharing_memory_and_version():
    w = tensor.zeros(2, 2, requires_grad=True)
    tensor.manual_seed(0)
    d = w.data
    assert isinstance(d, Tensor) and not d.requires_grad and d.array is w.array
    d.normal_(0, 0.01)  # PyTorch's classic initialisation idiom
    assert w.abs().sum().item() > 0 and w._version == 1


# ---- PyTorch's manual-SGD idioms train exactly like PyTorch ---------------------------------

def _train(update, library):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((32, 4)), rng.standard_normal((32, 1))
    W0 = rng.standard_normal((4, 1))
    if library == "torch":
        x, y, w = torch.tensor(X), torch.tensor(Y), torch.tensor(W0, requires_grad=True)
        no_grad = torch.no_grad
    else:
        x, y = Tensor(X), Tensor(Y)
        w = Tensor(W0, requires_grad=True)
        no_grad = tensor.no_grad
    for _ in range(5):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        with no_grad():
            update(w, 0.1)
    return w.detach().numpy()


def _minus_equals(w, lr):
    w -= lr * w.grad
    w.grad = None


def _data_plus_equals(w, lr):
    w.data += -lr * w.grad
    w.grad.zero_()


def _sub_then_none(w, lr):
    w.sub_(lr * w.grad)
    w.grad = None


@pytest.mark.parametrize("update", [_minus_equals, _data_plus_equals, _sub_then_none],
                         ids=["p -= lr * p.grad", "p.data += -lr * p.grad; grad.zero_()",
                              "p.sub_(lr * p.grad); p.grad = None"])
def test_manual_sgd_idioms_train_exactly_like_torch(update):
    np.testing.assert_allclose(_train(update, "ours"), _train(update, "torch"), rtol=1e-12)


def test_grad_accumulates_in_place_so_aliases_see_it():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert g is x.grad and g.tolist() == [6.0, 6.0]


def test_assigning_grad_checks_type_and_shape():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="expected to be a Tensor or None"):
        x.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        x.grad = tensor.ones(3)
    x.grad = tensor.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]
