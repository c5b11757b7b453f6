"""`torch.backends.cudnn`: Grad School does not use cuDNN (tensor/accelerator.py says why), so
these switches may be set, as PyTorch programs do, and change nothing."""

from tensor.accelerator import cudnn_is_available as is_available  # noqa: F401

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
