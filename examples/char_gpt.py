"""A small GPT: a decoder-only character-level Transformer on the fortunes quotations, and
PyTorch's twin.

    python examples/char_gpt.py [--steps 1000] [--block 64] [--batch-size 32] [--lr 2e-3]
                                [--seed 0] [--no-torch]

Each position's character and its place in the window are embedded (two Embedding tables,
added), then 3 Transformer blocks of width 96, each causal multi-head self-attention (4 heads) and a
feed-forward layer (GELU), pre-norm with residual connections; a final LayerNorm and a linear
read-out give the next character's 87 scores at every position. A block is
nn.TransformerEncoderLayer with the causal mask (position t attends to positions <= t only),
which is exactly a GPT block. Trained with AdamW, gradient clipping and a cosine learning rate
(examples/char_model.py); the script prints the baselines, a sample before and after training,
and the validation loss every 200 steps for Grad School and for PyTorch's twin (same initial
weights, same batches).

The model is written once against PyTorch's names (`lib` is `gradschool` or `torch`).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared char_model.py

from char_model import CharText, arguments, run  # noqa: E402

VOCABULARY = 87  # distinct characters of the fortunes text (CharText().vocabulary)


def build(lib, vocabulary=VOCABULARY, block=64, width=96, heads=4, layers=3):
    """The network in `lib` (`gradschool` or `torch`): ids (N, T) -> logits (N, T, V)."""

    class CharGPT(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.token = lib.nn.Embedding(vocabulary, width)
            self.position = lib.nn.Embedding(block, width)
            block_layer = lib.nn.TransformerEncoderLayer(
                width, heads, dim_feedforward=4 * width, dropout=0.0, activation="gelu",
                batch_first=True, norm_first=True)
            self.blocks = lib.nn.TransformerEncoder(block_layer, layers,
                                                    enable_nested_tensor=False)
            self.norm = lib.nn.LayerNorm(width)
            self.head = lib.nn.Linear(width, vocabulary)

        def forward(self, ids):
            length = ids.shape[1]
            x = self.token(ids) + self.position(lib.arange(length))
            causal = lib.nn.Transformer.generate_square_subsequent_mask(length)
            return self.head(self.norm(self.blocks(x, mask=causal, is_causal=True)))

    return CharGPT()


def main(argv=None):
    args = arguments(__doc__.splitlines()[0], steps=1000, block=64, batch=32,
                     lr=2e-3).parse_args(argv)
    assert len(CharText().vocabulary) == VOCABULARY
    return run(args, lambda lib: build(lib, block=args.block), "character GPT")


if __name__ == "__main__":
    main()
