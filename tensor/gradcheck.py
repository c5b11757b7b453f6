"""`gradcheck`: does backward() compute the derivative that the forward function has?

The numerical derivative needs no chain rule at all: nudge one input element by +-eps and see
how the output moves, (f(x + eps) - f(x - eps)) / (2 eps) (the central difference, exact up to
O(eps**2)). Comparing it with what backward() computes, for every element of every input,
checks an op's backward rule against its forward. It is done in float64, where eps = 1e-6
leaves about ten correct digits; in float32 rounding would swamp the difference.

A function with a tensor output is reduced to a number first, L = sum(output * w) with fixed
random weights w, so one backward() gives dL/dx = (d output/dx)^T w: a random combination of
all the output's derivatives, which a wrong rule would not match by chance.
"""

import random

from tensor import dtype as dtypes
from tensor import grad_mode
from tensor.tensor import Tensor


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare backward() with central differences for fn(*inputs), for every input Tensor that
    requires grad. The inputs are copied to float64 (the originals are left alone); other
    arguments are passed through. Returns True, or raises AssertionError describing the worst
    mismatch: which input, which element, the numeric and the analytic derivative (with
    raise_exception=False: returns False instead).

    PyTorch's spelling `gradcheck(fn, (x, y))`, the inputs as one tuple, works too."""
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
        inputs = tuple(inputs[0])
    if not raise_exception:
        try:
            return gradcheck(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
        except AssertionError:
            return False
    inputs = [Tensor._wrap(x.array.astype(dtypes.float64, copy=True), x._backend, x.requires_grad)
              if isinstance(x, Tensor) and dtypes.is_floating(x.dtype) else x for x in inputs]
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    outputs = _outputs(fn(*inputs))
    rng = random.Random(0)
    weights = [Tensor._wrap(out._backend.array([rng.gauss(0, 1) for _ in range(out.numel())],
                                               dtypes.float64).reshape(out.shape), out._backend)
               for out in outputs]
    loss = sum((out * w).sum() for out, w in zip(outputs, weights))
    if loss.requires_grad:
        loss.backward()

    def value():
        with grad_mode.no_grad():
            return sum(float((out.array * w.array).sum()) for out, w in zip(_outputs(fn(*inputs)),
                                                                       weights))

    worst = None
    for i in checked:
        x = inputs[i]
        analytic = (x._backend.to_numpy(x.grad.array).reshape(-1) if x.grad is not None
                    else None)
        flat = x.array.reshape(-1)  # a view: writing into it changes x
        for j in range(x.numel()):
            original = flat[j].item()
            flat[j] = original + eps
            f_plus = value()
            flat[j] = original - eps
            f_minus = value()
            flat[j] = original
            numeric = (f_plus - f_minus) / (2 * eps)
            exact = float(analytic[j]) if analytic is not None else 0.0
            excess = abs(numeric - exact) - (atol + rtol * abs(numeric))
            if excess > 0 and (worst is None or excess > worst[0]):
                worst = (excess, i, _unravel(j, x.shape), numeric, exact)
    if worst is not None:
        _, i, index, numeric, exact = worst
        raise AssertionError(
            f"gradcheck: d output/d input {i} at element {index}: numeric {numeric:.8g} vs "
            f"analytic (backward) {exact:.8g}; |difference| {abs(numeric - exact):.3g} exceeds "
            f"atol + rtol*|numeric| = {atol + rtol * abs(numeric):.3g}")
    return True


def _outputs(result):
    outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    for out in outputs:
        if not isinstance(out, Tensor) or not dtypes.is_floating(out.dtype):
            raise TypeError(f"gradcheck: fn must return float Tensors, got {out!r}")
    return outputs


def _unravel(flat_index, shape):
    index = []
    for n in reversed(shape):
        flat_index, i = divmod(flat_index, n)
        index.append(i)
    return tuple(reversed(index))
