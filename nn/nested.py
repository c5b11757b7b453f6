"""Nested structures of tensors and numbers, taken apart for a safetensors file and put back.

`torch.save` is handed more than a state_dict: a checkpoint such as

    {"epoch": 5, "model_state_dict": model.state_dict(),
     "optimizer_state_dict": optimizer.state_dict(), "loss": 0.31}

nests dicts, lists and tuples around tensors and plain numbers. PyTorch pickles it; Grad School
never pickles (loading a pickle runs whatever code it holds). A safetensors file holds named
arrays plus a str -> str header, so `flatten` splits the structure into

- the arrays, each named by its path: "model_state_dict/fc.weight",
  "optimizer_state_dict/state/0/exp_avg";
- a skeleton in JSON, where each container is tagged ({"dict": [[key, value], ...]},
  {"list": [...]}, {"tuple": [...]}), each array is {"tensor": name} (or {"ndarray": name}
  for a NumPy array), and numbers, strings, booleans and None stand as themselves;

and `unflatten` rebuilds the same structure from the two. Dict keys may be strings, numbers,
booleans or None (an optimizer's state is keyed by parameter index), and key order is kept.
Anything else (a whole nn.Module, a function, a set) is a TypeError that names where it sits.
"""

import json
import numbers

import numpy as np

from tensor import Tensor
from tensor.backend import backend_of

STRUCTURE_KEY = "gradschool.structure"  # the header entry that holds the skeleton
ORDER_KEY = "gradschool.keys"  # a flat state_dict's names in their order (safetensors sorts)


def flatten(obj):
    """(arrays, skeleton JSON text): the arrays by path name, and the rest of `obj`."""
    arrays = {}

    def visit(value, path):
        if value is None or isinstance(value, (str, bool)):
            return value
        if isinstance(value, (numbers.Number, np.bool_)):  # NumPy's scalars too
            return value.item() if isinstance(value, np.generic) else value
        if isinstance(value, Tensor) or backend_of(value) is not None:
            name = _unique(path, arrays)
            arrays[name] = value
            if not isinstance(value, Tensor):
                return {"ndarray": name}
            return {"tensor": name, "requires_grad": True} if value.requires_grad \
                else {"tensor": name}
        if isinstance(value, dict):
            return {"dict": [[_key(k, path), visit(v, f"{path}/{k}" if path else str(k))]
                             for k, v in value.items()]}
        if isinstance(value, (list, tuple)):
            items = [visit(v, f"{path}/{i}" if path else str(i)) for i, v in enumerate(value)]
            return {"tuple" if isinstance(value, tuple) else "list": items}
        raise TypeError(f"save: {path or 'the object'} is a {type(value).__name__}, which a "
                        "safetensors file cannot hold; save tensors, arrays, numbers, strings, "
                        "and dicts, lists or tuples of them")

    skeleton = visit(obj, "")
    return arrays, json.dumps(skeleton)


def unflatten(skeleton_text, arrays, make_tensor):
    """The structure that `flatten` took apart: `arrays` by name (NumPy arrays), each
    {"tensor": name} made a Tensor by `make_tensor(array, requires_grad)`."""
    def build(node):
        if not isinstance(node, dict):
            return node
        if "tensor" in node:
            return make_tensor(arrays[node["tensor"]], node.get("requires_grad", False))
        if "ndarray" in node:
            return arrays[node["ndarray"]]
        if "dict" in node:
            return {key: build(value) for key, value in node["dict"]}
        if "tuple" in node:
            return tuple(build(value) for value in node["tuple"])
        return [build(value) for value in node["list"]]

    return build(json.loads(skeleton_text))


def is_flat_state_dict(obj):
    """Whether `obj` is a plain dict from names to tensors (or arrays), such as
    `model.state_dict()`: stored as an ordinary safetensors file, which any reader loads."""
    return (isinstance(obj, dict) and bool(obj)
            and all(isinstance(k, str) for k in obj)
            and all(isinstance(v, Tensor) or (backend_of(v) is not None
                                              and not isinstance(v, np.generic))
                    for v in obj.values()))


def _key(key, path):
    if key is None or isinstance(key, (str, bool, int, float)):
        return key
    raise TypeError(f"save: a dict at {path or 'the top'} has the key {key!r} of type "
                    f"{type(key).__name__}; keys must be strings, numbers, booleans or None")


def _unique(path, taken):
    """`path` as an array name, numbered if another array already has it."""
    name = path or "tensor"
    count = 1
    while name in taken:
        count += 1
        name = f"{path or 'tensor'}#{count}"
    return name
