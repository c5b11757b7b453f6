"""A scalar that remembers how it was computed: the `Value` autograd engine.

Every arithmetic operation on `Value`s returns a new `Value` that records

- `parents`: the Values it was computed from (a tuple; `()` for a leaf such as a weight),
- `op`: the operation's name (`"*"`, `"tanh"`, ...; `""` for a leaf),
- `_backward`: the op's *local chain-rule step*, a function of one argument. If
  `out = f(a, b)`, then `out._backward(grad)`, given grad = dL/d out, ADDS
  `grad * d out/d a` into `a.grad` and `grad * d out/d b` into `b.grad`.

`backward()` then computes dL/d node for every node of the graph by calling
`node._backward(node.grad)` from the loss down to the leaves, in reverse topological order, so
that each node's `grad` is complete (every consumer has added its share) before the node passes
it on to its parents.

Why the step is handed its gradient instead of reading `out.grad` itself: a step is a closure
stored on `out`, so a closure that mentioned `out` would make the cycle out -> _backward -> out.
Python frees an object the moment its reference count drops to zero, but the objects of a cycle
keep each other's counts above zero; only the cyclic garbage collector, which runs now and then,
frees them. So no step ever refers to its own output. Where a derivative needs the output's
value (d(e**a)/da = e**a, d(tanh a)/da = 1 - tanh(a)**2), the op keeps that float in a local
variable, computed before `out` exists, and the step uses the float. References then point only
from a node to its parents: a graph is freed as soon as the last reference to its root is gone.

Each op's derivative is written right under its forward computation: the chain rule and the
code read as one thing.
"""

import math
from numbers import Real


def _leaf_backward(grad):
    """A leaf has no parents: its local chain-rule step has nowhere to send `grad`."""


def _released_backward(grad):
    """What a node's local step becomes after backward() has used it (see `Value.backward`)."""
    raise RuntimeError(
        "backward() through a graph a second time: its local steps were released after the "
        "first backward(); call backward(retain_graph=True) the first time to keep them"
    )


class Value:
    """A float `data`, its gradient `grad` = dL/d(this value), and the graph that produced it.

    `Value(data, label="")` makes a leaf (an input or a parameter); ops make the other nodes,
    passing `parents` and `op`. The attribute names `data grad label parents op _backward` are
    a protocol that `visualize` relies on to draw and step through any graph. `__weakref__`
    lets a `weakref.ref` watch a node, which is how the tests see a graph being freed.
    """

    __slots__ = ("data", "grad", "label", "parents", "op", "_backward", "__weakref__")

    def __init__(self, data, label="", parents=(), op=""):
        if type(data) is not float:  # ops pass floats; anything else is checked once here
            if not isinstance(data, Real):
                raise TypeError(
                    f"Value(data) expects a real number (int or float), got {type(data).__name__}"
                )
            data = float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self.parents = parents
        self.op = op
        self._backward = _leaf_backward

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # micrograd's names for the same two facts, so that notebooks written for micrograd (its
    # `draw_dot` walks `v._prev` and labels nodes with `v._op`) run unchanged on Value.
    @property
    def _prev(self):
        """The set of this node's parents (micrograd's name; `parents` keeps their order)."""
        return set(self.parents)

    @property
    def _op(self):
        """The op that made this node, as micrograd spells it (its relu is "ReLU")."""
        return "ReLU" if self.op == "relu" else self.op

    # ---- the primitive ops: forward, then the local derivative right below -----------------

    def __add__(self, other):
        if not isinstance(other, Value):
            other = _constant(other, "+", self, reflected=False)
        out = Value(self.data + other.data, "", (self, other), "+")

        def backward(grad):  # d(a+b)/da = 1, d(a+b)/db = 1: the gradient flows through unchanged
            self.grad += grad
            other.grad += grad

        out._backward = backward
        return out

    def __mul__(self, other):
        if not isinstance(other, Value):
            other = _constant(other, "*", self, reflected=False)
        out = Value(self.data * other.data, "", (self, other), "*")

        def backward(grad):  # d(a*b)/da = b, d(a*b)/db = a
            self.grad += other.data * grad
            other.grad += self.data * grad

        out._backward = backward
        return out

    def __pow__(self, exponent):
        """a ** n for a number n, or a ** b for a Value b (then b gets a gradient too).

        d(a**n)/da = n * a**(n-1).  d(a**b)/db = a**b * ln a, defined for a > 0; at a = 0
        (where a**b = 0 for b > 0, and 1 for b = 0) we use 0, its limit from the right, as
        PyTorch does. 0 ** negative and negative ** non-integer are errors (no real result).
        """
        if isinstance(exponent, Value):
            return self._pow_value(exponent)
        if not isinstance(exponent, Real):
            _unsupported("**", self, exponent)
        exponent = float(exponent)
        out = Value(_real_power(self.data, exponent), "", (self,), f"**{exponent:g}")

        def backward(grad):  # d(a**n)/da = n * a**(n-1)
            # EXERCISE ch02.pow: add grad times n * a**(n-1) into self.grad (use _power_slope)
            self.grad += _power_slope(self.data, exponent) * grad
            # END EXERCISE

        out._backward = backward
        return out

    def _pow_value(self, exponent):
        """a ** b where the exponent b is a Value: both a and b receive gradients."""
        power = _real_power(self.data, exponent.data)  # a**b, kept for d(a**b)/db
        out = Value(power, "", (self, exponent), "**")

        def backward(grad):  # d(a**b)/da = b * a**(b-1), d(a**b)/db = a**b * ln a
            a, b = self.data, exponent.data
            if a < 0:
                raise ValueError(
                    f"**: d(a**b)/db = a**b * ln(a) needs a base a >= 0, got a = {a!r}"
                )
            self.grad += _power_slope(a, b) * grad
            exponent.grad += (power * math.log(a) if a > 0 else 0.0) * grad

        out._backward = backward
        return out

    def exp(self):
        e = _exp(self.data)
        out = Value(e, "", (self,), "exp")

        def backward(grad):  # d(e**a)/da = e**a: the output is its own derivative
            # EXERCISE ch02.exp: add grad times e**a into self.grad (e = e**a, from above)
            self.grad += e * grad
            # END EXERCISE

        out._backward = backward
        return out

    def log(self):
        """The natural logarithm ln a, defined for a > 0."""
        if self.data <= 0:
            raise ValueError(f"log is defined for positive numbers only, got {self.data!r}")
        out = Value(math.log(self.data), "", (self,), "log")

        def backward(grad):  # d(ln a)/da = 1/a
            self.grad += grad / self.data

        out._backward = backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, "", (self,), "tanh")

        def backward(grad):  # d(tanh a)/da = 1 - tanh(a)**2, computed from the output t = tanh a
            self.grad += (1.0 - t * t) * grad

        out._backward = backward
        return out

    def relu(self):
        r = self.data if self.data > 0 else 0.0
        out = Value(r, "", (self,), "relu")

        def backward(grad):  # d(max(a, 0))/da = 1 if a > 0 else 0 (we take 0 at the kink a = 0)
            if r > 0:
                self.grad += grad

        out._backward = backward
        return out

    def sigmoid(self):
        """sigma(a) = 1 / (1 + e**-a). For a < 0 it is computed as e**a / (1 + e**a), the same
        number, so that e**-a never overflows (sigmoid(-1000) is 0.0, not an OverflowError)."""
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        out = Value(s, "", (self,), "sigmoid")

        def backward(grad):  # d(sigma(a))/da = sigma(a) * (1 - sigma(a)), again from the output
            # EXERCISE ch02.sigmoid: add grad * s * (1 - s) into self.grad (s = sigma(a))
            self.grad += s * (1.0 - s) * grad
            # END EXERCISE

        out._backward = backward
        return out

    # ---- composite ops: built from the primitives, so their gradients come for free ---------

    def __neg__(self):  # -a = a * (-1)
        return self * -1.0

    def __sub__(self, other):  # a - b = a + (-b)
        if not isinstance(other, (Value, Real)):
            _unsupported("-", self, other)
        return self + (-other)

    def __truediv__(self, other):  # a / b = a * b**-1
        if isinstance(other, Value):
            return self * other**-1
        if not isinstance(other, Real):
            _unsupported("/", self, other)
        if other == 0:
            raise ValueError(f"/: division of {self!r} by zero")
        return self * (1.0 / other)

    # ---- reflected ops: `2 * v` asks Python for int.__mul__, which declines, then v.__rmul__ --

    def __radd__(self, other):  # other + self
        return _constant(other, "+", self, reflected=True) + self

    def __rsub__(self, other):  # other - self
        return _constant(other, "-", self, reflected=True) + (-self)

    def __rmul__(self, other):  # other * self
        return _constant(other, "*", self, reflected=True) * self

    def __rtruediv__(self, other):  # other / self
        return _constant(other, "/", self, reflected=True) * self**-1

    def __rpow__(self, other):  # other ** self: a number base, a Value exponent
        return _constant(other, "**", self, reflected=True)._pow_value(self)

    # ---- backpropagation ----------------------------------------------------------------------

    def topological_order(self):
        """Every node of the graph that ends in `self`, each listed after all of its parents.

        A depth-first search with an explicit stack instead of recursion, so that a chain of a
        million nodes needs no deep Python call stack (a recursive walk stops at Python's
        recursion limit, 1000 calls by default). `path` holds the nodes we are inside of, and
        `pending` for each of them an iterator over its parents still to visit. We step down to
        the first parent not yet seen; when a node has no unseen parent left, everything it
        depends on is already in `order`, so it can follow. `seen` makes a node used by several
        consumers appear once.
        """
        order = []
        # EXERCISE ch02.topological_order: fill `order` by an iterative depth-first search
        seen = {self}
        path, pending = [self], [iter(self.parents)]
        while path:
            for parent in pending[-1]:
                if parent not in seen:
                    seen.add(parent)
                    path.append(parent)
                    pending.append(iter(parent.parents))
                    break
            else:  # no unseen parent left: all that path[-1] depends on is in `order`
                pending.pop()
                order.append(path.pop())
        # END EXERCISE
        return order

    def backward(self, retain_graph=False):
        """Backpropagation: set every node's `grad` to d(self)/d(node).

        Seeds d(self)/d(self) = 1, then runs each node's local chain-rule step from `self` back
        to the leaves (reverse topological order: a node passes its gradient on only once all
        of its consumers have added theirs). A node used twice receives both contributions,
        because every step ADDS into its parents' `grad`.

        Gradients of leaves (parameters, inputs) ACCUMULATE across calls, as in PyTorch: two
        backward() calls on two graphs that share a weight sum their gradients into it. That is
        what lets you add up the gradients of several mini-batches, and it is why a training
        loop calls `model.zero_grad()` before each backward(). Intermediate nodes start from 0
        on every call, so only leaves accumulate.

        All or nothing: if a step raises part-way (a `**` asked for d(a**b)/db at a < 0, a
        released graph, Ctrl-C), every node's `grad` is put back to what it was before this
        call, then the exception goes on. Half a pass would leave some leaves with their share
        of this loss added and others without: gradients of no loss at all. We record the grads
        before starting (one float per node) and write them back on failure, rather than
        computing into a scratch map and committing at the end, because the steps then keep
        micrograd's shape, adding straight into `parent.grad`, and a pass that works pays for
        nothing but that one list.

        Unless `retain_graph=True`, each node's local step is released once used, as PyTorch
        frees its graph: the closures, and the numbers they captured, are freed even while you
        still hold the loss, and backward() through the same graph again raises RuntimeError.
        (The graph itself needs no releasing to be freed: no step refers to its own output, so
        it has no reference cycles and goes as soon as the last reference to the loss does.)
        """
        order = self.topological_order()
        before = [node.grad for node in order]  # to undo a pass that fails part-way
        try:
            for node in order:
                if node.parents:
                    node.grad = 0.0
            self.grad += 1.0
            for node in reversed(order):
                node._backward(node.grad)
        except BaseException:
            for node, grad in zip(order, before):
                node.grad = grad
            raise
        if not retain_graph:
            for node in order:
                if node.parents:
                    node._backward = _released_backward


def linear(x, w, b=None):
    """w . x + b = w_1*x_1 + ... + w_n*x_n + b, a neuron's weighted sum, as ONE node.

    A fused op, written for speed. Built from `*` and `+` the sum takes 2n nodes; it is most
    of an MLP's graph, so fusing it makes the graph several times smaller and a training step
    several times faster (fewer objects to create, sort and free). Its local rules are those of
    `*` and `+` applied to every term: d/dx_i = w_i, d/dw_i = x_i, d/db = 1. Numbers among x
    or w are taken as constants; `b` is optional. The name and the argument order are
    PyTorch's (`torch.nn.functional.linear(input, weight, bias)`).
    """
    x = tuple(xi if isinstance(xi, Value) else Value(xi) for xi in x)
    w = tuple(wi if isinstance(wi, Value) else Value(wi) for wi in w)
    if len(x) != len(w):
        raise ValueError(f"linear expects as many weights as inputs, got {len(w)} and {len(x)}")
    parents = x + w
    if b is not None:
        b = b if isinstance(b, Value) else Value(b)
        parents += (b,)
    start = 0.0 if b is None else b.data
    out = Value(sum([wi.data * xi.data for wi, xi in zip(w, x)], start), "", parents, "linear")

    def backward(grad):  # d/dx_i = w_i, d/dw_i = x_i, d/db = 1
        for xi, wi in zip(x, w):
            xi.grad += wi.data * grad
            wi.grad += xi.data * grad
        if b is not None:
            b.grad += grad

    out._backward = backward
    return out


# ---- helpers for the ops above ----------------------------------------------------------------


def _constant(x, op, value, reflected):
    """Wrap a plain number taking part in an op with `value` as a leaf Value, or raise the
    TypeError Python would give, naming both operand types in the order they were written."""
    if isinstance(x, Real):
        return Value(x)
    if reflected:
        _unsupported(op, x, value)
    _unsupported(op, value, x)


def _unsupported(op, left, right):
    raise TypeError(
        f"unsupported operand type(s) for {op}: "
        f"'{type(left).__name__}' and '{type(right).__name__}'"
    )


def _real_power(base, exponent):
    """base ** exponent as a float, or a ValueError naming the op when there is no real result."""
    if base == 0 and exponent < 0:
        raise ValueError(
            f"**: 0 ** negative is undefined (division by zero), got {base!r} ** {exponent!r}"
        )
    try:
        return math.pow(base, exponent)
    except ValueError:
        raise ValueError(
            f"**: a negative base to a non-integer power is not a real number, "
            f"got {base!r} ** {exponent!r}"
        ) from None
    except OverflowError:
        raise OverflowError(
            f"**: {base!r} ** {exponent!r} is larger than the largest float (about 1.8e308)"
        ) from None


def _power_slope(a, n):
    """d(a**n)/da = n * a**(n-1), with PyTorch's values where that formula breaks down: 0 when
    n = 0 (a**0 = 1 is flat), +inf at a = 0 when 0 < n < 1 (the curve starts vertically)."""
    if n == 0:
        return 0.0
    if a == 0 and n < 1:
        return math.inf
    return n * _real_power(a, n - 1)


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp({x!r}) is larger than the largest float (about 1.8e308)"
        ) from None
