"""Adadelta: Adagrad's idea with running means, and step sizes in the parameters' own units."""

from nn.optim.optimizer import Optimizer, check_numbers, check_option


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012).

    With g_t the gradient (negated if `maximize`, plus `weight_decay * p` if set):

        v_t     = rho * v_{t-1} + (1 - rho) * g_t^2                running mean of g^2
        delta_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t      the step
        u_t     = rho * u_{t-1} + (1 - rho) * delta_t^2            running mean of step^2
        p      <- p - lr * delta_t

    The ratio sqrt(mean step^2) / sqrt(mean g^2) has the units of the parameter divided by the
    gradient (like the inverse of a curvature), so the step comes out in the parameter's own
    units and `lr` = 1.0 works without tuning.

    State per parameter: `step`, `square_avg` (v), `acc_delta` (u).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        check_numbers("Adadelta", lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        check_option("Adadelta", "lr", lr, lr >= 0, "lr >= 0")
        check_option("Adadelta", "rho", rho, 0 <= rho <= 1, "0 <= rho <= 1")
        check_option("Adadelta", "eps", eps, eps >= 0, "eps >= 0")
        check_option("Adadelta", "weight_decay", weight_decay, weight_decay >= 0,
                     "weight_decay >= 0")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def update(self, param, grad, state, group):
        xp = self.xp(param)
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = self.zeros_like(param)
            state["acc_delta"] = self.zeros_like(param)
        state["step"] += 1
        g = self.effective_grad(param, grad, group["maximize"], group["weight_decay"])
        v, u = state["square_avg"], state["acc_delta"]
        work, delta = self.scratch(param, slot=1), self.scratch(param, slot=2)
        v *= rho
        xp.multiply(g, g, out=work)
        work *= 1 - rho
        v += work
        xp.add(v, eps, out=work)
        xp.sqrt(work, out=work)  # sqrt(v_t + eps)
        xp.add(u, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta /= work
        delta *= g  # delta_t
        u *= rho
        xp.multiply(delta, delta, out=work)
        work *= 1 - rho
        u += work
        delta *= group["lr"]
        param.array -= delta
