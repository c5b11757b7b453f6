"""Grad School's tensor engine: `Tensor`, a vectorized autograd engine on NumPy (CPU) and
CuPy (GPU), with PyTorch's names.

    import tensor
    x, y = tensor.randn(64, 784), tensor.randint(10, (64,))       # a batch and its labels
    w = tensor.zeros(784, 10, requires_grad=True)
    loss = -tensor.log_softmax(x @ w, dim=1)[tensor.arange(64), y].mean()
    loss.backward()                                                  # w.grad = d loss / d w

Map of the package:

    tensor.py        the Tensor class: graph bookkeeping, backward(), conversions
    ops/             the ops, one file per family (elementwise, comparison, matmul, reduction,
                     shape, indexing, activation), each derivative beside its forward;
                     ops/broadcast.py holds `unbroadcast`, the one gradient rule of broadcasting
    backend/         the only code that knows NumPy from CuPy (and the test-only "standin")
    dtype.py         dtypes (NumPy's dtype objects) and PyTorch's promotion rules
    factories.py     zeros, ones, randn, arange, ... ; interop.py: from_numpy, DLPack
    backprop.py      the backward loop; versions.py: version counters; inplace.py: add_, +=, ...
    autograd/        Function, grad, backward, grad_fn names (PyTorch's torch.autograd)
    grad_mode.py     no_grad, enable_grad, set_grad_enabled, inference_mode (per thread)
    gradcheck.py     numerical gradient checking
"""

from tensor import autograd, cuda
from tensor.backend import get_backend, manual_seed
from tensor.dtype import (
    bool,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
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
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
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
from tensor.ops.broadcast import broadcast_shapes, unbroadcast
from tensor.ops.elementwise import abs, clamp, exp, log, maximum, minimum, sqrt, where
from tensor.ops.indexing import gather, masked_fill
from tensor.ops.matmul import matmul
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
from tensor.tensor import Tensor

clip = clamp

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
]
