"""A worked example of writing your own optimizer: sign-SGD with momentum ("Signum").

Everything an optimizer needs besides its update rule (parameter groups, per-parameter state,
`zero_grad`, `state_dict`, the loop over parameters in `step`) comes from `Optimizer`. A new
optimizer is therefore three decisions:

1. its options, passed to `Optimizer.__init__` as `defaults` (each group may override them);
2. its state, created in `update` the first time a parameter is seen (`state` starts empty);
3. its update rule, written in place on the arrays `param.array`, `grad` and the state, with
   the parameter's array module `self.xp(param)` so it runs on NumPy and CuPy alike.

The rule here (Bernstein et al., 2018) keeps a momentum m of the gradients and moves every
coordinate by exactly `lr` in the direction of -sign(m):

    m_t = beta * m_{t-1} + (1 - beta) * g_t
    p  <- p - lr * sign(m_t)

Only the sign of each coordinate's gradient matters, so the step is immune to the gradient's
scale (one reason sign methods are used to compress gradients in distributed training).
"""

from nn.optim.optimizer import Optimizer, check_option


class SignSGD(Optimizer):
    """Sign-SGD with momentum: p <- p - lr * sign(m), m a running mean of the gradients."""

    def __init__(self, params, lr=1e-3, momentum=0.9):
        # 1. options: validated, then handed to the base class as defaults
        check_option("SignSGD", "lr", lr, lr >= 0, "lr >= 0")
        check_option("SignSGD", "momentum", momentum, 0 <= momentum < 1, "0 <= momentum < 1")
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def update(self, param, grad, state, group):
        xp = self.xp(param)
        # 2. state: created on first use, on the parameter's device
        if not state:
            state["momentum_buffer"] = self.zeros_like(param)
        m = state["momentum_buffer"]
        # 3. the rule, in place: no new arrays, no autograd graph
        beta = group["momentum"]
        work = self.scratch(param)
        m *= beta
        xp.multiply(grad, 1 - beta, out=work)
        m += work
        xp.sign(m, out=work)
        work *= group["lr"]
        param.array -= work
