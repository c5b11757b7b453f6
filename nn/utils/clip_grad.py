"""Gradient clipping: keep one bad batch from throwing the parameters far away.

Recurrent networks especially can produce huge gradients (the same weights are multiplied
at every time step). Clipping, done between `loss.backward()` and `optimizer.step()`, bounds
the step without changing its direction (`clip_grad_norm_`) or bounds every coordinate
(`clip_grad_value_`). Both change the `.grad` tensors' memory in place.
"""

import math
import numbers

from tensor import Tensor
from tensor.backend import get_xp, to_device


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

    Returns the total norm before clipping, as a 0-d Tensor (log it: spikes show instability)
    on the first gradient's device; gradients may be on several devices, as in PyTorch (each
    device's part of the sum is computed there, then carried to the first).
    `error_if_nonfinite=True` raises RuntimeError if it is nan or inf.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) or max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0 (the largest total "
                         f"gradient norm allowed), got {max_norm!r}")
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    device = grads[0][0]
    xp = get_xp(device)
    if norm_type == math.inf:
        parts = [get_xp(d).abs(g).max() for d, g in grads if g.size]
        total = max((to_device(p, device) for p in parts), default=xp.zeros(()))
    else:
        parts = [get_xp(d).sum(get_xp(d).abs(g) ** norm_type) for d, g in grads]
        total = sum(to_device(p, device) for p in parts) ** (1 / norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"{float(total)}, so they cannot be clipped")
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for d, g in grads:
        g *= to_device(scale, d)
    return Tensor(total, device=device)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient coordinate into [-clip_value, clip_value], in place."""
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real) or clip_value <= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be a number > 0 (the largest "
                         f"gradient coordinate allowed), got {clip_value!r}")
    clip_value = float(clip_value)
    for device, g in _grads(parameters):
        get_xp(device).clip(g, -clip_value, clip_value, out=g)
