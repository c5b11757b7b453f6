"""Benchmark workload `transformer`: a small Transformer encoder classifier, one training step.

nn.TransformerEncoder of 2 layers (d_model 128, 4 heads, feed-forward 512, ReLU, dropout 0,
post-norm, batch_first), on batch 16 of sequences of 64 vectors, mean-pooled over the sequence
into Linear 128->10; cross-entropy, Adam (lr 1e-3). Three contestants train it from the same
initial weights on the same batches:

- `gradschool`: nn.TransformerEncoderLayer / nn.TransformerEncoder and nn.Linear,
  F.cross_entropy, nn.optim.Adam, the way a learner writes it;
- `pytorch`: the same in PyTorch (CPU, or CUDA with device="cuda");
- `numpy`: the floor, the same step by hand in NumPy: per layer one product for q, k and v,
  attention for all heads as batched products, layer norms and the feed-forward block, each
  backward written out, Adam in place.

Most of the time goes into matrix products of moderate size (1024 x 128 x 384, ...) and the
attention's (16 x 4) batched 64 x 64 products; the softmax and layer norms are elementwise.
"""

import sys

import lineup
import numpy as np
from numpy_floor import NumpyAdam, softmax_cross_entropy

DESCRIPTION = ("Transformer encoder 2 layers, d_model 128, 4 heads, feed-forward 512, dropout 0, "
               "sequence 64, batch 16, mean-pooled into Linear 128->10, cross-entropy, Adam")
LAYERS, D_MODEL, HEADS, FEEDFORWARD, SEQUENCE, BATCH, CLASSES = 2, 128, 4, 512, 64, 16, 10
LR = 1e-3
EPS = 1e-5  # the layer norms' epsilon (PyTorch's default)
POOL = 8
TARGET = ("pytorch", 1.2)
LOSS_TOLERANCE = 1e-4
STEPS = {"full": dict(repeats=5, steps_per_repeat=20, warmup=3),
         "quick": dict(repeats=1, steps_per_repeat=3, warmup=1)}
MEMORY_STEPS = {"full": 200, "quick": 5}  # growth is measured after step 100
DEVICES = ("cpu", "cuda")


def batches(count=POOL, seed=0):
    """`count` pairs (inputs (N, L, d) float32 standard normal, labels (N,) int64)."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((BATCH, SEQUENCE, D_MODEL), dtype=np.float32),
             rng.integers(0, CLASSES, BATCH, dtype=np.int64)) for _ in range(count)]


def build(lib):
    """{"encoder": ..., "head": ...}: the network's two parts in `lib` (our nn or torch.nn)."""
    layer = lib.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD, dropout=0.0,
                                        batch_first=True)
    encoder = lib.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
    return lib.ModuleDict({"encoder": encoder, "head": lib.Linear(D_MODEL, CLASSES)})


def loss(F, model, x, y):
    """Cross-entropy of the classes predicted from the encoder's output, mean-pooled."""
    return F.cross_entropy(model["head"](model["encoder"](x).mean(1)), y)


def gradschool_step(device, data):
    return lineup.adam_gradschool_step(sys.modules[__name__], device, data)


def pytorch_step(device, weights, data):
    return lineup.adam_pytorch_step(sys.modules[__name__], device, weights, data)


def layer_norm(x, gamma, beta):
    """(y, x_hat, 1/sigma) over the last axis: x_hat = (x - mean) / sqrt(var + eps)."""
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    inv_sigma = 1 / np.sqrt((centered * centered).mean(axis=-1, keepdims=True) + EPS)
    x_hat = centered * inv_sigma
    return x_hat * gamma + beta, x_hat, inv_sigma


def layer_norm_backward(dy, x_hat, inv_sigma, gamma):
    """(dx, dgamma, dbeta): dx = (1/sigma)(h - mean h - x_hat mean(h x_hat)), h = dy gamma."""
    h = dy * gamma
    dx = h - h.mean(axis=-1, keepdims=True) - x_hat * (h * x_hat).mean(axis=-1, keepdims=True)
    dx *= inv_sigma
    rows = (dy * x_hat).reshape(-1, dy.shape[-1])
    return dx, rows.sum(axis=0), dy.reshape(-1, dy.shape[-1]).sum(axis=0)


class NumpyTransformer:
    """The floor: the same training step by hand in NumPy, float32.

    One post-norm encoder layer, x of shape (N, L, d), h heads of width e = d / h:
        q, k, v = split(x W_in^T + b_in), each viewed as (N, h, L, e)
        p = softmax(q k^T / sqrt(e)) (N, h, L, L);  a = p v, heads joined back to (N, L, d)
        x1 = LayerNorm(x + a W_o^T + b_o);  x2 = LayerNorm(x1 + relu(x1 W_1^T + b_1) W_2^T + b_2)
    Backward, layer by layer from the top: the layer norms as in layer_norm_backward; the
    feed-forward block as two linear layers; the attention's
        dv = p^T da,  dp = da v^T,  ds = p (dp - sum_j dp p) / sqrt(e),  dq = ds k,  dk = ds^T q.
    """

    def __init__(self, weights, lr=LR):
        self.names = [name for name in weights]
        self.params = [weights[name].copy() for name in self.names]
        self.p = dict(zip(self.names, self.params))
        self.optimizer = NumpyAdam(self.params, lr)

    def layer_forward(self, i, x):
        p = self.p
        prefix = f"encoder.layers.{i}."
        n, length, d = x.shape
        e = d // HEADS
        qkv = x @ p[prefix + "self_attn.in_proj_weight"].T
        qkv += p[prefix + "self_attn.in_proj_bias"]
        qkv = qkv.reshape(n, length, 3, HEADS, e).transpose(2, 0, 3, 1, 4)  # (3, N, h, L, e)
        q, k, v = qkv
        scores = q @ k.transpose(0, 1, 3, 2)
        scores *= 1 / np.sqrt(e)
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores, out=scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        heads = (probs @ v).transpose(0, 2, 1, 3).reshape(n, length, d)
        attended = heads @ p[prefix + "self_attn.out_proj.weight"].T
        attended += p[prefix + "self_attn.out_proj.bias"]
        attended += x
        x1, x1_hat, inv1 = layer_norm(attended, p[prefix + "norm1.weight"],
                                      p[prefix + "norm1.bias"])
        hidden = x1 @ p[prefix + "linear1.weight"].T
        hidden += p[prefix + "linear1.bias"]
        np.maximum(hidden, 0, out=hidden)
        out = hidden @ p[prefix + "linear2.weight"].T
        out += p[prefix + "linear2.bias"]
        out += x1
        x2, x2_hat, inv2 = layer_norm(out, p[prefix + "norm2.weight"], p[prefix + "norm2.bias"])
        return x2, (x, q, k, v, probs, heads, x1, x1_hat, inv1, hidden, x2_hat, inv2)

    def layer_backward(self, i, dx2, saved, grads):
        p = self.p
        prefix = f"encoder.layers.{i}."
        x, q, k, v, probs, heads, x1, x1_hat, inv1, hidden, x2_hat, inv2 = saved
        n, length, d = x.shape
        e = d // HEADS
        dout, grads[prefix + "norm2.weight"], grads[prefix + "norm2.bias"] = (
            layer_norm_backward(dx2, x2_hat, inv2, p[prefix + "norm2.weight"]))
        rows = dout.reshape(-1, d)
        grads[prefix + "linear2.weight"] = rows.T @ hidden.reshape(-1, FEEDFORWARD)
        grads[prefix + "linear2.bias"] = rows.sum(axis=0)
        dhidden = dout @ p[prefix + "linear2.weight"]
        dhidden *= hidden > 0
        rows = dhidden.reshape(-1, FEEDFORWARD)
        grads[prefix + "linear1.weight"] = rows.T @ x1.reshape(-1, d)
        grads[prefix + "linear1.bias"] = rows.sum(axis=0)
        dx1 = dhidden @ p[prefix + "linear1.weight"]
        dx1 += dout
        dattended, grads[prefix + "norm1.weight"], grads[prefix + "norm1.bias"] = (
            layer_norm_backward(dx1, x1_hat, inv1, p[prefix + "norm1.weight"]))
        rows = dattended.reshape(-1, d)
        grads[prefix + "self_attn.out_proj.weight"] = rows.T @ heads.reshape(-1, d)
        grads[prefix + "self_attn.out_proj.bias"] = rows.sum(axis=0)
        dheads = (dattended @ p[prefix + "self_attn.out_proj.weight"])
        dheads = dheads.reshape(n, length, HEADS, e).transpose(0, 2, 1, 3)  # (N, h, L, e)
        dv = probs.transpose(0, 1, 3, 2) @ dheads
        dp = dheads @ v.transpose(0, 1, 3, 2)
        dp -= (dp * probs).sum(axis=-1, keepdims=True)
        dp *= probs
        dp *= 1 / np.sqrt(e)
        dq = dp @ k
        dk = dp.transpose(0, 1, 3, 2) @ q
        dqkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(-1, 3 * d)
        grads[prefix + "self_attn.in_proj_weight"] = dqkv.T @ x.reshape(-1, d)
        grads[prefix + "self_attn.in_proj_bias"] = dqkv.sum(axis=0)
        dx = (dqkv @ p[prefix + "self_attn.in_proj_weight"]).reshape(x.shape)
        dx += dattended
        return dx

    def step(self, x, y):
        saved = []
        for i in range(LAYERS):
            x, cache = self.layer_forward(i, x)
            saved.append(cache)
        pooled = x.mean(axis=1)
        logits = pooled @ self.p["head.weight"].T
        logits += self.p["head.bias"]
        loss, dlogits = softmax_cross_entropy(logits, y)
        grads = {"head.weight": dlogits.T @ pooled, "head.bias": dlogits.sum(axis=0)}
        dx = np.broadcast_to((dlogits @ self.p["head.weight"])[:, None, :] / SEQUENCE, x.shape)
        for i in reversed(range(LAYERS)):
            dx = self.layer_backward(i, dx, saved[i], grads)
        self.optimizer.step([grads[name] for name in self.names])
        return loss


def numpy_step(weights, data):
    model = NumpyTransformer(weights)

    def step(k):
        return model.step(*data[k % len(data)])

    return step


def contestants(device="cpu", data="auto", include=("gradschool", "pytorch", "numpy")):
    """(steps, synchronize, data description) of this workload's contestants (lineup.assemble);
    `data` is accepted for the common interface: the inputs are random vectors."""
    steps, synchronize = lineup.assemble(sys.modules[__name__], device, include, batches())
    return steps, synchronize, "random vectors"
