"""`linear`: y = x W^T + b, the fused op under nn.Linear."""

import math

from nn.functional._checks import _check_tensor


def linear(input, weight, bias=None):
    """y = x W^T + b with W of shape (out_features, in_features) and b of shape
    (out_features,) or None: what nn.Linear computes, given the weights, over the last
    dimension of x: (*, in_features) -> (*, out_features).

    FUSED, for speed: the composite `x @ W.T + b` is three nodes (a transpose, a product and
    a broadcast add), each with its own bookkeeping, and the transpose hands W its gradient
    as a transposed view. Here it is one node whose backward writes each gradient directly,
    in its tensor's own shape and memory layout. With g = dL/dy, and the leading dimensions
    of x and g flattened into rows (a batch of sequences (N, T, in_features) is one matrix
    product, not N of them):

        dL/dx = g W         dL/dW = g^T x         dL/db = g summed over the rows

    the matmul gradients of tensor/ops/matmul.py for y = x W^T; the bias is broadcast over
    the rows, so its gradient is summed over them (what `unbroadcast` would do).
    """
    _check_tensor(input, "linear")
    _check_tensor(weight, "linear", "weight")
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {tuple(input.shape)} does not fit a weight of "
                         f"shape {tuple(weight.shape)}; expected a weight (out_features, "
                         f"in_features) and input (*, {weight.shape[-1]})")
    x, w = input._pair(weight, "linear", broadcast=False)
    b = None
    if bias is not None:
        _check_tensor(bias, "linear", "bias")
        if bias.shape != (w.shape[0],):
            raise ValueError(f"linear: the bias must have shape ({w.shape[0]},) for a weight "
                             f"of shape {tuple(w.shape)}, got {tuple(bias.shape)}")
        x, b = x._pair(bias, "linear", broadcast=False)
    # EXERCISE ch06.linear: compute the array y = x W^T, plus b when there is a bias (b is not None)
    y = x.array.reshape(_rows(x.shape)) @ w.array.T  # one 2-D product: faster than batched
    y = y.reshape(*x.shape[:-1], w.shape[0])
    if b is not None:
        y += b.array  # in place: the product is a new array that nothing else holds
    # END EXERCISE
    out = x._result(y, (x, w) if b is None else (x, w, b), "linear",
                    saved=(w if x.requires_grad else None, x if w.requires_grad else None))

    def backward(g):  # g = dL/d out, of shape (*, out_features)
        rows = g.reshape(_rows(g.shape))  # (rows, out_features): a leading index is a row
        # EXERCISE ch06.linear: accumulate dL/dx = g W, dL/dW = g^T x, dL/db = sum of g's rows
        if x.requires_grad:
            x._accumulate((rows @ w.array).reshape(x.shape))
        if w.requires_grad:
            w._accumulate(rows.T @ x.array.reshape(_rows(x.shape)))
        if b is not None and b.requires_grad:
            b._accumulate(rows.sum(axis=0))
        # END EXERCISE

    out._backward = backward
    return out


def _rows(shape):
    """The matrix shape (rows, last size) that makes every leading index of `shape` a row. The
    number of rows is written out: NumPy cannot infer a -1 beside a size-0 dimension (a batch of
    0 samples, or 0 features)."""
    return (math.prod(shape[:-1]), shape[-1])
