"""`Upsample`: the layer form of F.interpolate (nn/functional/upsampling.py), with torch.nn's
arguments and repr. No parameters: a fixed resize, e.g. the decoder half of a U-Net doubling
its feature maps before a convolution learns to sharpen them."""

from nn.functional.upsampling import resample
from nn.module import Module


class Upsample(Module):
    """Resize (N, C, *spatial) to `size`, or by `scale_factor` (stored as a float, or a tuple
    of floats), with mode 'nearest' (default), 'nearest-exact', 'linear', 'bilinear',
    'trilinear' or 'area'; align_corners for the linear modes."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return resample(input, self.size, self.scale_factor, self.mode, self.align_corners,
                        self.recompute_scale_factor, where=repr(self))

    def extra_repr(self):
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor!r}, mode={self.mode!r}"
        return f"size={self.size!r}, mode={self.mode!r}"
