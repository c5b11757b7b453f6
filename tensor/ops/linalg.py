"""Linear algebra: norms (norm, dist), the named matrix products (mm, bmm, mv, dot, outer,
addmm, baddbmm), einsum, and the diagonal and triangular parts of matrices (trace, diag,
diagonal, tril, triu, t).

mm, mv and dot are `matmul` with their shapes checked (one op, ops/matmul.py, one gradient
rule); bmm, addmm and baddbmm are fused ops whose backward is the same rule,
dL/dA = g B^T and dL/dB = A^T g, scaled by alpha; outer is a broadcast product. einsum's
backward is einsum again, with the subscripts permuted (see `einsum`).
"""

import math
import numbers

from tensor.ops.broadcast import broadcast_shapes, unbroadcast
from tensor.ops.matmul import matmul
from tensor.ops.reduction import _drop, _require_float
from tensor.ops.shape import normalize_dim, normalize_dims

# ---- norms ----------------------------------------------------------------------------------


def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of the elements over `dim` (an int, a tuple, or None for all of them), as
    torch.norm computes it: a number p gives the vector norm (sum_i |x_i|**p)**(1/p) over the
    chosen elements, whatever their shape; inf is max_i |x_i|, -inf min_i |x_i|, 0 counts the
    nonzero elements. 'fro' (the default), the Frobenius norm of a matrix, is the vector
    2-norm of its elements (over at most two dims). p=None means 2. The nuclear norm 'nuc'
    (a sum of singular values) is not provided.

    The gradient (`_norm_slope`) is PyTorch's, including its values where the norm has a
    kink: 0 at x = 0 for the 2-norm (not 0/0 = nan), sign(x) for the 1-norm, and for inf
    the gradient shared evenly by the elements of largest |x|.
    """
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm(p='nuc'): the nuclear norm (a sum of singular "
                                      "values) is not provided; p='fro', numbers, inf and -inf "
                                      "are")
        if p != "fro":
            raise ValueError(f"norm: p must be 'fro', 'nuc' or a number, got {p!r}")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise ValueError(f"norm(p='fro'): the Frobenius norm is a matrix norm, over at most "
                             f"two dims, got dim={tuple(dim)}; use a number p (p=2) for more")
        p = 2
    p = 2.0 if p is None else p
    if not isinstance(p, numbers.Real):
        raise TypeError(f"norm: p must be a number, 'fro' or 'nuc', got {type(p).__name__}")
    p = float(p)
    x = self if dtype is None else self.to(dtype)
    _require_float(x, "norm")
    axes = normalize_dims(dim, x.ndim, "norm")
    kept = _vector_norm(x._backend.xp, x.array, p, axes)
    out = x._result(_drop(kept, axes, keepdim), (x,), "norm", saved=(x,), saves_output=True)

    def backward(grad):  # dL/dx = g * d||x||/dx
        if p == 0:  # a count of nonzeros: PyTorch passes no gradient at all (.grad stays None)
            return
        x._accumulate(grad.reshape(kept.shape) * _norm_slope(x._backend.xp, x.array, p, axes,
                                                              kept))

    out._backward = backward
    return out


def dist(self, other, p=2):
    """||a - b||_p over all elements (a and b broadcast together): the distance between two
    points. The gradient is the norm's slope at d = a - b, passed to a and, negated, to b."""
    a, b = self._pair(other, "dist")
    _require_float(a, "dist")
    xp = a._backend.xp
    p = float(p)
    difference = a.array - b.array
    axes = tuple(range(difference.ndim))
    kept = _vector_norm(xp, difference, p, axes)
    out = a._result(_drop(kept, axes, False), (a, b), "dist", saved=(a, b), saves_output=True)

    def backward(grad):  # d||a - b||/da = slope(a - b), d/db = -slope(a - b)
        if p == 0:  # a count: no gradient (as in `norm`)
            return
        step = grad * _norm_slope(xp, difference, p, axes, kept)
        if a.requires_grad:
            a._accumulate(unbroadcast(step, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(-step, b.shape))

    out._backward = backward
    return out


def _vector_norm(xp, x, p, axes):
    """(sum_i |x_i|**p)**(1/p) over `axes`, kept as size-1 dims; the common p written out."""
    if p == 2:
        return xp.sqrt((x * x).sum(axis=axes, keepdims=True))
    size = xp.abs(x)
    if p == 1:
        return size.sum(axis=axes, keepdims=True)
    if p == math.inf:
        return size.max(axis=axes, keepdims=True)
    if p == -math.inf:
        return size.min(axis=axes, keepdims=True)
    if p == 0:  # the number of nonzero elements, by convention (a limit of the formula)
        return (x != 0).sum(axis=axes, keepdims=True, dtype=x.dtype)
    return (size**p).sum(axis=axes, keepdims=True) ** (1 / p)


def _norm_slope(xp, x, p, axes, norm):
    """d||x||_p/dx_i, for the norm `norm` (kept dims) of x.

    From ||x|| = (sum |x_i|**p)**(1/p), the chain rule gives
        d||x||/dx_i = (1/p) S**(1/p - 1) * p |x_i|**(p-1) sign(x_i) = sign(x_i) |x_i|**(p-1)
                      / ||x||**(p-1),
    which is x_i / ||x|| for p = 2 and sign(x_i) for p = 1. For p = inf only the largest
    |x_i| count, slope sign(x_i) (split evenly among ties, as max's gradient is). (p = 0, a
    count, has no slope to compute: see `norm`.) Where the formula divides by 0 (all of x is
    0, or x_i = 0 with p < 1), PyTorch's value is 0, and so is ours.
    """
    zero = x.dtype.type(0)
    flat = norm == 0
    if p == 1:
        return xp.sign(x)
    if p == 2:
        return xp.where(flat, zero, x / xp.where(flat, x.dtype.type(1), norm))
    if p in (math.inf, -math.inf):
        hit = xp.abs(x) == norm
        return xp.sign(x) * hit / hit.sum(axis=axes, keepdims=True, dtype=x.dtype)
    size = xp.abs(x)
    power = xp.where(size == 0, zero, xp.where(size == 0, 1, size) ** (p - 1))
    scale = xp.where(flat, zero, xp.where(flat, 1, norm) ** (1 - p))
    return xp.sign(x) * power * scale


# ---- named matrix products --------------------------------------------------------------------


def mm(self, mat2):
    """The product of two matrices, (n, m) @ (m, p) -> (n, p): matmul for 2-D tensors only."""
    _require_dims(self, mat2, (2, 2), "mm", "two matrices (2-D tensors)")
    return matmul(self, mat2)


def mv(self, vec):
    """Matrix times vector, (n, m) @ (m,) -> (n,): matmul for a matrix and a vector only."""
    _require_dims(self, vec, (2, 1), "mv", "a matrix (2-D) and a vector (1-D)")
    return matmul(self, vec)


def dot(self, other):
    """The dot product sum_i a_i b_i of two vectors of one length (no broadcasting)."""
    _require_dims(self, other, (1, 1), "dot", "two vectors (1-D tensors)")
    if self.shape != other.shape:
        raise ValueError(f"dot: the vectors must have the same length, got {self.shape[0]} and "
                         f"{other.shape[0]}")
    return matmul(self, other)


def outer(self, vec2):
    """The outer product a b^T of two vectors, (n,) and (m,) -> (n, m). Composite: a column
    times a row, broadcast (so the gradient is the product's: a gets g b, b gets g^T a)."""
    _require_dims(self, vec2, (1, 1), "outer", "two vectors (1-D tensors)")
    return self.reshape(-1, 1) * vec2.reshape(1, -1)


def bmm(self, mat2):
    """A batch of matrix products, (b, n, m) @ (b, m, p) -> (b, n, p), with equal batch sizes
    (no broadcasting, as in PyTorch). Each product's gradient is matmul's:
    dL/dA_k = g_k B_k^T, dL/dB_k = A_k^T g_k."""
    _require_dims(self, mat2, (3, 3), "bmm", "two batches of matrices (3-D tensors)")
    _check_product(self.shape, mat2.shape, "bmm", batch=True)
    a, b = self._pair(mat2, "bmm", broadcast=False)
    return _product_plus(a, b, None, 1, 1, "bmm")


def addmm(self, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), input (self) broadcast to (n, p): a linear
    layer's x W^T + b in one op. FUSED: one node, whose backward gives
        dL/d input = beta g (summed back to its shape),  dL/d mat1 = alpha g mat2^T,
        dL/d mat2 = alpha mat1^T g.
    With beta = 0 the input is ignored (nan or inf in it do not spread), as in PyTorch."""
    _require_dims(mat1, mat2, (2, 2), "addmm", "two matrices (2-D tensors)")
    _check_product(mat1.shape, mat2.shape, "addmm")
    return _scaled_sum(self, mat1, mat2, beta, alpha, "addmm")


def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2), with input broadcast to (b, n, p); the
    gradients are addmm's, batch by batch."""
    _require_dims(batch1, batch2, (3, 3), "baddbmm", "two batches of matrices (3-D tensors)")
    _check_product(batch1.shape, batch2.shape, "baddbmm", batch=True)
    return _scaled_sum(self, batch1, batch2, beta, alpha, "baddbmm")


def _scaled_sum(input, m1, m2, beta, alpha, op):
    from tensor.tensor import Tensor

    a, b = m1._pair(m2, op, broadcast=False)
    c = input if isinstance(input, Tensor) else a._constant(input, op)
    if c._backend is not a._backend:
        raise RuntimeError(f"{op} got tensors on two devices, {c.device} and {a.device}; move "
                           "one with .to(device) first")
    shape = a.shape[:-1] + b.shape[-1:]
    if broadcast_shapes(c.shape, shape, op) != shape:
        raise ValueError(f"{op}: the input of shape {c.shape} does not broadcast to the "
                         f"product's shape {shape}")
    return _product_plus(a, b, c, beta, alpha, op)


def _product_plus(a, b, c, beta, alpha, op):
    """beta c + alpha (a @ b) as one node (c may be None: just the product)."""
    y = a.array @ b.array
    if alpha != 1:
        y *= alpha
    if c is not None and beta != 0:
        y += c.array if beta == 1 else beta * c.array
    parents = (a, b) if c is None else (a, b, c)
    out = a._result(y, parents, op, saved=(b if a.requires_grad else None,
                                           a if b.requires_grad else None))

    def backward(grad):  # dA = alpha g B^T, dB = alpha A^T g, dc = beta g (unbroadcast)
        g = grad if alpha == 1 else alpha * grad
        if a.requires_grad:
            a._accumulate(g @ b.array.swapaxes(-1, -2))
        if b.requires_grad:
            b._accumulate(a.array.swapaxes(-1, -2) @ g)
        if c is not None and c.requires_grad:
            c._accumulate(unbroadcast(beta * grad, c.shape))

    out._backward = backward
    return out


def _require_dims(a, b, dims, op, what):
    from tensor.tensor import Tensor  # here, not at the top: tensor.py imports this module

    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {what}, got {type(t).__name__}")
    if (a.ndim, b.ndim) != dims:
        raise ValueError(f"{op}: expected {what}, got shapes {a.shape} and {b.shape}")


def _check_product(shape_a, shape_b, op, batch=False):
    if shape_a[-1] != shape_b[-2]:
        raise ValueError(f"{op}: shapes {shape_a} and {shape_b} do not fit: the first's last "
                         f"dimension ({shape_a[-1]}) must equal the second's second-to-last "
                         f"({shape_b[-2]})")
    if batch and shape_a[0] != shape_b[0]:
        raise ValueError(f"{op}: the batch sizes differ, {shape_a[0]} and {shape_b[0]} (shapes "
                         f"{shape_a} and {shape_b}); {op} does not broadcast, matmul does")


# ---- einsum ------------------------------------------------------------------------------------


def einsum(equation, *operands):
    """Einstein summation: `einsum("ij,jk->ik", a, b)` is a @ b. Each operand's dimensions
    are named by letters; the output keeps the letters after `->` (without `->`: the letters
    used once, in alphabetical order); every other letter is summed over. `...` stands for
    dimensions that broadcast. A letter twice in one operand takes its diagonal ("ii->i").

    The forward is the backend's einsum. The backward is einsum again. The output is
        Y[out] = sum over the other letters of  X_1[s_1] X_2[s_2] ... X_n[s_n],
    a sum of products, linear in each X_k; so dY[out]/dX_k[s_k] is the product of the OTHER
    operands, and the chain rule sums g = dL/dY against it over every letter not in s_k:
        dL/dX_k[s_k] = sum  g[out] prod_{j != k} X_j[s_j]   =   einsum("out,s_j...->s_k").
    The subscripts are permuted: g takes the output's place, X_k's become the output. Two
    things are then fixed up (`_fit`): a letter found only in s_k was summed out of X_k
    alone, so its gradient is broadcast along it; a size-1 dimension that was broadcast
    gets its gradient summed. A repeated letter ("ii") takes the diagonal, so its gradient
    is put back on the diagonal, by einsum with an identity matrix ("i,ij->ij").
    """
    from tensor.tensor import Tensor

    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])  # einsum("ij->ji", [a]) as PyTorch allows
    if not isinstance(equation, str):
        raise TypeError("einsum: the first argument must be the equation string, e.g. "
                        "einsum('ij,jk->ik', a, b) (the sublist format is not supported)")
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: operands must be Tensors, got {type(t).__name__}")
    if not operands:
        raise ValueError("einsum: no operands given")
    first = operands[0]
    for t in operands[1:]:
        if t._backend is not first._backend:
            raise RuntimeError(f"einsum got tensors on two devices, {first.device} and "
                               f"{t.device}; move one with .to(device) first")
        if t.dtype != first.dtype:
            raise TypeError(f"einsum: the operands must have one dtype, got {first.dtype} and "
                            f"{t.dtype}; convert them first (e.g. .float() or .double())")
    inputs, output = _parse(equation, [t.shape for t in operands])
    xp = first._backend.xp
    arrays = [t.array for t in operands]
    data = xp.einsum(f"{','.join(inputs)}->{output}", *arrays, optimize=len(arrays) > 1)
    out = first._result(data, tuple(operands), "einsum", saved=tuple(operands))

    def backward(grad):
        for k, t in enumerate(operands):
            if t.requires_grad:
                others = [(s, a) for j, (s, a) in enumerate(zip(inputs, arrays)) if j != k]
                t._accumulate(_einsum_gradient(xp, grad, output, others, inputs[k], t.shape))

    out._backward = backward
    return out


def _parse(equation, shapes):
    """The equation with `...` replaced by letters and the output made explicit: (a list of
    each operand's letters, the output's letters). ValueError naming what does not fit."""
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(inputs)} operand(s), "
                         f"but {len(shapes)} were given")
    used = set(equation) - set(".,->")
    for c in used:
        if not c.isalpha() or not c.isascii():
            raise ValueError(f"einsum: subscripts are letters a-z and A-Z, got {c!r} in "
                             f"{equation!r}")
    spare = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    extra = 0  # how many dimensions `...` stands for (the most over all operands)
    for i, (subs, shape) in enumerate(zip(inputs, shapes)):
        named = subs.replace("...", "", 1)
        if "." in named:
            raise ValueError(f"einsum: operand {i}'s subscripts {subs!r} are malformed")
        if len(named) > len(shape) or (len(named) < len(shape) and named == subs):
            raise ValueError(f"einsum: operand {i} has {len(shape)} dimension(s) (shape "
                             f"{tuple(shape)}) but the subscripts {subs!r} name {len(named)}")
        extra = max(extra, len(shape) - len(named))
    dots = "".join(spare[:extra])  # the broadcast dims, aligned at the right as in numpy
    inputs = [s.replace("...", dots[extra - (len(shape) - len(s.replace("...", ""))):])
              for s, shape in zip(inputs, shapes)]
    if arrow:
        output = output.replace("...", dots)
    else:
        once = sorted(c for c in used if left.count(c) == 1)
        output = dots + "".join(once)
    everything = "".join(inputs)
    for c in output:
        if c not in everything or output.count(c) > 1:
            raise ValueError(f"einsum: the output letter {c!r} in {equation!r} must appear in "
                             "an operand, and only once in the output")
    return inputs, output


def _einsum_gradient(xp, grad, output, others, subs, shape):
    """dL/dX for the operand with subscripts `subs` and shape `shape` (see `einsum`)."""
    present = set(output).union(*(s for s, _ in others))
    letters = "".join(dict.fromkeys(subs))  # its distinct letters, in order
    kept = "".join(c for c in letters if c in present)
    terms = [output] + [s for s, _ in others]
    g = xp.einsum(f"{','.join(terms)}->{kept}", grad, *(a for _, a in others),
                  optimize=len(terms) > 1)
    g = g.reshape(tuple(g.shape[kept.index(c)] if c in kept else 1 for c in letters))
    if letters != subs:  # a repeated letter: the gradient goes back on the diagonal
        fresh = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     if c not in subs)
        renamed, eyes, seen = "", [], set()
        for c, n in zip(subs, shape):
            if c in seen:
                new = next(fresh)
                eyes.append((c + new, xp.eye(n, dtype=grad.dtype)))
                c = new
            seen.add(c)
            renamed += c
        g = xp.einsum(f"{letters},{','.join(s for s, _ in eyes)}->{renamed}", g,
                      *(e for _, e in eyes))
    return _fit(xp, g, shape)


def _fit(xp, g, shape):
    """g brought to an operand's shape: summed over dims where the operand had size 1 and was
    broadcast, broadcast along dims where g has size 1 (a letter summed out of the operand
    alone: every element of it had slope 1)."""
    summed = tuple(i for i, (m, n) in enumerate(zip(g.shape, shape)) if n == 1 and m != 1)
    if summed:
        g = g.sum(axis=summed, keepdims=True)
    return xp.broadcast_to(g, shape)


# ---- diagonals and triangles --------------------------------------------------------------


def trace(self):
    """The sum of a matrix's diagonal, sum_i A[i, i]; d/dA[i, j] = 1 if i == j, else 0:
    the identity matrix."""
    if self.ndim != 2:
        raise ValueError(f"trace: expected a matrix (2-D tensor), got shape {self.shape}")
    xp = self._backend.xp
    out = self._result(xp.asarray(xp.trace(self.array)), (self,), "trace")

    def backward(grad):  # g times the identity (rectangular: ones on the main diagonal)
        self._accumulate(grad * xp.eye(*self.shape, dtype=grad.dtype))

    out._backward = backward
    return out


def diag(self, diagonal=0):
    """For a vector: the square matrix with it on the `diagonal`-th diagonal (0 the main one,
    > 0 above, < 0 below), zeros elsewhere. For a matrix: that diagonal as a vector (a copy).
    Each is the other's gradient: the gradient of placing is taking, and of taking, placing."""
    xp = self._backend.xp
    if self.ndim == 1:
        out = self._result(xp.diag(self.array, diagonal), (self,), "diag_embed")

        def backward(grad):  # take the diagonal back out
            self._accumulate(xp.diagonal(grad, diagonal).copy())
    elif self.ndim == 2:
        out = self._result(xp.diagonal(self.array, diagonal).copy(), (self,), "diag")

        def backward(grad):  # put it back on the diagonal of zeros
            self._accumulate(_place_diagonal(xp, grad, self.shape, diagonal, 0, 1))
    else:
        raise ValueError(f"diag: expected a vector or a matrix (1-D or 2-D), got shape "
                         f"{self.shape}; for a batch use diagonal(dim1=, dim2=)")
    out._backward = backward
    return out


def diagonal(self, offset=0, dim1=0, dim2=1):
    """The `offset`-th diagonal of the matrices formed by dims dim1 and dim2 (a view, read-only
    here): those two dims are removed and the diagonal becomes the last one. The gradient is
    put back on the diagonal of a tensor of zeros."""
    a = normalize_dim(dim1, self.ndim, "diagonal")
    b = normalize_dim(dim2, self.ndim, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 must be different dims, both are {dim1}")
    xp = self._backend.xp
    out = self._result(xp.diagonal(self.array, offset, a, b), (self,), "diagonal")

    def backward(grad):
        self._accumulate(_place_diagonal(xp, grad, self.shape, offset, a, b))

    out._backward = backward
    return out


def _place_diagonal(xp, values, shape, offset, dim1, dim2):
    """Zeros of `shape` with `values` (diagonal last, as `diagonal` returns it) written on the
    offset-th diagonal of dims dim1, dim2: the inverse of taking a diagonal."""
    out = xp.zeros(shape, dtype=values.dtype)
    moved = xp.moveaxis(out, (dim1, dim2), (-2, -1))  # a view: writing into it writes `out`
    steps = xp.arange(values.shape[-1])
    moved[..., steps + max(-offset, 0), steps + max(offset, 0)] = values
    return out


def tril(self, diagonal=0):
    """The lower triangle of the last two dims: elements on and below the `diagonal`-th
    diagonal kept, the rest set to 0. A mask, so the gradient is masked the same way."""
    return _triangle(self, diagonal, "tril")


def triu(self, diagonal=0):
    """The upper triangle: elements on and above the `diagonal`-th diagonal; gradient masked
    the same way."""
    return _triangle(self, diagonal, "triu")


def _triangle(self, diagonal, op):
    if self.ndim < 2:
        raise ValueError(f"{op}: expected a tensor with at least 2 dims (a matrix or a batch of "
                         f"them), got shape {self.shape}")
    keep = getattr(self._backend.xp, op)
    out = self._result(keep(self.array, diagonal), (self,), op)

    def backward(grad):  # d out/dx = 1 inside the triangle, 0 outside
        self._accumulate(keep(grad, diagonal))

    out._backward = backward
    return out


def t(self):
    """The transpose of a matrix (a view); a vector or a number is returned as it is (as a
    new node). PyTorch's t() refuses more than 2 dims: use transpose or permute, or .mT."""
    if self.ndim > 2:
        raise ValueError(f"t(): expected a tensor with at most 2 dims, got shape {self.shape}; "
                         "use transpose(dim0, dim1) for more")
    out = self._result(self.array.T, (self,), "t")

    def backward(grad):  # transposing twice is the identity
        self._accumulate(grad.T)

    out._backward = backward
    return out
