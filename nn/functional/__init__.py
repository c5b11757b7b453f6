"""`nn.functional` (import it as F): activations, `linear` and the losses as plain functions,
with torch.nn.functional's names and arguments. The modules of nn/activation.py, nn/loss.py
and nn/layers/ are thin wrappers that store the options and call these.

One file per family (activations.py, linear.py, losses.py, ...); this package re-exports
them all, so `F.relu` and `F.cross_entropy` are found here whichever file they live in.

    import nn.functional as F
    logits = model(images)                            # (N, C) scores
    loss = F.cross_entropy(logits, labels)            # labels: (N,) int64 class indices

Four kinds of code live here, and each docstring says which it is:

- The activations are the tensor engine's fused ops (tensor/ops/activation.py), each one node
  with its derivative written out; F only gives them PyTorch's signatures.
- `linear` is a fused op of its own, one node with a hand-written backward (for speed: it is
  most of every network's work).
- Composite losses (mse, l1, huber, smooth_l1, nll) are a few tensor ops each. They need no
  backward of their own: autograd differentiates the ops they are made of.
- Fused losses (cross_entropy, binary_cross_entropy, binary_cross_entropy_with_logits) are
  single ops with a hand-written backward, like those in tensor/ops, because the composite
  would be numerically fragile: exp overflows, log(0) = -inf, and 0 * inf = nan in the
  gradient.

Every loss takes `reduction`: "none" (one loss per element or sample), "mean" (default) or
"sum". PyTorch's deprecated `size_average` and `reduce` arguments are not supported; the
options after `target` (and `weight`) are keyword-only, so a misplaced positional argument
is an error instead of a silently different loss.
"""

from nn.functional.activations import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    tanh,
)
from nn.functional.attention import multi_head_attention_forward, scaled_dot_product_attention
from nn.functional.convolution import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from nn.functional.dropout import dropout, dropout1d, dropout2d, dropout3d
from nn.functional.embedding import embedding, embedding_bag
from nn.functional.encoding import one_hot
from nn.functional.fold import fold, unfold
from nn.functional.linear import linear
from nn.functional.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from nn.functional.normalization import batch_norm, group_norm, layer_norm, rms_norm
from nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from nn.functional.upsampling import interpolate

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "silu", "gelu", "elu", "softmax", "log_softmax",
    "linear",
    "scaled_dot_product_attention", "multi_head_attention_forward",
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "unfold", "fold",
    "batch_norm", "layer_norm", "group_norm", "rms_norm",
    "dropout", "dropout1d", "dropout2d", "dropout3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "max_unpool1d", "max_unpool2d", "max_unpool3d", "interpolate",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "one_hot",
    "embedding", "embedding_bag",
]
