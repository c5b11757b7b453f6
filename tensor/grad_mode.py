"""Switching graph recording off and on: `no_grad`, `enable_grad`, `set_grad_enabled`,
`inference_mode`.

While recording is off, ops compute their results but give them no parents and no backward
step: no graph is built, nothing is kept alive for a backward pass that will never come. Use it
for evaluation, and for updates that must not become part of the graph:

    with tensor.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean()

    @tensor.no_grad()
    def evaluate(model, data): ...

The mode belongs to a thread, as in PyTorch: a thread that evaluates under `no_grad()` leaves
recording on in the thread that trains beside it. Each thread starts with recording on. (A
module-level flag would be shared by all threads: one thread's `no_grad` would silently stop
another's training, and two threads entering and leaving their blocks interleaved could leave
recording off for good.)
"""

import contextlib
import threading


class _ThreadMode(threading.local):
    """One `enabled` flag per thread; the class attribute is what a new thread starts with."""

    enabled = True


state = _ThreadMode()  # read by every op (Tensor._result) to decide whether to record the graph


def is_grad_enabled():
    """Whether ops in this thread currently record the graph."""
    return state.enabled


class _GradMode(contextlib.ContextDecorator):
    """Record the graph (mode=True) or not (mode=False) inside a `with` block or a decorated
    function; the previous mode of this thread is restored on exit, also after an exception."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)
        self._previous = threading.local()  # a stack per thread: re-entrant, and thread-safe

    def __enter__(self):
        stack = self._previous.__dict__.setdefault("stack", [])
        stack.append(state.enabled)
        state.enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        state.enabled = self._previous.stack.pop()
        return False


class no_grad(_GradMode):
    """Do not record the graph inside this block or decorated function."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """Record the graph inside this block even if an outer block turned recording off."""

    def __init__(self):
        super().__init__(True)


class inference_mode(_GradMode):
    """`inference_mode()` (or `inference_mode(False)`): PyTorch's faster no_grad for
    evaluation. Here it is no_grad under another name: recording is off inside the block.
    (PyTorch additionally marks the results as inference tensors that may never enter a graph
    later; Grad School's results are ordinary tensors.)"""

    def __init__(self, mode=True):
        super().__init__(not mode)


class set_grad_enabled(_GradMode):
    """`set_grad_enabled(False)` switches recording off for this thread at once, as a plain
    call; used as `with set_grad_enabled(mode):` it restores the previous mode on exit (so
    `with set_grad_enabled(is_training):` chooses per block, as PyTorch programs do)."""

    def __init__(self, mode):
        super().__init__(mode)
        self._before_call = is_grad_enabled()
        state.enabled = self.enabled

    def __enter__(self):
        stack = self._previous.__dict__.setdefault("stack", [])
        stack.append(self._before_call)  # the mode from before the call, not after it
        return self

    def __call__(self, function):
        raise TypeError("set_grad_enabled(mode) is used as a call or in a with-block; as a "
                        "decorator use no_grad() or enable_grad()")
