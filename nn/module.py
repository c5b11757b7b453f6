"""`Module`: the base class of every layer and model.

A module is an object that holds parameters and sub-modules and computes `forward(x)`. The
base class does the bookkeeping, so a model is written as plainly as

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 16)     # a sub-module: registered by assignment
            self.out = nn.Linear(16, 1)

        def forward(self, x):
            return self.out(self.hidden(x).tanh())

How: `__setattr__` sees every assignment. A `Parameter` goes into `self._parameters`, a
`Module` into `self._modules`, under the attribute's name. From these two dicts (and
`self._buffers`, for state that is not trained, such as BatchNorm's running mean) the base
class derives everything else by walking the tree of modules:

- `named_parameters()` yields ("hidden.weight", p), ("hidden.bias", p), ("out.weight", p),
  ...: a module's own parameters first, then each child's, in the order they were assigned,
  with dotted names. These names are the keys of `state_dict()`, and they are PyTorch's
  names, so a PyTorch model's weights load into the equivalent model here.
- `train()` / `eval()` set `training` on every module (Dropout and BatchNorm read it).
- `to(device)`, `zero_grad()`, `state_dict()` / `load_state_dict()`, `repr(model)`.

`model(x)` calls `forward(x)`.
"""

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from nn.parameter import Parameter
from tensor import Tensor
from tensor.backend import backend_of, to_device

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class for all layers and models: subclass it, assign parameters and sub-modules in
    `__init__` (after `super().__init__()`), and write `forward`."""

    def __init__(self):
        # object.__setattr__: our own __setattr__ files values into these registries
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- registration: attribute assignment files parameters, buffers and modules --------

    def __setattr__(self, name, value):
        if isinstance(value, (Parameter, Module)) and "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {type(value).__name__} {name!r} before "
                                 f"Module.__init__() is called: call super().__init__() first "
                                 f"in {type(self).__name__}.__init__")
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to parameter {name!r} "
                                f"of {type(self).__name__} (nn.Parameter or None expected)")
            self._parameters[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to buffer {name!r} "
                                f"of {type(self).__name__} (Tensor or None expected)")
            self._buffers[name] = value
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to sub-module {name!r} "
                                f"of {type(self).__name__} (nn.Module or None expected)")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Remove `name` from every registry but `keep` (where it is about to be stored, in the
        same position if it was there already) and from the plain attributes."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        # only called when normal lookup fails (every `self.weight`): look in the registries
        attributes = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            values = attributes.get(registry)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        names = set(super().__dir__())
        for registry in ("_parameters", "_buffers", "_modules"):
            names.update(self.__dict__.get(registry, {}))
        return sorted(names)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter, or None for an absent one such as a disabled bias)
        under `name`; the same as `self.name = param`."""
        _check_name(self, name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}) expects an nn.Parameter or None, "
                            f"got {type(param).__name__}")
        self._forget(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a Tensor that belongs to the module's state but is not trained, e.g.
        BatchNorm's running mean. It moves with `to(device)` and, if `persistent`, is saved
        in `state_dict()`."""
        _check_name(self, name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}) expects a Tensor or None, "
                            f"got {type(tensor).__name__}")
        self._forget(name, keep="_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register `module` as a child under `name`; the same as `self.name = module`."""
        _check_name(self, name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}) expects an nn.Module or None, "
                            f"got {type(module).__name__}")
        self._forget(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    # ---- walking the tree ------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield (dotted name, module) for this module ("") and every descendant, parents
        before children (pre-order). A module reachable twice is yielded once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                child_prefix = f"{prefix}.{name}" if prefix else name
                yield from child.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield (name, module) for the direct children only."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        """(dotted name, tensor) for every entry of `registry` ("_parameters" or "_buffers")
        of this module (and of its descendants if `recurse`), skipping repeats of one tensor
        (a weight shared by two layers is one parameter)."""
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield (dotted name, parameter): each module's own parameters, in the order they
        were assigned, then its children's, depth first."""
        # EXERCISE ch06.named_parameters: yield (name, parameter) here and, if recurse, below
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)
        # END EXERCISE

    def parameters(self, recurse=True):
        """Yield every parameter (what you hand to an optimizer)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call `fn(module)` on every descendant and then on this module (e.g. a custom
        weight initialization); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes, gradients, devices ------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (`mode=True`) or evaluation mode on this module and every
        descendant; layers such as Dropout and BatchNorm behave differently in each."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode: the same as `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Turn gradient tracking on or off for every parameter (e.g. to freeze a layer)."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient: set it to None (default) or fill it with 0."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.zero_()

    def to(self, device=None, dtype=None):
        """Move every parameter and buffer to `device` and/or convert floating ones to `dtype`,
        in place (the Parameter objects stay the same, so an optimizer built before still
        holds them); returns self. `model.to("cuda")`, `model.to(tensor.float64)`,
        `model.to("cuda", tensor.float64)`."""
        if device is not None and not isinstance(device, str) and type(device).__name__ != "device":
            device, dtype = None, device  # model.to(tensor.float64): a dtype given first
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for value in registry.values():
                    if value is not None:
                        _move(value, device, dtype)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self):
        """Convert floating parameters and buffers to float32."""
        return self.to(dtype="float32")

    def double(self):
        """Convert floating parameters and buffers to float64."""
        return self.to(dtype="float64")

    # ---- saving and loading ---------------------------------------------------------------

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict from dotted names to Tensors: every parameter and persistent buffer,
        each module's own entries before its children's. The Tensors share memory with the
        model (`keep_vars=True` gives the Parameter objects themselves)."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of `state_dict` (Tensors or arrays, e.g. from `nn.load` or from a
        PyTorch model) into this model's parameters and buffers, in place.

        Every entry's shape must match (RuntimeError otherwise). With `strict=True` the keys
        must match exactly: missing and unexpected keys are listed in a RuntimeError. With
        `strict=False` they are returned as `(missing_keys, unexpected_keys)`. Nothing is
        copied unless every entry can be.
        """
        own, missing, unexpected = self._check_state_dict(state_dict, strict)
        for key, target in own.items():
            if key in state_dict:
                _copy_into(target, state_dict[key])
        return IncompatibleKeys(missing, unexpected)

    def _check_state_dict(self, state_dict, strict=True):
        """What load_state_dict checks before it copies anything: (own entries, missing keys,
        unexpected keys), or a RuntimeError listing every problem. Changes nothing."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a dict from names to Tensors (what "
                            f"state_dict() and nn.load return), got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ".")
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ".")
        for key, target in own.items():
            if key in state_dict:
                if not hasattr(state_dict[key], "shape"):
                    errors.append(f'While copying the parameter named "{key}", expected a '
                                  f"Tensor or array from checkpoint but received "
                                  f"{type(state_dict[key]).__name__}.")
                    continue
                shape = tuple(state_dict[key].shape)
                if shape != tuple(target.shape):
                    errors.append(f"size mismatch for {key}: copying a param with shape {shape} "
                                  f"from checkpoint, the shape in current model is "
                                  f"{tuple(target.shape)}.")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return own, missing, unexpected

    # ---- printing ---------------------------------------------------------------------

    def extra_repr(self):
        """The text between the parentheses of this module's repr, e.g.
        `in_features=2, out_features=3, bias=True`; layers override it."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + _indent(repr(child)) for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([_indent(extra)] if extra else []) + lines
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"


def _indent(text):
    """Indent every line but the first by two spaces (for nested reprs)."""
    return text.replace("\n", "\n  ")


def _check_name(module, name):
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"call Module.__init__() before registering {name!r} "
                             f"on {type(module).__name__}")
    if not isinstance(name, str) or not name or "." in name:
        raise KeyError(f"a parameter, buffer or module name must be a non-empty string without "
                       f"'.', got {name!r}")


def _move(t, device, dtype):
    """Give Tensor `t` its data (and gradient) on `device` and/or as `dtype` (floating tensors
    only), keeping the object itself, so that optimizers holding it see the change."""
    moved = t.detach().to(device=device)
    if dtype is not None and t.dtype.kind == "f":
        moved = moved.to(dtype=dtype)
    if moved.array is t.array:
        return
    grad = t.grad
    t.data = moved  # the public way: the tensor follows its new array's device
    if grad is not None:
        t.grad = grad.to(moved.device, moved.dtype)


def _copy_into(target, value):
    """Copy `value` (a Tensor, a NumPy/CuPy array, or anything NumPy can read, such as a CPU
    torch tensor) into `target.data` in place, converting device and dtype."""
    array = value.array if isinstance(value, Tensor) else value
    if backend_of(array) is None:
        array = np.asarray(array)
    target.array[...] = to_device(array, target.device)
    target._bump_version()
