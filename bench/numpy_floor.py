"""What the by-hand NumPy floors (mlp, cnn, lstm, transformer) share: the softmax cross-entropy
with its gradient, and Adam in place, so every floor pays the same, minimal, price for them."""

import numpy as np


class NumpyAdam:
    """p <- p - lr m_hat / (sqrt(v_hat) + eps) for each array p of `params`, in place, with one
    work array per parameter and no temporaries (PyTorch's Adam, default betas and eps)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.work = [np.empty_like(p) for p in params]
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.t = 0

    def step(self, grads):
        self.t += 1
        for p, g, m, v, work in zip(self.params, grads, self.m, self.v, self.work):
            self.update(p, g, m, v, work)

    def update(self, p, g, m, v, work):
        beta1, beta2, t = self.beta1, self.beta2, self.t
        m *= beta1
        np.multiply(g, 1 - beta1, out=work)
        m += work
        v *= beta2
        np.multiply(g, g, out=work)
        work *= 1 - beta2
        v += work
        bias2 = (1 - beta2**t) ** 0.5
        np.sqrt(v, out=work)
        work += self.eps * bias2
        np.divide(m, work, out=work)
        work *= self.lr * bias2 / (1 - beta1**t)
        p -= work


def softmax_cross_entropy(logits, labels):
    """(mean cross-entropy of `logits` (N, C) against int `labels` (N,), dL/dlogits).

    With s = logits - max (for stability), L = mean_n (log sum_c e^{s_nc} - s_n,y_n), and its
    gradient is the fused (softmax(s) - onehot(y)) / N, computed in the exp array's memory.
    """
    rows = np.arange(len(labels))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.log(total[:, 0]).mean() - shifted[rows, labels].mean())
    exp /= total
    exp[rows, labels] -= 1
    exp /= len(labels)
    return loss, exp
