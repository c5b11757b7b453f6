"""A character-level LSTM language model on the fortunes quotations, and PyTorch's twin.

    python examples/char_lstm.py [--steps 1000] [--block 64] [--batch-size 32] [--lr 3e-3]
                                 [--seed 0] [--no-torch]

Embedding (87 characters -> 64), an LSTM of width 256, and a linear read-out to the
next character's 87 scores, at every position of a 64-character window. Trained with AdamW,
gradient clipping and a cosine learning rate (examples/char_model.py); the script prints the
baselines, a sample before and after training, and the validation loss every 200 steps for
Grad School and for PyTorch's twin (same initial weights, same batches).

The model is written once against PyTorch's names (`lib` is `gradschool` or `torch`).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared char_model.py

from char_model import CharText, arguments, run  # noqa: E402

VOCABULARY = 87  # distinct characters of the fortunes text (CharText().vocabulary)


def build(lib, vocabulary=VOCABULARY, embedding=64, hidden=256, layers=1):
    """The network in `lib` (`gradschool` or `torch`): ids (N, T) -> logits (N, T, V)."""

    class CharLSTM(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = lib.nn.Embedding(vocabulary, embedding)
            self.lstm = lib.nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True)
            self.head = lib.nn.Linear(hidden, vocabulary)

        def forward(self, ids):
            states, _ = self.lstm(self.embedding(ids))
            return self.head(states)

    return CharLSTM()


def main(argv=None):
    args = arguments(__doc__.splitlines()[0], steps=1000, block=64, batch=32,
                     lr=3e-3).parse_args(argv)
    assert len(CharText().vocabulary) == VOCABULARY
    return run(args, build, "character LSTM")


if __name__ == "__main__":
    main()
