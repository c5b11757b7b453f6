"""Chapter 03: neurons, layers, an MLP, and training it on two moons."""

import math

import pytest

from engine.datasets import make_moons
from engine.nn import MLP, Layer, Module, Neuron, manual_seed
from engine.train import StepRecord, hinge_loss, train
from engine.value import Value


def test_parameter_counts():
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 5).parameters()) == 20
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337  # (2+1)*16 + (16+1)*16 + (16+1)*1
    assert len(MLP(3, [4, 4, 1]).parameters()) == 41
    assert Module().parameters() == []


def test_parameters_are_distinct_leaves():
    params = MLP(2, [4, 3]).parameters()
    assert len(set(map(id, params))) == len(params)
    assert all(isinstance(p, Value) and p.parents == () for p in params)


def test_neuron_initialisation():
    manual_seed(0)
    neuron = Neuron(1000)
    assert all(-1 <= w.data <= 1 for w in neuron.w)
    assert abs(sum(w.data for w in neuron.w) / 1000) < 0.1  # uniform(-1, 1) has mean 0
    assert neuron.b.data == 0.0


def test_manual_seed_makes_models_reproducible():
    manual_seed(42)
    a = [p.data for p in MLP(2, [3, 1]).parameters()]
    manual_seed(42)
    b = [p.data for p in MLP(2, [3, 1]).parameters()]
    c = [p.data for p in MLP(2, [3, 1]).parameters()]
    assert a == b != c


@pytest.mark.exercise("ch03.neuron")
def test_neuron_computes_relu_of_the_weighted_sum():
    neuron = Neuron(2)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 2.0, -1.0, 0.5
    assert neuron([1.0, 3.0]).data == 0.0  # relu(2 - 3 + 0.5)
    assert neuron([3.0, 1.0]).data == 5.5
    linear = Neuron(2, nonlin=False)
    linear.w[0].data, linear.w[1].data, linear.b.data = 2.0, -1.0, 0.5
    assert linear([1.0, 3.0]).data == -0.5

    out = neuron([Value(3.0), Value(1.0)])
    out.backward()
    assert [w.grad for w in neuron.w] == [3.0, 1.0] and neuron.b.grad == 1.0


@pytest.mark.exercise("ch03.mlp")
def test_output_shapes():
    x = [0.5, -1.0]
    assert isinstance(MLP(2, [4, 1])(x), Value)
    out = MLP(2, [4, 3])(x)
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(v, Value) for v in out)
    assert isinstance(Layer(2, 1)(x), Value)
    assert len(Layer(2, 5)(x)) == 5
    assert isinstance(MLP(2, [16, 16, 1])([Value(0.5), Value(-1.0)]), Value)


def test_the_last_layer_is_linear():
    model = MLP(2, [8, 8, 1])
    assert [layer.neurons[0].nonlin for layer in model.layers] == ["relu", "relu", None]
    manual_seed(3)
    model = MLP(2, [8, 1])
    outputs = [model([x, -x]).data for x in (-3.0, -1.0, 1.0, 3.0)]
    assert min(outputs) < 0 < max(outputs)  # a relu output could not go below 0


@pytest.mark.exercise("ch03.neuron")
def test_a_tanh_or_sigmoid_neuron_squashes_its_weighted_sum():
    for nonlin, phi in [("tanh", math.tanh), ("sigmoid", lambda z: 1 / (1 + math.exp(-z)))]:
        neuron = Neuron(2, nonlin=nonlin)
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = 2.0, -1.0, 0.5
        z = 2.0 * 1.0 - 1.0 * 3.0 + 0.5  # -0.5: a tanh or sigmoid neuron, unlike relu, passes it
        out = neuron([Value(1.0), Value(3.0)])
        assert out.data == pytest.approx(phi(z), rel=1e-14)
        out.backward()
        slope = 1 - phi(z) ** 2 if nonlin == "tanh" else phi(z) * (1 - phi(z))
        assert [w.grad for w in neuron.w] == pytest.approx([slope * 1.0, slope * 3.0])
        assert neuron.b.grad == pytest.approx(slope)


def test_nonlin_names_the_activation_and_true_false_still_work():
    assert Neuron(2).nonlin == Neuron(2, nonlin=True).nonlin == "relu"
    assert Neuron(2, nonlin=False).nonlin is Neuron(2, nonlin=None).nonlin is None
    assert Neuron(2, nonlin="tanh").nonlin == "tanh"
    for bad in ["Tanh", "softmax", 1]:
        with pytest.raises(ValueError, match=r"nonlin must be True \(relu\), False \(linear\) or "
                           r"one of 'relu', 'tanh', 'sigmoid'; got"):
            Neuron(2, nonlin=bad)
    with pytest.raises(ValueError, match="got 'gelu'"):
        MLP(2, [4, 1], nonlin="gelu")


@pytest.mark.exercise("ch03.mlp")
def test_a_tanh_mlp_has_tanh_hidden_layers_and_a_linear_output():
    manual_seed(7)
    model = MLP(2, [3, 3, 1], nonlin="tanh")
    assert [layer.neurons[0].nonlin for layer in model.layers] == ["tanh", "tanh", None]
    x = [0.4, -1.2]
    h = x
    for layer in model.layers[:-1]:
        h = [math.tanh(sum(w.data * hi for w, hi in zip(n.w, h)) + n.b.data)
             for n in layer.neurons]
    out_neuron = model.layers[-1].neurons[0]
    expected = sum(w.data * hi for w, hi in zip(out_neuron.w, h)) + out_neuron.b.data
    assert model(x).data == pytest.approx(expected, rel=1e-14)
    assert repr(model) == ("MLP(\n  Layer(2 -> 3, Tanh)\n  Layer(3 -> 3, Tanh)\n"
                           "  Layer(3 -> 1, Linear)\n)")


def test_a_few_training_steps_of_a_tanh_mlp_lower_the_loss():
    manual_seed(0)
    model = MLP(2, [8, 1], nonlin="tanh")
    X, y = make_moons(40, noise=0.1, seed=1)
    losses = [record.loss for record in train(model, X, y, steps=5)]
    assert losses[-1] < 0.7 * losses[0]  # not every step: at learning rate 1 one may overshoot


@pytest.mark.exercise("ch03.mlp")
def test_mlp_forward_matches_a_computation_by_hand():
    manual_seed(7)
    model = MLP(2, [3, 1])
    x = [0.4, -1.2]
    hidden = [
        max(0.0, sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data)
        for n in model.layers[0].neurons
    ]
    out_neuron = model.layers[1].neurons[0]
    expected = sum(w.data * h for w, h in zip(out_neuron.w, hidden)) + out_neuron.b.data
    assert model(x).data == pytest.approx(expected, rel=1e-14)


@pytest.mark.exercise("ch03.zero_grad")
def test_zero_grad():
    model = MLP(2, [4, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match=r"Layer\(2 -> 4, ReLU\) expected 2 inputs, got 3"):
        MLP(2, [4, 1])([1.0, 2.0, 3.0])


def test_repr():
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Neuron(3, nonlin="tanh")) == "TanhNeuron(3)"
    assert repr(Neuron(3, nonlin="sigmoid")) == "SigmoidNeuron(3)"
    assert repr(MLP(2, [16, 1])) == "MLP(\n  Layer(2 -> 16, ReLU)\n  Layer(16 -> 1, Linear)\n)"


def test_make_moons():
    X, y = make_moons(100, noise=0.1, seed=0)
    assert len(X) == len(y) == 100 and all(len(x) == 2 for x in X)
    assert sorted(set(y)) == [-1, 1] and y.count(-1) == y.count(1) == 50
    assert make_moons(100, seed=0) == (X, y) and make_moons(100, seed=1) != (X, y)
    upper = [x for x, label in zip(X, y) if label == -1]
    lower = [x for x, label in zip(X, y) if label == 1]
    # without noise, the upper moon lies on the unit circle and the lower one on the circle
    # of radius 1 around (1, 0.5)
    X0, y0 = make_moons(7, noise=0.0)
    for (a, b), label in zip(X0, y0):
        center = (0.0, 0.0) if label == -1 else (1.0, 0.5)
        assert math.hypot(a - center[0], b - center[1]) == pytest.approx(1.0)
    assert sum(b for _, b in upper) / 50 > sum(b for _, b in lower) / 50


def test_hinge_loss_by_hand():
    model = Neuron(2, nonlin=False)
    model.w[0].data, model.w[1].data = 1.0, 0.0
    X, y = [[2.0, 0.0], [0.5, 0.0], [-0.5, 0.0]], [1, 1, 1]
    loss, accuracy = hinge_loss(model, X, y, alpha=0.0)
    # margins y * score = 2, 0.5, -0.5: costs 0, 0.5, 1.5
    assert loss.data == pytest.approx(2.0 / 3)
    assert accuracy == pytest.approx(2 / 3)
    loss, _ = hinge_loss(model, X, y, alpha=0.1)
    assert loss.data == pytest.approx(2.0 / 3 + 0.1 * 1.0)


def test_a_few_training_steps_lower_the_loss():
    manual_seed(0)
    model = MLP(2, [8, 1])
    X, y = make_moons(40, noise=0.1, seed=1)
    losses = [record.loss for record in train(model, X, y, steps=5)]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


@pytest.mark.slow
def test_training_reaches_full_accuracy_on_moons():
    # micrograd's demo: MLP 2-16-16-1, 100 points, 100 full-batch steps (about 5-10 s)
    manual_seed(0)
    model = MLP(2, [16, 16, 1])
    X, y = make_moons(100, noise=0.1, seed=0)
    records = list(train(model, X, y, steps=100))
    assert [r.step for r in records] == list(range(100))
    assert all(isinstance(r, StepRecord) for r in records)
    assert records[0].accuracy < 0.95
    assert records[-1].loss < 0.1 * records[0].loss
    assert records[-1].accuracy == 1.0
    _, accuracy = hinge_loss(model, X, y)
    assert accuracy == 1.0
