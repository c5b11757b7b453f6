"""Progress bars that suit where they are shown: `progress(iterable, desc=..., total=...)`.

At a terminal and in Jupyter it is an ordinary tqdm bar, live while the loop runs. In the
book, lessons are executed once and their output is frozen into the page: a live bar there
would become one output box per refresh (hundreds on a page). So when the book is being built
(`make book` sets GRADSCHOOL_BOOK=1), the same call prints ONE line when the loop ends, the
bar's final state in tqdm's own format:

    epoch 1: 100%|##########| 157/157 [00:01<00:00, 98.1it/s, loss=0.512]

Use it like tqdm: iterate over it, call `set_postfix(loss=...)`, and it closes itself at the
end of the loop.
"""

import os
import sys
import time

from tqdm import tqdm


def in_book():
    """Whether the lessons are being executed to build the book."""
    return os.environ.get("GRADSCHOOL_BOOK") == "1"


def progress(iterable, desc=None, total=None, leave=True, **options):
    """A tqdm bar over `iterable` (live), or in the book a one-line summary at the end."""
    if in_book():
        return _FinalLine(iterable, desc, total)
    return tqdm(iterable, desc=desc, total=total, leave=leave, file=sys.stdout, **options)


class _FinalLine:
    """Iterates like a tqdm bar and prints its final line once, when the loop is over."""

    def __init__(self, iterable, desc, total):
        self._iterable = iterable
        self._desc = desc
        self.total = total if total is not None else _length(iterable)
        self.n = 0
        self._postfix = ""

    def __iter__(self):
        start = time.perf_counter()
        for item in self._iterable:
            yield item
            self.n += 1
        line = tqdm.format_meter(self.n, self.total, time.perf_counter() - start,
                                 prefix=self._desc or "", postfix=self._postfix or None,
                                 ascii=True, ncols=100)
        print(line)

    def __len__(self):
        return self.total

    def set_postfix(self, ordered_dict=None, refresh=True, **values):
        values = {**(ordered_dict or {}), **values}
        self._postfix = ", ".join(f"{k}={_short(v)}" for k, v in values.items())

    def set_description(self, desc=None, refresh=True):
        self._desc = desc

    def update(self, n=1):
        self.n += n

    def close(self):
        """Nothing to close: the line is printed when the loop ends."""


def _length(iterable):
    try:
        return len(iterable)
    except TypeError:
        return None


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)
