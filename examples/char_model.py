"""What the character-level language models (char_lstm.py, char_gpt.py) share: the text, the
batches, the baselines, the training loop, sampling, and training a PyTorch twin beside ours.

Everything here is written against PyTorch's names, for a library `lib` that is either
`gradschool` (Grad School's front door) or `torch`: the same code trains both, which is how
the examples show that the two follow the same loss curve from the same weights.

The text is Debian's `fortunes` quotations (nn/data/text.py), about 310,000 characters of 87
distinct ones; the last 10% is held out for validation. A model reads windows of `block`
characters (input ids[i : i + block], target ids[i + 1 : i + block + 1]) and is scored by the
mean cross-entropy of its next-character predictions, in nats. Two baselines put the number
in context: the uniform guess, log 87 = 4.47 nats, and the bigram model (the next character's
frequencies given the current one, counted on the training text): 2.58 nats.
"""

import argparse
import math
import time

import numpy as np

import nn.data
from visualize.progress import progress


class CharText:
    """The corpus as ids: `vocabulary`, `train` and `validation` (int64 arrays)."""

    def __init__(self, validation_fraction=0.1):
        text = nn.data.load_fortunes()
        self.vocabulary = nn.data.CharVocabulary(text)
        ids = self.vocabulary.encode(text)
        split = int(len(ids) * (1 - validation_fraction))
        self.train, self.validation = ids[:split], ids[split:]

    def batches(self, block, batch, seed, ids=None):
        """Endless random windows of `ids` (default: the training ids) as NumPy pairs
        (inputs, targets) of shape (batch, block); the seed fixes every batch."""
        ids = self.train if ids is None else ids
        rng = np.random.default_rng(seed)
        offsets = np.arange(block + 1)
        while True:
            starts = rng.integers(0, len(ids) - block - 1, size=batch)
            windows = ids[starts[:, None] + offsets]
            yield windows[:, :-1], windows[:, 1:]

    def bigram_loss(self):
        """Validation cross-entropy (nats) of the bigram model counted on the training text,
        with add-one smoothing: p(b | a) = (count(a b) + 1) / (count(a) + V)."""
        v = len(self.vocabulary)
        counts = np.ones((v, v))
        np.add.at(counts, (self.train[:-1], self.train[1:]), 1)
        log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
        return float(-log_p[self.validation[:-1], self.validation[1:]].mean())


def validation_loss(lib, model, text, block, batch=32, n_batches=8):
    """Mean cross-entropy on the same `n_batches` validation windows every time (seed 0)."""
    model.eval()
    losses = []
    with lib.no_grad():
        windows = text.batches(block, batch, seed=0, ids=text.validation)
        for _, (x, y) in zip(range(n_batches), windows):
            logits = model(lib.from_numpy(x))
            losses.append(lib.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), lib.from_numpy(y).reshape(-1)).item())
    model.train()
    return float(np.mean(losses))


def train(lib, model, text, steps, block, batch, lr, seed, clip=1.0, evaluate_every=None,
          description="train"):
    """AdamW with gradient clipping at norm `clip`; returns {"train": loss per step,
    "validation": [(step, loss)], "seconds": ...}. Batches come from `text.batches(seed)`, so
    two calls with the same seed see the same batches."""
    optimizer = lib.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=lr / 10)
    history = {"train": [], "validation": []}
    evaluate_every = evaluate_every or steps
    batches = text.batches(block, batch, seed)
    start = time.perf_counter()
    bar = progress(range(1, steps + 1), desc=description, mininterval=1.0)
    for step in bar:
        x, y = next(batches)
        logits = model(lib.from_numpy(x))
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                               lib.from_numpy(y).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        schedule.step()
        history["train"].append(loss.item())
        if step % evaluate_every == 0:
            history["validation"].append((step, validation_loss(lib, model, text, block)))
            bar.set_postfix(loss=f"{history['train'][-1]:.3f}",
                            validation=f"{history['validation'][-1][1]:.3f}")
    history["seconds"] = time.perf_counter() - start
    return history


def sample(lib, model, text, prompt, length, block, temperature=0.8, seed=0):
    """`prompt` continued by `length` characters drawn one at a time from the model's
    predicted distribution (softmax(logits / temperature)), each fed back as input; the
    model sees the last `block` characters. NumPy draws the characters, so two models that
    predict the same probabilities write the same text."""
    rng = np.random.default_rng(seed)
    ids = list(text.vocabulary.encode(prompt))
    model.eval()
    with lib.no_grad():
        for _ in range(length):
            context = lib.from_numpy(np.array([ids[-block:]]))
            logits = model(context)[0, -1] / temperature
            p = lib.nn.functional.softmax(logits.double(), dim=-1).numpy()
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    model.train()
    return text.vocabulary.decode(ids)


def twin_of(model, torch, build):
    """PyTorch's copy of `model`: build(torch) loaded with our weights (the same keys)."""
    twin = build(torch)
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    return twin


def arguments(description, steps, block, batch, lr):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--block", type=int, default=block, help="characters per window")
    parser.add_argument("--batch-size", type=int, default=batch)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-torch", dest="torch", action="store_false",
                        help="train only Grad School's model (default: PyTorch's twin too, "
                             "when PyTorch is installed)")
    return parser


def run(args, build, name):
    """The example: baselines, a sample before training, training (and PyTorch's twin from the
    same weights on the same batches), validation losses side by side, a sample after."""
    import gradschool

    text = CharText()
    gradschool.manual_seed(args.seed)
    model = build(gradschool)
    n_parameters = sum(p.numel() for p in model.parameters())
    print(f"{name}: {n_parameters:,} parameters; {len(text.train):,} training characters, "
          f"{len(text.vocabulary)} distinct\nbaselines (validation, nats): uniform "
          f"{math.log(len(text.vocabulary)):.3f}, bigram {text.bigram_loss():.3f}")
    torch = None
    if args.torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: training Grad School's model only")
    twin = twin_of(model, torch, build) if torch is not None else None
    prompt = "The "
    print("before training:", repr(sample(gradschool, model, text, prompt, 80, args.block)))
    every = max(1, args.steps // 5)
    ours = train(gradschool, model, text, args.steps, args.block, args.batch_size, args.lr,
                 args.seed, evaluate_every=every, description="grad school")
    if twin is not None:
        theirs = train(torch, twin, text, args.steps, args.block, args.batch_size, args.lr,
                       args.seed, evaluate_every=every, description="pytorch")
    lines = []
    for i, (step, loss) in enumerate(ours["validation"]):
        line = f"step {step:5d}  validation loss: grad school {loss:.4f}"
        if twin is not None:
            line += f", pytorch {theirs['validation'][i][1]:.4f}"
        lines.append(line)
    timing = f"grad school {ours['seconds']:.0f} s"
    if twin is not None:
        timing += f", pytorch {theirs['seconds']:.0f} s"
    print("\n".join(lines) + f"\ntraining time: {timing}")
    print("after training:", repr(sample(gradschool, model, text, prompt, 200, args.block)))
    return ours
