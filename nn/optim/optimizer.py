"""The `Optimizer` base class: parameter groups, per-parameter state, and the update loop.

An optimizer turns gradients into parameter changes. All of them share the same bookkeeping,
which lives here:

- `param_groups`: a list of dicts, each holding some parameters (`group["params"]`) and the
  options used for them (`lr`, `momentum`, ...). One group is the common case; several let
  different parts of a model train with different options, e.g. a smaller `lr` for a
  pretrained backbone. Options missing from a group are filled from `defaults`.
- `state`: a dict from each parameter to its own memory (a momentum buffer, Adam's running
  moments, a step count). State is created lazily, on a parameter's first update.
- `step()`: visits every parameter that has a gradient and calls `update`, the one method a
  subclass writes. The update works on the raw arrays (`p.array`, `p.grad.array`) in place, so
  a step
  builds no autograd graph and allocates no new parameter arrays.

Writing your own optimizer
--------------------------
Subclass `Optimizer`, pass your options to `super().__init__` as `defaults`, and write
`update(param, grad, state, group)`, which changes `param.array` in place. `nn/optim/custom.py`
is a complete, tested example, sign-SGD with momentum (p <- p - lr * sign(m)):

    class SignSGD(Optimizer):
        def __init__(self, params, lr=1e-3, momentum=0.9):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        def update(self, param, grad, state, group):
            xp = self.xp(param)                                # numpy or cupy
            if not state:                                      # first step: create the state
                state["momentum_buffer"] = self.zeros_like(param)
            m, beta, work = state["momentum_buffer"], group["momentum"], self.scratch(param)
            m *= beta                                          # m <- beta m + (1 - beta) g
            xp.multiply(grad, 1 - beta, out=work)
            m += work
            xp.sign(m, out=work)                               # p <- p - lr sign(m)
            work *= group["lr"]
            param.array -= work

The helpers keep updates cheap and device-agnostic: `xp(param)` is the array module of the
parameter's device, `zeros_like(param)` makes state on that device, and `scratch(param, slot)`
lends a reusable work array, so an update writes intermediate results with `out=` instead of
allocating temporaries every step. `effective_grad` applies the two options most optimizers
share, `maximize` and L2 `weight_decay`; `check_option` rejects invalid hyperparameters with a
clear message.

In PyTorch you would override `step()` itself and loop over `self.param_groups`; that works
here too, because `step` is an ordinary method.
"""

import copy
import numbers

import numpy

import tensor
from tensor import Tensor
from tensor.backend import backend_of


class Optimizer:
    """Base class of all optimizers. `params` is an iterable of Tensors, or of dicts that each
    define a parameter group (`{"params": [...], "lr": 0.1}`); `defaults` holds every option's
    default value."""

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError("params should be an iterable of Tensors or of dicts, got a single "
                            "Tensor; wrap it in a list: [tensor]")
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        self._scratch_buffers = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (those not given use `defaults`),
        e.g. to train a new head with a larger learning rate than the rest of a model."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("a parameter group's params must be an ordered collection (a list), "
                            "not a set: the order defines the indices in state_dict()")
        group["params"] = list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"an optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:  # its .grad is never filled, so it would silently never change
                raise ValueError(f"can't optimize a non-leaf Tensor (computed by '{p.op}'): "
                                 "an optimizer updates leaves such as model.parameters(); "
                                 "create the tensor directly with requires_grad=True")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ---- the update loop ------------------------------------------------------------------

    def step(self, closure=None):
        """Update every parameter that has a gradient, once. `closure`, if given, is a function
        that re-computes the loss (zero_grad, forward, backward) and returns it; its value is
        returned."""
        loss = None
        if closure is not None:
            with tensor.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    _check_same_device(self, p, grad, state)
                    self.update(p, grad.array, state, group)
                    p._bump_version()  # a graph that saved p's old values must not use them
        return loss

    def update(self, param, grad, state, group):
        """Change `param.array` in place using its gradient array `grad`, its `state` dict and
        its group's options. Every optimizer writes this one method."""
        raise NotImplementedError(f"{type(self).__name__} must define update(param, grad, "
                                  "state, group)")

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of all parameters: set them to None (the default: no memory
        is kept and the next backward() writes fresh arrays) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    # ---- helpers for writing updates ----------------------------------------------------

    @staticmethod
    def xp(param):
        """The array module (NumPy or CuPy) that holds `param`'s data."""
        return tensor.backend.get_xp(param.device)

    def zeros_like(self, param, fill_value=0.0):
        """A new state array shaped like `param`, on its device, filled with `fill_value`."""
        return self.xp(param).full_like(param.array, fill_value)

    def scratch(self, param, slot=0):
        """A work array shaped like `param`, to be overwritten with `out=`. One flat buffer per
        (slot, device, dtype), as long as the largest parameter, is reused for every parameter
        and every step, so updates allocate nothing. Its content is garbage until written, and
        the next `scratch` call with the same slot overwrites it."""
        data = param.array
        key = (slot, param.device, data.dtype)
        buffer = self._scratch_buffers.get(key)
        if buffer is None or buffer.size < data.size:
            buffer = self.xp(param).empty_like(data, shape=(data.size,))
            self._scratch_buffers[key] = buffer
        return buffer[: data.size].reshape(data.shape)

    def effective_grad(self, param, grad, maximize=False, weight_decay=0.0):
        """The gradient the update rule sees: g = (-grad if maximize else grad) + wd * param
        (L2 regularisation: the gradient of wd/2 * |param|^2). Returns `grad` itself when
        neither option is on; otherwise writes into scratch slot 0, never into `param.grad`."""
        if not maximize and weight_decay == 0:
            return grad
        xp = self.xp(param)
        g = self.scratch(param, slot=0)
        if weight_decay != 0:
            xp.multiply(param.array, weight_decay, out=g)
            if maximize:
                xp.subtract(g, grad, out=g)
            else:
                xp.add(g, grad, out=g)
        else:
            xp.negative(grad, out=g)
        return g

    # ---- saving and restoring ---------------------------------------------------------

    def state_dict(self):
        """The optimizer's state as plain data, with parameters replaced by their position:
        {"state": {index: {"step": ..., "exp_avg": array, ...}},
         "param_groups": [{"lr": ..., ..., "params": [index, ...]}, ...]}
        Indices count through the groups' parameters in order (0, 1, 2, ... across groups),
        so the state can be loaded into a new optimizer built over the same model."""
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                packed["params"].append(index_of[id(p)])
            groups.append(packed)
        state = {index_of[id(p)]: s for p, s in self.state.items() if s and id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned (state arrays are copied onto each parameter's
        device and dtype). The parameter groups must have the same sizes as this optimizer's.
        All or nothing: a state dict that does not fit leaves the optimizer as it was."""
        self._apply_state(*self._read_state_dict(state_dict))

    def _read_state_dict(self, state_dict):
        """Check `state_dict` and build from it (new state, each group's new options),
        changing nothing; `_apply_state` then installs them, which cannot fail."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict expects the dict that state_dict() "
                            f"returns, got {type(state_dict).__name__}")
        missing = [key for key in ("state", "param_groups") if key not in state_dict]
        if missing:
            raise ValueError(f"{name}.load_state_dict expects the dict that state_dict() "
                             f"returns, with keys 'state' and 'param_groups'; this one lacks "
                             f"{missing} (it has {sorted(map(str, state_dict))})")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"the state dict has {len(saved_groups)} parameter groups, this "
                             f"optimizer has {len(self.param_groups)}")
        saved_sizes = [len(g["params"]) for g in saved_groups]
        sizes = [len(g["params"]) for g in self.param_groups]
        if saved_sizes != sizes:
            raise ValueError(f"the state dict's parameter groups hold {saved_sizes} parameters, "
                             f"this optimizer's hold {sizes}")
        param_of = {}
        for saved, group in zip(saved_groups, self.param_groups):
            param_of.update(zip(saved["params"], group["params"]))
        state = {}
        for index, saved_state in state_dict["state"].items():
            param = param_of.get(int(index))
            if param is None:
                raise ValueError(f"the state dict has state for parameter {index}, which none "
                                 f"of its parameter groups lists ({sorted(param_of)})")
            state[param] = {k: self._restore(param, v) for k, v in saved_state.items()}
        options = [{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
                   for saved in saved_groups]
        return state, options

    def _apply_state(self, state, options):
        """Install what `_read_state_dict` built."""
        self.state = state
        for group, group_options in zip(self.param_groups, options):
            group.update(group_options)

    def _restore(self, param, value):
        """A saved state value, as this parameter's state: arrays are copied onto its device
        and cast to its dtype; numbers (the step count) are kept as they are, and 0-d arrays
        become numbers (PyTorch saves its step count as a 0-d tensor)."""
        if not hasattr(value, "shape"):
            return copy.deepcopy(value)
        if value.ndim == 0:
            number = value.item()
            return int(number) if float(number).is_integer() else number
        if tensor.backend.backend_of(value) is None:  # e.g. a torch tensor: read it via NumPy
            value = numpy.asarray(value)
        return tensor.backend.to_device(value, param.device).astype(param.array.dtype)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def check_numbers(optimizer, **options):
    """Raise TypeError `SGD: lr must be a number, got str '0.1'` for an option that is not a
    real number (None, a string, a bool, a list). Call it before comparing the options with
    check_option, whose comparisons would otherwise fail in Python's words."""
    for name, value in options.items():
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{optimizer}: {name} must be a number, got "
                            f"{type(value).__name__} {value!r}")


def _check_same_device(optimizer, param, grad, state):
    """An update mixes the parameter, its gradient and its state arrays: all must live on one
    device (a model moved with .to() after the optimizer had state keeps that state behind)."""
    device = param.device
    found = [("gradient", grad.device)]
    for name, value in state.items():
        backend = backend_of(value)
        if backend is not None:
            found.append((f"state {name!r}", backend.device))
    for name, other in found:
        if other != device:
            raise RuntimeError(
                f"{type(optimizer).__name__}.step(): a parameter of shape {param.shape} is on "
                f"{device} but its {name} is on {other}; an optimizer's state stays where it "
                "was made, so move the model with model.to(device) before building the "
                "optimizer (or before load_state_dict)")


def check_option(optimizer, name, value, valid, expected):
    """Raise ValueError `SGD: invalid lr=-1 (expected lr >= 0)` when `valid` is False."""
    if not valid:
        raise ValueError(f"{optimizer}: invalid {name}={value!r} (expected {expected})")
