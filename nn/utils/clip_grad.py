"""Gradient clipping: keep one bad batch from throwing the parameters far away.

Recurrent networks especially can produce huge gradients (the same weights are multiplied
at every time step). Clipping, done between `loss.backward()` and `optimizer.step()`, bounds
the step without changing its direction (`clip_grad_norm_`) or bounds every coordinate
(`clip_grad_value_`). Both change the `.grad` tensors' memory in place.
"""

import math

from tensor import Tensor
from tensor.backend import get_xp


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [(p.device, p.grad.array) for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    r"""Scale all gradients together so that their total norm is at most `max_norm`.

    The total norm treats all gradients as one long vector:
    ||g|| = (sum over tensors of ||g_i||_p^p)^(1/p), or max |g| for norm_type = inf. Every
    gradient is then multiplied by min(1, max_norm / (||g|| + 1e-6)): unchanged if the norm is
    already small enough, shrunk onto the ball of radius max_norm otherwise, the direction kept.

    Returns the total norm before clipping, as a 0-d Tensor (log it: spikes show instability).
    `error_if_nonfinite=True` raises RuntimeError if it is nan or inf.
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    device = grads[0][0]
    xp = get_xp(device)
    if norm_type == math.inf:
        total = max(xp.abs(g).max() for _, g in grads)
    else:
        total = sum(xp.sum(xp.abs(g) ** norm_type) for _, g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"{float(total)}, so they cannot be clipped")
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for _, g in grads:
        g *= scale
    return Tensor(total, device=device)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient coordinate into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for device, g in _grads(parameters):
        get_xp(device).clip(g, -clip_value, clip_value, out=g)
