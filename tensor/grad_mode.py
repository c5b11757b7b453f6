"""Switching graph recording off: `no_grad()` and `enable_grad()`.

While recording is off, ops compute their results but give them no parents and no backward
step: no graph is built, nothing is kept alive for a backward pass that will never come. Use it
for evaluation, and for updates that must not become part of the graph:

    with tensor.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean()

    @tensor.no_grad()
    def evaluate(model, data): ...

The switch is one module-level flag (not per thread, unlike PyTorch's).
"""

import contextlib

enabled = True  # read by every op (Tensor._result) to decide whether to record the graph


def is_grad_enabled():
    """Whether ops currently record the graph."""
    return enabled


class _GradMode(contextlib.ContextDecorator):
    """Record the graph (mode=True) or not (mode=False) inside a `with` block or a decorated
    function; the previous mode is restored on exit, also after an exception."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = []  # a stack, so one decorated function may be re-entered

    def __enter__(self):
        global enabled
        self._previous.append(enabled)
        enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        global enabled
        enabled = self._previous.pop()
        return False


class no_grad(_GradMode):
    """Do not record the graph inside this block or decorated function."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """Record the graph inside this block even if an outer block turned recording off."""

    def __init__(self):
        super().__init__(True)
