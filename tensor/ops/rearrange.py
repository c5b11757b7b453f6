"""Rearranging elements: roll, flip, repeat, tile, repeat_interleave, narrow, unbind, movedim
(moveaxis), swapaxes (swapdims).

None of them computes anything: each output element is a copy of one input element. So each
gradient is the adjoint of a move, in one of two shapes:

- a permutation (roll, flip, movedim, swapaxes): every input element went to exactly one
  place, and its gradient is fetched back from there by the inverse permutation: roll back by
  -shifts, flip again, permute back;
- copies (repeat, tile, repeat_interleave): an input element went to several places, and its
  gradient is the SUM of the gradients of all its copies (as for broadcasting, which is the
  same thing without the memory).

Several are written from ops that already exist, where nothing is gained by a new node:
narrow is a slice, movedim a permute, swapaxes a transpose, repeat_interleave an expand
followed by a flatten (by an integer) or an index_select (by a tensor of counts), which is also
how PyTorch builds them (and so their grad_fn names agree).
"""

import numbers

from tensor.ops.shape import _shape_args, normalize_dim, permute, transpose


def _dims(dims, ndim, op):
    """An int or a sequence of ints, as a tuple of axes (each in range, none repeated)."""
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    axes = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dims {dims} name the same dimension twice")
    return axes


def roll(input, shifts, dims=None):
    """Shift the elements along `dims` by `shifts` places, cyclically: the last ones come back
    at the front (roll([1, 2, 3], 1) is [3, 1, 2]). Without dims, the tensor is rolled as if
    flattened. The gradient rolls back by -shifts."""
    xp = input._backend.xp
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one number, got {shifts}")
        flat = input.array.reshape(-1)
        out = input._result(xp.roll(flat, shifts[0]).reshape(input.shape), (input,), "roll")

        def backward(grad):  # roll the flattened gradient back
            input._accumulate(xp.roll(grad.reshape(-1), -shifts[0]).reshape(input.shape))

    else:
        axes = _dims(dims, input.ndim, "roll")
        if len(shifts) != len(axes):
            raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
        out = input._result(xp.roll(input.array, shifts, axis=axes), (input,), "roll")
        back = tuple(-s for s in shifts)

        def backward(grad):  # the inverse permutation: roll by -shifts
            input._accumulate(xp.roll(grad, back, axis=axes))

    out._backward = backward
    return out


def flip(input, *args, dims=None):
    """Reverse the order of the elements along `dims` (flip(x, 0) turns a matrix upside
    down). Flipping is its own inverse, so the gradient is flipped the same way."""
    xp = input._backend.xp
    axes = _dims(_shape_args(args) if dims is None else dims, input.ndim, "flip")
    out = input._result(xp.flip(input.array, axis=axes).copy(), (input,), "flip")

    def backward(grad):  # flip the gradient back
        input._accumulate(xp.flip(grad, axis=axes))

    out._backward = backward
    return out


def repeat(input, *sizes):
    """The whole tensor repeated sizes[d] times along each dimension d, like tiles
    (repeat([1, 2], 3) is [1, 2, 1, 2, 1, 2]); extra leading sizes add new dimensions.

    Output element (k_d n_d + j_d)_d is input element (j_d)_d for every copy k. So the
    gradient reshapes the output's gradient to (r_0, n_0, r_1, n_1, ...) and sums over the
    copy axes r_d: each input element collects all its copies' gradients."""
    sizes = _shape_args(sizes)
    if not all(isinstance(r, numbers.Integral) and r >= 0 for r in sizes):
        raise ValueError(f"repeat: sizes must be non-negative ints, got {sizes}")
    if len(sizes) < input.ndim:
        raise ValueError(f"repeat: needs at least one size per dimension ({input.ndim}) of the "
                         f"tensor of shape {input.shape}, got {sizes}")
    xp = input._backend.xp
    shape = (1,) * (len(sizes) - input.ndim) + input.shape
    out = input._result(xp.tile(input.array.reshape(shape), sizes), (input,), "repeat")
    blocks = tuple(n for pair in zip(sizes, shape) for n in pair)  # (r_0, n_0, r_1, n_1, ...)
    copy_axes = tuple(range(0, len(blocks), 2))

    def backward(grad):  # sum the gradients of all the copies
        input._accumulate(grad.reshape(blocks).sum(axis=copy_axes).reshape(input.shape))

    out._backward = backward
    return out


def tile(input, *args, dims=None):
    """repeat, with NumPy's convention for too few sizes: missing leading sizes count as 1
    (tile(x, (2,)) on a matrix repeats its columns)."""
    dims = _shape_args(args) if dims is None else tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + tuple(dims))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or each slice along `dim`) repeated in place: repeat_interleave([1, 2],
    2) is [1, 1, 2, 2], where repeat would give [1, 2, 1, 2]. `repeats` is one number, or a
    tensor with one count per slice. Without dim, the tensor is flattened first.
    repeat_interleave(counts) alone gives the index that repeats position i counts[i] times.

    By a number r: unsqueeze a new axis after `dim`, expand it to r copies, flatten the two
    together (the gradient is expand's: the sum over the copies). By counts: index_select
    with that repeated index (the gradient is its scatter-add). Reading a tensor of counts
    needs their total on the host; pass output_size to say it ahead."""
    from tensor.tensor import Tensor

    if repeats is None:  # repeat_interleave(counts): the index 0, 0, 1, 2, 2, 2, ...
        return _repeated_positions(input, output_size)
    if dim is None:
        input, dim = input.reshape(-1), 0
    axis = normalize_dim(dim, input.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor) and repeats.numel() == 1:
        repeats = int(repeats.item())
    if isinstance(repeats, numbers.Integral):
        if repeats < 0:
            raise ValueError(f"repeat_interleave: repeats must be >= 0, got {repeats}")
        spread = input.unsqueeze(axis + 1)
        shape = spread.shape[:axis + 1] + (repeats,) + spread.shape[axis + 2:]
        return spread.expand(shape).flatten(axis, axis + 1)
    if not isinstance(repeats, Tensor) or repeats.ndim != 1 or \
            repeats.shape[0] != input.shape[axis]:
        raise ValueError(f"repeat_interleave: repeats must be a number or a 1-d tensor with one "
                         f"count per slice ({input.shape[axis]}), got {repeats!r}")
    from tensor.ops.scatter import index_select

    return index_select(input, axis, _repeated_positions(repeats, output_size))


def _repeated_positions(counts, output_size):
    """0 repeated counts[0] times, 1 repeated counts[1] times, ...: the position j of the
    output belongs to slice i when cumsum(counts)[i - 1] <= j < cumsum(counts)[i], which one
    searchsorted finds for all j at once."""
    from tensor.tensor import Tensor

    if counts.ndim != 1 or counts.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: counts must be a 1-d integer tensor, got dtype "
                        f"{counts.dtype} and shape {counts.shape}")
    xp = counts._backend.xp
    if counts.numel() and bool((counts.array < 0).any()):
        raise ValueError("repeat_interleave: counts must be >= 0")
    ends = xp.cumsum(counts.array)
    total = int(ends[-1]) if output_size is None and counts.numel() else (output_size or 0)
    positions = xp.searchsorted(ends, xp.arange(total), side="right")
    return Tensor._wrap(positions.astype("int64"), counts._backend)


def narrow(input, dim, start, length):
    """The slice start : start + length along `dim` (a view; start may count from the end).
    It is the slice x[..., start:start + length], and so has a slice's gradient."""
    axis = normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[axis]
    start = int(start)
    if start < 0:
        start += size
    if not (0 <= start <= size and 0 <= length and start + length <= size):
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension {dim} "
                         f"of size {size}")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


def unbind(input, dim=0):
    """The slices along `dim` as a tuple of tensors, that dimension removed (unbind of a
    matrix gives its rows). Slice i's gradient goes back to position i of the input."""
    axis = normalize_dim(dim, input.ndim, "unbind")
    if input.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no dimension to take apart")
    xp = input._backend.xp
    pieces = []
    for i in range(input.shape[axis]):  # one output per slice: a loop over outputs, not data
        key = (slice(None),) * axis + (i,)
        out = input._result(input.array[key + (Ellipsis,)], (input,), "unbind")

        def backward(grad, key=key):  # the gradient lands in slice i, zeros elsewhere
            spread = xp.zeros_like(input.array)
            spread[key] = grad
            input._accumulate(spread)

        out._backward = backward
        pieces.append(out)
    return tuple(pieces)


def movedim(input, source, destination):
    """Move dimension(s) `source` to position(s) `destination`, the others keeping their
    order: movedim(x, 0, -1) makes the first dimension the last. A permute."""
    src = _dims(source, input.ndim, "movedim")
    dst = _dims(destination, input.ndim, "movedim")
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must have "
                         "the same number of dimensions")
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    return permute(input, tuple(placed[i] if i in placed else next(rest)
                                for i in range(input.ndim)))


def swapaxes(input, axis0, axis1):
    """NumPy's name for transpose(axis0, axis1) (PyTorch has both, and swapdims)."""
    return transpose(input, axis0, axis1)
