"""`gradschool.nn.parameter`, as `torch.nn.parameter`. Re-exports nn/parameter.py."""

from nn.parameter import Parameter  # noqa: F401
