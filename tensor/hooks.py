"""Gradient hooks: your code, run by backward() when it reaches a tensor (PyTorch's
`Tensor.register_hook` and `Tensor.register_post_accumulate_grad_hook`).

A backward pass (tensor/backprop.py) offers two moments to run code of yours:

- `t.register_hook(fn)`: when the walk reaches t, dL/dt is complete: every op that used t
  has added its share. `fn(grad)` receives it as a Tensor and may return a Tensor of the
  same shape to use instead (to clip or scale it), or None to leave it as it is. For a leaf
  this happens before the gradient goes into `.grad`; for an intermediate tensor, before its
  step passes the gradient on to its parents. The walk goes from the loss back to the
  inputs, so the hooks of the last layer's parameters run while the gradients of the layers
  before it are still being computed: DistributedDataParallel (nn/parallel/) uses that to
  start sending gradients to the other processes early.
- `p.register_post_accumulate_grad_hook(fn)`, leaves only: `fn(p)` after `p.grad` has been
  updated. This engine adds the gradients into `.grad` at the very end of a pass, once every
  step has succeeded (an error part-way leaves every `.grad` as it was), so these hooks run
  after the whole walk, when every `.grad` of the pass is in place. `autograd.grad()`
  accumulates nothing and runs none of them.

Each registration returns a handle; `handle.remove()` unregisters the hook. Hooks run in the
order they were registered. They are not copied by `copy.deepcopy` or pickling.
"""

import itertools


class Hooks:
    """The hooks of one tensor (its `_hooks` slot; None until the first registration)."""

    __slots__ = ("on_grad", "after_accumulate")

    def __init__(self):
        self.on_grad = {}  # handle id -> fn(grad Tensor) -> Tensor or None
        self.after_accumulate = {}  # handle id -> fn(tensor)


class RemovableHandle:
    """What a registration returns: `remove()` takes the hook away again (also usable as a
    context manager: the hook is removed at the end of the `with` block)."""

    _ids = itertools.count()

    def __init__(self, registry):
        self.id = next(RemovableHandle._ids)
        self._registry = registry

    def remove(self):
        self._registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _hooks_of(t):
    if t._hooks is None:
        t._hooks = Hooks()
    return t._hooks


def register_hook(t, hook):
    """`t.register_hook(hook)`: see the module docstring."""
    if not callable(hook):
        raise TypeError(f"register_hook expects a function, got {type(hook).__name__}")
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that does not require gradient "
                           "(set requires_grad=True on the leaf it comes from)")
    registry = _hooks_of(t).on_grad
    handle = RemovableHandle(registry)
    registry[handle.id] = hook
    return handle


def register_post_accumulate_grad_hook(t, hook):
    """`p.register_post_accumulate_grad_hook(hook)`: see the module docstring."""
    if not callable(hook):
        raise TypeError(f"register_post_accumulate_grad_hook expects a function, got "
                        f"{type(hook).__name__}")
    if not t.is_leaf:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                           f"tensors (this one was computed by '{t.op}'); only leaves, such "
                           "as parameters, have a .grad to accumulate into")
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that does not require gradient")
    registry = _hooks_of(t).after_accumulate
    handle = RemovableHandle(registry)
    registry[handle.id] = hook
    return handle


def run_grad_hooks(node, grad):
    """Call `node`'s register_hook hooks on its complete gradient (an array); returns the
    gradient to go on with, replaced by what a hook returned, if one did."""
    from tensor.tensor import Tensor

    for hook in list(node._hooks.on_grad.values()):
        result = hook(Tensor._wrap(grad, node._backend))
        if result is None:
            continue
        if not isinstance(result, Tensor):
            raise TypeError(f"a gradient hook must return a Tensor or None, got "
                            f"{type(result).__name__}")
        if result.shape != node.shape or result._backend is not node._backend:
            raise RuntimeError(f"a gradient hook returned a Tensor of shape {result.shape} on "
                               f"{result.device}; the gradient has shape {node.shape} on "
                               f"{node.device}")
        grad = result._data.astype(node._data.dtype, copy=False)
    return grad


def run_post_accumulate_grad_hooks(node):
    """Call `node`'s post-accumulate-grad hooks, with the tensor (its .grad is updated)."""
    for hook in list(node._hooks.after_accumulate.values()):
        hook(node)
