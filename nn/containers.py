"""Containers: modules that hold other modules.

- `Sequential(a, b, c)` is a model whose forward is c(b(a(x))): children "0", "1", "2".
- `ModuleList([...])` is a list whose modules are registered (their parameters are found by
  `parameters()`, unlike those of a plain Python list); you write the forward.
- `ModuleDict({...})` is the same as a dict.
"""

from collections import OrderedDict

from nn.module import Module


class Sequential(Module):
    """Apply the given modules one after the other: `Sequential(Linear(2, 16), Tanh(),
    Linear(16, 1))`. Children are named "0", "1", ... or, given an OrderedDict, by its keys,
    so its state_dict keys are PyTorch's ("0.weight", "0.bias", "2.weight", ...)."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_position(self, index)]

    def __setitem__(self, index, module):
        name = list(self._modules)[_position(self, index)]
        self.add_module(name, module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _position(self, index)]
        _renumber(self, modules)  # as PyTorch does: the rest become "0", "1", ...

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add `module` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules, registered as children "0", "1", ...: `self.layers =
    ModuleList([Linear(8, 8) for _ in range(3)])`, then `for layer in self.layers: ...`."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_position(self, index))]

    def __setitem__(self, index, module):
        self.add_module(str(_position(self, index)), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _position(self, index)]
        _renumber(self, modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(): iterate over it in your "
                                  "module's forward")


class ModuleDict(Module):
    """A dict of modules, registered as children under their keys:
    `self.heads = ModuleDict({"class": Linear(64, 10), "box": Linear(64, 4)})`."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        """Add (name, module) pairs from a dict or an iterable of pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def pop(self, key):
        return self._modules.pop(key)

    def clear(self):
        self._modules.clear()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(): index it in your module's "
                                  "forward")


def _position(container, index):
    """`index` as a position in 0..len-1 (negative indices count from the end)."""
    n = len(container)
    if not -n <= index < n:
        raise IndexError(f"index {index} is out of range for {type(container).__name__} "
                         f"of length {n}")
    return index % n


def _renumber(container, modules):
    """Re-register `modules` in `container` as "0", "1", ... (after an insertion or deletion)."""
    container._modules.clear()
    for index, module in enumerate(modules):
        container.add_module(str(index), module)
