"""Anomaly detection: find the first op that turned numbers into nan or inf.

One nan anywhere in a training step spreads to every weight it touches, and the loss prints
`nan` with no hint of where it came from. Inside `detect_anomaly()` every op is checked as it
runs, and every backward step as it runs, and the first one that produces nan or inf stops
with an error that names the op and the line of YOUR code that called it:

    with tensor.autograd.detect_anomaly():
        y = (x - x).sqrt()          # forward: fine, sqrt(0) = 0
        y.sum().backward()          # RuntimeError: the backward of 'sqrt' (SqrtBackward0)
                                    # produced inf ... The op was called at:
                                    #   File "train.py", line 2, in <module>
                                    #     y = (x - x).sqrt()

(d sqrt(a)/da = 1 / (2 sqrt a) is infinite at a = 0.) What is checked, as in PyTorch's
`torch.autograd.detect_anomaly`, plus the forward check PyTorch leaves out:

- forward: an op whose float result holds nan, or holds inf although its inputs were all
  finite (log(0), exp(1000), 1 / 0). Inf that was already in an input, or that the user
  asked for (`masked_fill(mask, -inf)` for attention, `pad(value=-inf)`), is passed on.
- backward: a backward step that hands one of its inputs a gradient with nan or inf.

Any other error raised by a backward step gets a note with the line that created its op.
It is slow (every result is scanned and every op looks up its caller), so use it to hunt a
nan, not to train. `set_detect_anomaly(True)` switches it on until `set_detect_anomaly(False)`
(or for a `with` block); the mode belongs to the thread, as grad mode does.
"""

import contextlib
import os
import sys
import threading
import weakref


class _ThreadMode(threading.local):
    enabled = False
    check_nan = True


state = _ThreadMode()  # read by Tensor._result and by the backward loop

_sites = {}  # id(tensor) -> where the op that made it was called (while the tensor lives)

# the user's code is the innermost caller outside the library
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LIBRARY = tuple(os.path.join(_ROOT, name) + os.sep for name in ("tensor", "nn", "gradschool"))

# ops whose inf comes from a value the caller chose, not from arithmetic
_FILLS = ("masked_fill", "pad")


def is_anomaly_enabled():
    """Whether ops in this thread are checked for nan and inf."""
    return state.enabled


def is_anomaly_check_nan_enabled():
    return state.enabled and state.check_nan


class set_detect_anomaly(contextlib.ContextDecorator):
    """Switch anomaly detection on or off now, for this thread: `set_detect_anomaly(True)`.
    As a `with` block (or a decorator) it restores the previous mode on exit. With
    check_nan=False the lines of the ops are still recorded (and added to any error a
    backward step raises), but results are not scanned."""

    def __init__(self, mode, check_nan=True):
        self._previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        state.enabled, state.check_nan = self._previous
        return False


class detect_anomaly(contextlib.ContextDecorator):
    """Inside this block (or decorated function), stop at the first op whose forward or
    backward produces nan or inf, naming it and the line of your code that called it."""

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)
        self._previous = threading.local()

    def __enter__(self):
        self._previous.__dict__.setdefault("stack", []).append((state.enabled, state.check_nan))
        state.enabled, state.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc_info):
        state.enabled, state.check_nan = self._previous.stack.pop()
        return False


# ---- the hooks: Tensor._result calls after_forward, the backward loop after_backward --------


def after_forward(out, parents, op):
    """An op just made `out` from `parents`: remember where it was called, and check it."""
    site = _caller()
    if out.requires_grad:
        _sites[id(out)] = site
        weakref.finalize(out, _sites.pop, id(out), None)
    if not state.check_nan or out.dtype.kind != "f":
        return
    xp = out._backend.xp
    if bool(xp.isfinite(out.array).all()):
        return
    has_nan = bool(xp.isnan(out.array).any())
    finite_inputs = all(bool(xp.isfinite(p.array).all()) for p in parents
                        if p.dtype.kind == "f")
    if has_nan or (finite_inputs and op not in _FILLS):
        raise RuntimeError(f"anomaly: the forward of '{op}' produced "
                           f"{_describe(xp, out.array)}"
                           f"{' from finite inputs' if finite_inputs else ''}."
                           f"{_where(site)}")


def after_backward(node):
    """The backward step of `node` just ran: check the gradients it passed to its inputs."""
    if not state.check_nan:
        return
    for i, parent in enumerate(node.parents):
        grad = parent._incoming
        if grad is None or grad.dtype.kind != "f":
            continue
        xp = parent._backend.xp
        if not bool(xp.isfinite(grad).all()):
            raise RuntimeError(f"anomaly: the backward of '{node.op}' ({_node_name(node)}) "
                               f"produced {_describe(xp, grad)} in the gradient of its input "
                               f"{i} (shape {tuple(parent.shape)})."
                               f"{_where(_sites.get(id(node)))}")


def add_site_note(error, node):
    """A backward step of `node` raised `error`: add the line that created the op."""
    site = _sites.get(id(node))
    if site is not None and hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(f"anomaly: the op '{node.op}' whose backward failed was called at:\n"
                       f"{site}")


# ---- helpers ---------------------------------------------------------------------------------


def _caller():
    """'  File "...", line N, in f\\n    code' of the innermost frame outside the library."""
    import linecache

    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY):
        frame = frame.f_back
    if frame is None:
        return None
    filename, line = frame.f_code.co_filename, frame.f_lineno
    code = linecache.getline(filename, line).strip()
    return f'  File "{filename}", line {line}, in {frame.f_code.co_name}' + (
        f"\n    {code}" if code else "")


def _where(site):
    if site is None:
        return " (The op was made before anomaly detection was switched on.)"
    return f" The op was called at:\n{site}"


def _describe(xp, array):
    """'nan (2 of 6 values)', 'inf', ... for a non-finite array."""
    infinite = xp.isinf(array)
    kinds = [name for name, found in (("nan", xp.isnan(array)), ("inf", infinite & (array > 0)),
                                      ("-inf", infinite & (array < 0))) if bool(found.any())]
    bad = int((~xp.isfinite(array)).sum())
    return f"{' and '.join(kinds)} ({bad} of {array.size} values)"


def _node_name(node):
    from tensor.autograd.graph import grad_fn_of

    return grad_fn_of(node).name()
