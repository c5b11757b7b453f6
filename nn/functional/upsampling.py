"""`interpolate`: resize (N, C, *spatial) to a new spatial size, torch.nn.functional's
function with its modes 'nearest', 'nearest-exact', 'linear' / 'bilinear' / 'trilinear' (the
same interpolation in 1, 2 or 3 dimensions) and 'area' (adaptive average pooling).

Every mode is separable: resizing (H, W) is resizing along W, then along H. Along one axis,
output o is a weighted sum of a few input elements,

    y[o] = sum_t weight[o, t] * x[index[o, t]],

a linear map y = R x with R the (out, in) matrix R[o, index[o, t]] = weight[o, t]. 'nearest'
has one term per output (weight 1), 'linear' two: the neighbours i0 <= src < i1 of the point
`src` that output o samples, weighted 1 - lambda and lambda (lambda = src - i0).
"""

import math

from nn.functional._checks import _check_tensor
from nn.functional.pooling import adaptive_avg_pool, apply_along_axes

_LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")


def _output_shape(spatial, size, scale_factor, where):
    """The output's spatial size, from `size` or from floor(n * scale_factor)."""
    dims = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{where}: give exactly one of size and scale_factor, got size={size!r}"
                         f" and scale_factor={scale_factor!r}")
    if size is not None:
        out = (size,) * dims if isinstance(size, int) else tuple(size)
        what = f"size={size!r}"
    else:
        scales = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) \
            else tuple(scale_factor)
        if len(scales) != dims:
            raise ValueError(f"{where}: scale_factor must be a number or a tuple of {dims}, got "
                             f"{scale_factor!r}")
        out = tuple(math.floor(n * float(s)) for n, s in zip(spatial, scales))
        what = f"scale_factor={scale_factor!r}"
    if len(out) != dims or not all(isinstance(o, int) and o > 0 for o in out):
        raise ValueError(f"{where} expected an output size of {dims} positive ints, got {out} "
                         f"from {what} for an input of spatial size {spatial}")
    return out


def _table(xp, dtype, size, out, mode, scale, align_corners):
    """(index, weight) of output o along one axis, each of shape (out, terms); weight None
    means 1. None for the identity (linear modes keep an unchanged size as it is).

    PyTorch's sampling points, with scale = 1 / scale_factor when one was given, else
    size / out:
      nearest:        index = min(floor(o * scale), size - 1)       (in float32, as torch)
      nearest-exact:  index = min(floor((o + 0.5) * scale), size - 1)
      linear:         src = scale (o + 0.5) - 0.5 clamped at 0 (pixel centres line up), or
                      with align_corners src = o (size - 1) / (out - 1) (corner pixels line
                      up); i0 = floor(src), i1 = i0 + 1 (i0 at the last element), and
                      lambda = src - i0.
    """
    o = xp.arange(out)
    if mode in ("nearest", "nearest-exact"):
        step = xp.float32(1 / scale if scale else size / out)
        position = o.astype(xp.float32) + xp.float32(0.5 if mode == "nearest-exact" else 0)
        index = xp.minimum(xp.floor(position * step).astype(xp.int64), size - 1)
        return index[:, None], None
    if out == size:
        return None
    if align_corners:
        step = dtype.type(size - 1) / dtype.type(out - 1) if out > 1 else dtype.type(0)
        src = o.astype(dtype) * step
    else:
        step = dtype.type(1 / scale if scale else size / out)
        src = xp.maximum(step * (o.astype(dtype) + dtype.type(0.5)) - dtype.type(0.5), 0)
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), size - 1)
    i1 = xp.minimum(i0 + 1, size - 1)
    lam = xp.clip(src - i0.astype(dtype), 0, 1)
    return xp.stack([i0, i1], axis=1), xp.stack([1 - lam, lam], axis=1)


def _resample(xp, x, axis, index, weight):
    """y[..., o, ...] = sum_t weight[o, t] x[..., index[o, t], ...] along `axis`: a gather
    per term, so each output reads only its few inputs."""
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    y = None
    for t in range(index.shape[1]):
        term = xp.take(x, index[:, t], axis=axis)
        if weight is not None:
            term = term * weight[:, t].reshape(shape)
        y = term if y is None else y + term
    return y


def _matrix(xp, dtype, size, index, weight):
    """The (out, size) matrix R of one axis's map: R[o, i] = sum of weight[o, t] over the
    terms t with index[o, t] = i."""
    hits = index[:, :, None] == xp.arange(size)
    if weight is None:
        return hits.sum(axis=1).astype(dtype)
    return (hits * weight[:, :, None]).sum(axis=1).astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, *spatial) to `size` or floor(spatial * scale_factor); see `resample`."""
    return resample(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                    antialias)


def resample(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
             recompute_scale_factor=None, antialias=False, where="interpolate"):
    """The op behind interpolate and nn.Upsample (`where` names the caller in errors).

    Resize (N, C, *spatial) (1 to 3 spatial dimensions) to `size`, or to
    floor(spatial * scale_factor). Modes: see the module docstring; 'linear', 'bilinear' and
    'trilinear' need 1, 2 and 3 spatial dimensions. align_corners (linear modes only) maps
    the corner pixels' centres onto each other instead of the image edges. With
    recompute_scale_factor=True the sampling uses size / out rather than the given factor.

    FUSED, one node. Forward: along each axis in turn (the last first, as PyTorch nests its
    loops), y = sum_t weight[o, t] x[index[o, t]], a gather per term (`_resample`).

    Backward: y = R_1 (R_2 ... x) along the axes, a composition of linear maps, so
    dL/dx = R_1^T (R_2^T ... g): each output's gradient goes back to the inputs it read, with
    the weights it read them with (an input read by several outputs sums their shares).
    Written as one matrix product with R^T per axis (`apply_along_axes`), no scatter-add.
    """
    _check_tensor(input, where)
    dims = input.ndim - 2
    if dims not in _LINEAR:
        raise ValueError(f"{where} expected input of shape (N, C, L), (N, C, H, W) or "
                         f"(N, C, D, H, W), got {tuple(input.shape)}")
    if mode not in _MODES:
        raise ValueError(f"{where}: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    linear = mode in _LINEAR.values()
    if linear and mode != _LINEAR[dims]:
        raise ValueError(f"{where}: mode {mode!r} needs {list(_LINEAR.values()).index(mode) + 1}"
                         f" spatial dimension(s), got input of shape {tuple(input.shape)} "
                         f"({dims}); use mode={_LINEAR[dims]!r}")
    if align_corners is not None and not linear:
        raise ValueError(f"{where}: align_corners can only be set with the interpolating modes "
                         f"linear, bilinear and trilinear, got mode={mode!r}")
    if antialias:
        raise ValueError(f"{where}: antialias=True is not supported")
    if (linear or mode == "area") and input.dtype.kind != "f":
        raise TypeError(f"{where}: mode {mode!r} expected a floating-point input, got "
                        f"{input.dtype}")
    spatial = tuple(input.shape[2:])
    out_spatial = _output_shape(spatial, size, scale_factor, where)
    if mode == "area":
        return adaptive_avg_pool(input, dims, out_spatial, where)
    scales = (None,) * dims
    if scale_factor is not None and not recompute_scale_factor:
        scales = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) \
            else tuple(scale_factor)
    xp, x = input._backend.xp, input.array
    tables = [_table(xp, x.dtype, n, o, mode, s, align_corners)
              for n, o, s in zip(spatial, out_spatial, scales)]
    for axis in reversed(range(dims)):
        if tables[axis] is not None:
            x = _resample(xp, x, 2 + axis, *tables[axis])
    if x is input.array:
        x = x.copy()  # an unchanged size: a new array all the same, as in torch
    out = input._result(x, (input,), f"upsample_{mode}{dims}d")
    matrices = [None if table is None else _matrix(xp, x.dtype, n, *table)
                for n, table in zip(spatial, tables)]

    def backward(g):  # dL/dx = R_1^T ... R_d^T g, one matrix product per resized axis
        input._accumulate(apply_along_axes(xp, g, matrices, transpose=True))

    out._backward = backward
    return out
