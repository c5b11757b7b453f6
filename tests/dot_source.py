"""Reading a drawn graph's DOT source in tests: how many value boxes, op ovals, arrows and
filled nodes it has. Shared by the drawing tests of both engines (tests/test_ch02_drawing.py,
tests/test_ch04_drawing.py)."""

import re


def count(source, pattern):
    return len(re.findall(pattern, source))


def boxes(source):
    """Value nodes: one record-shaped box each."""
    return count(source, r"shape=record")


def ovals(source):
    """Op nodes: one ellipse each."""
    return count(source, r"shape=ellipse")


def arrows(source):
    return count(source, r"->")


def fills(source, colour):
    return count(source, f'fillcolor="{colour}"')
