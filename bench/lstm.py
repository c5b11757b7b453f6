"""Benchmark workload `lstm`: a character-level LSTM language model, one training step.

Embedding 65->64, LSTM 64->128 (one layer), Linear 128->65 at every position; sequences of 32
characters, batch 32, time-major (T, N) as PyTorch's default; cross-entropy over all 32 x 32
predictions, Adam (lr 2e-3). Three contestants train it from the same initial weights on the
same batches:

- `gradschool`: nn.Embedding, nn.LSTM and nn.Linear, F.cross_entropy, nn.optim.Adam, the way a
  learner writes it;
- `pytorch`: the same in PyTorch (CPU, or CUDA with device="cuda");
- `numpy`: the floor, the same step by hand in NumPy: the input projection of all 32 steps as
  one matrix product, then per step one (N, 128) @ (128, 512) product for the four gates,
  backprop through time written out, the weight gradients of the recurrence as one product
  over all steps, the embedding's gradient as one scatter-add, Adam in place.

Here the work is 32 small sequential matrix products forward and 32 backward: per-step
overhead (Python, small-array dispatch) matters as much as the arithmetic.
"""

import sys

import lineup
import numpy as np
from numpy_floor import NumpyAdam, softmax_cross_entropy

DESCRIPTION = ("LSTM language model: Embedding 65->64, LSTM 64->128, Linear 128->65, "
               "sequence 32, batch 32, cross-entropy at every position, Adam (lr 2e-3)")
VOCAB, EMBED, HIDDEN, SEQUENCE, BATCH = 65, 64, 128, 32, 32
LR = 2e-3
POOL = 8  # batches cycled through by the steps
TARGET = ("pytorch", 1.2)  # Grad School's time per step at most 1.2x PyTorch's (1 thread)
LOSS_TOLERANCE = 1e-4
STEPS = {"full": dict(repeats=5, steps_per_repeat=40, warmup=5),
         "quick": dict(repeats=1, steps_per_repeat=5, warmup=1)}
MEMORY_STEPS = {"full": 300, "quick": 10}
DEVICES = ("cpu", "cuda")


def batches(count=POOL, seed=0):
    """`count` pairs (inputs, targets) of int64 arrays (T, N): random characters, the targets
    being the inputs shifted by one step (as in next-character prediction)."""
    rng = np.random.default_rng(seed)
    streams = rng.integers(0, VOCAB, size=(count, SEQUENCE + 1, BATCH), dtype=np.int64)
    return [(s[:-1], s[1:]) for s in streams]


def build(lib):
    """The network in `lib` (our nn or torch.nn): its three parts in a ModuleDict."""
    return lib.ModuleDict({"embedding": lib.Embedding(VOCAB, EMBED),
                           "lstm": lib.LSTM(EMBED, HIDDEN), "head": lib.Linear(HIDDEN, VOCAB)})


def loss(F, model, ids, targets):
    """Cross-entropy of the next-character scores at every position of ids (T, N)."""
    hidden, _ = model["lstm"](model["embedding"](ids))
    return F.cross_entropy(model["head"](hidden).reshape(-1, VOCAB), targets.reshape(-1))


def gradschool_step(device, data):
    return lineup.adam_gradschool_step(sys.modules[__name__], device, data)


def pytorch_step(device, weights, data):
    return lineup.adam_pytorch_step(sys.modules[__name__], device, weights, data)


def sigmoid(z):
    """1 / (1 + e^-z) in place, written with tanh (one pass, no overflow): (1 + tanh(z/2)) / 2."""
    z *= 0.5
    np.tanh(z, out=z)
    z += 1
    z *= 0.5
    return z


class NumpyCharLSTM:
    """The floor: the same training step by hand in NumPy, float32.

    Forward, with gates in PyTorch's order i, f, g, o (each H wide):
        X = E[ids] (T, N, D);  P = X W_ih^T + (b_ih + b_hh)   (all steps in one product)
        a_t = P_t + h_{t-1} W_hh^T;  i, f, o = sigmoid(a), g = tanh(a)
        c_t = f c_{t-1} + i g;  h_t = o tanh(c_t);  logits = h W^T + b.
    Backward through time, from dL/dh_t = (dL/dlogits W)_t + dh carried from step t + 1:
        do = dh tanh(c_t);  dc = dh o (1 - tanh^2 c_t) + dc carried;  di = dc g;  dg = dc i;
        df = dc c_{t-1};  dc carried = dc f;  da = (di i(1-i), df f(1-f), dg (1-g^2), do o(1-o));
        dh carried = da W_hh.
    After the loop, the weight gradients as products over all steps at once:
        dW_hh = da^T [h_0 .. h_{T-1}], dW_ih = da^T X, db = sum da, dX = da W_ih, dE = scatter-add.
    """

    def __init__(self, weights, lr=LR):
        names = ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                 "lstm.bias_ih_l0", "lstm.bias_hh_l0", "head.weight", "head.bias"]
        self.params = [weights[name].copy() for name in names]
        self.optimizer = NumpyAdam(self.params, lr)

    def step(self, ids, targets):
        emb, w_ih, w_hh, b_ih, b_hh, w_out, b_out = self.params
        steps, n = ids.shape
        h = HIDDEN
        x = emb[ids]  # (T, N, D)
        pre = x.reshape(steps * n, -1) @ w_ih.T
        pre += b_ih
        pre += b_hh
        acts = pre.reshape(steps, n, 4 * h)  # becomes the activated gates, step by step
        hs = np.zeros((steps + 1, n, h), np.float32)  # h_0 = 0, h_1 .. h_T
        cs = np.zeros((steps + 1, n, h), np.float32)
        tanh_c = np.empty((steps, n, h), np.float32)
        for t in range(steps):
            a = acts[t]
            a += hs[t] @ w_hh.T
            sigmoid(a[:, :2 * h])
            np.tanh(a[:, 2 * h:3 * h], out=a[:, 2 * h:3 * h])
            sigmoid(a[:, 3 * h:])
            i, f, g, o = a[:, :h], a[:, h:2 * h], a[:, 2 * h:3 * h], a[:, 3 * h:]
            np.multiply(f, cs[t], out=cs[t + 1])
            cs[t + 1] += i * g
            np.tanh(cs[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=hs[t + 1])
        top = hs[1:].reshape(steps * n, h)
        logits = top @ w_out.T
        logits += b_out
        loss, dlogits = softmax_cross_entropy(logits, targets.reshape(-1))
        dw_out, db_out = dlogits.T @ top, dlogits.sum(axis=0)
        dh_all = (dlogits @ w_out).reshape(steps, n, h)
        da = np.empty_like(acts)
        dh, dc = np.zeros((n, h), np.float32), np.zeros((n, h), np.float32)
        for t in reversed(range(steps)):
            a = acts[t]
            i, f, g, o = a[:, :h], a[:, h:2 * h], a[:, 2 * h:3 * h], a[:, 3 * h:]
            dh += dh_all[t]
            dc += dh * o * (1 - tanh_c[t] ** 2)
            d = da[t]
            np.multiply(dh * tanh_c[t], o * (1 - o), out=d[:, 3 * h:])
            np.multiply(dc * g, i * (1 - i), out=d[:, :h])
            np.multiply(dc * cs[t], f * (1 - f), out=d[:, h:2 * h])
            np.multiply(dc * i, 1 - g * g, out=d[:, 2 * h:3 * h])
            dc *= f
            dh = d @ w_hh
        da = da.reshape(steps * n, 4 * h)
        dw_hh = da.T @ hs[:-1].reshape(steps * n, h)
        dw_ih = da.T @ x.reshape(steps * n, -1)
        db = da.sum(axis=0)
        demb = np.zeros_like(emb)
        np.add.at(demb, ids.reshape(-1), da @ w_ih)
        self.optimizer.step([demb, dw_ih, dw_hh, db, db, dw_out, db_out])
        return loss


def numpy_step(weights, data):
    model = NumpyCharLSTM(weights)

    def step(k):
        return model.step(*data[k % len(data)])

    return step


def contestants(device="cpu", data="auto", include=("gradschool", "pytorch", "numpy")):
    """(steps, synchronize, data description) of this workload's contestants: PyTorch only
    when it is installed, the NumPy floor only on the CPU; `data` is accepted for the common
    interface (the characters are random: the step's cost does not depend on them)."""
    pairs = batches()
    steps, synchronize = lineup.assemble(sys.modules[__name__], device, include, pairs)
    return steps, synchronize, "random characters"
