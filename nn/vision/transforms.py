"""Image transforms, as torchvision.transforms names them: `ToTensor`, `Normalize`, `Compose`,
`Lambda`.

A dataset applies its `transform` to each image and its `target_transform` to each label:

    transform = Compose([ToTensor(), Normalize((0.5,), (0.5,))])   # pixels to [-1, 1]
    data = FashionMNIST(root="data", train=True, transform=transform)

- `ToTensor()`: a PIL image or a NumPy array (H, W) or (H, W, C) of uint8 becomes a float
  tensor (C, H, W) with values pixel / 255 in [0, 1] (the channels move first, as
  convolutions want them). Float arrays are only reordered, not scaled.
- `Normalize(mean, std)`: x_c := (x_c - mean_c) / std_c for each channel c of a (C, H, W)
  (or batched (..., C, H, W)) tensor, so each channel has mean 0 and variance 1 when
  `mean` and `std` are the data's own.
- `Compose([t1, t2, ...])` applies them in order; `Lambda(f)` applies any function.

Whole batches at once: `ToTensor`, `Normalize` and a `Compose` of them also have `batch(x)`,
the same computation on a stack of images ((B, H, W) uint8 in, (B, C, H, W) out), so a
DataLoader over a dataset with these transforms cuts each batch in a few array operations
instead of converting every image on its own (the numbers are the same either way).
"""

import numbers

import numpy as np

from tensor import Tensor
from tensor import dtype as dtypes


class ToTensor:
    """PIL image or uint8 array (H, W[, C]) -> float tensor (C, H, W) in [0, 1]."""

    def __call__(self, pic):
        array = np.asarray(pic)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ValueError(f"ToTensor expects an image of shape (H, W) or (H, W, C), got "
                             f"shape {array.shape}")
        return _to_float_tensor(array.transpose(2, 0, 1))

    def batch(self, images):
        """(B, H, W) or (B, H, W, C) uint8 -> (B, C, H, W) float in [0, 1]."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[:, :, :, None]
        return _to_float_tensor(images.transpose(0, 3, 1, 2))

    def __repr__(self):
        return "ToTensor()"


def _to_float_tensor(array):
    """uint8 pixels scaled to [0, 1] in the default float dtype; floats kept as they are."""
    if array.dtype == np.uint8:
        floats = array.astype(dtypes.DEFAULT_FLOAT)
        floats /= floats.dtype.type(255)
        return Tensor(np.ascontiguousarray(floats))
    return Tensor(np.ascontiguousarray(array))


class Normalize:
    """(x_c - mean_c) / std_c for each channel c (the third-last dimension)."""

    def __init__(self, mean, std, inplace=False):
        self.mean = _per_channel(mean, "mean")
        self.std = _per_channel(std, "std")
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std {self.std} has a zero, which would divide by 0")
        self.inplace = inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor) or tensor.ndim < 3:
            raise TypeError(f"Normalize expects a tensor image (C, H, W), got "
                            f"{getattr(tensor, 'shape', type(tensor).__name__)}; put ToTensor() "
                            "before it")
        if not dtypes.is_floating(tensor.dtype):
            raise TypeError(f"Normalize expects a float tensor, got dtype {tensor.dtype}; put "
                            "ToTensor() before it")
        channels = tensor.shape[-3]
        if len(self.mean) not in (1, channels):
            raise ValueError(f"Normalize has {len(self.mean)} means for an image of {channels} "
                             "channels")
        backend = tensor._backend

        def per_channel(values):  # a (C, 1, 1) constant on the tensor's device
            host = np.asarray(values, dtype=tensor.dtype).reshape(-1, 1, 1)
            return Tensor._wrap(backend.array(host), backend)

        result = (tensor - per_channel(self.mean)) / per_channel(self.std)
        return tensor.copy_(result) if self.inplace else result

    batch = __call__  # channels are the third-last dimension in a batch too

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


def _per_channel(values, name):
    if isinstance(values, numbers.Real):
        return (float(values),)
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError(f"Normalize: {name} is empty")
    return values


class Compose:
    """Apply `transforms` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x

    @property
    def batch(self):
        """The composition on a whole batch, when every transform has a batch form (else
        there is none, and the dataset transforms images one by one)."""
        if not all(hasattr(t, "batch") for t in self.transforms):
            raise AttributeError("not every transform of this Compose works on batches")

        def run(x):
            for transform in self.transforms:
                x = transform.batch(x)
            return x

        return run

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class Lambda:
    """Apply `lambd`, any function, as a transform (e.g. one-hot encoding of a label)."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda expects a function, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)

    def __repr__(self):
        return "Lambda()"
