"""MNIST and FashionMNIST as torchvision 0.2x gives them: PIL images, uint8 `data`, int64
`targets`, read from the IDX files in root/<Name>/raw, root, or Debian's copy."""

import gzip
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def _read(path):
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


class MNIST:
    system_root = None
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        split = "train" if train else "t10k"
        folders = [Path(root) / type(self).__name__ / "raw", Path(root)]
        folders += [Path(self.system_root)] if self.system_root else []
        found = {}
        for kind in ("images-idx3", "labels-idx1"):
            for folder in folders:
                for name in (f"{split}-{kind}-ubyte", f"{split}-{kind}-ubyte.gz"):
                    if (folder / name).is_file() and kind not in found:
                        found[kind] = folder / name
        if len(found) < 2:
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data = torch.from_numpy(_read(found["images-idx3"]).copy())
        self.targets = torch.from_numpy(_read(found["labels-idx1"]).astype(np.int64))

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img.numpy(), mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    @property
    def class_to_idx(self):
        return {_class: i for i, _class in enumerate(self.classes)}


class FashionMNIST(MNIST):
    system_root = "/usr/share/datasets/fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
