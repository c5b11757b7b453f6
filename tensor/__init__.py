"""Grad School's tensor engine: `Tensor`, a vectorized autograd engine on NumPy (CPU) and
CuPy (GPU), with PyTorch's names.

    import tensor
    x, y = tensor.randn(64, 784), tensor.randint(10, (64,))       # a batch and its labels
    w = tensor.zeros(784, 10, requires_grad=True)
    loss = -tensor.log_softmax(x @ w, dim=1)[tensor.arange(64), y].mean()
    loss.backward()                                                  # w.grad = d loss / d w

Map of the package:

    tensor.py        the Tensor class: graph bookkeeping, backward(), conversions
    ops/             the ops, one file per family (elementwise, math, comparison, matmul,
                     linalg, reduction, scan, shape, indexing, activation), each derivative
                     beside its forward;
                     ops/broadcast.py holds `unbroadcast`, the one gradient rule of broadcasting
    backend/         the only code that knows NumPy from CuPy (and the test-only "standin")
    dtype.py         dtypes (NumPy's dtype objects) and PyTorch's promotion rules
    factories.py     zeros, ones, randn, arange, ... ; interop.py: from_numpy, DLPack
    backprop.py      the backward loop; versions.py: version counters; inplace.py: add_, +=, ...
    autograd/        Function, grad, backward, grad_fn names (PyTorch's torch.autograd)
    grad_mode.py     no_grad, enable_grad, set_grad_enabled, inference_mode (per thread)
    gradcheck.py     numerical gradient checking
    construct.py     tensor(data), as_tensor, is_tensor, FloatTensor, ... (PyTorch's spellings)
    devices.py       `device` ("cpu", "cuda:0" with .type and .index), set_default_device
    size.py          `Size`, the tuple a shape is; random.py: Generator, manual_seed
    accelerator.py   accelerator.is_available(), and MPS / cuDNN (never used here); cuda.py
    hooks.py         register_hook, register_post_accumulate_grad_hook (gradient hooks)
    distributed.py   init_process_group("mpi"), all_reduce, broadcast, ... (torch.distributed)
"""

from tensor import accelerator, autograd, cuda
from tensor.backend import get_backend
from tensor.construct import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    as_tensor,
    is_floating_point,
    is_tensor,
    numel,
)
from tensor.devices import device, get_default_device, set_default_device
from tensor.dtype import (
    bool,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from tensor.factories import (
    arange,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    logspace,
    meshgrid,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from tensor.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tensor.gradcheck import gradcheck
from tensor.interop import from_dlpack, from_numpy
from tensor.ops.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    tanh,
)
from tensor.ops.aliases import install_functions as _install_aliases
from tensor.ops.broadcast import broadcast_shapes, unbroadcast
from tensor.ops.comparison import (
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    eq,
    ge,
    gt,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
)
from tensor.ops.elementwise import (
    abs,
    add,
    clamp,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    truediv,
)
from tensor.ops.indexing import gather, masked_fill
from tensor.ops.linalg import (
    addmm,
    baddbmm,
    bmm,
    diag,
    diagonal,
    dist,
    dot,
    einsum,
    mm,
    mv,
    norm,
    outer,
    t,
    trace,
    tril,
    triu,
)
from tensor.ops.math import (
    acos,
    asin,
    atan,
    atan2,
    ceil,
    cos,
    cosh,
    expm1,
    floor,
    floor_divide,
    fmod,
    frac,
    log1p,
    log2,
    log10,
    reciprocal,
    remainder,
    round,
    rsqrt,
    sgn,
    sign,
    sin,
    sinh,
    square,
    tan,
    trunc,
)
from tensor.ops.matmul import matmul
from tensor.ops.predicates import (
    allclose,
    equal,
    isclose,
    isfinite,
    isinf,
    isnan,
    nan_to_num,
    nonzero,
    where,
)
from tensor.ops.rearrange import (
    flip,
    movedim,
    narrow,
    repeat_interleave,
    roll,
    swapaxes,
    tile,
    unbind,
)
from tensor.ops.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    std,
    sum,
    var,
)
from tensor.ops.sampling import bernoulli, multinomial, normal
from tensor.ops.scan import cumprod, cumsum, prod
from tensor.ops.scatter import index_select, masked_select, scatter, scatter_add
from tensor.ops.shape import (
    cat,
    chunk,
    flatten,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
)
from tensor.ops.sorting import argsort, kthvalue, median, mode, sort, topk, unique
from tensor.random import Generator, default_generator, initial_seed, manual_seed, seed
from tensor.size import Size
from tensor.tensor import Tensor

clip = clamp
div = divide = true_divide = truediv
subtract, multiply, negative = sub, mul, neg
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
moveaxis, swapdims = movedim, swapaxes
arcsin, arccos, arctan, arctan2, fix = asin, acos, atan, atan2, trunc

__all__ = [
    "abs", "all", "autograd", "amax", "amin", "any", "arange", "argmax", "argmin", "bool",
    "broadcast_shapes", "cat", "chunk", "clamp", "clip", "cuda", "elu", "empty", "empty_like",
    "enable_grad", "exp", "eye", "flatten", "float16", "float32", "float64", "from_dlpack",
    "from_numpy", "full", "full_like", "gather", "gelu", "get_backend", "gradcheck",
    "inference_mode",
    "int16", "int32", "int64", "int8", "is_grad_enabled", "leaky_relu", "linspace", "log",
    "log_softmax", "logsumexp", "manual_seed", "masked_fill", "matmul", "max", "maximum",
    "mean", "min", "minimum", "no_grad", "ones", "ones_like", "pad", "permute", "rand",
    "rand_like", "randint", "randn", "randn_like", "relu", "reshape", "set_grad_enabled",
    "sigmoid", "silu",
    "softmax", "split", "sqrt", "squeeze", "stack", "std", "sum", "tanh", "Tensor", "transpose",
    "uint8", "unbroadcast", "unsqueeze", "var", "where", "zeros", "zeros_like",
    # more math (ops/math.py), linear algebra (ops/linalg.py), running sums (ops/scan.py)
    "acos", "arccos", "arcsin", "arctan", "arctan2", "asin", "atan", "atan2", "ceil", "cos",
    "cosh", "expm1", "fix", "floor", "floor_divide", "fmod", "frac", "log10", "log1p", "log2",
    "reciprocal", "remainder", "round", "rsqrt", "sgn", "sign", "sin", "sinh", "square", "tan",
    "trunc", "addmm", "baddbmm", "bmm", "diag", "diagonal", "dist", "dot", "einsum", "mm", "mv",
    "norm", "outer", "t", "trace", "tril", "triu", "cumprod", "cumsum", "prod",
    # sorting (ops/sorting.py), rearranging (ops/rearrange.py), scattering (ops/scatter.py),
    # predicates (ops/predicates.py), sampling (ops/sampling.py), more factories
    "argsort", "kthvalue", "median", "mode", "sort", "topk", "unique", "flip", "moveaxis",
    "movedim", "narrow", "repeat_interleave", "roll", "swapaxes", "swapdims", "tile", "unbind",
    "index_select", "masked_select", "scatter", "scatter_add", "allclose", "equal", "isclose",
    "isfinite", "isinf", "isnan", "nan_to_num", "nonzero", "bernoulli", "multinomial",
    "normal", "logspace", "meshgrid", "randperm",
    # PyTorch's front-door names (construct.py, devices.py, size.py, random.py, dtype.py)
    "accelerator", "as_tensor", "is_floating_point", "is_tensor", "numel", "BoolTensor",
    "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
    "LongTensor", "ShortTensor", "device", "get_default_device", "set_default_device",
    "finfo", "iinfo", "get_default_dtype", "set_default_dtype", "Generator",
    "default_generator", "initial_seed", "seed", "Size",
    # arithmetic and comparisons as functions (ops/elementwise.py, ops/comparison.py)
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg",
    "negative", "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater",
    "ge", "greater_equal", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "logical_and", "logical_or", "logical_xor", "logical_not",
]

_install_aliases(globals(), __all__)  # torch.sum(input=x, axis=1, out=y): ops/aliases.py
