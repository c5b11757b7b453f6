"""Fuzzing: the tensor ops and the losses against PyTorch, values and gradients, over random
cases drawn by hypothesis.

Every case draws shapes (zero-size dimensions included), dims (negative ones included), the
options of the op, a dtype (float32 or float64) and a memory layout for each input:

- "contiguous": a fresh tensor;
- "transposed": a permuted view of a leaf stored in the reverse axis order;
- "strided": every second element of a larger leaf (`leaf[1::2, 1::2]`);
- "expanded": a leaf with size-1 dimensions, broadcast with `expand` (zero strides);
- "numpy": on the CPU, `tensor.from_numpy` of a transposed NumPy view with negative strides
  (a leaf that is itself not contiguous; PyTorch gets a copy).

The same calls run on Grad School and on PyTorch (`fn(T, *inputs)`, T naming the library);
then the result's shape, dtype and values must agree, and so must the gradients of every leaf
after backward() of a random weighting of the outputs. Where PyTorch raises, Grad School must
raise too (a clear error instead of a wrong answer).

Budget: the profile "gradschool-fuzz" draws 100 cases per test and device (15 tests, on "cpu"
and "standin": 3,000 cases, 15 to 30 s on one core); `GRADSCHOOL_FUZZ=ci` selects
"gradschool-fuzz-ci", 1,000 per test and device (30,000 cases, about 3 minutes), for CI;
`GRADSCHOOL_FUZZ=explore` draws 30,000 new cases on every run:

    GRADSCHOOL_FUZZ=ci python -m pytest -q -p no:xdist tests/test_robustness_fuzz.py

A failure prints the drawn case; the bugs the fuzzing found are pinned at the end of the file.
"""

import math
import os
import types
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import nn.functional as F
import tensor
from tensor import Tensor

# `make test` and CI draw the same cases on every run (derandomize), so a red run is a change
# in the code, never the luck of the draw; GRADSCHOOL_FUZZ=explore draws new cases each run,
# to hunt for bugs (pin what it finds as a plain test at the end of this file).
settings.register_profile(
    "gradschool-fuzz", max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large])
settings.register_profile("gradschool-fuzz-ci", settings.get_profile("gradschool-fuzz"),
                          max_examples=1000)
settings.register_profile("gradschool-fuzz-explore", settings.get_profile("gradschool-fuzz-ci"),
                          derandomize=False)
FUZZ = settings.get_profile({"ci": "gradschool-fuzz-ci", "explore": "gradschool-fuzz-explore"}
                            .get(os.environ.get("GRADSCHOOL_FUZZ"), "gradschool-fuzz"))

OURS = types.SimpleNamespace(t=tensor, F=F, pad=tensor.pad,
                             const=lambda like, data: Tensor(data, device=like.device))
THEIRS = types.SimpleNamespace(t=torch, F=TF, pad=TF.pad,
                               const=lambda like, data: torch.tensor(data))

# what either library may raise for a bad case; a NumPy error message would be a bug, but it
# arrives as one of these types too, so the table of bad inputs checks the messages
ERRORS = (RuntimeError, ValueError, IndexError, TypeError, NotImplementedError)
# atol: a gradient that is 0 in exact arithmetic (a normalization's input gradient along the
# directions it is blind to) comes out as rounding noise of either sign in both libraries,
# about 1e-12 in float64 for inputs of size 1-100
TOLERANCE = {"float32": (2e-5, 2e-6), "float64": (1e-9, 1e-10)}
LAYOUTS = ("contiguous", "transposed", "strided", "expanded", "numpy")

R, P, D, U = "real", "positive", "distinct", "unit"  # domains of the input values


# ---- drawing cases -----------------------------------------------------------------------


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims,
                    max_size=max_dims).map(tuple)


def values(rng, shape, domain):
    """float64 values of `shape` from `domain`: "real" (normal), "positive" (0.5 to 2),
    "unit" (0.05 to 0.95, probabilities) or "distinct" (no two within 0.3 of each other, none
    within 0.07 of 0: no tie for a max, no kink of relu or clamp within reach)."""
    if domain == R:
        return rng.standard_normal(shape)
    if domain == P:
        return rng.uniform(0.5, 2.0, shape)
    if domain == U:
        return rng.uniform(0.05, 0.95, shape)
    n = math.prod(shape)
    return ((rng.permutation(n) - n / 2 + 0.25) * 0.3).reshape(shape)


def dim_of(data, ndim, extra=0, label="dim"):
    """An int dim for a tensor of `ndim` dimensions (+ extra for unsqueeze and stack), counted
    from either end; 0 or -1 for a 0-d tensor."""
    top = max(ndim + extra, 1)
    return data.draw(st.integers(-top, top - 1), label=label)


def dims_of(data, ndim, label="dim"):
    """None, an int, or a tuple or list of distinct dims (each from either end)."""
    top = max(ndim, 1)
    kind = data.draw(st.sampled_from(["none", "int", "tuple", "list"]), label=f"{label} kind")
    if kind == "none":
        return None
    if kind == "int":
        return dim_of(data, ndim, label=label)
    chosen = data.draw(st.lists(st.integers(0, top - 1), min_size=1, max_size=top, unique=True))
    signed = [d - top if data.draw(st.booleans()) else d for d in chosen]
    return tuple(signed) if kind == "tuple" else signed


# ---- running a case in both libraries ------------------------------------------------------


def _layout(array, layout, rng):
    """(base array, view): the leaf's values and the view (`view(T, leaf)`) that turns the leaf
    into an input of the array's shape and values."""
    ndim = array.ndim
    if layout == "transposed" and ndim >= 2:
        order = tuple(reversed(range(ndim)))
        return np.ascontiguousarray(array.transpose(order)), lambda x: x.permute(*order)
    if layout == "strided" and ndim >= 1:
        base = rng.standard_normal(tuple(2 * n + 1 for n in array.shape)).astype(array.dtype)
        every_second = (slice(1, None, 2),) * ndim
        base[every_second] = array
        return base, lambda x: x[every_second]
    if layout == "expanded" and ndim >= 1:
        ones = rng.random(ndim) < 0.5
        base = np.ascontiguousarray(array[tuple(slice(0, 1) if one else slice(None)
                                                for one in ones)])
        return base, lambda x: x.expand(*array.shape)
    return array, lambda x: x


def make_inputs(arrays, dtypes, layouts, device, rng):
    """Our leaves and inputs, and PyTorch's, for host arrays in these dtypes and layouts."""
    ours, theirs = ([], []), ([], [])
    for array, dtype, layout in zip(arrays, dtypes, layouts):
        array = np.asarray(array, dtype=dtype)
        if layout == "numpy" and array.ndim >= 1:
            view = np.flip(np.ascontiguousarray(np.flip(array).T).T)  # array's values, strides
            leaf = (tensor.from_numpy(view) if device == "cpu"  # transposed and negative
                    else Tensor(view, device=device))
            leaf.requires_grad = True
            their_leaf = torch.tensor(array, requires_grad=True)
            ours[0].append(leaf)
            ours[1].append(leaf)
            theirs[0].append(their_leaf)
            theirs[1].append(their_leaf)
            continue
        base, view = _layout(array, layout, rng)
        leaf = Tensor(base, requires_grad=True, device=device)
        their_leaf = torch.tensor(base, requires_grad=True)
        ours[0].append(leaf)
        ours[1].append(view(leaf))
        theirs[0].append(their_leaf)
        theirs[1].append(view(their_leaf))
    return ours, theirs


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _host(t):
    return t.detach().numpy()  # either library's tensor


def _same(ours, theirs, what, atol32=None):
    """Equal shapes, dtypes and values, within the tolerance of the dtype (a float32 gradient
    summed from float64 terms may differ from PyTorch's, summed in float32, in the last bit)."""
    a, b = _host(ours), _host(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, PyTorch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype}, PyTorch {b.dtype}"
    if a.dtype.kind == "f":
        rtol, atol = TOLERANCE[str(a.dtype)]
        if atol32 is not None and a.dtype == np.float32:
            atol = atol32
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check(fn, arrays, device, data, dtypes=None, layouts=None, differentiable=True,
          allowed_layouts=LAYOUTS, atol32=None):
    """Run fn(T, *inputs) in both libraries and compare results and gradients (module doc).
    dtypes and layouts (one per array) are drawn from `data` (hypothesis's, or None for a
    fixed case) unless given; `atol32` replaces float32's
    absolute tolerance where the op subtracts large terms."""
    if dtypes is None:
        dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
        dtypes = [dtype] * len(arrays)
    if layouts is None:
        layouts = [data.draw(st.sampled_from(allowed_layouts), label=f"layout {i}")
                   for i in range(len(arrays))]
    rng = np.random.default_rng(0 if data is None else
                                data.draw(st.integers(0, 2**32 - 1), label="seed"))
    (our_leaves, our_inputs), (their_leaves, their_inputs) = make_inputs(
        arrays, dtypes, layouts, device, rng)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = fn(THEIRS, *their_inputs)
        except ERRORS as error:
            with pytest.raises(ERRORS):
                fn(OURS, *our_inputs)
            return f"both raise ({type(error).__name__})"
        result = fn(OURS, *our_inputs)
        results, expecteds = _outputs(result), _outputs(expected)
        assert len(results) == len(expecteds)
        for i, (ours, theirs) in enumerate(zip(results, expecteds)):
            _same(ours, theirs, f"output {i}", atol32)
        if not differentiable:
            return "values"
        weights = [rng.standard_normal(tuple(t.shape)) for t in expecteds]
        our_loss = sum((t * OURS.const(t, w.astype(t.dtype))).sum()
                       for t, w in zip(results, weights) if t.requires_grad)
        their_loss = sum((t * torch.tensor(w, dtype=t.dtype)).sum()
                         for t, w in zip(expecteds, weights) if t.requires_grad)
        if isinstance(their_loss, int):  # nothing to differentiate (comparisons, argmax)
            assert isinstance(our_loss, int)
            return "values"
        our_loss.backward()
        their_loss.backward()
    for i, (leaf, their_leaf) in enumerate(zip(our_leaves, their_leaves)):
        expected_grad = (their_leaf.grad if their_leaf.grad is not None
                         else torch.zeros_like(their_leaf))
        grad = leaf.grad if leaf.grad is not None else tensor.zeros_like(leaf)
        _same(grad, expected_grad, f"gradient of input {i}", atol32)
    return "values and gradients"


# ---- elementwise ops ---------------------------------------------------------------------

UNARY = {
    "neg": (lambda T, a: -a, R),
    "exp": (lambda T, a: T.t.exp(a), R),
    "log": (lambda T, a: T.t.log(a), P),
    "sqrt": (lambda T, a: a.sqrt(), P),
    "abs": (lambda T, a: a.abs(), D),
    "sigmoid": (lambda T, a: T.t.sigmoid(a * 3), R),
    "tanh": (lambda T, a: a.tanh(), R),
    "relu": (lambda T, a: T.F.relu(a), D),
    "gelu": (lambda T, a: T.F.gelu(a * 2), R),
    "gelu_tanh": (lambda T, a: T.F.gelu(a * 2, approximate="tanh"), R),
    "silu": (lambda T, a: T.F.silu(a * 2), R),
    "leaky_relu": (lambda T, a: T.F.leaky_relu(a, 0.2), D),
    "elu": (lambda T, a: T.F.elu(a, alpha=1.5), D),
    "softmax": (lambda T, a: T.F.softmax(a, dim=-1), R),
    "clamp": (lambda T, a: a.clamp(-0.4, 0.6), D),
    "clamp_min": (lambda T, a: T.t.clamp(a, min=0.1), D),
    "pow_2": (lambda T, a: a**2, R),
    "pow_0": (lambda T, a: a**0, R),
    "pow_fraction": (lambda T, a: a**1.5, P),
    "rpow": (lambda T, a: 2.0**a, R),
    "reciprocal": (lambda T, a: 1 / a, D),
    "affine": (lambda T, a: (2.5 * a - 1) / 4 + 0.5, R),
    "where_scalar": (lambda T, a: T.t.where(a > 0, a, 0.5), D),
    "masked_fill": (lambda T, a: a.masked_fill(a < 0, -2.0), D),
    "clone": (lambda T, a: a.clone() * a, R),
    "contiguous": (lambda T, a: a.contiguous() * 3, R),
    "double": (lambda T, a: a.double() * a.double(), R),
}


@given(data=st.data(), op=st.sampled_from(sorted(UNARY)), shape=shapes())
@FUZZ
def test_unary_ops(device, data, op, shape):
    """(The tanh GELU's gradient in float32 adds 0.5 (1 + tanh(u)), where tanh(u) is near -1,
    to a small negative term: around x = -5 both libraries are 1e-6 off float64's value, in
    different directions, so float32 compares with atol 5e-6 there.)"""
    fn, domain = UNARY[op]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    check(fn, [values(rng, shape, domain)], device, data,
          atol32=5e-6 if op == "gelu_tanh" else None)


BINARY = {
    "+": (lambda T, a, b: a + b, R),
    "-": (lambda T, a, b: a - b, R),
    "*": (lambda T, a, b: a * b, R),
    "/": (lambda T, a, b: a / b, D),
    "**": (lambda T, a, b: a**b, P),
    "maximum": (lambda T, a, b: T.t.maximum(a, b), R),
    "minimum": (lambda T, a, b: a.minimum(b), R),
    "where": (lambda T, a, b: T.t.where(a * b > 0, a, b), D),
    "<": (lambda T, a, b: a < b, R),
    ">=": (lambda T, a, b: a >= b, R),
    "==": (lambda T, a, b: a == b.clamp(min=0), R),
}


@given(data=st.data(), op=st.sampled_from(sorted(BINARY)),
       broadcast=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                               min_side=0, max_side=3))
@FUZZ
def test_binary_ops_broadcast(device, data, op, broadcast):
    fn, domain = BINARY[op]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    arrays = [values(rng, s, domain) for s in broadcast.input_shapes]
    check(fn, arrays, device, data)


@given(data=st.data(), op=st.sampled_from(["+", "*", "/", "maximum", "where"]),
       broadcast=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3,
                                               min_side=0, max_side=3))
@FUZZ
def test_binary_ops_promote_float32_and_float64(device, data, op, broadcast):
    """float32 op float64 is float64 in both libraries, and each gradient keeps its input's
    dtype. (Both operands have dimensions: PyTorch lets a 0-d tensor's dtype give way.)"""
    fn, domain = BINARY[op]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    arrays = [values(rng, s, domain) for s in broadcast.input_shapes]
    dtypes = data.draw(st.permutations(["float32", "float64"]), label="dtypes")
    check(fn, arrays, device, data, dtypes=dtypes)


# ---- reductions --------------------------------------------------------------------------

REDUCTIONS = {  # name: (fn(T, a, dim, keepdim, correction), domain, what `dim` may be)
    "sum": (lambda T, a, d, k, c: a.sum(d, keepdim=k) if d is not None else a.sum(), R,
            "dims"),
    "mean": (lambda T, a, d, k, c: a.mean(d, keepdim=k) if d is not None else a.mean(), R,
             "dims"),
    "var": (lambda T, a, d, k, c: a.var(d, correction=c, keepdim=k), R, "dims"),
    "std": (lambda T, a, d, k, c: a.std(d, correction=c, keepdim=k), R, "dims"),
    "amax": (lambda T, a, d, k, c: T.t.amax(a, d if d is not None else (), keepdim=k), D,
             "dims"),
    "amin": (lambda T, a, d, k, c: a.amin(d if d is not None else (), keepdim=k), D, "dims"),
    "logsumexp": (lambda T, a, d, k, c: T.t.logsumexp(a, d, keepdim=k), R, "dims!"),
    "max": (lambda T, a, d, k, c: a.max() if d is None else tuple(a.max(d, keepdim=k)), D,
            "int"),
    "min": (lambda T, a, d, k, c: a.min() if d is None else tuple(a.min(d, keepdim=k)), D,
            "int"),
    "argmax": (lambda T, a, d, k, c: a.argmax(d, keepdim=k) if d is not None else a.argmax(),
               D, "int"),
    "argmin": (lambda T, a, d, k, c: T.t.argmin(a, d, keepdim=k), D, "int!"),
    "all": (lambda T, a, d, k, c: (a > 0).all(d, keepdim=k) if d is not None
            else (a > 0).all(), R, "dims"),
    "any": (lambda T, a, d, k, c: (a > 0).any(d, keepdim=k) if d is not None
            else (a > 0).any(), R, "dims"),
    "softmax": (lambda T, a, d, k, c: a.softmax(d), R, "int!"),
    "log_softmax": (lambda T, a, d, k, c: T.F.log_softmax(a, dim=d), R, "int!"),
}


@given(data=st.data(), op=st.sampled_from(sorted(REDUCTIONS)), shape=shapes())
@FUZZ
def test_reductions(device, data, op, shape):
    fn, domain, dims = REDUCTIONS[op]
    if dims.startswith("int"):
        dim = dim_of(data, len(shape))
        if not dims.endswith("!") and data.draw(st.booleans(), label="no dim"):
            dim = None
    else:
        dim = dims_of(data, len(shape))
        if dims.endswith("!") and dim is None:
            dim = dim_of(data, len(shape))
    keepdim = data.draw(st.booleans(), label="keepdim")
    correction = data.draw(st.sampled_from([0, 1]), label="correction")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    layouts = LAYOUTS if domain != D else tuple(x for x in LAYOUTS if x != "expanded")
    check(lambda T, a: fn(T, a, dim, keepdim, correction), [values(rng, shape, domain)],
          device, data, allowed_layouts=layouts)


# ---- shapes ------------------------------------------------------------------------------


def _new_shape(data, shape):
    """A shape with as many elements as `shape`: its sizes shuffled, some neighbours merged,
    maybe one size written -1."""
    sizes = list(data.draw(st.permutations(list(shape)), label="shuffled")) if shape else []
    while len(sizes) > 1 and data.draw(st.booleans(), label="merge"):
        i = data.draw(st.integers(0, len(sizes) - 2))
        sizes[i:i + 2] = [sizes[i] * sizes[i + 1]]
    if sizes and data.draw(st.booleans(), label="infer one"):
        sizes[data.draw(st.integers(0, len(sizes) - 1))] = -1
    return tuple(sizes)


@given(data=st.data(), shape=shapes(), op=st.sampled_from(
    ["reshape", "flatten", "squeeze", "squeeze_all", "unsqueeze", "transpose", "permute", "T",
     "expand", "split", "split_sizes", "chunk", "view"]))
@FUZZ
def test_shape_ops(device, data, shape, op):
    ndim = len(shape)
    layouts = LAYOUTS
    if op == "reshape":
        new = _new_shape(data, shape)
        fn = lambda T, a: a.reshape(new) * 2  # noqa: E731
    elif op == "view":  # PyTorch refuses to view most non-contiguous tensors; NumPy copies
        new = _new_shape(data, shape)
        fn = lambda T, a: a.view(new) * 2  # noqa: E731
        layouts = ("contiguous",)
    elif op == "flatten":
        start, end = dim_of(data, ndim, label="start"), dim_of(data, ndim, label="end")
        fn = lambda T, a: a.flatten(start, end) * 2  # noqa: E731
    elif op == "squeeze":
        dim = dims_of(data, ndim)
        fn = lambda T, a: (a.squeeze() if dim is None else a.squeeze(dim)) * 2  # noqa: E731
    elif op == "squeeze_all":
        shape = tuple(data.draw(st.sampled_from([n, 1])) for n in shape)
        fn = lambda T, a: a.squeeze() * 2  # noqa: E731
    elif op == "unsqueeze":
        dim = dim_of(data, ndim, extra=1)
        fn = lambda T, a: a.unsqueeze(dim) * 2  # noqa: E731
    elif op == "transpose":
        d0, d1 = dim_of(data, ndim, label="dim0"), dim_of(data, ndim, label="dim1")
        fn = lambda T, a: a.transpose(d0, d1) * 2  # noqa: E731
    elif op == "permute":
        order = data.draw(st.permutations(range(ndim)), label="order")
        order = [d - ndim if data.draw(st.booleans()) else d for d in order]
        fn = lambda T, a: a.permute(tuple(order)) * 2  # noqa: E731
    elif op == "T":  # PyTorch deprecates .T for other than 2 dimensions
        shape = shape[:2] if len(shape) >= 2 else shape + (3,) * (2 - len(shape))
        fn = lambda T, a: a.T * 2  # noqa: E731
    elif op == "expand":
        shape = tuple(data.draw(st.sampled_from([n, 1])) for n in shape)
        lead = data.draw(shapes(max_dims=2, max_side=3), label="new leading sizes")
        sizes = lead + tuple(data.draw(st.sampled_from([-1, n] if n != 1 else [-1, 0, 1, 3]))
                             for n in shape)
        fn = lambda T, a: a.expand(sizes) * 2  # noqa: E731
        layouts = ("contiguous", "transposed", "strided", "numpy")
    elif op in ("split", "split_sizes", "chunk"):
        dim = dim_of(data, ndim)
        length = shape[dim] if shape else 0
        if op == "split":
            size = data.draw(st.integers(1, 4), label="split_size")
            fn = lambda T, a: [p * 2 for p in a.split(size, dim)]  # noqa: E731
        elif op == "chunk":
            chunks = data.draw(st.integers(1, 4), label="chunks")
            fn = lambda T, a: [p * 2 for p in a.chunk(chunks, dim)]  # noqa: E731
        else:
            cut = sorted(data.draw(st.lists(st.integers(0, length), max_size=3)))
            sizes = [b - a for a, b in zip([0] + cut, cut + [length])]
            fn = lambda T, a: [p * 2 for p in a.split(sizes, dim)]  # noqa: E731
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    check(fn, [values(rng, shape, R)], device, data, allowed_layouts=layouts)


@given(data=st.data(), shape=shapes(min_dims=1), count=st.integers(1, 3),
       op=st.sampled_from(["cat", "stack"]))
@FUZZ
def test_cat_and_stack(device, data, shape, count, op):
    ndim = len(shape)
    if op == "cat":
        dim = dim_of(data, ndim)
        axis = dim % ndim
        lengths = data.draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
        pieces = [shape[:axis] + (n,) + shape[axis + 1:] for n in lengths]
        fn = lambda T, *xs: T.t.cat(list(xs), dim=dim)  # noqa: E731
    else:
        dim = dim_of(data, ndim, extra=1)
        pieces = [shape] * count
        fn = lambda T, *xs: T.t.stack(xs, dim)  # noqa: E731
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    check(fn, [values(rng, s, R) for s in pieces], device, data)


@given(data=st.data(), shape=shapes(min_dims=1, max_dims=4),
       mode=st.sampled_from(["constant", "constant", "reflect", "replicate", "circular"]))
@FUZZ
def test_pad(device, data, shape, mode):
    """Constant padding of any dimensions; the other modes as PyTorch takes them: the last k
    of a (k+1)- or (k+2)-dimensional input, k = 1, 2 or 3. PyTorch refuses reflect and
    replicate padding of an input with a size-0 dimension, which Grad School pads (nothing to
    copy: the result is empty) or refuses when asked to copy from an empty dimension (below),
    so those two modes draw sizes of at least 1."""
    if mode in ("reflect", "replicate"):
        shape = tuple(max(n, 1) for n in shape)
    if mode == "constant":
        count = data.draw(st.integers(0, len(shape)), label="padded dims")
    else:
        count = data.draw(st.integers(max(len(shape) - 2, 1), max(len(shape) - 1, 1)))
        shape = shape if len(shape) > count else (2,) + shape
    pad = tuple(data.draw(st.lists(st.integers(0, 3), min_size=2 * count, max_size=2 * count),
                          label="pad"))
    value = data.draw(st.sampled_from([0.0, -1.5]), label="value")
    kwargs = {"value": value} if mode == "constant" else {}
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    check(lambda T, a: T.pad(a, pad, mode=mode, **kwargs), [values(rng, shape, R)],
          device, data)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_that_copies_from_an_empty_dimension_is_a_clear_error(device, mode):
    """PyTorch raises too; the message names the mode, the amounts and the empty dimension
    (replicate gave NumPy's "can't extend empty axis 1 using modes other than ...")."""
    with pytest.raises(ValueError, match=rf"{mode} padding of \(1, 0\) .* size 0"):
        tensor.pad(tensor.zeros(2, 0, device=device), (1, 0), mode=mode)


# ---- indexing ----------------------------------------------------------------------------


def _key_part(data, n, length):
    """One part of an index key for a dimension of size n: an int (from either end), a slice
    (positive steps: PyTorch has no negative ones) or an index list of `length`."""
    kinds = ["slice", "list"] + (["int"] if n else [])
    kind = data.draw(st.sampled_from(kinds), label="key part")
    if kind == "int":
        return data.draw(st.integers(-n, n - 1))
    if kind == "list":
        if not n:
            return [] if length == 0 else slice(None)
        return data.draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length))
    bound = st.none() | st.integers(-n - 2, n + 2)
    return slice(data.draw(bound), data.draw(bound), data.draw(st.sampled_from([None, 1, 2, 3])))


@given(data=st.data(), shape=shapes(min_dims=1))
@FUZZ
def test_indexing(device, data, shape):
    """Basic and advanced keys: ints, slices, index lists (all of one length), an Ellipsis
    (the parts after it index the last dimensions) and a None anywhere; PyTorch's rules where
    an int or an Ellipsis stands between two lists. (Every index is in range: PyTorch does not
    check the range when the result has no elements, Grad School does.)"""
    length = data.draw(st.integers(0, 3), label="list length")
    parts = data.draw(st.integers(1, len(shape)), label="parts")
    if data.draw(st.booleans(), label="ellipsis"):
        front = data.draw(st.integers(0, parts), label="parts before the ellipsis")
        sizes = shape[:front] + (Ellipsis,) + shape[len(shape) - (parts - front):]
    else:
        sizes = shape[:parts]
    key = [n if n is Ellipsis else _key_part(data, n, length) for n in sizes]
    if data.draw(st.booleans(), label="None"):
        key.insert(data.draw(st.integers(0, len(key))), None)
    key = tuple(key)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    check(lambda T, a: a[key], [values(rng, shape, R)], device, data)


@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3),
       op=st.sampled_from(["mask", "gather", "masked_fill_broadcast"]))
@FUZZ
def test_masks_and_gather(device, data, shape, op):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    if op == "mask":
        fn = lambda T, a: a[a > 0.3]  # noqa: E731
    elif op == "masked_fill_broadcast":
        mask = rng.random(shape[-1:]) < 0.5
        fn = lambda T, a: a.masked_fill(T.const(a, mask), 0.25)  # noqa: E731
    else:
        dim = dim_of(data, len(shape))
        axis = dim % len(shape)
        index_shape = tuple(data.draw(st.integers(0, 4)) if d == axis else
                            data.draw(st.integers(0, n)) for d, n in enumerate(shape))
        index = rng.integers(0, max(shape[axis], 1), index_shape)
        fn = lambda T, a: a.gather(dim, T.const(a, index))  # noqa: E731
    check(fn, [values(rng, shape, R)], device, data)


# ---- matrix products ---------------------------------------------------------------------


@given(data=st.data(), batch=mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                           min_side=0, max_side=3),
       n=st.integers(0, 4), k=st.integers(0, 4), m=st.integers(0, 4),
       vectors=st.sampled_from([(False, False), (True, False), (False, True), (True, True)]))
@FUZZ
def test_matmul(device, data, batch, n, k, m, vectors):
    """Matrix products with broadcast batches, vectors on either side and zero sizes (a sum
    over k = 0 is a matrix of zeros)."""
    a_shape = (k,) if vectors[0] else batch.input_shapes[0] + (n, k)
    b_shape = (k,) if vectors[1] else batch.input_shapes[1] + (k, m)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    check(lambda T, a, b: a @ b, [values(rng, a_shape, R), values(rng, b_shape, R)], device,
          data)


# ---- losses ------------------------------------------------------------------------------

ELEMENTWISE_LOSSES = {
    "mse_loss": lambda T, a, b, r: T.F.mse_loss(a, b, reduction=r),
    "l1_loss": lambda T, a, b, r: T.F.l1_loss(a, b, reduction=r),
    "huber_loss": lambda T, a, b, r: T.F.huber_loss(a, b, reduction=r, delta=0.7),
    "smooth_l1_loss": lambda T, a, b, r: T.F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
    "binary_cross_entropy": lambda T, a, b, r: T.F.binary_cross_entropy(a, b, reduction=r),
    "bce_with_logits": lambda T, a, b, r: T.F.binary_cross_entropy_with_logits(
        a * 4, b, reduction=r),
}


@given(data=st.data(), shape=shapes(max_dims=3), name=st.sampled_from(sorted(ELEMENTWISE_LOSSES)),
       reduction=st.sampled_from(["none", "mean", "sum"]))
@FUZZ
def test_elementwise_losses(device, data, shape, name, reduction):
    """Regression and binary losses; the gradients of input and target both."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    domain = U if name == "binary_cross_entropy" else D
    arrays = [values(rng, shape, domain), rng.uniform(0, 1, shape)]
    fn = ELEMENTWISE_LOSSES[name]
    check(lambda T, a, b: fn(T, a, b, reduction), arrays, device, data)


@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3),
       reduction=st.sampled_from(["none", "mean", "sum"]))
@FUZZ
def test_bce_with_logits_weights(device, data, shape, reduction):
    """weight broadcast to the input, pos_weight along the last dimension (one per class).
    The gradient w (l sigmoid(x) - pos_weight y) subtracts terms up to about 15, so float32
    rounding moves it by up to 1e-6 in either library (atol 1e-5)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    weight = rng.uniform(0.5, 2, shape[data.draw(st.integers(0, len(shape))):])
    pos_weight = rng.uniform(0.5, 3, shape[-1:])

    def fn(T, a, b):
        return T.F.binary_cross_entropy_with_logits(
            a * 3, b, T.const(a, weight).to(a.dtype), reduction=reduction,
            pos_weight=T.const(a, pos_weight).to(a.dtype))

    check(fn, [values(rng, shape, R), rng.uniform(0, 1, shape)], device, data, atol32=1e-5)


@given(data=st.data(), n=st.integers(0, 4), c=st.integers(1, 4),
       extra=shapes(max_dims=2, max_side=3), batched=st.booleans(),
       reduction=st.sampled_from(["none", "mean", "sum"]),
       target=st.sampled_from(["indices", "indices", "probabilities"]),
       weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.0, 0.2]),
       ignore=st.sampled_from([None, -100, 1]), loss=st.sampled_from(["cross_entropy", "nll"]))
@FUZZ
def test_classification_losses(device, data, n, c, extra, batched, reduction, target,
                               weighted, smoothing, ignore, loss):
    """cross_entropy (class indices or probabilities, class weights, ignore_index, label
    smoothing) and nll_loss of log_softmax, over (N, C, d1, ...), (N, C) and unbatched (C,)
    scores, N = 0 included."""
    shape = (n, c) + extra if batched else (c,)
    sample_shape = shape[:1] + shape[2:] if batched else ()
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    weight = rng.uniform(0.5, 2.0, c) if weighted else None
    if loss == "nll":
        target, smoothing = "indices", 0.0
    options = {"reduction": reduction}
    if target == "indices":
        classes = rng.integers(0, c, sample_shape)
        if ignore is not None:
            options["ignore_index"] = ignore
            classes = np.where(rng.random(sample_shape) < 0.3, ignore, classes)
    if smoothing:
        options["label_smoothing"] = smoothing
    arrays = [values(rng, shape, R) * 3]
    if target == "probabilities":
        q = rng.dirichlet(np.ones(c), sample_shape)  # (N, d1, ..., C): classes last
        arrays.append(q.transpose(_class_last_inverse(len(shape))) if batched else q)

    def fn(T, a, *probabilities):
        w = None if weight is None else T.const(a, weight).to(a.dtype)
        y = probabilities[0] if probabilities else T.const(a, classes)
        if loss == "nll":
            return T.F.nll_loss(T.F.log_softmax(a, dim=1 if batched else 0), y, w, **options)
        return T.F.cross_entropy(a, y, w, **options)

    check(fn, arrays, device, data)


def _class_last_inverse(ndim):
    """The axis order that moves the last axis (classes) to position 1."""
    return (0, ndim - 1) + tuple(range(1, ndim - 1))


# ---- layers' functional ops --------------------------------------------------------------


@given(data=st.data(), batch=shapes(max_dims=2, max_side=3), features=st.integers(0, 4),
       out=st.integers(0, 4), bias=st.booleans())
@FUZZ
def test_linear(device, data, batch, features, out, bias):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    arrays = [values(rng, batch + (features,), R), values(rng, (out, features), R)]
    if bias:
        arrays.append(values(rng, (out,), R))
    check(lambda T, x, w, *b: T.F.linear(x, w, *b), arrays, device, data)


@given(data=st.data(), shape=shapes(min_dims=1, max_dims=4, max_side=4),
       affine=st.booleans(), op=st.sampled_from(["layer_norm", "group_norm", "batch_norm"]))
@FUZZ
def test_normalization(device, data, shape, affine, op):
    """layer_norm over the last 1 or 2 dimensions, group_norm, batch_norm in training mode.

    In float64 only: with few values per group the input gradient is ill-conditioned (it
    subtracts terms of the size of g / sigma, and two nearly equal values make sigma small),
    so float32 rounding, in either library, moves it by up to 1e-3; chapter 8's tests check
    float32. Left out: PyTorch's group_norm refuses one value per group over the whole batch
    (the output is defined, beta; tests/test_ch08_normalization.py leaves it out too) and
    gives its weight a nan gradient for groups of no values (Grad School: 0, the empty sum);
    its batch_norm fails on zero channels with weights (an IndexError from inside it), and
    passes an empty batch through where Grad School's says that training needs more than 1
    value per channel. PyTorch 2.13's CPU batch_norm backward gives wrong input gradients for
    some non-contiguous inputs and weights (a transposed (1, 2, 1, 2) input, a strided weight
    with an (N, C) input: off by a factor of 2 against the same values made contiguous), so
    batch_norm's oracle is PyTorch on contiguous copies."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    if op == "layer_norm":
        normalized = shape[-data.draw(st.integers(1, min(2, len(shape)))):]
        params = [normalized, normalized]
        fn = lambda T, x, *wb: T.F.layer_norm(x, normalized, *wb)  # noqa: E731
    else:
        shape = shape if len(shape) >= 2 else shape + (2,)
        channels = shape[1]
        params = [(channels,), (channels,)]
        spatial = math.prod(shape[2:])
        if op == "group_norm":
            groups = data.draw(st.sampled_from([g for g in (1, 2, 4) if channels % g == 0]
                                               or [1]))
            group = channels // groups * spatial
            assume(shape[0] * group != 1 and (group or not affine))
            fn = lambda T, x, *wb: T.F.group_norm(x, groups, *wb)  # noqa: E731
        else:
            group = shape[0] * spatial
            assume(group > 1 and (channels or not affine))

            def fn(T, *inputs):  # PyTorch's own, on contiguous copies (see above)
                x, *wb = [t.contiguous() for t in inputs] if T is THEIRS else inputs
                return T.F.batch_norm(x, None, None, *wb, training=True)
    arrays = [values(rng, shape, R) * 2 + 1]
    layouts = [data.draw(st.sampled_from(LAYOUTS), label="input layout")]
    if affine:
        arrays += [rng.uniform(0.5, 1.5, params[0]), values(rng, params[1], R)]
        layouts += [data.draw(st.sampled_from(LAYOUTS), label="weight layouts")] * 2
    check(fn, arrays, device, data, dtypes=["float64"] * len(arrays), layouts=layouts)


# ---- what the fuzzing found, pinned ---------------------------------------------------------
# Each case below failed before its fix; they run in every profile, without hypothesis.

PINNED = {  # name: (fn(T, *inputs), input shapes)
    "transpose of a 0-d tensor (NumPy's AxisError)": (lambda T, a: a.transpose(0, -1) * 2,
                                                      [()]),
    "split of an empty dimension: one empty piece": (lambda T, a: list(a.split(2)), [(0, 3)]),
    "chunk of an empty dimension: `chunks` empty pieces": (lambda T, a: list(a.chunk(3, 1)),
                                                          [(2, 0)]),
    "flatten beside a size-0 dimension (NumPy cannot infer -1)": (
        lambda T, a: a.flatten(0, 1) * 2, [(2, 3, 0)]),
    "linear with 0 features (its backward could not infer -1)": (
        lambda T, x, w: T.F.linear(x, w), [(2, 0), (3, 0)]),
    "int and lists around an Ellipsis that stands for nothing": (
        lambda T, a: a[None, [0, 0], ..., 0, [1, 0]], [(2, 3, 4)]),
    "lists around an Ellipsis that stands for nothing": (
        lambda T, a: a[:, [0, 1], ..., [0, 1]], [(5, 3, 4)]),
}


@pytest.mark.parametrize("name", list(PINNED))
def test_found_by_fuzzing(device, name):
    fn, input_shapes = PINNED[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape) for shape in input_shapes]
    for dtype in ("float32", "float64"):
        check(fn, arrays, device, None, dtypes=[dtype] * len(arrays),
              layouts=["contiguous"] * len(arrays))
