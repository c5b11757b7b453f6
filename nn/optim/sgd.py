"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from nn.optim.optimizer import Optimizer, check_numbers, check_option


class SGD(Optimizer):
    r"""Stochastic gradient descent.

    With g_t the gradient at step t (negated if `maximize`; plus `weight_decay * p` when
    weight decay is on), mu the momentum and tau the dampening:

        without momentum:   p <- p - lr * g_t
        with momentum:      b_1 = g_1,   b_t = mu * b_{t-1} + (1 - tau) * g_t
                            d_t = b_t                   (heavy ball)
                            d_t = g_t + mu * b_t        (nesterov=True: look ahead)
                            p <- p - lr * d_t

    Momentum averages recent gradients, so steps build up speed along directions where the
    gradient is consistent and cancel out where it oscillates. Nesterov's variant evaluates the
    step "one momentum step ahead", which damps the overshoot.

    State per parameter: `momentum_buffer` (b_t), only when momentum != 0.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        check_numbers("SGD", lr=lr, momentum=momentum, dampening=dampening,
                      weight_decay=weight_decay)
        check_option("SGD", "lr", lr, lr >= 0, "lr >= 0")
        check_option("SGD", "momentum", momentum, momentum >= 0, "momentum >= 0")
        check_option("SGD", "weight_decay", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        check_option("SGD", "nesterov", nesterov, not nesterov or (momentum > 0 and dampening == 0),
                     "momentum > 0 and dampening = 0 for Nesterov momentum")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def update(self, param, grad, state, group):
        xp = self.xp(param)
        lr, momentum = group["lr"], group["momentum"]
        # EXERCISE ch07.sgd: direction d_t (momentum, Nesterov), then p -= lr * d_t
        g = self.effective_grad(param, grad, group["maximize"], group["weight_decay"])
        step = self.scratch(param, slot=1)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # b_1 = g_1: no dampening on the first step
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                if group["dampening"] == 0:
                    buf += g
                else:
                    xp.multiply(g, 1 - group["dampening"], out=step)
                    buf += step
            if group["nesterov"]:
                xp.multiply(buf, momentum, out=step)
                xp.add(step, g, out=step)
                g = step
            else:
                g = buf
        xp.multiply(g, lr, out=step)
        param.array -= step
        # END EXERCISE
