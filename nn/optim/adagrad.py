"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""

from nn.optim.optimizer import Optimizer, check_numbers, check_option


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011).

    With g_t the gradient at step t = 1, 2, ... (negated if `maximize`, plus
    `weight_decay * p` if set):

        lr_t = lr / (1 + (t - 1) * lr_decay)
        s_t  = s_{t-1} + g_t^2                    s_0 = initial_accumulator_value
        p   <- p - lr_t * g_t / (sqrt(s_t) + eps)

    Coordinates that have seen large gradients take small steps; rarely-updated ones (think
    of the embedding of a rare word) keep large steps. Because s only grows, the step size
    decays for every coordinate, which RMSprop and Adam fix with running means.

    State per parameter: `step`, `sum` (s).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        check_numbers("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                      initial_accumulator_value=initial_accumulator_value, eps=eps)
        check_option("Adagrad", "lr", lr, lr >= 0, "lr >= 0")
        check_option("Adagrad", "lr_decay", lr_decay, lr_decay >= 0, "lr_decay >= 0")
        check_option("Adagrad", "weight_decay", weight_decay, weight_decay >= 0,
                     "weight_decay >= 0")
        check_option("Adagrad", "initial_accumulator_value", initial_accumulator_value,
                     initial_accumulator_value >= 0, "initial_accumulator_value >= 0")
        check_option("Adagrad", "eps", eps, eps >= 0, "eps >= 0")
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def update(self, param, grad, state, group):
        xp = self.xp(param)
        if not state:
            state["step"] = 0
            state["sum"] = self.zeros_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        g = self.effective_grad(param, grad, group["maximize"], group["weight_decay"])
        s, work = state["sum"], self.scratch(param, slot=1)
        xp.multiply(g, g, out=work)
        s += work
        xp.sqrt(s, out=work)
        work += group["eps"]
        xp.divide(g, work, out=work)
        work *= lr_t
        param.array -= work
