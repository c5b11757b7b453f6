"""Convolution against PyTorch: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold, F.fold and
the modules nn.Conv*, nn.ConvTranspose*, nn.Unfold, nn.Fold, on every device.

Hypothesis draws shapes and every combination of stride, padding (ints, 'same', 'valid'),
padding_mode, dilation, groups (depthwise too), bias and unbatched input; each case compares
the output and the gradients of input, weight and bias with torch's in float32 and float64.
Then gradcheck of each fused op, the modules' state_dicts, reprs and initialization, the
identity "transposed convolution = convolution's input gradient", and the errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's, for 'same'
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCE = {"float32": dict(rtol=1e-5, atol=2e-5), "float64": dict(rtol=1e-10, atol=1e-12)}
rng = np.random.default_rng(0)


def host(t):
    return t.detach().cpu().numpy()


def run_both(ours_fn, theirs_fn, arrays, dtype, device):
    """ours_fn(*our tensors) and theirs_fn(*torch tensors) for the same float arrays (None stays
    None), then backward of sum(out * g) for one random g; returns (out, expected, pairs of
    (our tensor, torch tensor))."""
    ours = [None if a is None else tensor.Tensor(a, dtype=getattr(tensor, dtype), device=device,
                                                 requires_grad=True) for a in arrays]
    theirs = [None if a is None else torch.tensor(a, dtype=getattr(torch, dtype),
                                                  requires_grad=True) for a in arrays]
    out, expected = ours_fn(*ours), theirs_fn(*theirs)
    g = rng.normal(size=tuple(expected.shape))
    (out * tensor.Tensor(g, dtype=out.dtype, device=device)).sum().backward()
    (expected * torch.tensor(g, dtype=expected.dtype)).sum().backward()
    return out, expected, [(a, b) for a, b in zip(ours, theirs) if a is not None]


def assert_matches(out, expected, pairs, dtype, device, names=("input", "weight", "bias")):
    assert out.device == tensor.backend.parse_device(device)
    assert str(out.dtype) == dtype and out.shape == tuple(expected.shape)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), **TOLERANCE[dtype],
                               err_msg="output")
    for name, (ours, theirs) in zip(names, pairs):
        assert ours.grad is not None and str(ours.grad.dtype) == dtype, name
        np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), **TOLERANCE[dtype],
                                   err_msg=f"gradient of {name}")


# ---- cases ----------------------------------------------------------------------------------

@st.composite
def conv_cases(draw, max_dims=3):
    """(x shape, weight shape, bias, options) of a valid convolution."""
    dims = draw(st.integers(1, max_dims))
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]),
                             st.tuples(*[st.integers(0, 2)] * dims)))
    if padding == "same":
        stride = (1,) * dims
    pads = (0,) * dims if isinstance(padding, str) else padding
    spatial = tuple(max(1, d * (k - 1) + 1 - 2 * p + draw(st.integers(0, 3)))
                    for k, d, p in zip(kernel, dilation, pads))
    batch = draw(st.sampled_from([None, 1, 2]))
    shape = ((cin,) if batch is None else (batch, cin)) + spatial
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return shape, (cout, cin // groups) + kernel, draw(st.sampled_from([None, (cout,)])), options


@st.composite
def transposed_cases(draw, max_dims=3):
    dims = draw(st.integers(1, max_dims))
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    assume(all((n - 1) * s - 2 * p + d * (k - 1) + op + 1 > 0 for n, s, p, d, k, op in
               zip(spatial, stride, padding, dilation, kernel, output_padding)))
    batch = draw(st.sampled_from([None, 1, 2]))
    shape = ((cin,) if batch is None else (batch, cin)) + spatial
    options = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                   dilation=dilation)
    return shape, (cin, cout // groups) + kernel, draw(st.sampled_from([None, (cout,)])), options


def arrays_for(case):
    """Random input, weight and bias (or None) for a case (shape, weight shape, bias shape or
    None, options)."""
    shape, wshape, bias_shape, _ = case
    return [rng.normal(size=shape), rng.normal(size=wshape),
            None if bias_shape is None else rng.normal(size=bias_shape)]


CONV = {1: "conv1d", 2: "conv2d", 3: "conv3d"}
TRANSPOSED = {1: "conv_transpose1d", 2: "conv_transpose2d", 3: "conv_transpose3d"}


# ---- the functions against torch -----------------------------------------------------------

@pytest.mark.exercise("ch08.conv_forward")
@pytest.mark.exercise("ch08.conv_backward")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=conv_cases())
@SETTINGS
def test_conv_matches_torch(device, dtype, case):
    name = CONV[len(case[1]) - 2]
    options = case[3]
    out, expected, pairs = run_both(lambda x, w, b: getattr(F, name)(x, w, b, **options),
                                    lambda x, w, b: getattr(torch.nn.functional, name)(
                                        x, w, b, **options), arrays_for(case), dtype, device)
    assert out.op == name
    assert_matches(out, expected, pairs, dtype, device)


@pytest.mark.exercise("ch08.conv_backward")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=transposed_cases())
@SETTINGS
def test_conv_transpose_matches_torch(device, dtype, case):
    name = TRANSPOSED[len(case[1]) - 2]
    options = case[3]
    out, expected, pairs = run_both(lambda x, w, b: getattr(F, name)(x, w, b, **options),
                                    lambda x, w, b: getattr(torch.nn.functional, name)(
                                        x, w, b, **options), arrays_for(case), dtype, device)
    assert out.op == name
    assert_matches(out, expected, pairs, dtype, device)


@st.composite
def fold_cases(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p + draw(st.integers(0, 4)))
                 for k, d, p in zip(kernel, dilation, padding))
    batch = draw(st.sampled_from([None, 2]))
    channels = draw(st.integers(1, 3))
    options = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    return ((channels,) if batch is None else (batch, channels)) + size, options


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=fold_cases())
@SETTINGS
def test_unfold_and_fold_match_torch(device, dtype, case):
    shape, options = case
    out, expected, pairs = run_both(lambda x: F.unfold(x, **options),
                                    lambda x: torch.nn.functional.unfold(x, **options),
                                    [rng.normal(size=shape)], dtype, device)
    assert_matches(out, expected, pairs, dtype, device)
    size = shape[-2:]
    out, expected, pairs = run_both(lambda c: F.fold(c, size, **options),
                                    lambda c: torch.nn.functional.fold(c, size, **options),
                                    [rng.normal(size=tuple(expected.shape))], dtype, device)
    assert_matches(out, expected, pairs, dtype, device)


def test_each_function_is_one_fused_node():
    x, w = tensor.randn(2, 4, 6, 6, requires_grad=True), tensor.randn(6, 2, 3, 3,
                                                                        requires_grad=True)
    b = tensor.randn(6, requires_grad=True)
    for name, out in [("conv2d", F.conv2d(x, w, b, groups=2)),
                      ("conv_transpose2d", F.conv_transpose2d(x, w.reshape(4, 3, 3, 3), b,
                                                              groups=2))]:
        assert out.op == name and len(out.parents) == 3
        assert out.parents[0] is x and out.parents[2] is b


# ---- gradcheck of each fused op -------------------------------------------------------------

GRADCHECK = [
    ("conv1d", (2, 4, 7), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv2d", (2, 3, 5, 6), (3, 1, 2, 3), dict(stride=(1, 2), padding="same", groups=3)),
    ("conv3d", (1, 2, 4, 3, 4), (2, 2, 2, 1, 3), dict(stride=(2, 1, 1), padding=(1, 0, 1))),
    ("conv_transpose1d", (2, 2, 4), (2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 1, 2, 3),
     dict(stride=(2, 1), padding=(0, 1), groups=2, dilation=(1, 2))),
    ("conv_transpose3d", (1, 2, 2, 3, 2), (2, 2, 2, 2, 1), dict(stride=(1, 2, 2))),
]


@pytest.mark.parametrize("name, shape, wshape, options", GRADCHECK, ids=[r[0] for r in GRADCHECK])
def test_gradcheck(device, name, shape, wshape, options):
    x = tensor.Tensor(rng.normal(size=shape), requires_grad=True, device=device)
    w = tensor.Tensor(rng.normal(size=wshape), requires_grad=True, device=device)
    channels = wshape[0] if "transpose" not in name else wshape[1] * options.get("groups", 1)
    b = tensor.Tensor(rng.normal(size=channels), requires_grad=True, device=device)
    if name == "conv2d":
        options = dict(options, stride=1)  # 'same' needs stride 1
    assert tensor.gradcheck(lambda x, w, b: getattr(F, name)(x, w, b, **options), x, w, b)


def test_gradcheck_unfold_and_fold(device):
    x = tensor.Tensor(rng.normal(size=(2, 2, 5, 4)), requires_grad=True, device=device)
    options = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(2, 1))
    assert tensor.gradcheck(lambda x: F.unfold(x, **options), x)
    cols = tensor.Tensor(rng.normal(size=(2, 12, 12)), requires_grad=True, device=device)
    assert tensor.gradcheck(lambda c: F.fold(c, (5, 4), **options), cols)


@pytest.mark.exercise("ch08.conv_backward")
def test_transposed_convolution_is_the_input_gradient_of_convolution(device):
    """conv_transpose2d(g, w) = dL/dx of y = conv2d(x, w) when dL/dy = g (same w, stride,
    padding, dilation, groups; output_padding recovers the size lost to the stride)."""
    options = dict(stride=2, padding=1, dilation=1, groups=2)
    x = tensor.Tensor(rng.normal(size=(2, 4, 8, 7)), requires_grad=True, device=device)
    w = tensor.Tensor(rng.normal(size=(6, 2, 3, 3)), device=device)
    y = F.conv2d(x, w, **options)
    g = tensor.Tensor(rng.normal(size=y.shape), device=device)
    (y * g).sum().backward()
    up = F.conv_transpose2d(g, w, output_padding=(1, 0), **options)
    assert up.shape == x.shape
    np.testing.assert_allclose(host(up), host(x.grad), rtol=1e-10)


# ---- modules -------------------------------------------------------------------------------

def load_torch_weights(ours, theirs):
    ours.load_state_dict({k: tensor.Tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


@st.composite
def conv_layers(draw):
    """(dims, constructor arguments, input shape) for nn.Conv{dims}d."""
    shape, wshape, bias, options = draw(conv_cases())
    dims = len(wshape) - 2
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    pads = window_pads(options["padding"], wshape[2:], options["dilation"])
    # torch's reflect needs padding < size, circular <= size
    limit = {"reflect": -1, "circular": 0, "zeros": 99, "replicate": 99}[mode]
    assume(all(max(p) <= n + limit for p, n in zip(pads, shape[-dims:])))
    args = dict(in_channels=wshape[1] * options["groups"], out_channels=wshape[0],
                kernel_size=wshape[2:], bias=bias is not None, padding_mode=mode, **options)
    return dims, args, shape


def window_pads(padding, kernel, dilation):
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        return [((d * (k - 1)) // 2, d * (k - 1) - (d * (k - 1)) // 2)
                for k, d in zip(kernel, dilation)]
    return [(p, p) for p in padding]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(layer=conv_layers())
@SETTINGS
def test_conv_modules_match_torch(device, dtype, layer):
    dims, args, shape = layer
    theirs = getattr(torch.nn, f"Conv{dims}d")(**args, dtype=getattr(torch, dtype))
    ours = getattr(nn, f"Conv{dims}d")(**args, device=device, dtype=getattr(tensor, dtype))
    check_module(ours, theirs, shape, dtype, device)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=transposed_cases())
@SETTINGS
def test_conv_transpose_modules_match_torch(device, dtype, case):
    shape, wshape, bias, options = case
    dims = len(wshape) - 2
    args = dict(in_channels=wshape[0], out_channels=wshape[1] * options["groups"],
                kernel_size=wshape[2:], bias=bias is not None, **options)
    theirs = getattr(torch.nn, f"ConvTranspose{dims}d")(**args, dtype=getattr(torch, dtype))
    ours = getattr(nn, f"ConvTranspose{dims}d")(**args, device=device,
                                                dtype=getattr(tensor, dtype))
    check_module(ours, theirs, shape, dtype, device)


def check_module(ours, theirs, shape, dtype, device):
    """Same repr, state_dict keys and shapes; with torch's weights loaded, the same outputs and
    gradients; and our state_dict loads back into torch."""
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    load_torch_weights(ours, theirs)
    out, expected, pairs = run_both(ours, theirs, [rng.normal(size=shape)], dtype, device)
    assert_matches(out, expected, pairs, dtype, device)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(host(p.grad), theirs.get_parameter(name).grad.numpy(),
                                   **TOLERANCE[dtype], err_msg=f"gradient of {name}")
    theirs.load_state_dict({k: torch.from_numpy(v.cpu().numpy().copy())
                            for k, v in ours.state_dict().items()})


def test_conv_transpose_output_size_picks_the_output_padding():
    ours = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    load_torch_weights(ours, theirs)
    x = rng.normal(size=(1, 3, 4, 5))
    out = ours(tensor.Tensor(x), output_size=(8, 10))
    expected = theirs(torch.tensor(x, dtype=torch.float32), output_size=(8, 10))
    assert out.shape == (1, 2, 8, 10)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"output_size \(9, 10\) is not between \(7, 9\) and "
                                         r"\(8, 10\)"):
        ours(tensor.Tensor(x), output_size=(9, 10))


@pytest.mark.parametrize("module, args", [
    ("Conv2d", (4, 8, (3, 2))), ("Conv1d", (6, 4, 5)), ("Conv3d", (2, 4, 3)),
    ("ConvTranspose2d", (4, 6, 3)), ("ConvTranspose1d", (2, 4, 3)),
])
def test_initialization_is_torch_s_scheme(module, args):
    """kaiming_uniform_(a=sqrt(5)): weights and bias in +-1/sqrt(fan_in), fan_in =
    weight.shape[1] * prod(kernel); uniform, so the variance is bound**2 / 3."""
    tensor.manual_seed(0)
    layer = getattr(nn, module)(*args, groups=2) if module != "Conv3d" else \
        getattr(nn, module)(*args)
    weight = layer.weight.detach().numpy()
    bound = 1 / math.sqrt(weight.shape[1] * math.prod(weight.shape[2:]))
    for values in (weight, layer.bias.detach().numpy()):
        assert np.abs(values).max() <= bound
    assert np.abs(weight).max() > 0.8 * bound
    if weight.size > 200:
        assert abs(weight.var() - bound ** 2 / 3) < 0.2 * bound ** 2 / 3


def test_unfold_and_fold_modules_match_torch():
    unfold = nn.Unfold((2, 3), dilation=1, padding=1, stride=2)
    fold = nn.Fold((5, 6), (2, 3), padding=1, stride=2)
    assert repr(unfold) == repr(torch.nn.Unfold((2, 3), dilation=1, padding=1, stride=2))
    assert repr(fold) == repr(torch.nn.Fold((5, 6), (2, 3), padding=1, stride=2))
    x = rng.normal(size=(2, 3, 5, 6))
    cols = unfold(tensor.Tensor(x))
    expected = torch.nn.functional.unfold(torch.tensor(x), (2, 3), padding=1, stride=2)
    np.testing.assert_allclose(host(cols), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(host(fold(cols)), torch.nn.functional.fold(
        expected, (5, 6), (2, 3), padding=1, stride=2).numpy(), rtol=1e-12)


def test_a_small_cnn_trains_like_torch():
    """Three SGD steps of conv -> relu -> conv(stride 2, reflect) -> flatten -> linear, from
    the same weights: the same losses and the same weights afterwards."""
    def build(lib):
        return lib.Sequential(lib.Conv2d(2, 4, 3, padding=1), lib.ReLU(),
                              lib.Conv2d(4, 3, 3, stride=2, padding=1, padding_mode="reflect"),
                              lib.Flatten(), lib.Linear(3 * 4 * 4, 5))

    theirs = build(torch.nn).double()
    ours = build(nn).double()
    ours.load_state_dict({k: tensor.Tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    x, y = rng.normal(size=(6, 2, 8, 8)), rng.integers(0, 5, size=6)
    opt = nn.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        loss = F.cross_entropy(ours(tensor.Tensor(x)), tensor.Tensor(y))
        tloss = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
        assert abs(loss.item() - tloss.item()) < 1e-10
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-9, atol=1e-12)


# ---- bad input -----------------------------------------------------------------------------

def zeros(*shape):
    return tensor.zeros(shape)


@pytest.mark.parametrize("make, call, message", [
    (lambda: nn.Conv2d(3, 16, kernel_size=3), lambda m: m(zeros(8, 1, 28, 28)),
     "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1)) expected input of shape (N, 3, H, W) "
     "or (3, H, W), got (8, 1, 28, 28)"),
    (lambda: nn.Conv1d(2, 4, 3), lambda m: m(zeros(2, 2, 5, 5)),
     "Conv1d(2, 4, kernel_size=(3,), stride=(1,)) expected input of shape (N, 2, L) or (2, L), "
     "got (2, 2, 5, 5)"),
    (lambda: nn.Conv3d(1, 1, 2), lambda m: m(zeros(1, 4, 4)),
     "expected input of shape (N, 1, D, H, W) or (1, D, H, W), got (1, 4, 4)"),
    (lambda: nn.ConvTranspose2d(4, 2, 3), lambda m: m(zeros(1, 2, 5, 5)),
     "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(1, 1)) expected input of shape "
     "(N, 4, H, W) or (4, H, W), got (1, 2, 5, 5)"),
    (lambda: nn.Conv2d(1, 2, 5, padding=1), lambda m: m(zeros(1, 1, 2, 8)),
     "the kernel (5, 5) (spanning (5, 5) with dilation (1, 1)) is larger than the padded "
     "input (4, 10)"),
    (lambda: None, lambda m: nn.Conv2d(3, 4, 3, groups=2),
     "Conv2d: in_channels=3 must be divisible by groups=2"),
    (lambda: None, lambda m: nn.Conv2d(4, 3, 3, groups=2),
     "Conv2d: out_channels=3 must be divisible by groups=2"),
    (lambda: None, lambda m: nn.Conv2d(0, 3, 3), "Conv2d: in_channels must be a positive int"),
    (lambda: None, lambda m: nn.Conv2d(1, 3, (3, 0)),
     "Conv2d: kernel_size must be >= 1, got (3, 0)"),
    (lambda: None, lambda m: nn.Conv2d(1, 3, 3, stride=0), "Conv2d: stride must be >= 1"),
    (lambda: None, lambda m: nn.Conv1d(1, 3, 3, padding=-1), "Conv1d: padding must be >= 0"),
    (lambda: None, lambda m: nn.Conv2d(1, 3, 3, stride=2, padding="same"),
     "Conv2d: padding='same' needs stride 1"),
    (lambda: None, lambda m: nn.Conv2d(1, 3, 3, padding="full"),
     "padding must be an int, a tuple of 2 ints, 'valid' or 'same', got 'full'"),
    (lambda: None, lambda m: nn.Conv2d(1, 3, 3, padding_mode="mirror"),
     "Conv2d: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular'"),
    (lambda: None, lambda m: nn.ConvTranspose2d(1, 3, 3, padding_mode="reflect"),
     "ConvTranspose2d: only padding_mode='zeros' is supported"),
    (lambda: None, lambda m: F.conv2d(zeros(1, 4, 5, 5), zeros(6, 1, 3, 3), groups=4),
     "conv2d: 6 channels (weight of shape (6, 1, 3, 3)) are not divisible by groups=4"),
    (lambda: None, lambda m: F.conv2d(zeros(1, 4, 5, 5), zeros(6, 4, 3)),
     "conv2d: expected a weight of 4 dimensions"),
    (lambda: None, lambda m: F.conv2d(zeros(1, 4, 5, 5), zeros(6, 4, 3, 3), zeros(5)),
     "conv2d: the bias must have shape (6,), got (5,)"),
    (lambda: None, lambda m: F.conv_transpose1d(zeros(1, 2, 3), zeros(2, 2, 3), stride=2,
                                                output_padding=2),
     "conv_transpose1d: output_padding (2,) must be smaller than the stride (2,) or the "
     "dilation (1,)"),
    (lambda: None, lambda m: F.conv_transpose1d(zeros(1, 2, 1), zeros(2, 2, 1), padding=1),
     "conv_transpose1d: the output size (-1,)"),
    (lambda: None, lambda m: F.unfold(zeros(2, 5, 5), 6),
     "unfold: the kernel (6, 6) with dilation (1, 1) is larger than the padded input (5, 5)"),
    (lambda: None, lambda m: F.fold(zeros(2, 7, 16), (5, 5), 2),
     "fold expected input of shape (N, C*4, 16) or (C*4, 16)"),
])
def test_bad_input_is_a_clear_error(make, call, message):
    module = make()
    with pytest.raises(ValueError) as error:
        call(module)
    assert message in str(error.value)
