"""Losses as functions, composite (a few tensor ops, differentiated by autograd) or fused (one
op with a hand-written backward, where the composite would be numerically fragile)."""

import tensor
from nn.functional._checks import _check_tensor, _same_device
from tensor import Tensor
from tensor.dtype import float16, float32, is_floating

# ---- regression losses: composites of tensor ops -------------------------------------------


def mse_loss(input, target, *, reduction="mean"):
    """Mean squared error: (x - y)^2 per element, then reduced. Composite; its gradient
    2 (x - y) (divided by the number of elements for "mean") comes from the ops."""
    _check_pair(input, target, "mse_loss")
    return _reduce((input - target) ** 2, reduction, "mse_loss")


def l1_loss(input, target, *, reduction="mean"):
    """Mean absolute error: |x - y| per element. Composite; gradient sign(x - y)."""
    _check_pair(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction, "l1_loss")


def huber_loss(input, target, *, reduction="mean", delta=1.0):
    """Huber loss: quadratic near the target, linear far from it, so outliers pull with a
    bounded force. With d = x - y:

        0.5 d^2                     if |d| < delta      gradient d
        delta (|d| - 0.5 delta)     otherwise           gradient delta sign(d)

    The two pieces meet with equal value and slope at |d| = delta. Composite (`where` sends
    the gradient through the piece that was chosen)."""
    _check_pair(input, target, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - target
    size = d.abs()
    losses = tensor.where(size < delta, 0.5 * d * d, delta * (size - 0.5 * delta))
    return _reduce(losses, reduction, "huber_loss")


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """Smooth L1: |d| - 0.5 beta far from the target, 0.5 d^2 / beta within beta of it
    (d = x - y). It is huber_loss divided by beta: the linear part has slope 1 whatever beta
    is. beta = 0 gives l1_loss. Composite."""
    _check_pair(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    d = input - target
    size = d.abs()
    losses = tensor.where(size < beta, 0.5 * d * d / beta, size - 0.5 * beta)
    return _reduce(losses, reduction, "smooth_l1_loss")


# ---- classification from log-probabilities: a composite --------------------------------------


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood: -w[y] * input[y] for each sample, where `input` holds
    log-probabilities (from log_softmax) and y is the sample's class index.

    Shapes: input (N, C) and target (N,); or input (N, C, d1, ..., dk) and target
    (N, d1, ..., dk) (a class per pixel, per token, ...); or input (C,) and a 0-d target.
    `weight` (C,) rescales each class; samples whose target is `ignore_index` count for
    nothing. "mean" is the weighted mean, sum_n w[y_n] loss_n / sum_n w[y_n] over the samples
    not ignored (nan if all are ignored), as in PyTorch.

    Composite: `gather` picks each sample's log-probability, and its backward sends the
    gradient back to exactly those entries.
    """
    axis, classes, valid = _class_targets(input, target, "nll_loss", ignore_index,
                                          allow_probabilities=False)
    w = _class_weight(weight, input, "nll_loss")
    index = Tensor(classes.reshape(_per_sample(input.shape, axis)))
    picked = input.gather(axis, index).squeeze(axis)
    sample_weight = _sample_weight(classes, valid, w, input.dtype)
    if sample_weight is None:  # every sample counts once
        return _reduce(-picked, reduction, "nll_loss", divisor=classes.size)
    losses = -picked * Tensor(sample_weight)
    return _reduce(losses, reduction, "nll_loss", divisor=sample_weight.sum().item())


# ---- fused losses: one op each, with its own backward ----------------------------------------


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between the softmax of the scores `input` and the target classes: the
    loss of every classifier. FUSED: log-softmax and the negative log-likelihood in one op.

    Per sample, with p = softmax(x) over the classes and a target distribution q,

        loss = - sum_c q_c w_c log p_c,     log p_c = x_c - m - log sum_j exp(x_j - m),

    with m = max_j x_j, so no exp overflows (logits of 1e4 give finite losses). The target is

    - class indices (an integer tensor, shape `input` without the class dimension): q is the
      one-hot vector of the class; samples equal to `ignore_index` get q = 0;
    - or class probabilities (a float tensor of input's shape): q is that distribution.

    `label_smoothing` = eps mixes q with the uniform distribution, (1 - eps) q + eps / C, so
    the model is not pushed towards infinitely confident scores. `weight` (C,) rescales class
    c by w_c. "mean" divides by sum_n w[y_n] over the samples not ignored (class indices) or
    by the number of samples (probabilities), exactly as PyTorch.

    Shapes: (N, C) scores, (N, C, d1, ..., dk) with a class dimension 1, or unbatched (C,).

    The gradient is why it is fused. With a_c = q_c w_c, d loss / d x_j = p_j sum_c a_c - a_j:
    for a one-hot target without weights, simply softmax(x) - onehot(y), times the incoming
    gradient (divided by N for "mean"). One subtraction, computed from the softmax we already
    have; the composite log(softmax(x)) would divide by probabilities that underflow to 0.
    """
    axis, classes, valid = _class_targets(input, target, "cross_entropy", ignore_index)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    w = _class_weight(weight, input, "cross_entropy")
    xp = input._backend.xp
    num_classes = input.shape[axis]
    along = _along(axis, input.ndim, num_classes)  # the shape that lays a (C,) vector on axis
    if classes is None:  # probabilities: q is the given distribution, and every sample counts
        q = target.array.astype(input.dtype, copy=False)
        counts = 1
        divisor = input.array.size // num_classes
    else:  # q is the one-hot vector of each sample's class; ignored samples count 0
        per_sample = _per_sample(input.shape, axis)
        q = (classes.reshape(per_sample) == xp.arange(num_classes).reshape(along))
        q = q.astype(input.dtype)
        counts = 1
        if valid is not None:
            counts = valid.reshape(per_sample).astype(input.dtype)
            q *= counts
        sample_weight = _sample_weight(classes, valid, w, input.dtype)
        divisor = classes.size if sample_weight is None else sample_weight.sum().item()
    if label_smoothing:
        q = (1 - label_smoothing) * q + (label_smoothing / num_classes) * counts
    a = q if w is None else q * w.array.reshape(along)
    losses = _fused_cross_entropy(input, target if classes is None else None, a, axis, w,
                                  1 - label_smoothing)
    return _reduce(losses, reduction, "cross_entropy", divisor=divisor)


def _fused_cross_entropy(input, target, a, axis, w, target_scale):
    """The per-sample losses -sum_c a_c log softmax(x)_c along `axis`, as one op. `target` is
    the probability target when it may need a gradient (a = scale * target * w + constant).
    float16 is computed in float32 and rounded back, as PyTorch does: a log-probability of
    -131008 (scores of -65504 and 65504) overflows float16, though a smoothed loss is finite."""
    xp = input._backend.xp
    x = input.array
    if x.dtype == float16:
        x = x.astype(float32)
    shifted = x - x.max(axis=axis, keepdims=True)
    log_p = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    # a class with a = 0 adds 0, even if its log p is -inf (a score of -inf masks a class out)
    terms = a * xp.where(a != 0, log_p, 0)
    parents = (input,) if target is None else (input, target)
    out = input._result((-terms.sum(axis=axis)).astype(input.dtype, copy=False), parents,
                        "cross_entropy")

    def backward(grad):
        g = grad.reshape(_per_sample(x.shape, axis))
        if input.requires_grad:
            # EXERCISE ch06.cross_entropy: add g * (softmax(x) * sum_c a_c - a) into input
            input._accumulate(g * (xp.exp(log_p) * a.sum(axis=axis, keepdims=True) - a))
            # END EXERCISE
        if target is not None and target.requires_grad:  # d loss / d q_c = -scale w_c log p_c
            dq = -target_scale * log_p
            if w is not None:
                dq = dq * w.array.reshape(_along(axis, x.ndim, x.shape[axis]))
            target._accumulate(g * dq)

    out._backward = backward
    return out


# PyTorch's binary cross-entropy clamps each log at -100, so that a probability of exactly 0
# or 1 gives a large but finite loss, and guards its gradient's denominator with 1e-12.
_LOG_FLOOR = -100.0
_EPSILON = 1e-12


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """Binary cross-entropy of probabilities x in [0, 1] and targets y in [0, 1]:

        loss = -w (y log x + (1 - y) log(1 - x)),  each log clamped at -100 (as PyTorch),

    gradient w (x - y) / (x (1 - x)) for x (the denominator at least 1e-12), and
    w (log(1 - x) - log x) for y (not clamped, as in PyTorch: +-inf where x is 0 or 1).
    FUSED, because log(0) = -inf: clamping a composite's log would leave 0 * inf = nan in its
    gradient. `weight` broadcasts to the input's shape. Prefer
    binary_cross_entropy_with_logits on scores: it never sees a probability that rounded to
    0 or 1.
    """
    _check_pair(input, target, "binary_cross_entropy")
    xp = input._backend.xp
    x, y = input.array, target.array.astype(input.dtype, copy=False)
    if not bool(((x >= 0) & (x <= 1)).all()):
        raise ValueError(f"binary_cross_entropy: every input must be a probability in [0, 1], "
                         f"got values from {x.min().item():.4g} to {x.max().item():.4g}; apply "
                         "sigmoid first, or use binary_cross_entropy_with_logits on the scores")
    if not bool(((y >= 0) & (y <= 1)).all()):  # outside [0, 1] the loss has no minimum
        raise ValueError(f"binary_cross_entropy: every target must be in [0, 1] (a 0/1 label "
                         f"or a probability), got values from {y.min().item():.4g} to "
                         f"{y.max().item():.4g}")
    w = _elementwise_weight(weight, input, "binary_cross_entropy", "weight")
    log_x, log_1mx = _clamped_log(xp, x), _clamped_log(xp, 1 - x)
    losses = -(y * log_x + (1 - y) * log_1mx)
    if w is not None:
        losses = losses * w
    out = input._result(losses, (input, target), "binary_cross_entropy",
                        saved=(input, target))

    def backward(grad):
        g = grad if w is None else grad * w
        if input.requires_grad:
            input._accumulate(g * (x - y) / xp.maximum(x * (1 - x), _EPSILON))
        if target.requires_grad:
            target._accumulate(g * (xp.log1p(-x) - xp.log(x)))

    out._backward = backward
    return _reduce(out, reduction, "binary_cross_entropy")


def _clamped_log(xp, p):
    """max(log p, -100) for p in [0, 1], without taking log(0)."""
    positive = p > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, p, 1)), _LOG_FLOOR),
                    _LOG_FLOOR)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy on scores (logits) x, with the sigmoid inside: the loss of
    sigmoid(x) against targets y in [0, 1], computed without ever forming sigmoid(x).

    With softplus(-x) = log(1 + e^-x) = -log sigmoid(x), computed as
    log1p(e^-|x|) + max(-x, 0) (no exp of a positive number, so no overflow):

        loss = w ((1 - y) x + l softplus(-x)),   l = 1 + (pos_weight - 1) y,

    which is -w (pos_weight y log sigma(x) + (1 - y) log(1 - sigma(x))). `pos_weight`
    (broadcast along the last dimension, one per class) scales the positive examples: a value
    of (negatives / positives) balances a rare class. FUSED, with the gradient

        d loss / dx = w (l sigma(x) - pos_weight y)      (= w (sigma(x) - y) without pos_weight)
        d loss / dy = w ((pos_weight - 1) softplus(-x) - x)

    where sigma(x) = exp(-softplus(-x)) is read off the forward's softplus.
    """
    _check_pair(input, target, "binary_cross_entropy_with_logits")
    xp = input._backend.xp
    x, y = input.array, target.array.astype(input.dtype, copy=False)
    if x.dtype == float16:  # computed in float32 and rounded back, as PyTorch does: in float16
        x, y = x.astype(float32), y.astype(float32)  # sigmoid(1e-4) - 0.5 would be 0
    w = _elementwise_weight(weight, input, "binary_cross_entropy_with_logits", "weight")
    pw = _elementwise_weight(pos_weight, input, "binary_cross_entropy_with_logits",
                             "pos_weight")
    softplus = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
    scale = 1 if pw is None else 1 + (pw - 1) * y
    losses = (1 - y) * x + scale * softplus
    if w is not None:
        losses = losses * w
    out = input._result(losses.astype(input.dtype, copy=False), (input, target),
                        "binary_cross_entropy_with_logits", saved=(input, target))

    def backward(grad):
        g = grad if w is None else grad * w
        if input.requires_grad:
            positive = y if pw is None else pw * y
            input._accumulate(g * (scale * xp.exp(-softplus) - positive))
        if target.requires_grad:
            dy = -x if pw is None else (pw - 1) * softplus - x
            target._accumulate(g * dy)

    out._backward = backward
    return _reduce(out, reduction, "binary_cross_entropy_with_logits")


# ---- checks and reductions shared by the losses ---------------------------------------------

REDUCTIONS = ("none", "mean", "sum")


def _reduce(losses, reduction, name, divisor=None):
    """Apply `reduction` to a tensor of losses: "none" keeps them, "sum" adds them up, "mean"
    divides the sum by the number of losses, or by `divisor` (a number: a weighted mean's
    total weight, or the number of samples that count).

    The reduced loss's node is named after the loss, as PyTorch names its one backward node
    (`loss.grad_fn` is <MseLossBackward0>, not <MeanBackward0>; l1_loss is PyTorch's
    abs().mean(), so it keeps the reduction's name)."""
    if reduction == "none":
        return losses
    if reduction == "sum":
        out = losses.sum()
    elif reduction == "mean":
        out = losses.mean() if divisor is None else _divided_sum(losses, divisor)
    else:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if name != "l1_loss" and out.requires_grad:
        out.op = name
    return out


def _divided_sum(losses, divisor):
    """sum(losses) / divisor, as one node: its gradient is 1 / divisor for every loss.

    FUSED, for the empty case: when every sample is ignored, the mean is 0 / 0 = nan, as in
    PyTorch, whose gradient is then 0, not 0 * (1 / 0) = nan. (Also one node instead of a sum
    and a division, in every classifier's training step.)
    """
    xp = losses._backend.xp
    scale = 1 / divisor if divisor else 0.0
    wide = float32 if losses.dtype == float16 else None  # float16 summed in float32, as in
    # PyTorch: the mean of losses near 9,000 fits float16, their sum may not
    total = (losses.array.sum(dtype=wide) * scale if divisor
             else xp.full((), xp.nan, losses.dtype))
    out = losses._result(total.astype(losses.dtype, copy=False), (losses,), "mean")

    def backward(grad):
        losses._accumulate(xp.full(losses.shape, scale, losses.dtype) * grad)

    out._backward = backward
    return out



def _check_pair(input, target, name):
    """An elementwise loss compares two tensors of one shape, both floating point."""
    _check_tensor(input, name)
    _check_tensor(target, name, "target")
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input of shape {tuple(input.shape)} and target of shape "
            f"{tuple(target.shape)} must have the same shape (PyTorch would broadcast them, "
            "with a warning, which is almost never what you meant); reshape one, e.g. "
            "target.unsqueeze(1) or input.squeeze(1)")
    for what, value in (("input", input), ("target", target)):
        if not is_floating(value.dtype):
            raise TypeError(f"{name}: {what} must be a floating-point tensor, got dtype "
                            f"{value.dtype}; convert it with .float()")
    _same_device(input, target, name, "target")



def _class_targets(input, target, name, ignore_index, allow_probabilities=True):
    """Check the targets of a classification loss. Returns (axis, classes, valid): the class
    axis (1, or 0 for an unbatched input of shape (C,)); for class indices, the array of
    indices with the ignored ones replaced by class 0 (so they can be used as indices) and
    the mask of the samples that count, or None when every sample counts (the common case,
    found with a min and a max, which spares the losses the masks' work). For probabilities
    (a float target of input's shape) returns (axis, None, None)."""
    _check_tensor(input, name)
    _check_tensor(target, name, "target")
    if input.ndim == 0 or not is_floating(input.dtype):
        raise ValueError(f"{name}: input must be floating-point scores of shape (N, C), "
                         f"(N, C, d1, ...) or (C,), got dtype {input.dtype} and shape "
                         f"{tuple(input.shape)}")
    _same_device(input, target, name, "target")
    axis = 0 if input.ndim == 1 else 1
    num_classes = input.shape[axis]
    sample_shape = tuple(input.shape[:axis] + input.shape[axis + 1:])
    if is_floating(target.dtype):
        if allow_probabilities and target.shape == input.shape:
            if ignore_index >= 0:
                raise ValueError(f"{name}: ignore_index={ignore_index} cannot be used with "
                                 "class-probability targets (a float target of the input's "
                                 "shape)")
            return axis, None, None
        expected = ("class indices of shape " + str(sample_shape)
                    + (f" or class probabilities of shape {tuple(input.shape)}"
                       if allow_probabilities else ""))
        raise TypeError(f"{name}: expected {expected}, got a {target.dtype} target of shape "
                        f"{tuple(target.shape)}; class indices must be an integer tensor, e.g. "
                        "target.long()")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: class indices must be an integer tensor, got dtype "
                        f"{target.dtype}")
    if target.shape != sample_shape:
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} ({num_classes} classes "
                         f"along dim {axis}) expects class indices of shape {sample_shape}, got "
                         f"target of shape {tuple(target.shape)}")
    xp, t = target._backend.xp, target.array
    if t.size == 0:
        return axis, t, None
    low, high = t.min().item(), t.max().item()
    if 0 <= low and high < num_classes and not low <= ignore_index <= high:
        return axis, t, None  # every index is a class, and none is ignore_index
    valid = t != ignore_index
    bad = ((t < 0) | (t >= num_classes)) & valid
    if bool(bad.any()):
        raise IndexError(f"{name}: target {t[bad][0].item()} is out of bounds: class indices "
                         f"must be in [0, {num_classes - 1}] for {num_classes} classes (or "
                         f"equal ignore_index={ignore_index})")
    return axis, xp.where(valid, t, 0), valid


def _sample_weight(classes, valid, w, dtype):
    """Each sample's weight in a classification loss: w[y] (1 without class weights `w`),
    times 0 for ignored samples; None when every sample weighs 1."""
    if w is None:
        return None if valid is None else valid.astype(dtype)
    weights = w.array[classes]
    return weights if valid is None else weights * valid


def _class_weight(weight, input, name):
    """A per-class `weight` (C,), as a tensor of the input's dtype on its device, or None."""
    if weight is None:
        return None
    _check_tensor(weight, name, "weight")
    _same_device(input, weight, name, "weight")
    num_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight.shape != (num_classes,):
        raise ValueError(f"{name}: weight must have one value per class, shape "
                         f"({num_classes},), got shape {tuple(weight.shape)}")
    return weight.detach().to(input.dtype)


def _elementwise_weight(weight, input, name, what):
    """The array of a weight that broadcasts to the input's shape (input's dtype), or None."""
    if weight is None:
        return None
    _check_tensor(weight, name, what)
    _same_device(input, weight, name, what)
    fits = weight.ndim <= input.ndim and all(
        n in (1, m) for n, m in zip(reversed(weight.shape), reversed(input.shape)))
    if not fits:
        raise ValueError(f"{name}: {what} of shape {tuple(weight.shape)} does not broadcast to "
                         f"the input's shape {tuple(input.shape)}")
    return weight.array.astype(input.dtype, copy=False)


def _per_sample(shape, axis):
    """The shape with the class dimension `axis` kept as size 1: one entry per sample, laid
    out to broadcast against the scores (what expand_dims would give, for less)."""
    return shape[:axis] + (1,) + shape[axis + 1:]


def _along(axis, ndim, size):
    """The shape (1, ..., size, ..., 1) that lays a per-class vector along `axis`."""
    return tuple(size if d == axis else 1 for d in range(ndim))
