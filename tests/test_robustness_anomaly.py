"""`tensor.autograd.detect_anomaly()`: the first op whose forward or backward produces nan or
inf is reported by its op name and the line of the user's code that called it."""

import threading

import numpy as np
import pytest

import nn
import tensor
from tensor import Tensor
from tensor.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own nan warnings


def leaf(values, device="cpu"):
    return Tensor(values, requires_grad=True, device=device)


def test_a_backward_that_makes_inf_names_the_op_and_the_line(device):
    x = leaf([0.0, 1.0, 4.0], device)
    with detect_anomaly():
        y = (x * 1).sqrt()  # d sqrt(a)/da = 1 / (2 sqrt a): inf at a = 0
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
    message = str(error.value)
    assert "the backward of 'sqrt' (SqrtBackward0) produced inf (1 of 3 values)" in message
    assert "gradient of its input 0 (shape (3,))" in message
    assert "test_robustness_anomaly.py" in message
    assert "y = (x * 1).sqrt()  # d sqrt(a)/da" in message
    assert x.grad is None  # a failed backward adds nothing


def test_a_forward_that_makes_nan_names_the_op_and_the_line(device):
    x = leaf([0.5, 2.0], device)
    with detect_anomaly():
        h = x * 2
        with pytest.raises(RuntimeError) as error:
            _ = (h - 2).log()
    message = str(error.value)
    assert "the forward of 'log' produced nan (1 of 2 values) from finite inputs" in message
    assert "_ = (h - 2).log()" in message


def test_inf_from_finite_inputs_is_an_anomaly_but_chosen_inf_is_not(device):
    x = leaf([1.0, 2.0, 3.0], device)
    with detect_anomaly():
        with pytest.raises(RuntimeError, match=r"forward of 'exp' produced inf"):
            (x * 1000).exp()
        mask = Tensor([True, False, False], device=device)
        scores = x.masked_fill(mask, float("-inf"))  # an attention mask: inf on purpose
        probabilities = scores.softmax(dim=0)
        shifted = scores + 1  # inf that was already in an input is passed on
        (probabilities * 2).sum().backward()
    assert np.isinf(shifted.detach().numpy()[0])
    np.testing.assert_allclose(probabilities.detach().numpy()[0], 0.0)
    assert np.isfinite(x.grad.numpy()).all()


def test_the_line_is_the_users_not_the_librarys():
    """Ops called inside nn (a layer's forward, a loss) are reported at the user's call."""
    model = nn.Linear(2, 1)
    with tensor.no_grad():
        model.weight.fill_(float("inf"))
        model.bias.fill_(float("-inf"))
    with detect_anomaly():
        with pytest.raises(RuntimeError) as error:
            model(tensor.ones(3, 2))  # inf + -inf = nan inside F.linear
    message = str(error.value)
    assert "the forward of 'linear' produced nan" in message
    assert "model(tensor.ones(3, 2))" in message
    assert "nn/functional" not in message


def test_set_detect_anomaly_switches_it_on_and_off():
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="anomaly"):
            Tensor([0.0], requires_grad=True) / 0
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    assert np.isinf((Tensor([1.0]) / 0).numpy()).all()  # off again: no error


def test_as_a_decorator_and_restored_after_an_error():
    @detect_anomaly()
    def step(x):
        assert is_anomaly_enabled()
        return (x * 0).log()

    with pytest.raises(RuntimeError, match="forward of 'log' produced -inf"):
        step(leaf([1.0]))
    assert not is_anomaly_enabled()


def test_check_nan_false_only_adds_the_line_to_backward_errors():
    x = leaf([0.0, 1.0])
    with detect_anomaly(check_nan=False):
        y = (x * 1).sqrt()
        y.sum().backward()  # not scanned: the inf arrives in x.grad, as without the mode
    assert np.isinf(x.grad.numpy()[0])


def test_other_errors_of_a_backward_step_get_the_line():
    class Broken(tensor.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("a broken backward")

    x = leaf([1.0])
    with detect_anomaly():
        y = Broken.apply(x)  # the line the note names
        with pytest.raises(ValueError, match="a broken backward") as error:
            y.sum().backward()
    notes = "\n".join(getattr(error.value, "__notes__", []))
    if hasattr(error.value, "add_note"):
        assert "y = Broken.apply(x)  # the line the note names" in notes


def test_an_op_made_before_the_mode_is_still_checked_in_backward():
    x = leaf([0.0])
    y = (x * 1).sqrt()
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="made before anomaly detection was switched on"):
            y.backward()


def test_the_mode_belongs_to_the_thread():
    seen = []
    with detect_anomaly():
        worker = threading.Thread(target=lambda: seen.append(is_anomaly_enabled()))
        worker.start()
        worker.join()
        assert is_anomaly_enabled()
    assert seen == [False]


def test_finding_the_nan_of_a_training_step():
    """The lesson's story: a loss goes nan; detect_anomaly says which op and which line."""
    tensor.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = tensor.randn(8, 3), tensor.rand(8, 1)
    with detect_anomaly():
        prediction = model(x)
        with pytest.raises(RuntimeError) as error:
            loss = ((prediction - y) ** 2).mean().log() + prediction.sqrt().mean()  # bug: sqrt
            loss.backward()
    assert "'sqrt'" in str(error.value)
    assert "prediction.sqrt().mean()  # bug: sqrt" in str(error.value)
