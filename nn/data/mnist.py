"""MNIST and Fashion-MNIST: 28x28 grey-scale images in 10 classes, read from IDX files.

Both sets ship as four files (see `nn/data/idx.py` for the format), raw or gzip-compressed:

    train-images-idx3-ubyte   60000 images     train-labels-idx1-ubyte   60000 labels
    t10k-images-idx3-ubyte    10000 images     t10k-labels-idx1-ubyte    10000 labels

Fashion-MNIST is in Debian (`apt-get install dataset-fashion-mnist`, which puts the files in
/usr/share/datasets/fashion-mnist, the default `root`); both sets can also be downloaded with
`download=True`, into `root` or ~/.cache/gradschool/<name>. A folder laid out as torchvision
leaves it (`root/FashionMNIST/raw/...`) works too.

An example is `(image, label)`: the image a float32 Tensor of shape (1, 28, 28) with values
in [0, 1] (pixel / 255, as torchvision's `ToTensor` gives), the label an int. For a
fully-connected model, flatten in the model (`nn.Flatten()`), as you would in PyTorch.
`dataset.data` (uint8, (N, 28, 28)) and `dataset.targets` (int64, (N,)) hold everything as
NumPy arrays, and batches are cut from them directly by `DataLoader`.
"""

import os
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

import tensor
from nn.data.dataloader import default_collate
from nn.data.dataset import Dataset
from nn.data.idx import read_idx

IMAGES_MAGIC = 2051  # uint8, 3 dimensions
LABELS_MAGIC = 2049  # uint8, 1 dimension


class MNIST(Dataset):
    """The MNIST handwritten digits (LeCun et al., 1998): 60000 training and 10000 test images.

    `root`: the folder with the IDX files (default ~/.cache/gradschool/mnist); `train`: the
    training set (True) or the test set (False); `transform` / `target_transform`: functions
    applied to each image Tensor / label; `download`: fetch missing files from the public
    mirror (needs internet).
    """

    name = "MNIST"
    folder = "mnist"
    system_root = None  # a system-wide install, searched when no root is given
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
               "https://storage.googleapis.com/cvdf-datasets/mnist/")
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    install_hint = "pass download=True to fetch it (needs internet)"

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        split = "train" if train else "t10k"
        stems = (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte")
        folders, target = self._search_folders(root)
        paths = [_find(stem, folders) for stem in stems]
        if None in paths and download:
            paths = [path or self._download(stem, target) for path, stem in zip(paths, stems)]
        if None in paths:
            missing = stems[paths.index(None)]
            where = ", ".join(str(f) for f in folders)
            raise FileNotFoundError(f"{self.name}: {missing} (or {missing}.gz) not found in "
                                    f"{where}; {self.install_hint}")
        self.root = paths[0].parent
        self.data = read_idx(paths[0], expected_magic=IMAGES_MAGIC)
        self.targets = read_idx(paths[1], expected_magic=LABELS_MAGIC).astype(np.int64)
        if self.data.ndim != 3 or self.data.shape[1:] != (28, 28):
            raise ValueError(f"{paths[0]} holds images of shape {self.data.shape[1:]}, "
                             "expected 28x28")
        if len(self.data) != len(self.targets):
            raise ValueError(f"{paths[0]} has {len(self.data)} images but {paths[1]} has "
                             f"{len(self.targets)} labels")

    def _search_folders(self, root):
        """(the folders to look in, the folder downloads go to). With a `root`: root/<Name>/raw
        (torchvision's layout) and root (where downloads go), then the system-wide copy, so
        that a tutorial's `root="data", download=True` finds Debian's files offline instead
        of trying to download; without one, the system-wide copy, then the cache."""
        system = [Path(self.system_root)] if self.system_root else []
        cache = Path.home() / ".cache" / "gradschool" / self.folder
        if root is not None:
            base = Path(root).expanduser()
            return [base / self.name / "raw", base] + system, base
        return system + [cache], cache

    def _download(self, stem, folder):
        """Fetch `stem`.gz from the first mirror that answers into `folder`, atomically (a
        half-downloaded file never takes the real name)."""
        folder.mkdir(parents=True, exist_ok=True)
        errors = []
        for mirror in self.mirrors:
            try:
                with urllib.request.urlopen(mirror + stem + ".gz", timeout=60) as response:
                    content = response.read()
            except OSError as err:
                errors.append(f"{mirror}: {err}")
                continue
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=stem, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            path = folder / (stem + ".gz")
            os.replace(tmp, path)
            return path
        raise RuntimeError(f"{self.name}: could not download {stem}.gz: " + "; ".join(errors))

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        image = tensor.Tensor(self.data[index][None].astype(np.float32) / 255)
        label = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __getitems__(self, indices):
        """A batch: images (B, 1, 28, 28) float32 in [0, 1] and labels (B,) int64, cut from
        the arrays in one indexing (example by example when there are transforms)."""
        if self.transform is not None or self.target_transform is not None:
            return default_collate([self[int(i)] for i in indices])
        images = self.data[indices][:, None].astype(np.float32) / 255
        return tensor.Tensor(images), tensor.Tensor(self.targets[indices])

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"{self.name}(split={split!r}, examples={len(self)}, root={str(self.root)!r})"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): Zalando's photos of clothing in MNIST's
    format, a drop-in replacement that is harder to fit. Default root: Debian's
    /usr/share/datasets/fashion-mnist (then ~/.cache/gradschool/fashion-mnist). Same arguments
    as `MNIST`."""

    name = "FashionMNIST"
    folder = "fashion-mnist"
    system_root = "/usr/share/datasets/fashion-mnist"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    install_hint = ("install it with `sudo apt-get install dataset-fashion-mnist` (Debian/"
                    "Ubuntu), or pass download=True to fetch it (needs internet)")


def _find(stem, folders):
    """The first existing `stem` or `stem`.gz in `folders`, or None."""
    for folder in folders:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None
