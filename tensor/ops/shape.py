"""Shape ops: reshape/view, flatten, squeeze, unsqueeze, transpose, permute, T, expand, cat,
stack, split, chunk, pad.

They move or copy values without changing them, so each backward undoes the forward on the
gradient: a reshape's gradient is reshaped back, a transpose's is transposed back, a
concatenation's is cut into pieces, a padding's has the padding cut off. `expand` is
broadcasting made explicit, so its gradient is `unbroadcast`.
"""

import math
import numbers

from tensor.dtype import promote_types
from tensor.ops import window
from tensor.ops.broadcast import unbroadcast


def normalize_dim(dim, ndim, op):
    """`dim` as an index in [0, ndim): negative dims count from the end. As in PyTorch, a 0-d
    tensor counts as having one dimension here (dim 0 or -1 both name it). TypeError if `dim`
    is not an integer, IndexError (naming the op and the valid range) if it is out of range."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an integer, got {type(dim).__name__} {dim!r}")
    top = max(ndim, 1)
    if not -top <= dim < top:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor with {ndim} "
                         f"dimensions (expected {-top} to {top - 1})")
    return dim % top


def normalize_dims(dim, ndim, op, empty_means_all=True):
    """`dim` (None, an int, or a tuple or list of ints) as a sorted tuple of distinct axes;
    None means every axis, and so does an empty tuple or list (PyTorch's reductions), unless
    empty_means_all=False (squeeze, all, any: then it means none). A 0-d tensor has no axes
    to reduce: dim 0 or -1 give ()."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        if not dim:
            return tuple(range(ndim)) if empty_means_all else ()
        axes = tuple(sorted(normalize_dim(d, ndim, op) for d in dim))
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dimension(s) {tuple(dim)} name the same axis twice")
    else:
        axes = (normalize_dim(dim, ndim, op),)
    return axes if ndim else ()


def _shape_args(shape):
    """reshape(2, 3) and reshape((2, 3)) both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _sizes(shape, op):
    """The sizes given to reshape, view or expand, checked: integers (TypeError for 2.0 or
    "3"), none below -1 (ValueError), -1 at most once (it means "infer this size" for
    reshape, "keep this size" for expand)."""
    sizes = _shape_args(shape)
    for n in sizes:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool):
            raise TypeError(f"{op}: sizes must be integers, got {type(n).__name__} {n!r} in "
                            f"{sizes}")
        if n < -1:
            raise ValueError(f"{op}: invalid size {n} in {sizes}; sizes are >= 0, or -1 for "
                             "the one size to infer")
    if op != "expand" and list(sizes).count(-1) > 1:
        raise ValueError(f"{op}: only one size can be -1 (inferred), got {sizes}")
    return tuple(int(n) for n in sizes)


def reshape(self, *shape):
    """The same elements (in row-major order) in a new shape; one size may be -1 (inferred)."""
    return _reshaped(self, _sizes(shape, "reshape"), "reshape")


def _reshaped(self, shape, op):
    """reshape, recorded under the name of the op that asked for it (view, flatten, squeeze,
    unsqueeze are all reshapes, but a drawing and `grad_fn` should say which one was used)."""
    try:
        data = self.array.reshape(shape)
    except ValueError:
        raise ValueError(f"{op}: cannot arrange a tensor of shape {self.shape} "
                         f"({self.array.size} elements) as shape {shape}") from None
    out = self._result(data, (self,), op)

    def backward(grad):  # the gradient, reshaped back
        self._accumulate(grad.reshape(self.shape))

    out._backward = backward
    return out


def view(self, *shape):
    """reshape, by PyTorch's other name (here it shares memory whenever NumPy can)."""
    return _reshaped(self, _sizes(shape, "view"), "view")


def flatten(self, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one (all of them by default)."""
    if self.ndim == 0:
        return _reshaped(self, (1,), "flatten")
    start = normalize_dim(start_dim, self.ndim, "flatten")
    end = normalize_dim(end_dim, self.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(self.shape[start:end + 1])  # not -1: NumPy cannot infer it beside
    # a size-0 dimension ((2, 3, 0).flatten(0, 1) is (6, 0))
    return _reshaped(self, self.shape[:start] + (merged,) + self.shape[end + 1:], "flatten")


def squeeze(self, dim=None):
    """Remove dimensions of size 1: all of them, or those in `dim` (int or tuple) that have
    size 1 (others are left alone, as in PyTorch)."""
    axes = normalize_dims(dim, self.ndim, "squeeze", empty_means_all=False)
    kept = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
    return _reshaped(self, kept, "squeeze" if dim is None else "squeeze(dim)")


def unsqueeze(self, dim):
    """Insert a dimension of size 1 at position `dim` (in the result's numbering)."""
    axis = normalize_dim(dim, self.ndim + 1, "unsqueeze")
    return _reshaped(self, self.shape[:axis] + (1,) + self.shape[axis:], "unsqueeze")


def transpose(self, dim0, dim1):
    """Swap two dimensions (a view). A 0-d tensor is its own transpose: as in PyTorch, dims 0
    and -1 both name its one "dimension" (NumPy's swapaxes has no axis to swap)."""
    a = normalize_dim(dim0, self.ndim, "transpose")
    b = normalize_dim(dim1, self.ndim, "transpose")
    if self.ndim == 0:
        return _reshaped(self, (), "transpose")
    out = self._result(self.array.swapaxes(a, b), (self,), "transpose")

    def backward(grad):  # swapping twice is the identity
        self._accumulate(grad.swapaxes(a, b))

    out._backward = backward
    return out


def permute(self, *dims):
    """Reorder the dimensions: result dimension i is input dimension dims[i] (a view)."""
    dims = _shape_args(dims)
    axes = tuple(normalize_dim(d, self.ndim, "permute") for d in dims)
    if sorted(axes) != list(range(self.ndim)):
        raise ValueError(f"permute: {dims} is not an ordering of the {self.ndim} dimensions of "
                         f"a tensor of shape {self.shape}")
    out = self._result(self.array.transpose(axes), (self,), "permute")
    inverse = tuple(sorted(range(self.ndim), key=axes.__getitem__))

    def backward(grad):  # the inverse permutation puts every axis back
        self._accumulate(grad.transpose(inverse))

    out._backward = backward
    return out


def reverse_dims(self):
    """`t.T`: the dimensions in reverse order (the transpose of a matrix), a view. The same as
    permute(n-1, ..., 1, 0), written directly because `x @ W.T` (a linear layer) is so common."""
    out = self._result(self.array.T, (self,), "T")

    def backward(grad):  # reversing the dimensions twice is the identity
        self._accumulate(grad.T)

    out._backward = backward
    return out


def expand(self, *sizes):
    """A broadcast view of this tensor with a larger shape: sizes of 1 may grow, new
    dimensions may be added in front, -1 keeps a size. Its gradient is unbroadcast."""
    sizes = _sizes(sizes, "expand")
    extra = len(sizes) - self.ndim
    if extra < 0:
        raise ValueError(f"expand: {sizes} has fewer dimensions than the tensor's shape "
                         f"{self.shape}")
    if -1 in sizes[:extra]:
        raise ValueError(f"expand: -1 (keep the size) cannot be used for a new leading "
                         f"dimension, got {sizes} for a tensor of shape {self.shape}")
    shape = tuple(self.shape[i - extra] if n == -1 and i >= extra else n
                  for i, n in enumerate(sizes))
    for i, n in enumerate(self.shape):
        if n != 1 and n != shape[i + extra]:
            raise ValueError(f"expand: cannot expand shape {self.shape} to {sizes} (size {n} "
                             f"of dimension {i} is not 1)")
    out = self._result(self._backend.xp.broadcast_to(self.array, shape), (self,), "expand")

    def backward(grad):  # the expanded copies' gradients are summed
        self._accumulate(unbroadcast(grad, self.shape))

    out._backward = backward
    return out


def cat(tensors, dim=0):
    """Join tensors along an existing dimension; all other sizes must agree. The gradient is
    cut back into the pieces."""
    tensors = _same_device_and_dtype(tensors, "cat")
    first = tensors[0]
    axis = normalize_dim(dim, first.ndim, "cat")
    for t in tensors:
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != \
                first.shape[:axis] + first.shape[axis + 1:]:
            raise ValueError(f"cat: shapes {[t.shape for t in tensors]} differ outside "
                             f"dimension {dim}")
    xp = first._backend.xp
    out = first._result(xp.concatenate([t.array for t in tensors], axis=axis), tuple(tensors),
                        "cat")

    def backward(grad):  # piece i receives the slice of the gradient where it was placed
        start = 0
        for t in tensors:
            stop = start + t.shape[axis]
            if t.requires_grad:
                t._accumulate(grad[(slice(None),) * axis + (slice(start, stop),)])
            start = stop

    out._backward = backward
    return out


def stack(tensors, dim=0):
    """Join tensors of one shape along a new dimension `dim`. The gradient is cut into the
    slices along that dimension."""
    tensors = _same_device_and_dtype(tensors, "stack")
    first = tensors[0]
    if any(t.shape != first.shape for t in tensors):
        raise ValueError(f"stack: all tensors must have the same shape, got "
                         f"{[t.shape for t in tensors]}")
    axis = normalize_dim(dim, first.ndim + 1, "stack")
    xp = first._backend.xp
    out = first._result(xp.stack([t.array for t in tensors], axis=axis), tuple(tensors), "stack")

    def backward(grad):  # tensor i receives the gradient's slice i along the new dimension
        for i, t in enumerate(tensors):
            if t.requires_grad:
                t._accumulate(grad[(slice(None),) * axis + (i,)])

    out._backward = backward
    return out


def split(self, split_size_or_sections, dim=0):
    """Cut into pieces along `dim`: of `split_size` each (the last may be smaller), or of the
    sizes in a list. A composite: each piece is a slice (`t[..., a:b]`), whose gradient rule
    is indexing's."""
    if self.ndim == 0:
        raise ValueError("split: a 0-d tensor has no dimension to split; reshape it first")
    axis = normalize_dim(dim, self.ndim, "split")
    length = self.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, length - start)
                 for start in range(0, length, split_size_or_sections)]
        sizes = sizes or [0]  # an empty dimension gives one empty piece, as in PyTorch
    else:
        sizes = list(split_size_or_sections)
        if any(not isinstance(n, numbers.Integral) or n < 0 for n in sizes):
            raise ValueError(f"split: sizes must be integers >= 0, got {sizes}")
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, but dimension {dim} "
                             f"has size {length}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(self[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(self, chunks, dim=0):
    """Cut into `chunks` pieces of equal size along `dim` (the last may be smaller, and there
    may be fewer pieces, as in PyTorch; an empty dimension gives `chunks` empty pieces)."""
    if not isinstance(chunks, numbers.Integral) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks!r} (the number of "
                         "pieces, an integer)")
    if self.ndim == 0:
        raise ValueError("chunk: a 0-d tensor has no dimension to cut; reshape it first")
    length = self.shape[normalize_dim(dim, self.ndim, "chunk")]
    if length == 0:
        return split(self, [0] * chunks, dim)
    return split(self, -(-length // chunks), dim)


def pad(input, pad, mode="constant", value=0.0):
    """Pad, as torch.nn.functional.pad: `pad` lists (before, after) amounts starting from the
    LAST dimension: (1, 1) pads the last dimension by one on each side, (1, 1, 2, 0) also pads
    the one before it by two in front. mode "constant" fills with `value`, and the gradient is
    the padded gradient with the padding cut off. "reflect", "replicate" and "circular" copy
    input elements into the padding (tensor/ops/window.py), so the gradient of each copy is
    added back onto the element it copied (`window.pad_adjoint`)."""
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got mode={mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: needs (before, after) pairs for at most {input.ndim} dimensions, "
                         f"got {tuple(pad)}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: amounts must not be negative, got {tuple(pad)}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode != "constant":
        pads = widths[input.ndim - len(pad) // 2:]
        out = input._result(window.pad(input._backend, input.array, pads, mode), (input,), "pad")

        def backward(grad):  # each padded element copied an input element: add its gradient
            input._accumulate(window.pad_adjoint(input._backend, grad, pads, mode))

        out._backward = backward
        return out
    xp = input._backend.xp
    fill = input.dtype.type(value)
    out = input._result(xp.pad(input.array, widths, constant_values=fill), (input,), "pad")
    inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, input.shape))

    def backward(grad):  # the gradient of the original elements; the padding had no inputs
        input._accumulate(grad[inside])

    out._backward = backward
    return out


def _same_device_and_dtype(tensors, op):
    from tensor.tensor import Tensor  # here, not at the top: tensor.py imports this module

    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{op}: expected a sequence of Tensors, got "
                        f"{[type(t).__name__ for t in tensors]}")
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise RuntimeError(f"{op}: tensors are on different devices {sorted(devices)}; move "
                           "them to one device with .to(device) first")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]
