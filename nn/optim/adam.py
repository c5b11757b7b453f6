"""Adam and AdamW: momentum plus a per-coordinate step size from the gradient's running scale."""

import math
import numbers

from nn.optim.optimizer import Optimizer, check_numbers, check_option


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015).

    With g_t the gradient at step t = 1, 2, ... (negated if `maximize`):

        L2 weight decay:        g_t <- g_t + weight_decay * p          (Adam)
        decoupled weight decay: p   <- p * (1 - lr * weight_decay)     (AdamW)
        first moment:   m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        second moment:  v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        amsgrad:        v_t <- max(v_max, v_t)   (kept as v_max; never lets the step grow)
        update:         p <- p - lr * m_hat / (sqrt(v_hat) + eps),
                        m_hat = m_t / (1 - beta1^t),  v_hat = v_t / (1 - beta2^t)

    (computed as p - (lr sqrt(c2) / c1) * m_t / (sqrt(v_t) + eps sqrt(c2)), with c1 = 1 - beta1^t
    and c2 = 1 - beta2^t: the same number, multiplied through by sqrt(c2), so that both bias
    corrections are scalar work instead of array passes).

    m is momentum; sqrt(v) is the typical size of each coordinate's gradient, so dividing by it
    gives every coordinate a step of about `lr` whatever its gradient's scale. m and v start at
    zero, which biases them toward zero early on; dividing by 1 - beta^t removes that bias.

    State per parameter: `step`, `exp_avg` (m), `exp_avg_sq` (v), and `max_exp_avg_sq` with
    amsgrad.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)) or not all(
                isinstance(b, numbers.Real) and not isinstance(b, bool) for b in betas):
            raise TypeError(f"{name}: betas must be a pair of numbers (beta1, beta2) such as "
                            f"(0.9, 0.999), got {type(betas).__name__} {betas!r}")
        check_numbers(name, lr=lr, eps=eps, weight_decay=weight_decay)
        check_option(name, "lr", lr, lr >= 0, "lr >= 0")
        check_option(name, "eps", eps, eps >= 0, "eps >= 0")
        check_option(name, "betas", betas, len(betas) == 2 and all(0 <= b < 1 for b in betas),
                     "two values in [0, 1)")
        check_option(name, "weight_decay", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def update(self, param, grad, state, group):
        xp = self.xp(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = self.zeros_like(param)
            state["exp_avg_sq"] = self.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if group["decoupled_weight_decay"]:
            param.array *= 1 - lr * group["weight_decay"]
            g = self.effective_grad(param, grad, group["maximize"])
        else:
            g = self.effective_grad(param, grad, group["maximize"], group["weight_decay"])
        m, v, work = state["exp_avg"], state["exp_avg_sq"], self.scratch(param, slot=1)
        # EXERCISE ch07.adam: update m and v, then take the bias-corrected Adam step
        m *= beta1
        xp.multiply(g, 1 - beta1, out=work)
        m += work
        v *= beta2
        xp.multiply(g, g, out=work)
        work *= 1 - beta2
        v += work
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        root_c2 = math.sqrt(1 - beta2**t)
        xp.sqrt(v, out=work)
        work += eps * root_c2
        xp.divide(m, work, out=work)
        work *= lr * root_c2 / (1 - beta1**t)
        param.array -= work
        # END EXERCISE


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019): p <- p * (1 - lr * wd)
    before the Adam step, instead of adding wd * p to the gradient.

    Why: in Adam an L2 term added to the gradient is divided by sqrt(v) like the rest of it, so
    coordinates with large gradients are barely regularised. Shrinking the weights directly
    decays every coordinate at the same rate. The update is otherwise `Adam`'s (see there)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
