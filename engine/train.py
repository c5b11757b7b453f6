"""A training loop for the scalar MLP on two moons, as a generator of per-step records.

The loop is micrograd's demo: full batch (every point, every step), the max-margin (hinge)
loss plus a little L2 regularization, and plain SGD whose learning rate decays linearly from
1.0 to 0.1. It yields one `StepRecord` per step and leaves the printing to the caller, so the
same loop drives a test, a tqdm progress bar or a live plot:

    for record in train(model, X, y, steps=100):
        print(record.step, record.loss, record.accuracy)
"""

from typing import NamedTuple


class StepRecord(NamedTuple):
    """What one training step measured (loss and accuracy BEFORE that step's update)."""

    step: int
    loss: float
    accuracy: float


def hinge_loss(model, X, y, alpha=1e-4):
    """The mean max-margin loss of `model` on points X with labels y in {-1, +1}, plus L2.

    loss = mean_i max(0, 1 - y_i * score_i) + alpha * sum_p p**2. A point costs nothing once
    it is on the right side with margin (y * score >= 1); otherwise its cost grows linearly.
    The L2 term keeps the weights small. Returns (loss as a Value, accuracy as a float), the
    accuracy being the fraction of points whose score has the sign of their label.
    """
    scores = [model(x) for x in X]
    margins = [(1 - yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(margins) * (1.0 / len(margins))
    l2 = alpha * sum(p * p for p in model.parameters())
    correct = sum((yi > 0) == (score.data > 0) for yi, score in zip(y, scores))
    return data_loss + l2, correct / len(y)


def train(model, X, y, steps=100, alpha=1e-4):
    """Train `model` on (X, y) by full-batch SGD for `steps` steps, yielding a StepRecord each.

    Step k: compute the loss, zero the gradients (they accumulate otherwise), backpropagate,
    and move every parameter against its gradient with learning rate 1.0 - 0.9 * k / steps.
    """
    for k in range(steps):
        loss, accuracy = hinge_loss(model, X, y, alpha)
        model.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        yield StepRecord(k, loss.data, accuracy)
