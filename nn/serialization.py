"""Saving and loading weights and training checkpoints, in the safetensors format.

Why safetensors and not pickle: a pickle file can run arbitrary code when it is loaded, so
loading a checkpoint from the internet would mean trusting its author completely. A
safetensors file is a small JSON header (names, dtypes, shapes, offsets, and a str -> str
metadata dict) followed by the raw bytes of each array: loading it only ever reads numbers.
It is also what PyTorch models are shared in, so `safetensors.torch.save_file(
torch_model.state_dict(), path)` gives a file `nn.load` reads.

Writes are atomic: the bytes go to a temporary file in the same folder, are flushed to disk
(fsync), and only then does `os.replace` give the file its name. A crash or a full disk
mid-write leaves the previous checkpoint intact instead of a half-written one. A process
killed mid-write (SIGKILL, a lost job) cannot remove its temporary file, so every later save
or load of the same file removes the ones left behind (their names say which process wrote
them: `.model.safetensors.<host>-<pid>-<random>.tmp`).

bfloat16 (how most shared weights are stored) has no NumPy dtype: `load` converts it to
float32, exactly (every bfloat16 is a float32 with its last 16 bits zero), and warns.

- `save(obj, f, metadata=None)` / `load(f, map_location=None)`: a state_dict (a dict of
  Tensors, an ordinary safetensors file), or any nesting of dicts, lists and tuples of
  tensors, arrays and numbers, such as a checkpoint dict with an optimizer's state_dict in
  it (the arrays by path name, the structure as JSON in the header: nn/nested.py); what
  `torch.save` and `torch.load` are used for, without pickle.
- `save_checkpoint(path, model, optimizer=None, epoch=None, metadata=None)` /
  `load_checkpoint(path, model, optimizer=None)`: everything needed to resume training.
"""

import json
import os
import re
import socket
import tempfile
import time
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as safetensors_load
from safetensors.numpy import save as safetensors_save

from nn import nested
from tensor import Tensor
from tensor.backend import backend_of

CHECKPOINT_FORMAT = "gradschool-checkpoint-1"


def save(obj, f, metadata=None):
    """Write `obj` to `f` (a path, written atomically, or a binary file object) as safetensors.

    - A state_dict (names -> Tensors or arrays, e.g. `model.state_dict()`) becomes an
      ordinary safetensors file, which any safetensors reader loads.
    - Anything else made of tensors, arrays, numbers, strings, None, and dicts, lists and
      tuples of them (a checkpoint dict, an optimizer's state_dict, one tensor) is stored as
      its arrays plus its structure in JSON (nn/nested.py); `load` gives it back.
    - A whole Module or optimizer is refused: PyTorch would pickle the object, and loading a
      pickle runs whatever code the file holds. Save its state_dict() instead.

    `metadata`, if given, is a dict of str -> str stored in the file's header (read it with
    `safetensors.safe_open(path, "np").metadata()`)."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        what = type(obj).__name__
        raise TypeError(
            f"save: got a whole {what} object. PyTorch would pickle it, and loading a pickle "
            "runs whatever code the file holds; Grad School saves only numbers. Save its "
            f"state: save({'model' if hasattr(obj, 'parameters') else 'optimizer'}"
            ".state_dict(), path), and to load it build the object in code and call "
            ".load_state_dict(load(path))")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"save: metadata must be a dict from str to str, got "
                        f"{type(metadata).__name__}")
    if metadata is not None:
        bad = {k: v for k, v in metadata.items() if not (isinstance(k, str) and isinstance(v, str))}
        if bad:
            raise TypeError(f"save: metadata must map str to str (safetensors' rule), got {bad!r}; "
                            "convert the values with str() or json.dumps()")
        reserved = {nested.STRUCTURE_KEY, nested.ORDER_KEY} & set(metadata)
        if reserved:
            raise ValueError(f"save: the metadata keys {sorted(reserved)} are Grad School's own")
    if nested.is_flat_state_dict(obj):  # safetensors stores arrays in its own order: keep ours
        state_dict, extra = obj, {nested.ORDER_KEY: json.dumps(list(obj))}
    else:
        state_dict, structure = nested.flatten(obj)
        extra = {nested.STRUCTURE_KEY: structure}
    metadata = {**(metadata or {}), **extra}
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save: state_dict keys must be strings, got {name!r}")
        arrays[name] = _host_array(name, value)
    content = safetensors_save(arrays, metadata=metadata)
    if hasattr(f, "write"):
        f.write(content)
    else:
        _atomic_write(f, content)


def load(f, map_location=None, *, weights_only=None, mmap=None, device=None):
    """Read what `save` wrote (or any safetensors file, e.g. from
    `safetensors.torch.save_file`) from `f`, a path or a binary file object: a dict of Tensors
    for a state_dict, ready for `model.load_state_dict`, or the nested structure that was
    saved. Tensors go to `map_location` (or `device`): a device name, default "cpu".

    `weights_only` and `mmap` are accepted for PyTorch's programs: a safetensors file holds
    only numbers and names whatever you ask, so loading it never runs code."""
    where = device if device is not None else map_location
    if where is not None and not isinstance(where, str):
        raise TypeError(f"load: map_location must be a device name such as 'cpu' or 'cuda', "
                        f"got {type(where).__name__}")
    where = "cpu" if where is None else where
    if hasattr(f, "read"):
        arrays, header = _parse(f.read(), Path(getattr(f, "name", "the file object")))
    else:
        arrays, header = _read(f)
    structure = header.get(nested.STRUCTURE_KEY)
    if structure is not None:
        return nested.unflatten(structure, arrays, lambda array, requires_grad: Tensor(
            array, device=where, requires_grad=requires_grad))
    order = json.loads(header[nested.ORDER_KEY]) if nested.ORDER_KEY in header else arrays
    return {name: Tensor(arrays[name], device=where) for name in order}


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
              "epoch": _to_json(epoch, "epoch"), "metadata": _to_json(metadata, "metadata")}
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
    mismatches are errors. Returns {"epoch": ..., "metadata": ...} (None for what the file
    does not hold).

    All or nothing: everything is read and checked first, and only then are the model and
    the optimizer changed, so a checkpoint that does not fit leaves both as they were."""
    arrays, header = _read(path)
    if header.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a Grad School checkpoint (no format {CHECKPOINT_FORMAT!r} "
                         "in its metadata); for a plain state_dict use nn.load")
    model_state = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    loaded = {"epoch": _from_json(header, "epoch", path),
              "metadata": _from_json(header, "metadata", path)}
    model._check_state_dict(model_state)
    restored = None
    if optimizer is not None:
        restored = optimizer._read_state_dict(_optimizer_state(path, header, arrays, optimizer))
    model.load_state_dict(model_state)  # checked above: nothing fails from here on
    if restored is not None:
        optimizer._apply_state(*restored)
    return loaded


def _optimizer_state(path, header, arrays, optimizer):
    """The optimizer's state_dict as the checkpoint stored it (header JSON plus arrays)."""
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
    return {"state": state, "param_groups": groups}


# ---- helpers -------------------------------------------------------------------------------

def _is_array(value):
    return isinstance(value, Tensor) or backend_of(value) is not None


def _host_array(name, value):
    """A contiguous NumPy copy of a Tensor or array (from any device)."""
    array = value.array if isinstance(value, Tensor) else value
    backend = backend_of(array)
    if backend is None:
        raise TypeError(f"save: {name!r} is a {type(value).__name__}, expected a Tensor or array")
    host = backend.to_numpy(array)
    return np.ascontiguousarray(host).reshape(host.shape)  # (ascontiguousarray makes 0-d 1-d)


def _tuples_like(current, saved):
    """JSON turns tuples (Adam's betas) into lists: give back tuples where the optimizer has
    them."""
    return {k: tuple(v) if isinstance(current.get(k), tuple) else v for k, v in saved.items()}


def _to_json(value, what):
    """`value` as JSON text for a checkpoint's header; NumPy numbers become Python numbers."""
    def convert(obj):
        if isinstance(obj, np.generic):
            return obj.item()
        raise TypeError(f"save_checkpoint: {what} holds a {type(obj).__name__} ({obj!r:.60}), "
                        "which JSON cannot store; use numbers, strings, booleans, None, lists "
                        "and dicts (for a one-element tensor, .item())")

    return json.dumps(value, default=convert)


def _from_json(header, key, path):
    """A JSON value of a checkpoint's header, or None when the file does not hold it."""
    text = header.get(key)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: the checkpoint's {key!r} is not valid JSON ({err})") from None


# safetensors dtype names -> NumPy's; BF16 is read by hand (NumPy has no bfloat16)
_NUMPY_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
                 "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
                 "BOOL": "?"}


def _read(path):
    """(arrays, metadata) of a safetensors file; clear errors for a missing or damaged file.
    bfloat16 tensors are widened to float32 (exactly) with a warning; other dtypes NumPy
    lacks (float8, ...) are a clear error."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give the path of a .safetensors file")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    _remove_stale_temps(path)
    return _parse(path.read_bytes(), path)


def _parse(content, path):
    """(arrays, metadata) of the bytes of a safetensors file; `path` names it in errors."""
    try:
        header = _header(content)
        metadata = header.pop("__metadata__", None) or {}
        dtypes = {name: info["dtype"] for name, info in header.items()}
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not a readable safetensors file: {err}") from None
    unknown = {name: d for name, d in dtypes.items() if d != "BF16" and d not in _NUMPY_DTYPES}
    if unknown:
        names = ", ".join(sorted(unknown)[:3]) + (", ..." if len(unknown) > 3 else "")
        raise ValueError(f"{path} stores tensors of dtype {sorted(set(unknown.values()))} "
                         f"({names}), which NumPy, and so Grad School, cannot hold (float8 "
                         "has no NumPy type). Convert them first, e.g. in PyTorch: "
                         "save_file({k: v.float() for k, v in state.items()}, path)")
    widened = sorted(name for name, d in dtypes.items() if d == "BF16")
    if not widened:
        try:
            return safetensors_load(content), metadata
        except (SafetensorError, ValueError) as err:
            raise ValueError(f"{path} is not a readable safetensors file: {err}") from None
    warnings.warn(f"{path.name}: {len(widened)} bfloat16 tensor(s) ({', '.join(widened[:3])}"
                  f"{', ...' if len(widened) > 3 else ''}) loaded as float32, because NumPy "
                  "has no bfloat16; the values are exact (a bfloat16 is a float32 cut to its "
                  "first 16 bits)", stacklevel=3)
    return _read_by_hand(path, content, header), metadata


def _header(content):
    """The JSON header of safetensors bytes: an 8-byte little-endian length, then the JSON."""
    if len(content) < 8:
        raise ValueError("the file is shorter than a safetensors header")
    size = int.from_bytes(content[:8], "little")
    if size > len(content) - 8:
        raise ValueError(f"the header claims {size} bytes, the file has {len(content) - 8}")
    header = json.loads(content[8:8 + size])
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header


def _read_by_hand(path, content, header):
    """The arrays of safetensors bytes, bfloat16 widened to float32: a bfloat16 is the upper
    16 bits of a float32, so shifting them up 16 bits gives the same number."""
    data = memoryview(content)[8 + int.from_bytes(content[:8], "little"):]
    arrays = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        dtype = np.dtype("<u2" if info["dtype"] == "BF16" else _NUMPY_DTYPES[info["dtype"]])
        if not 0 <= begin <= end <= len(data) or end - begin != dtype.itemsize * int(
                np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path} is not a readable safetensors file: the bytes of "
                             f"{name!r} do not fit its shape {shape}")
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        if info["dtype"] == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        arrays[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return arrays


def _atomic_write(path, content):
    """Write `content` to `path` so that `path` holds either its old content or all of the new
    one, never a mixture: temporary file in the same folder, fsync, rename."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: the folder {path.parent} does not exist; create it first, "
                                f"e.g. os.makedirs({str(path.parent)!r}, exist_ok=True)")
    if path.is_dir():
        raise IsADirectoryError(f"save: {path} is a folder; give a file name inside it, such as "
                                f"{path / 'model.safetensors'}")
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_HOST}-{os.getpid()}-",
                               suffix=".tmp")
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


# ---- temporary files left by killed saves ---------------------------------------------------

_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:16] or "host"
_STALE_AFTER = 24 * 3600  # seconds: a temporary file unchanged this long is not being written


def _remove_stale_temps(path):
    """Remove the temporary files that saves of `path` killed mid-write left behind, and only
    those: names `.{name}.<host>-<pid>-<8 random>.tmp` whose process no longer runs on this
    machine (or `.{name}.<8 random>.tmp`, the pattern of earlier versions), or older than a
    day. A save in progress (its process alive) keeps its file. Errors are ignored: this is
    housekeeping, never a reason for a save or a load to fail."""
    name = re.escape(path.name)
    pattern = re.compile(rf"\.{name}\.(?:([A-Za-z0-9]+)-(\d+)-)?[a-z0-9_]{{8}}\.tmp")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        host, pid = match.groups()
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > _STALE_AFTER
            if host is None or old or (host == _HOST and not _process_alive(int(pid))):
                os.unlink(entry.path)
        except OSError:
            pass


def _process_alive(pid):
    """Whether process `pid` runs on this machine (POSIX: signal 0 tests without sending)."""
    if os.name != "posix" or pid == os.getpid():
        return True  # elsewhere os.kill would end the process: leave it to the age rule
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def _umask():
    """The process's file-creation mask (reading it means setting it, then restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
