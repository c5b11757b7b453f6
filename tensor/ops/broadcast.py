"""Broadcasting, and the one function that undoes it for gradients: `unbroadcast`."""

from itertools import zip_longest


def broadcast_shapes(shape_a, shape_b, op):
    """The shape of `a op b` for operands of these shapes, by NumPy's broadcasting rule: align
    the shapes on the right; each pair of sizes must be equal or contain a 1 (which is stretched
    to the other size); missing leading sizes count as 1. ValueError if they don't broadcast."""
    result = []
    for m, n in zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1):
        if m != n and m != 1 and n != 1:
            raise ValueError(f"Tensor shapes {tuple(shape_a)} and {tuple(shape_b)} cannot be "
                             f"broadcast for '{op}' (sizes {m} and {n} differ and neither is 1)")
        result.append(m if n == 1 else n)
    return tuple(reversed(result))


def unbroadcast(grad, shape):
    """Sum `grad`, the gradient of a broadcast result, back to the `shape` of one input.

    Broadcasting uses an input several times. In `a + b` with a of shape (2, 3) and b of
    shape (3,), b is read once per row of a: out[i, j] = a[i, j] + b[j] for i = 0 and i = 1.
    By the chain rule, a quantity that reaches the loss along several paths gets the SUM of the
    gradients along all of them: dL/db[j] = sum_i dL/dout[i, j] * dout[i, j]/db[j]. So the
    gradient of a broadcast input is the output's gradient summed over every axis along which
    the input was copied:

    - the leading axes that broadcasting added (b had 1 dimension, out has 2): summed away;
    - the axes where the input had size 1 and the output a larger size: summed, keeping size 1.

    Every binary op passes its parents' gradients through this one function.
    """
    if grad.shape == shape:
        return grad
    # EXERCISE ch04.unbroadcast: sum grad over added axes, then over stretched size-1 axes
    added = tuple(range(grad.ndim - len(shape)))
    if added:
        grad = grad.sum(axis=added)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
    # END EXERCISE
