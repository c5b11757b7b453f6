"""`gradschool.utils`, as `torch.utils`: `data`."""

from gradschool.utils import data  # noqa: F401
