"""Saving and loading weights and training checkpoints, in the safetensors format.

Why safetensors and not pickle: a pickle file can run arbitrary code when it is loaded, so
loading a checkpoint from the internet would mean trusting its author completely. A
safetensors file is a small JSON header (names, dtypes, shapes, offsets, and a str -> str
metadata dict) followed by the raw bytes of each array: loading it only ever reads numbers.
It is also what PyTorch models are shared in, so `safetensors.torch.save_file(
torch_model.state_dict(), path)` gives a file `nn.load` reads.

Writes are atomic: the bytes go to a temporary file in the same folder, are flushed to disk
(fsync), and only then does `os.replace` give the file its name. A crash or a full disk
mid-write leaves the previous checkpoint intact instead of a half-written one.

- `save(state_dict, path, metadata=None)` / `load(path, device="cpu")`: a dict of Tensors.
- `save_checkpoint(path, model, optimizer=None, epoch=None, metadata=None)` /
  `load_checkpoint(path, model, optimizer=None)`: everything needed to resume training.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load as safetensors_load
from safetensors.numpy import save as safetensors_save

from tensor import Tensor
from tensor.backend import backend_of

CHECKPOINT_FORMAT = "gradschool-checkpoint-1"


def save(state_dict, path, metadata=None):
    """Write `state_dict` (names -> Tensors or arrays, e.g. `model.state_dict()`) to `path`
    as safetensors, atomically. `metadata`, if given, is a dict of str -> str stored in the
    file's header (read it with `safetensors.safe_open(path, "np").metadata()`)."""
    if metadata is not None:
        bad = {k: v for k, v in metadata.items() if not (isinstance(k, str) and isinstance(v, str))}
        if bad:
            raise TypeError(f"save: metadata must map str to str (safetensors' rule), got {bad!r}; "
                            "convert the values with str() or json.dumps()")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save: state_dict keys must be strings, got {name!r}")
        arrays[name] = _host_array(name, value)
    _atomic_write(path, safetensors_save(arrays, metadata=metadata))


def load(path, device="cpu"):
    """Read a safetensors file (written by `save`, or by `safetensors.torch.save_file`) into a
    dict of Tensors on `device`, ready for `model.load_state_dict`."""
    return {name: Tensor(array, device=device) for name, array in _read(path)[0].items()}


def save_checkpoint(path, model, optimizer=None, epoch=None, metadata=None):
    """Save what resuming training needs, in one safetensors file, atomically:

    - the model's state_dict, under "model.<key>";
    - the optimizer's state arrays (momenta, ...) under "optimizer.state.<index>.<name>",
      and its non-array parts (parameter groups and options, step counts) as JSON in the
      header;
    - `epoch` and `metadata` (anything JSON can hold: a config, a score) as JSON.
    """
    arrays = {f"model.{key}": value for key, value in model.state_dict().items()}
    header = {"format": CHECKPOINT_FORMAT, "model": type(model).__name__,
              "epoch": json.dumps(epoch), "metadata": json.dumps(metadata)}
    if optimizer is not None:
        state = optimizer.state_dict()
        numbers = {}
        for index, param_state in state["state"].items():
            for name, value in param_state.items():
                if _is_array(value):
                    arrays[f"optimizer.state.{index}.{name}"] = value
                else:
                    numbers.setdefault(str(index), {})[name] = value
        header["optimizer"] = json.dumps({"class": type(optimizer).__name__, "state": numbers,
                                          "param_groups": state["param_groups"]})
    save(arrays, path, metadata=header)


def load_checkpoint(path, model, optimizer=None):
    """Restore a checkpoint written by `save_checkpoint` into `model` (and `optimizer`, which
    must be of the same class, built over the same model). Wrong or missing keys and shape
    mismatches are errors. Returns {"epoch": ..., "metadata": ...}."""
    arrays, header = _read(path)
    if header.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a Grad School checkpoint (no format {CHECKPOINT_FORMAT!r} "
                         "in its metadata); for a plain state_dict use nn.load")
    model_state = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    model.load_state_dict(model_state)
    if optimizer is not None:
        if "optimizer" not in header:
            raise ValueError(f"{path} holds no optimizer state (it was saved without one)")
        saved = json.loads(header["optimizer"])
        if saved["class"] != type(optimizer).__name__:
            raise ValueError(f"{path} holds {saved['class']} state, but the optimizer given is "
                             f"{type(optimizer).__name__}")
        state = {int(index): dict(values) for index, values in saved["state"].items()}
        for key, array in arrays.items():
            if key.startswith("optimizer.state."):
                index, name = key[len("optimizer.state."):].split(".", 1)
                state.setdefault(int(index), {})[name] = array
        groups = [_tuples_like(current, saved_group)
                  for current, saved_group in zip(optimizer.param_groups, saved["param_groups"])]
        groups += saved["param_groups"][len(groups):]  # a count mismatch is reported by load
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    return {"epoch": json.loads(header["epoch"]), "metadata": json.loads(header["metadata"])}


# ---- helpers -------------------------------------------------------------------------------

def _is_array(value):
    return isinstance(value, Tensor) or backend_of(value) is not None


def _host_array(name, value):
    """A contiguous NumPy copy of a Tensor or array (from any device)."""
    array = value.array if isinstance(value, Tensor) else value
    backend = backend_of(array)
    if backend is None:
        raise TypeError(f"save: {name!r} is a {type(value).__name__}, expected a Tensor or array")
    return np.ascontiguousarray(backend.to_numpy(array))


def _tuples_like(current, saved):
    """JSON turns tuples (Adam's betas) into lists: give back tuples where the optimizer has
    them."""
    return {k: tuple(v) if isinstance(current.get(k), tuple) else v for k, v in saved.items()}


def _read(path):
    """(arrays, metadata) of a safetensors file; clear errors for a missing or damaged file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    content = path.read_bytes()
    try:
        arrays = safetensors_load(content)
        with safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, ValueError) as err:
        raise ValueError(f"{path} is not a readable safetensors file: {err}") from None
    return arrays, metadata


def _atomic_write(path, content):
    """Write `content` to `path` so that `path` holds either its old content or all of the new
    one, never a mixture: temporary file in the same folder, fsync, rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's files are private (0600); use the usual mode
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _umask():
    """The process's file-creation mask (reading it means setting it, then restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
