"""PyTorch's other spellings of arguments: NumPy's `axis` for `dim` and `keepdims` for
`keepdim`, `input=` for the tensor an op works on, and `out=` to write a result into an
existing tensor.

PyTorch's argument parser accepts all of these on every op, so programs use them freely:
`x.sum(1, keepdims=True)`, `probs.argmax(axis=1)`, `torch.max(input=x, dim=0)`,
`torch.matmul(a, b, out=c)`. Rather than spelling each alias in the signature of every op
(and forgetting it in the next one), the ops keep one name per argument, and `install_methods`
/ `install_functions` wrap them once, when the package is imported: the Tensor methods learn
the NumPy names, the functions of the `tensor` package the NumPy names, `input=` and `out=`.
A call without keyword arguments goes straight through.

`out=` works as in PyTorch: the result is written into `out` (which changes in place, so every
alias of it sees the values) and `out` is returned. It cannot be part of the graph: PyTorch
refuses an `out=` whose result needs a gradient, and so does this. An `out` of another shape
is resized (with PyTorch's warning when it had elements).
"""

import functools
import inspect
import types
import warnings

_RENAMES = {"axis": "dim", "keepdims": "keepdim"}


def with_aliases(function, functional=False):
    """`function` accepting PyTorch's aliases (see the module docstring); `functional` adds
    `input=` (for an op whose first parameter is the tensor, `self`) and `out=`. Returns
    `function` itself when there is nothing to add."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return function
    renames = {alias: name for alias, name in _RENAMES.items()
               if name in parameters and alias not in parameters}
    first = next(iter(parameters), None)
    takes_input = functional and first == "self"
    takes_out = functional and "out" not in parameters
    if not (renames or takes_input or takes_out):
        return function
    name = function.__name__

    @functools.wraps(function)
    def call(*args, **kwargs):
        if not kwargs:
            return function(*args)
        for alias, real in renames.items():
            if alias in kwargs:
                if real in kwargs:
                    raise TypeError(f"{name}() got both {real}= and its alias {alias}=")
                kwargs[real] = kwargs.pop(alias)
        if takes_input and "input" in kwargs:
            if args:
                raise TypeError(f"{name}() got the tensor twice: as an argument and as input=")
            args = (kwargs.pop("input"),)
        out = kwargs.pop("out", None) if takes_out else None
        result = function(*args, **kwargs)
        return result if out is None else write_into(out, result, name)

    return call


def write_into(out, result, name):
    """Copy `result` (a Tensor, or a tuple of them) into `out` (a Tensor, or a tuple of as
    many) and return `out`: the `out=` of PyTorch's functions."""
    from tensor.tensor import Tensor

    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(out=...): the result is {len(result)} tensors, so out must "
                            f"be a tuple of {len(result)} tensors")
        written = [write_into(o, r, name) for o, r in zip(out, result)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(out=...): out must be a Tensor, got {type(out).__name__}")
    if result.requires_grad or out.requires_grad:
        raise RuntimeError(f"{name}(out=...): functions with out= cannot be part of the graph, "
                           "and an argument requires grad; call it without out=, or under "
                           "no_grad()")
    if out.device != result.device:
        raise RuntimeError(f"{name}(out=...): the result is on {result.device} but out is on "
                           f"{out.device}")
    if result.dtype.kind == "f" and out.dtype.kind != "f":
        raise RuntimeError(f"{name}(out=...): the result has dtype {result.dtype}, which cannot "
                           f"be written into out of dtype {out.dtype}")
    if out.shape == result.shape:
        out.array[...] = result.array
        out._bump_version()
        return out
    if out.numel():
        warnings.warn(f"{name}(out=...): out had shape {out.shape}, the result has shape "
                      f"{result.shape}, so out was resized (PyTorch warns as well; pass an "
                      "empty tensor or one of the right shape)", UserWarning, stacklevel=3)
    out.data = result.array.astype(out.dtype, copy=False)
    return out


def install_methods(cls):
    """Give every op method of `cls` (functions from tensor/ops and tensor/inplace.py) the
    NumPy names of its arguments."""
    for key, value in list(vars(cls).items()):
        if _is_op(key, value):
            setattr(cls, key, with_aliases(value))


def install_functions(namespace, names):
    """Wrap the op functions among `names` in `namespace` (a module's globals): NumPy names,
    input= and out=."""
    for key in names:
        value = namespace.get(key)
        if _is_op(key, value):
            namespace[key] = with_aliases(value, functional=True)


def _is_op(key, value):
    return (isinstance(value, types.FunctionType) and not key.startswith("_")
            and value.__module__.startswith(("tensor.ops", "tensor.inplace")))
