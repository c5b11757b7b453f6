"""MNIST and Fashion-MNIST as torchvision.datasets gives them.

Same files and search as nn.data's readers (nn/data/mnist.py: `root` and root/<Name>/raw,
then Debian's copy of Fashion-MNIST, then a download when `download=True`), with torchvision's
conventions on top:

- an example is `(image, label)` where the image is a PIL image (28x28, mode "L") unless a
  `transform` turns it into something else, usually `ToTensor()`: a float tensor (1, 28, 28)
  in [0, 1]; the label is an int, or what `target_transform` makes of it;
- `dataset.data` is a uint8 Tensor (N, 28, 28) and `dataset.targets` an int64 Tensor (N,),
  both sharing memory with the arrays read from the files; `classes` and `class_to_idx`.

Batches: when the transform works on whole batches (ToTensor, Normalize and Compose of them,
nn/vision/transforms.py) and there is no target_transform, `__getitems__` transforms the
batch's images in one go; otherwise image by image, as torchvision does, with the same result.
"""

import numpy as np

from nn import data
from nn.data.dataloader import default_collate
from tensor import Tensor, from_numpy


class MNIST(data.MNIST):
    """`MNIST(root, train=True, transform=None, target_transform=None, download=False)`."""

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, train=train, transform=transform,
                         target_transform=target_transform, download=download)
        self.given_root = root
        self._images, self._labels = self.data, self.targets
        self.data, self.targets = from_numpy(self._images), from_numpy(self._labels)

    @property
    def class_to_idx(self):
        return {name: index for index, name in enumerate(self.classes)}

    def __getitem__(self, index):
        image, label = _image(self._images[index]), int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __getitems__(self, indices):
        batch = getattr(self.transform, "batch", None)
        if batch is None or self.target_transform is not None:
            return default_collate([self[int(i)] for i in indices])
        indices = np.asarray(indices, dtype=np.int64)
        return batch(self._images[indices]), Tensor(self._labels[indices])

    def __repr__(self):
        lines = [f"Dataset {self.name}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.given_root}",
                 f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append(f"    StandardTransform\nTransform: {self.transform!r}")
        return "\n".join(lines)


class FashionMNIST(MNIST, data.FashionMNIST):
    """`FashionMNIST(root, train=True, transform=None, target_transform=None,
    download=False)`: Zalando's clothing photos, found in Debian's copy when `root` has none."""


def _image(pixels):
    """A PIL image of a (28, 28) uint8 array, as torchvision hands out (the array itself when
    Pillow is not installed; ToTensor takes either)."""
    try:
        from PIL import Image
    except ImportError:
        return pixels
    return Image.fromarray(pixels)
