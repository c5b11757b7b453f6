"""Text for character-level language models: an offline corpus, a character vocabulary, and
next-character training pairs.

A character-level model reads text one character at a time and predicts the next one. Its data
is one long string turned into integers (a vocabulary maps each distinct character to an id),
cut into windows: the input is ids[i : i + T], the target the same window shifted by one,
ids[i + 1 : i + T + 1], so every position of the window is a prediction to learn from.

The corpus is Debian's `fortunes` collection (quotations, installed by `make system` or
`apt-get install fortunes`): offline, varied English prose of a few hundred kilobytes, enough
for a small model to learn spelling, words and punctuation in minutes on a CPU.
"""

import re
from pathlib import Path

import numpy as np

from nn.data.dataset import Dataset

FORTUNES = Path("/usr/share/games/fortunes")
COLLECTIONS = ("literature", "wisdom", "people", "humorists")


def load_fortunes(collections=COLLECTIONS, root=FORTUNES):
    """The quotations of the named `fortunes` collections as one string.

    Each file holds records separated by lines holding a single "%"; the records are joined
    with a blank line. Tabs (used to indent the attributions) become two spaces and other
    control characters (a few backspaces used for overstriking) are dropped, so the
    vocabulary is printable characters and newlines only.
    """
    root = Path(root)
    texts = []
    for name in collections:
        path = root / name
        if not path.is_file():
            raise FileNotFoundError(
                f"no fortunes collection at {path}: install Debian's `fortunes` package "
                f"(`make system`, or `apt-get install -y fortunes`)")
        records = re.split(r"\n%\n", path.read_text(encoding="latin-1"))
        texts.extend(record.strip("\n%") for record in records)
    text = "\n\n".join(record for record in texts if record)
    text = text.replace("\t", "  ")
    return re.sub(r"[^\n\x20-\x7e]", "", text) + "\n"


class CharVocabulary:
    """The distinct characters of a text, sorted, each given an id 0, 1, ...: `encode` turns
    a string into an int64 array of ids and `decode` turns ids back into the string."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.ids = {char: i for i, char in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - self.ids.keys())
        if unknown:
            raise ValueError(f"CharVocabulary: characters {unknown!r} are not in the "
                             f"vocabulary of {len(self)} characters")
        return np.array([self.ids[char] for char in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))

    def __repr__(self):
        return f"CharVocabulary({len(self)} characters)"


class NextCharacterDataset(Dataset):
    """Windows of `block_size` ids and their targets one position later: item i is
    (ids[i : i + T], ids[i + 1 : i + T + 1]) as int64 arrays. Windows overlap: a DataLoader
    with shuffle=True draws random ones, which is how character models are usually fed."""

    def __init__(self, ids, block_size):
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or len(ids) < block_size + 1:
            raise ValueError(f"NextCharacterDataset: needs a 1-D sequence of at least "
                             f"block_size + 1 = {block_size + 1} ids, got shape {ids.shape}")
        self.ids, self.block_size = ids, block_size

    def __len__(self):
        return len(self.ids) - self.block_size

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"NextCharacterDataset: index {index} out of range for "
                             f"{len(self)} windows")
        index %= len(self)
        window = self.ids[index:index + self.block_size + 1]
        return window[:-1], window[1:]
