"""`gradschool.backends`, as `torch.backends`: `mps.is_available()` (always False) and
`cudnn`'s switches (accepted, unused). See tensor/accelerator.py."""

from gradschool.backends import cudnn, mps  # noqa: F401
