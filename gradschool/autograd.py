"""`gradschool.autograd`, as `torch.autograd`: Function, grad, backward, grad modes, anomaly
detection, gradcheck. Re-exports tensor/autograd/."""

from tensor.autograd import *  # noqa: F403
from tensor.autograd import __all__  # noqa: F401
