"""Install the Debian packages Grad School needs, or say exactly what to install.

`dot` (Debian package `graphviz`) renders computation graphs; `dataset-fashion-mnist` holds the
Fashion-MNIST IDX files that the nn lessons train on; `fortunes` (2.8 MB of quotations) is the
offline text the sequence models learn from. As root with apt-get available we install them;
otherwise we stop with the command a learner should run.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

NEEDED = {
    # Debian package: how to tell it is already there
    "graphviz": lambda: shutil.which("dot") is not None,
    "dataset-fashion-mnist": lambda: Path(
        "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
    ).exists(),
    "fortunes": lambda: Path("/usr/share/games/fortunes/literature").exists(),
}


def main() -> int:
    missing = [name for name, present in NEEDED.items() if not present()]
    if not missing:
        return 0
    can_install = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_install:
        print(
            "Grad School needs these system packages: " + " ".join(missing) + "\n"
            "Install them with:  sudo apt-get install -y " + " ".join(missing),
            file=sys.stderr,
        )
        return 1
    print("Installing system packages:", " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
