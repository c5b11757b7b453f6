"""The matrix product `a @ b` (`matmul`), batched and with vectors, and its gradient.

For matrices, C = A @ B means C[i, j] = sum_k A[i, k] B[k, j]. Each A[i, k] meets B[k, j] in
every column j, so dL/dA[i, k] = sum_j dL/dC[i, j] B[k, j]: that is the matrix product
dL/dC @ B^T. Likewise dL/dB = A^T @ dL/dC. (Check the shapes: (n, m) @ (m, k) gives (n, k),
A's shape; (k, n) @ (n, m) gives (k, m), B's.)

The other cases are reduced to this one, as NumPy's matmul defines them:
- batched: (..., n, k) @ (..., k, m) multiplies matrix by matrix over leading dimensions that
  broadcast; a broadcast operand (a weight matrix used for every batch element) gets its
  gradient summed over the batch by `unbroadcast`, like any broadcast input.
- vectors: a 1-D first operand is a (1, k) row, a 1-D second operand a (k, 1) column, and
  that added dimension is removed from the result.
"""

from tensor.ops.broadcast import broadcast_shapes, unbroadcast


def matmul(self, other):
    a, b = self._pair(other, "@", broadcast=False)
    _check_shapes(a.shape, b.shape)
    data = a.array @ b.array
    if a.ndim == 1 and b.ndim == 1:  # NumPy returns a scalar for vector @ vector
        data = a._backend.xp.asarray(data)
    out = a._result(data, (a, b), "@", saved=(b if a.requires_grad else None,
                                                 a if b.requires_grad else None))

    def backward(grad):  # dL/dA = dL/dC @ B^T,  dL/dB = A^T @ dL/dC
        g = grad
        A = a.array if a.ndim > 1 else a.array[None, :]  # a vector as a (1, k) row
        B = b.array if b.ndim > 1 else b.array[:, None]  # a vector as a (k, 1) column
        if b.ndim == 1:
            g = g[..., None]  # put back the column dimension the product removed
        if a.ndim == 1:
            g = g[..., None, :]  # and the row dimension
        # EXERCISE ch05.matmul: add unbroadcast(g @ B^T) into a, unbroadcast(A^T @ g) into b
        if a.requires_grad:
            grad_a = unbroadcast(_product(g, B.swapaxes(-1, -2), A), A.shape)
            a._accumulate(grad_a if a.ndim > 1 else grad_a.reshape(a.shape))
        if b.requires_grad:
            grad_b = unbroadcast(_product(A.swapaxes(-1, -2), g, B), B.shape)
            b._accumulate(grad_b if b.ndim > 1 else grad_b.reshape(b.shape))
        # END EXERCISE

    out._backward = backward
    return out


def _product(x, y, like):
    """x @ y, laid out in memory like the array `like` whose gradient it is.

    A gradient is added to its tensor's data, to an optimizer's state, and so on: elementwise
    work that is several times faster when both arrays have the same memory layout. In
    `x @ W.T` (a linear layer written with ops) the operand W.T is a transposed view of W,
    stored column by column (Fortran order); its gradient x^T g would come out row by row, and
    after the transpose back, W's gradient would be column-major while W is row-major. Computing
    (y^T x^T)^T instead, the same numbers, gives the column-major result directly, so that W
    receives a row-major gradient.
    """
    if x.ndim == y.ndim == 2 and like.flags.f_contiguous and not like.flags.c_contiguous:
        return (y.T @ x.T).T
    return x @ y


def rmatmul(self, other):
    return matmul(self._constant(other, "@"), self)


def _check_shapes(shape_a, shape_b):
    if len(shape_a) == len(shape_b) == 2 and shape_a[1] == shape_b[0]:
        return  # the common case, two matrices that fit, checked first
    if not shape_a or not shape_b:
        raise ValueError(f"matmul: both operands need at least one dimension, got shapes "
                         f"{shape_a} and {shape_b}")
    inner_b = shape_b[-2] if len(shape_b) > 1 else shape_b[0]
    if shape_a[-1] != inner_b:
        raise ValueError(f"matmul: shapes {shape_a} and {shape_b} do not fit: the first's last "
                         f"dimension ({shape_a[-1]}) must equal the second's "
                         f"{'second-to-last' if len(shape_b) > 1 else 'only'} dimension "
                         f"({inner_b})")
    broadcast_shapes(shape_a[:-2], shape_b[:-2], "@ (batch dimensions)")

