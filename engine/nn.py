"""Neurons, layers and a multi-layer perceptron made of `Value`s (chapter 03).

A neuron computes phi(w . x + b), where the activation phi is relu (the default), tanh, sigmoid,
or nothing at all (a linear neuron); a layer is several neurons reading the same inputs; an MLP
is layers in a row. Every weight and bias is a leaf `Value`, so one `loss.backward()` gives each
of them its gradient, and training is: nudge every parameter against its gradient, repeat. The
names follow PyTorch (`parameters()`, `zero_grad()`, `manual_seed`) so that they carry over.

Weights are drawn from Python's `random` module, as micrograd draws them, so a notebook
written for micrograd (`random.seed(1337)`, then `MLP(2, [16, 16, 1])`) gets the same weights
here, number for number; `manual_seed(s)` is `random.seed(s)`.
"""

import random

from engine.value import Value, linear

# The activations a neuron can apply to its weighted sum, by name: each is a method of Value,
# with its local derivative written beside it in engine/value.py.
ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid}
_TITLES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", None: "Linear"}


def activation_name(nonlin):
    """The activation `nonlin` asks for, as a key of ACTIVATIONS, or None for a linear neuron.

    True means "relu" (the default, micrograd's choice) and False or None a linear neuron, so
    that `Neuron(3, nonlin=False)` keeps working; a name picks an activation by name.
    """
    if nonlin is True:
        return "relu"
    if nonlin is False or nonlin is None:
        return None
    if isinstance(nonlin, str) and nonlin in ACTIVATIONS:
        return nonlin
    raise ValueError(
        f"nonlin must be True (relu), False (linear) or one of "
        f"{', '.join(map(repr, ACTIVATIONS))}; got {nonlin!r}"
    )


def manual_seed(seed):
    """Seed the generator that draws new weights (Python's `random`, as micrograd's), so a
    model can be rebuilt identically (like `torch.manual_seed`)."""
    random.seed(seed)


class Module:
    """Something with parameters: a neuron, a layer, a whole network."""

    def parameters(self):
        """The list of leaf Values that training adjusts."""
        return []

    def zero_grad(self):
        """Set every parameter's grad to 0. Gradients ACCUMULATE across backward() calls (see
        `Value.backward`), so a training loop calls this before each backward(); forget it and
        each step follows the sum of all past gradients."""
        # EXERCISE ch03.zero_grad: set the grad of every parameter to 0.0
        for p in self.parameters():
            p.grad = 0.0
        # END EXERCISE


class Neuron(Module):
    """One neuron: phi(w . x + b), where `nonlin` names the activation phi: True or "relu" (the
    default), "tanh", "sigmoid", or False / None for none (the linear w . x + b). The name is
    kept in `self.nonlin` ("relu", "tanh", "sigmoid" or None).

    Weights start uniform in [-1, 1] (from Python's `random`, which `manual_seed` seeds), the bias
    at 0. The weighted sum is one fused `linear` node (see `engine.value.linear`): the same
    numbers and gradients as b + w_1*x_1 + ... + w_n*x_n built from `*` and `+`, in a graph
    a fraction of the size.
    """

    def __init__(self, nin, nonlin="relu"):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = activation_name(nonlin)

    def __call__(self, x):
        # EXERCISE ch03.neuron: linear(x, w, b), then ACTIVATIONS[self.nonlin] unless None
        act = linear(x, self.w, self.b)
        return ACTIVATIONS[self.nonlin](act) if self.nonlin else act
        # END EXERCISE

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{_TITLES[self.nonlin]}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons that all read the same `nin` inputs. Keyword arguments (`nonlin="tanh"`) go
    to each Neuron. Returns a list of `nout` Values, or a single Value when nout == 1."""

    def __init__(self, nin, nout, **kw):
        if nout < 1:
            raise ValueError(f"Layer needs at least one neuron, got nout={nout}")
        self.nin = nin
        self.neurons = [Neuron(nin, **kw) for _ in range(nout)]

    def __call__(self, x):
        if len(x) != self.nin:
            raise ValueError(f"{self!r} expected {self.nin} inputs, got {len(x)}")
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self):
        return f"Layer({self.nin} -> {len(self.neurons)}, {_TITLES[self.neurons[0].nonlin]})"


class MLP(Module):
    """A multi-layer perceptron: `MLP(2, [16, 16, 1])` maps 2 inputs through two ReLU layers
    of 16 to 1 linear output (the last layer is linear so the output can be any number).
    `nonlin` is the hidden layers' activation: `MLP(2, [16, 16, 1], nonlin="tanh")`.

    Call it on a list of floats or Values; the floats become leaf Values first (once, rather
    than in every neuron). A single output comes back as a Value, several as a list.
    """

    def __init__(self, nin, nouts, nonlin="relu"):
        activation_name(nonlin)  # a wrong name fails here, before any weight is drawn
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=nonlin if i != last else None)
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        x = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        # EXERCISE ch03.mlp: feed x through every layer in turn and return the last layer's output
        for layer in self.layers:
            x = layer(x)
        return x
        # END EXERCISE

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        lines = "".join(f"\n  {layer!r}" for layer in self.layers)
        return f"MLP({lines}\n)"
