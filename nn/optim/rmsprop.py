"""RMSprop: divide each coordinate's gradient by a running root-mean-square of its history."""

from nn.optim.optimizer import Optimizer, check_numbers, check_option


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012).

    With g_t the gradient (negated if `maximize`, plus `weight_decay * p` if set):

        v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2           running mean of g^2
        centered:  a_t = alpha * a_{t-1} + (1 - alpha) * g_t  running mean of g
                   s_t = sqrt(v_t - a_t^2) + eps              (a running standard deviation)
        otherwise: s_t = sqrt(v_t) + eps                      (a running RMS)
        momentum:  b_t = momentum * b_{t-1} + g_t / s_t,   p <- p - lr * b_t
        otherwise: p <- p - lr * g_t / s_t

    Dividing by s_t gives coordinates with large, noisy gradients smaller steps and those with
    small gradients larger ones. Unlike Adagrad's sum, the running mean forgets old gradients,
    so the step size does not shrink to zero.

    State per parameter: `step`, `square_avg` (v), `momentum_buffer` (b, with momentum) and
    `grad_avg` (a, when centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        check_numbers("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                      momentum=momentum)
        check_option("RMSprop", "lr", lr, lr >= 0, "lr >= 0")
        check_option("RMSprop", "alpha", alpha, 0 <= alpha <= 1, "0 <= alpha <= 1")
        check_option("RMSprop", "eps", eps, eps >= 0, "eps >= 0")
        check_option("RMSprop", "momentum", momentum, momentum >= 0, "momentum >= 0")
        check_option("RMSprop", "weight_decay", weight_decay, weight_decay >= 0,
                     "weight_decay >= 0")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def update(self, param, grad, state, group):
        xp = self.xp(param)
        alpha = group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = self.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = self.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = self.zeros_like(param)
        state["step"] += 1
        g = self.effective_grad(param, grad, group["maximize"], group["weight_decay"])
        v, work = state["square_avg"], self.scratch(param, slot=1)
        v *= alpha
        xp.multiply(g, g, out=work)
        work *= 1 - alpha
        v += work
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            xp.multiply(g, 1 - alpha, out=work)
            a += work
            xp.multiply(a, a, out=work)
            xp.subtract(v, work, out=work)
            xp.sqrt(work, out=work)
        else:
            xp.sqrt(v, out=work)
        work += group["eps"]
        xp.divide(g, work, out=work)  # g_t / s_t
        if group["momentum"] > 0:
            b = state["momentum_buffer"]
            b *= group["momentum"]
            b += work
            xp.multiply(b, group["lr"], out=work)
        else:
            work *= group["lr"]
        param.array -= work
