"""Pooling, unpooling and upsampling against PyTorch: F.max_pool*, F.avg_pool*,
F.adaptive_avg_pool*, F.adaptive_max_pool*, F.max_unpool*, F.interpolate and their modules,
on every device.

Hypothesis draws shapes (batched and unbatched, 1 to 3 spatial dimensions) and every
combination of kernel_size, stride, padding, dilation, ceil_mode, count_include_pad and
divisor_override (pooling), output_size (adaptive), size / scale_factor, mode and
align_corners (interpolate); each case compares the output, the returned indices and the
input's gradient with torch's, in float32 and float64. Then ties (the first max wins, as in
torch), gradcheck of each fused op, one node per op, max pooling's backward without
scatter-add, the modules' reprs, and the errors."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor
from tensor.gradcheck import gradcheck
from tensor.ops.window import output_size

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}
TF = torch.nn.functional
rng = np.random.default_rng(0)


def host(t):
    return t.detach().cpu().numpy()


def check(ours_fn, theirs_fn, data, device, dtype="float64", indices=False):
    """ours_fn and theirs_fn agree on one input: output (values, dtype, shape), the indices
    when they return (output, indices), and the input's gradient of sum(out * g)."""
    x = tensor.Tensor(data, dtype=getattr(tensor, dtype), device=device, requires_grad=True)
    xt = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
    out, expected = ours_fn(x), theirs_fn(xt)
    if indices:
        (out, index), (expected, expected_index) = out, expected
        assert str(index.dtype) == "int64" and not index.requires_grad
        np.testing.assert_array_equal(host(index), expected_index.numpy())
    assert out.device == tensor.backend.parse_device(device)
    assert str(out.dtype) == dtype and out.shape == tuple(expected.shape)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), **TOLERANCE[dtype])
    g = rng.normal(size=tuple(expected.shape))
    out.backward(tensor.Tensor(g, dtype=out.dtype, device=device))
    expected.backward(torch.tensor(g, dtype=expected.dtype))
    assert str(x.grad.dtype) == dtype
    np.testing.assert_allclose(host(x.grad), xt.grad.numpy(), **TOLERANCE[dtype])


def input_shape(draw, dims, spatial):
    """(N, C, *spatial) or, unbatched, (C, *spatial)."""
    channels = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2]))
    return ((channels,) if batch is None else (batch, channels)) + tuple(spatial)


# ---- pooling over windows, drawn by hypothesis ----------------------------------------------

@st.composite
def window_cases(draw, dilation=True):
    """(input shape, dims, options) of a valid max or average pooling."""
    dims = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4 if dims == 1 else 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilations = tuple(draw(st.integers(1, 2)) if dilation else 1 for _ in range(dims))
    spatial = [max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 4))
               for k, d, p in zip(kernel, dilations, padding)]
    options = dict(kernel_size=kernel, stride=draw(st.sampled_from([None, stride])),
                   padding=padding, ceil_mode=draw(st.booleans()))
    strides = options["stride"] or kernel
    for n, k, s, p, d in zip(spatial, kernel, strides, padding, dilations):
        # a window of padding alone (possible with dilation) has no max: torch's index is junk
        out = output_size(n, k, s, p, d, options["ceil_mode"])
        assume(all(any(0 <= o * s - p + j * d < n for j in range(k)) for o in range(out)))
    if dilation:
        options["dilation"] = dilations
    return input_shape(draw, dims, spatial), dims, options


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@SETTINGS
@given(case=window_cases())
def test_max_pool_matches_torch(case, dtype, device):
    shape, dims, options = case
    name = f"max_pool{dims}d"
    check(lambda x: getattr(F, name)(x, **options, return_indices=True),
          lambda x: getattr(TF, name)(x, **options, return_indices=True),
          rng.normal(size=shape), device, dtype, indices=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@SETTINGS
@given(case=window_cases(dilation=False), count_include_pad=st.booleans(),
       divisor=st.sampled_from([None, None, 3]))
def test_avg_pool_matches_torch(case, count_include_pad, divisor, dtype, device):
    shape, dims, options = case
    if dims == 3:  # torch's avg_pool3d wants the unpadded input at least as large as the kernel
        assume(all(n >= k for n, k in zip(shape[-3:], options["kernel_size"])))
    options["count_include_pad"] = count_include_pad
    if dims > 1:
        options["divisor_override"] = divisor
    name = f"avg_pool{dims}d"
    check(lambda x: getattr(F, name)(x, **options), lambda x: getattr(TF, name)(x, **options),
          rng.normal(size=shape), device, dtype)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_pool_ties_go_to_the_first_max_as_in_torch(dims, device):
    """Few distinct values: most windows hold their max twice or more. The index and the
    gradient go to the first, in window order, as in torch; overlapping windows too."""
    data = rng.integers(0, 3, size=(2, 3) + (6,) * dims).astype(float)
    name = f"max_pool{dims}d"
    for options in [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                    dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True)]:
        options["return_indices"] = True
        check(lambda x, o=options: getattr(F, name)(x, **o),
              lambda x, o=options: getattr(TF, name)(x, **o), data, device, indices=True)


def test_max_pool_of_integers_and_nan():
    x = tensor.Tensor(np.arange(16).reshape(1, 1, 4, 4))
    assert F.max_pool2d(x, 2, padding=1).tolist() == \
        TF.max_pool2d(torch.arange(16).reshape(1, 1, 4, 4), 2, padding=1).tolist()
    data = rng.normal(size=(1, 1, 4, 4))
    data[0, 0, 1, 2] = np.nan
    np.testing.assert_array_equal(host(F.max_pool2d(tensor.Tensor(data), 2)),
                                  TF.max_pool2d(torch.tensor(data), 2).numpy())


# ---- adaptive pooling -----------------------------------------------------------------------

@st.composite
def adaptive_cases(draw):
    dims = draw(st.integers(1, 3))
    spatial = [draw(st.integers(1, 7)) for _ in range(dims)]
    sizes = tuple(draw(st.one_of(st.integers(1, 8), st.none())) for _ in range(dims))
    if dims == 1 or draw(st.booleans()):
        return input_shape(draw, dims, spatial), dims, draw(st.integers(1, 8))
    return input_shape(draw, dims, spatial), dims, sizes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@SETTINGS
@given(case=adaptive_cases())
def test_adaptive_avg_pool_matches_torch(case, dtype, device):
    shape, dims, output_size = case
    name = f"adaptive_avg_pool{dims}d"
    check(lambda x: getattr(F, name)(x, output_size),
          lambda x: getattr(TF, name)(x, output_size), rng.normal(size=shape), device, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@SETTINGS
@given(case=adaptive_cases(), ties=st.booleans())
def test_adaptive_max_pool_matches_torch(case, ties, dtype, device):
    shape, dims, output_size = case
    name = f"adaptive_max_pool{dims}d"
    data = rng.integers(0, 3, size=shape).astype(float) if ties else rng.normal(size=shape)
    check(lambda x: getattr(F, name)(x, output_size, return_indices=True),
          lambda x: getattr(TF, name)(x, output_size, return_indices=True),
          data, device, dtype, indices=True)


# ---- unpooling ------------------------------------------------------------------------------

@pytest.mark.parametrize("dims, shape, options, output_size", [
    (1, (2, 3, 9), dict(kernel_size=3, stride=2, padding=1), None),
    (2, (2, 3, 7, 6), dict(kernel_size=2), (7, 6)),
    (2, (3, 8, 8), dict(kernel_size=3, stride=2, padding=1), (8, 8)),
    (3, (1, 2, 5, 4, 6), dict(kernel_size=2, stride=(2, 1, 2)), (1, 2, 5, 4, 6)),
])
def test_max_unpool_undoes_max_pool_as_in_torch(dims, shape, options, output_size, device):
    pooled, index = getattr(TF, f"max_pool{dims}d")(torch.tensor(rng.normal(size=shape)),
                                                      **options, return_indices=True)
    our_index = tensor.Tensor(index.numpy(), device=device)
    check(lambda x: getattr(F, f"max_unpool{dims}d")(x, our_index, **options,
                                                      output_size=output_size),
          lambda x: getattr(TF, f"max_unpool{dims}d")(x, index, **options,
                                                       output_size=output_size),
          pooled.numpy(), device)


def test_max_unpool_module_takes_max_pool_module_indices(device):
    data = rng.normal(size=(2, 3, 8, 6))
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    out, index = pool(tensor.Tensor(data, device=device))
    expected = torch.nn.MaxUnpool2d(2)(*torch.nn.MaxPool2d(2, return_indices=True)(
        torch.tensor(data)))
    np.testing.assert_array_equal(host(unpool(out, index)), expected.numpy())


# ---- interpolate ----------------------------------------------------------------------------

@st.composite
def interpolate_cases(draw):
    dims = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "area",
                                 {1: "linear", 2: "bilinear", 3: "trilinear"}[dims]]))
    spatial = [draw(st.integers(1, 6)) for _ in range(dims)]
    options = dict(mode=mode)
    if draw(st.booleans()):
        sizes = tuple(draw(st.integers(1, 9)) for _ in range(dims))
        options["size"] = sizes[0] if draw(st.booleans()) else sizes
    else:
        scales = tuple(draw(st.sampled_from([0.5, 0.75, 1.0, 1.3, 2.0, 2.5, 3.0]))
                       for _ in range(dims))
        scales = tuple(max(s, 1.0 / n) for s, n in zip(scales, spatial))  # outputs >= 1
        options["scale_factor"] = scales[0] if draw(st.booleans()) else scales
        if isinstance(options["scale_factor"], float):
            options["scale_factor"] = max(options["scale_factor"], 1.0 / min(spatial))
        options["recompute_scale_factor"] = draw(st.sampled_from([None, True]))
        if mode.startswith("nearest") and not options["recompute_scale_factor"]:
            # torch is inconsistent when a size stays but the factor is not 1 (its 1-d forward
            # samples floor(o / factor), its backward and its 2-d forward copy): avoid
            factors = options["scale_factor"]
            factors = factors if isinstance(factors, tuple) else (factors,) * dims
            assume(all(int(n * f) != n or f == 1 for n, f in zip(spatial, factors)))
    if mode.endswith("linear"):
        options["align_corners"] = draw(st.sampled_from([None, False, True]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + tuple(spatial)
    return shape, options


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@SETTINGS
@given(case=interpolate_cases())
def test_interpolate_matches_torch(case, dtype, device):
    shape, options = case
    check(lambda x: F.interpolate(x, **options), lambda x: TF.interpolate(x, **options),
          rng.normal(size=shape), device, dtype)


# ---- gradcheck: each fused op's backward against central differences -----------------------

def distinct(shape):
    """Values 0.1 apart in random order: no ties, so max is differentiable at every input
    (a nudge of eps = 1e-6 never changes which element is a window's max)."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


GRADCHECKS = [
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True), (2, 2, 9)),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), (2, 2, 4, 6)),
    ("max_pool2d overlapping", lambda x: F.max_pool2d(x, 3, 1, 1, dilation=(1, 2)), (1, 2, 5, 6)),
    ("max_pool3d", lambda x: F.max_pool3d(x, 2, (1, 2, 2), (1, 0, 1)), (1, 2, 3, 4, 4)),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True), (2, 2, 8)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), (1, 2, 5, 6)),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 1, divisor_override=5), (1, 2, 3, 3, 4)),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 4), (2, 2, 7)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), (1, 2, 5, 7)),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, 2), (1, 2, 3, 5, 4)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 4)), (2, 2, 5, 7)),
    ("interpolate nearest", lambda x: F.interpolate(x, scale_factor=1.5), (1, 2, 3, 4)),
    ("interpolate linear", lambda x: F.interpolate(x, size=7, mode="linear"), (2, 2, 4)),
    ("interpolate bilinear", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear",
                                                     align_corners=True), (1, 2, 3, 4)),
    ("interpolate trilinear", lambda x: F.interpolate(x, scale_factor=(2, 0.5, 1.5),
                                                      mode="trilinear"), (1, 1, 2, 4, 3)),
    ("unbatched max_pool2d", lambda x: F.max_pool2d(x, 2, 1), (2, 3, 4)),
]


@pytest.mark.parametrize("name, fn, shape", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(name, fn, shape, device):
    x = tensor.Tensor(distinct(shape), dtype=tensor.float64, device=device, requires_grad=True)
    assert gradcheck(fn, x)


def test_gradcheck_max_unpool(device):
    index = tensor.Tensor(np.array([[[[0, 3], [9, 14]]]]), device=device)
    x = tensor.Tensor(rng.normal(size=(1, 1, 2, 2)), device=device, requires_grad=True)
    assert gradcheck(lambda x: F.max_unpool2d(x, index, 2, output_size=(4, 4)), x)


# ---- one node, and the hot spot's backward --------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 2), lambda x: F.avg_pool2d(x, 3, 2, 1),
    lambda x: F.adaptive_avg_pool2d(x, 3), lambda x: F.adaptive_max_pool2d(x, 3),
    lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
    lambda x: F.max_pool2d(x[0], 3, 1, 1),
])
def test_each_op_is_one_node(fn):
    x = tensor.Tensor(rng.normal(size=(2, 3, 6, 6)), requires_grad=True)
    out = fn(x)
    parent = out.parents[0]
    assert len(out.parents) == 1 and (parent is x or parent.parents == (x,))


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=2,
                                                                padding=1)])
def test_max_pool_backward_needs_no_scatter_add(options, device, monkeypatch):
    """Max pooling's backward writes g into strided slices of the gradient, offset by offset;
    the slow scatter-add (numpy.add.at) is never called."""
    x = tensor.Tensor(rng.normal(size=(2, 3, 8, 8)), device=device, requires_grad=True)

    def refuse(*args):
        raise AssertionError("max pooling's backward called scatter_add")

    monkeypatch.setattr(type(x._backend), "scatter_add", refuse)
    F.max_pool2d(x, **options).sum().backward()
    assert x.grad is not None


def test_float32_stays_float32(device):
    x = tensor.Tensor(rng.normal(size=(2, 3, 6, 6)), dtype=tensor.float32, device=device,
                      requires_grad=True)
    for fn in [lambda x: F.max_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2),
               lambda x: F.adaptive_avg_pool2d(x, 4), lambda x: F.adaptive_max_pool2d(x, 4),
               lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear")]:
        x.grad = None
        out = fn(x)
        out.sum().backward()
        assert str(out.dtype) == "float32" and str(x.grad.dtype) == "float32"


# ---- modules: reprs, no state, forward through F --------------------------------------------

MODULES = [  # (module, spatial dimensions of its input, arguments, options)
    ("MaxPool1d", 1, (3,), dict(stride=2, padding=1, return_indices=True)),
    ("MaxPool2d", 2, (2,), {}),
    ("MaxPool2d", 2, ((3, 2),), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                                     ceil_mode=True)),
    ("MaxPool3d", 3, (2,), dict(stride=1, return_indices=True)),
    ("AvgPool1d", 1, (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool2d", 2, (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", 2, (2,), dict(divisor_override=3)),
    ("AvgPool3d", 3, ((1, 2, 2),), {}),
    ("AdaptiveAvgPool1d", 1, (3,), {}),
    ("AdaptiveAvgPool2d", 2, ((None, 3),), {}),
    ("AdaptiveAvgPool3d", 3, (1,), {}),
    ("AdaptiveMaxPool1d", 1, (4,), {}),
    ("AdaptiveMaxPool2d", 2, ((3, 2),), dict(return_indices=True)),
    ("AdaptiveMaxPool3d", 3, (2,), {}),
    ("Upsample", 2, (), dict(scale_factor=2)),
    ("Upsample", 2, (), dict(size=(5, 9), mode="bilinear", align_corners=True)),
    ("Upsample", 3, (), dict(scale_factor=(1.5, 0.5, 2), mode="trilinear")),
]


@pytest.mark.parametrize("name, dims, args, options", MODULES,
                         ids=[f"{m}{a}{o}" for m, _, a, o in MODULES])
def test_module_matches_torch_module(name, dims, args, options, device):
    ours, theirs = getattr(nn, name)(*args, **options), getattr(torch.nn, name)(*args, **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    check(ours, theirs, rng.normal(size=(2, 3) + (7, 8, 6)[:dims]), device,
          indices=options.get("return_indices", False))


def test_max_unpool_module_repr():
    for dims in (1, 2, 3):
        name = f"MaxUnpool{dims}d"
        assert repr(getattr(nn, name)(3, 2, 1)) == repr(getattr(torch.nn, name)(3, 2, 1))
        assert repr(getattr(nn, name)(2)) == repr(getattr(torch.nn, name)(2))


def test_unbatched_input_and_default_stride():
    data = rng.normal(size=(3, 6, 6))
    for stride in (None, [], 2):
        np.testing.assert_allclose(host(F.max_pool2d(tensor.Tensor(data), 2, stride)),
                                   TF.max_pool2d(torch.tensor(data), 2, stride).numpy())


# ---- errors name the layer, what it expected and what it got --------------------------------

X = tensor.Tensor(rng.normal(size=(1, 2, 5, 5)))


@pytest.mark.parametrize("call, message", [
    (lambda: nn.MaxPool2d(2)(tensor.zeros((5, 5))),
     r"MaxPool2d\(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False\) expected "
     r"input of shape \(N, C, H, W\) or \(C, H, W\), got \(5, 5\)"),
    (lambda: nn.AvgPool1d(2)(X),
     r"AvgPool1d\(kernel_size=\(2,\), .*\) expected input of shape \(N, C, L\) or \(C, L\), "
     r"got \(1, 2, 5, 5\)"),
    (lambda: nn.AdaptiveAvgPool3d(2)(X[0]), r"AdaptiveAvgPool3d\(output_size=2\) expected "
     r"input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got \(2, 5, 5\)"),
    (lambda: F.max_pool2d(X, 6), r"max_pool2d expected a spatial size of at least \(6, 6\) .* "
     r"got input of spatial size \(5, 5\)"),
    (lambda: nn.MaxPool2d(3, dilation=3)(X), r"MaxPool2d\(.*\) expected a spatial size of at "
     r"least \(7, 7\)"),
    (lambda: F.max_pool2d(X, 0), r"max_pool2d: kernel_size must be positive, got \(0, 0\)"),
    (lambda: F.avg_pool2d(X, 2, stride=(1, -1)), r"stride must be positive, got \(1, -1\)"),
    (lambda: F.max_pool2d(X, 2, padding=-1), r"padding must be non-negative, got \(-1, -1\)"),
    (lambda: F.max_pool2d(X, 2, dilation=0), r"dilation must be positive, got \(0, 0\)"),
    (lambda: nn.MaxPool2d(3, padding=2)(X), r"MaxPool2d\(.*\): padding must be at most half of "
     r"kernel_size \(3, 3\), got padding=\(2, 2\)"),
    (lambda: F.max_pool2d(X, (2, 2, 2)), r"kernel_size must be an int or a tuple of 2 ints"),
    (lambda: F.avg_pool2d(X, 2, divisor_override=0), r"divisor_override must be a positive"),
    (lambda: F.adaptive_avg_pool2d(X, -1), r"output_size must be non-negative, got \(-1, -1\)"),
    (lambda: F.adaptive_max_pool2d(X, (2, 2, 2)), r"output_size must be an int or a tuple of 2"),
    (lambda: F.interpolate(X, size=2, scale_factor=2), r"exactly one of size and scale_factor"),
    (lambda: F.interpolate(X), r"exactly one of size and scale_factor"),
    (lambda: F.interpolate(X[0], scale_factor=2, mode="bilinear"),
     r"mode 'bilinear' needs 2 spatial dimension\(s\), got input of shape \(2, 5, 5\)"),
    (lambda: F.interpolate(X[0, 0], scale_factor=2), r"interpolate expected input of shape "
     r"\(N, C, L\), \(N, C, H, W\) or \(N, C, D, H, W\), got \(5, 5\)"),
    (lambda: F.interpolate(X, scale_factor=2, align_corners=True),
     r"align_corners can only be set with the interpolating modes"),
    (lambda: F.interpolate(X, scale_factor=0.1), r"expected an output size of 2 positive ints, "
     r"got \(0, 0\)"),
    (lambda: F.interpolate(X, scale_factor=2, mode="bicubic"), r"mode must be one of"),
    (lambda: nn.Upsample(scale_factor=2, mode="trilinear")(X),
     r"Upsample\(scale_factor=2.0, mode='trilinear'\): mode 'trilinear' needs 3"),
    (lambda: F.max_unpool2d(X, tensor.Tensor(np.full((1, 2, 5, 5), 200)), 2),
     r"max_unpool2d: found an index outside the output plane of \(10, 10\) = 100 elements"),
    (lambda: F.max_unpool2d(X, tensor.zeros((1, 2, 5, 4), dtype=tensor.int64), 2),
     r"max_unpool2d expected integer indices of the input's shape \(1, 2, 5, 5\), got int64 "
     r"of shape \(1, 2, 5, 4\)"),
    (lambda: F.max_unpool2d(X, tensor.zeros((1, 2, 5, 5), dtype=tensor.int64), 2,
                            output_size=(12, 8)),
     r"output_size \(12, 8\) is invalid: dimension 0 must be between 9 and 11, got 12"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="max_pool2d: input must be a Tensor, got ndarray"):
        F.max_pool2d(np.zeros((1, 1, 4, 4)), 2)
    with pytest.raises(TypeError, match="avg_pool2d expected a floating-point input, got int64"):
        F.avg_pool2d(tensor.zeros((1, 1, 4, 4), dtype=tensor.int64), 2)
