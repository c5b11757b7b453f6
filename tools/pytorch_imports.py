"""Run a PyTorch program on Grad School by changing its import lines, and nothing else.

    python tools/pytorch_imports.py program.py              print it with Grad School's imports
    python tools/pytorch_imports.py --diff program.py       show only the lines that change
    python tools/pytorch_imports.py --run program.py [ARGS] run it on Grad School

One rule per import line; every other line is left exactly as it is:

    import torch                   ->  import gradschool as torch
    import torch.nn as nn          ->  import gradschool.nn as nn
    import torch.nn.functional     ->  import gradschool.nn.functional; import gradschool as torch
    from torch import nn           ->  from gradschool import nn
    from torch.utils.data import X ->  from gradschool.utils.data import X
    import torchvision             ->  from gradschool import vision as torchvision
    import torchvision.utils as U  ->  import gradschool.vision.utils as U
    from torchvision import X      ->  from gradschool.vision import X

This is what a learner does by hand to step into the engine under a tutorial; the examples in
examples/pytorch_style/ are run both ways by tests/test_pytorch_style.py. A line that mentions
torch in an import this does not know (`import torch, numpy`) is an error, never a silent
half-conversion.
"""

import argparse
import difflib
import re
import runpy
import sys
import tempfile
from pathlib import Path

_IMPORT = re.compile(r"^(\s*)import\s+(torch|torchvision)((?:\.\w+)*)(\s+as\s+\w+)?\s*(#.*)?$")
_FROM = re.compile(r"^(\s*)from\s+(torch|torchvision)((?:\.\w+)*)\s+import\s+(.+)$")
_MENTION = re.compile(r"^\s*(import|from)\s+.*\btorch(vision)?\b")
_PACKAGES = {"torch": "gradschool", "torchvision": "gradschool.vision"}


def convert_line(line):
    """The Grad School version of one line (the line itself when it imports no torch)."""
    match = _IMPORT.match(line)
    if match:
        indent, package, submodules, alias, comment = match.groups()
        target = _PACKAGES[package] + submodules
        suffix = f"  {comment}" if comment else ""
        if alias:
            return f"{indent}import {target}{alias}{suffix}"
        if package == "torchvision" and not submodules:
            return f"{indent}from gradschool import vision as torchvision{suffix}"
        root = "gradschool" if package == "torch" else "gradschool.vision"
        binding = ("import gradschool as torch" if package == "torch"
                   else "from gradschool import vision as torchvision")
        return f"{indent}import {target}; {binding}{suffix}" if submodules \
            else f"{indent}import {root} as {package}{suffix}"
    match = _FROM.match(line)
    if match:
        indent, package, submodules, names = match.groups()
        return f"{indent}from {_PACKAGES[package]}{submodules} import {names}"
    if _MENTION.match(line):
        raise ValueError(f"cannot convert this import line, change it by hand: {line.strip()}")
    return line


def to_gradschool(source):
    """The program `source` with its torch and torchvision imports turned into Grad School's.
    Multi-line imports (`from torch.utils.data import (` ... `)`) work: only their first line
    names the module."""
    return "\n".join(convert_line(line) for line in source.split("\n"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("program", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="show only the lines that change")
    mode.add_argument("--run", action="store_true", help="run the converted program")
    args, rest = parser.parse_known_args(argv)
    source = args.program.read_text()
    converted = to_gradschool(source)
    if args.diff:
        sys.stdout.writelines(difflib.unified_diff(
            source.splitlines(True), converted.splitlines(True), str(args.program),
            f"{args.program} (Grad School)", n=0))
    elif args.run:
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / args.program.name
            script.write_text(converted)
            sys.argv = [str(args.program), *rest]
            sys.path.insert(0, str(args.program.resolve().parent))
            runpy.run_path(str(script), run_name="__main__")
    else:
        sys.stdout.write(converted)


if __name__ == "__main__":
    main()
