"""Sampling from distributions whose parameters are tensors: bernoulli, multinomial, normal.

Random numbers come from the device's generator (`backend.rand`, `backend.randn`; see
tensor/backend), which `tensor.manual_seed` seeds, and every sampler is built from uniform or
normal draws with array operations only, so it runs the same on every device:

- bernoulli(p): 1 where a uniform draw u < p, which happens with probability p.
- multinomial with replacement: the inverse of the cumulative distribution, category i where
  cdf[i - 1] <= u < cdf[i] (one searchsorted for all rows, see `_inverse_cdf`).
- multinomial without replacement: an exponential race. Category i gets a clock
  E_i / w_i with E_i ~ Exp(1) (E = -log(1 - u)); the first clock to ring is i with
  probability w_i / sum(w), and, the exponential having no memory, the next among the rest
  again in proportion to their weights: the k smallest clocks are k draws without
  replacement. (It is the Gumbel top-k trick, written with exponentials.)
- normal(mean, std): mean + std * z, z ~ N(0, 1).

Gradients: a sample is not a smooth function of its parameters (a Bernoulli draw is 0 or 1),
so PyTorch defines the gradient of bernoulli and normal with respect to their parameters as
0, and so do we: the result is recorded in the graph (its grad_fn is PyTorch's), and sends
back zeros. To learn a mean and a standard deviation through samples, write the sample as
`mean + std * tensor.randn_like(mean)` instead: the reparameterization trick, whose
gradients are 1 and z.
"""

import numbers

from tensor import dtype as dtypes
from tensor.random import source


def _uniform(backend, shape, generator, op):
    """float64 uniform draws in [0, 1) from the device's default stream, or `generator`'s."""
    return source(generator, backend, op).rand(shape, dtypes.float64)


def _zero_gradients(out, parents):
    def backward(grad):  # d sample / d parameter is defined as 0
        for parent in parents:
            if parent.requires_grad:
                parent._accumulate(parent._backend.xp.zeros_like(parent.array))

    out._backward = backward
    return out


def bernoulli(input, p=None, *, generator=None):
    """A tensor of input's shape and dtype holding 1 with probability input (elementwise, each
    in [0, 1]), else 0; or with probability p everywhere when p is given."""
    from tensor.tensor import Tensor

    if input.dtype.kind != "f":
        raise TypeError(f"bernoulli: expected a floating-point tensor of probabilities, got "
                        f"dtype {input.dtype}")
    backend = input._backend
    u = _uniform(backend, input.shape, generator, "bernoulli")
    if p is not None:  # only input's shape and dtype matter: no graph
        return Tensor._wrap((u < p).astype(input.dtype), backend)
    if input.numel() and bool(((input.array < 0) | (input.array > 1)).any()):
        raise ValueError("bernoulli: probabilities must lie in [0, 1]")
    out = input._result((u < input.array).astype(input.dtype), (input,), "bernoulli")
    return _zero_gradients(out, (input,))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples indices drawn from the categories 0 .. n-1 of each row of `input` (a 1-d
    or 2-d tensor of non-negative weights, not necessarily summing to 1), with probability
    proportional to the weights: an int64 tensor of shape (num_samples,) or (rows,
    num_samples). Without replacement a category is drawn at most once (once the categories
    of positive weight run out, the others follow in index order, as in PyTorch)."""
    from tensor.tensor import Tensor

    if input.ndim not in (1, 2) or input.dtype.kind != "f":
        raise ValueError(f"multinomial: expected a 1-d or 2-d floating-point tensor of weights, "
                         f"got shape {input.shape} and dtype {input.dtype}")
    n = input.shape[-1]
    if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    if not replacement and num_samples > n:
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement "
                         f"from {n} categories")
    xp, backend = input._backend.xp, input._backend
    w = input.array.astype(dtypes.float64).reshape(-1, n)
    if bool((~xp.isfinite(w) | (w < 0)).any()):
        raise ValueError("multinomial: the weights must be finite and >= 0")
    if bool((w.sum(axis=1) <= 0).any()):
        raise ValueError("multinomial: every row needs a positive total weight")
    if replacement:
        samples = _inverse_cdf(xp, backend, w, num_samples, generator)
    else:
        clocks = -xp.log1p(-_uniform(backend, w.shape, generator, "multinomial"))  # Exp(1)
        positive = w > 0
        clocks = xp.where(positive, clocks / xp.where(positive, w, 1), xp.inf)
        samples = xp.argsort(clocks, axis=1, kind="stable")[:, :num_samples]
    shape = input.shape[:-1] + (num_samples,)
    return Tensor._wrap(samples.astype(dtypes.int64).reshape(shape), backend)


def _inverse_cdf(xp, backend, w, k, generator):
    """k draws per row of the weights w (rows, n): category i where cdf[i - 1] <= u < cdf[i].

    All rows are searched at once by shifting row r's cdf and draws by r, which lays the rows'
    cdfs one after another in one sorted array: row r's values lie in [r, r + 1], and a draw
    of row r, kept below r + 1, can only land in row r's stretch. cdf is divided by its last
    value, so it ends at exactly 1, and a category of weight 0 repeats the cdf before it and is
    never the first value above u."""
    rows, n = w.shape
    cdf = xp.cumsum(w, axis=1)
    cdf = cdf / cdf[:, -1:]
    offset = xp.arange(rows, dtype=dtypes.float64)[:, None]
    u = _uniform(backend, (rows, k), generator, "multinomial") + offset
    u = xp.minimum(u, xp.nextafter(offset + 1, offset))
    found = xp.searchsorted((cdf + offset).reshape(-1), u.reshape(-1), side="right")
    return found.reshape(rows, k) - xp.arange(rows)[:, None] * n


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std**2). mean and std are tensors (broadcast together) or numbers;
    with two numbers, `size` gives the shape (normal(0.0, 1.0, size=(2, 3))), and dtype,
    device and requires_grad the rest, as for any factory."""
    from tensor import backend as backends
    from tensor.tensor import Tensor

    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(mean, std) with two numbers needs a size, e.g. "
                            "normal(0.0, 1.0, size=(2, 3))")
        backend = backends.get_backend("cpu" if device is None else device)
        dtype = dtypes.float32 if dtype is None else dtypes.to_dtype(dtype)
        _check_std(std)
        shape = tuple(size) if isinstance(size, (tuple, list)) else (size,)
        z = _standard_normal(source(generator, backend, "normal"), shape, dtype)
        return Tensor._wrap(z * dtype.type(std) + dtype.type(mean), backend, requires_grad)
    first = tensors[0]
    if any(t._backend is not first._backend for t in tensors):
        raise RuntimeError("normal: mean and std are on different devices; move one with "
                           ".to(device) first")
    if first.dtype.kind != "f":
        raise TypeError(f"normal: mean and std must be floating-point, got {first.dtype}")
    m = mean.array if isinstance(mean, Tensor) else mean
    s = std.array if isinstance(std, Tensor) else std
    _check_std(s)
    from tensor.ops.broadcast import broadcast_shapes

    shape = broadcast_shapes(tensors[0].shape, tensors[-1].shape, "normal")
    z = _standard_normal(source(generator, first._backend, "normal"), shape, first.dtype)
    kinds = ", ".join("Tensor" if isinstance(t, Tensor) else "float" for t in (mean, std))
    out = first._result((m + s * z).astype(first.dtype), tuple(tensors), f"normal({kinds})")
    return _zero_gradients(out, tuple(tensors))


def _check_std(std):
    if bool((std < 0).any()) if hasattr(std, "shape") else std < 0:
        raise ValueError("normal: std must be >= 0")


def _standard_normal(backend, shape, dtype):
    """N(0, 1) draws of a floating dtype (the generators draw float32 and float64)."""
    if not dtypes.is_floating(dtype):
        raise TypeError(f"normal: needs a floating-point dtype, got {dtype}")
    draw_as = dtype if dtype.itemsize >= 4 else dtypes.float32
    return backend.randn(shape, draw_as).astype(dtype, copy=False)
