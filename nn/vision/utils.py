"""`make_grid`: a batch of images tiled into one image, as torchvision.utils has it (for
showing a batch with `plt.imshow(grid.permute(1, 2, 0))`)."""

import math

from tensor import Tensor, stack


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch (B, C, H, W) (or a list of (C, H, W) images) into one image (C', H', W'):
    `nrow` images per row, `padding` pixels of `pad_value` around each. One-channel images
    become three channels (grey), as torchvision does. With `normalize`, values are shifted
    and scaled to [0, 1], from `value_range` (low, high) or from the minimum and maximum
    (of each image if `scale_each`, else of the batch).

    Done with whole-array operations: pad every image at its top and left, fill the last row
    with blank images, then one reshape and transpose lay the (rows, columns) of images out
    as one picture, and a last pad closes the bottom and right edges."""
    if isinstance(tensor, (list, tuple)):
        tensor = stack(list(tensor))
    if not isinstance(tensor, Tensor):
        raise TypeError(f"make_grid expects a Tensor or a list of Tensors, got "
                        f"{type(tensor).__name__}")
    x = tensor.detach()
    if x.ndim == 2:
        x = x.unsqueeze(0)
    if x.ndim == 3:
        x = x.unsqueeze(0) if x.shape[0] in (1, 3) else x.unsqueeze(1)
    if x.ndim != 4:
        raise ValueError(f"make_grid expects images (B, C, H, W), got shape {tensor.shape}")
    if x.shape[1] == 1:
        x = x.expand(x.shape[0], 3, *x.shape[2:])
    xp = x._backend.xp
    images = x.array.astype(x.dtype, copy=True)
    if normalize:
        images = _normalized(xp, images, value_range, scale_each)
    if images.shape[0] == 1:
        return Tensor._wrap(images[0], x._backend)
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    blank = pad_value
    padded = xp.pad(images, ((0, rows * columns - count), (0, 0), (padding, 0), (padding, 0)),
                    constant_values=blank)
    tiled = padded.reshape(rows, columns, channels, height + padding, width + padding)
    tiled = tiled.transpose(2, 0, 3, 1, 4).reshape(channels, rows * (height + padding),
                                                   columns * (width + padding))
    grid = xp.pad(tiled, ((0, 0), (0, padding), (0, padding)), constant_values=blank)
    return Tensor._wrap(xp.ascontiguousarray(grid), x._backend)


def _normalized(xp, images, value_range, scale_each):
    """Values mapped linearly from [low, high] to [0, 1] (clipped)."""
    if value_range is not None:
        low, high = value_range
    elif scale_each:
        low = images.min(axis=(1, 2, 3), keepdims=True)
        high = images.max(axis=(1, 2, 3), keepdims=True)
    else:
        low, high = images.min(), images.max()
    scale = xp.maximum(high - low, images.dtype.type(1e-5))
    return xp.clip((images - low) / scale, 0, 1).astype(images.dtype)
