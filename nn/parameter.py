"""`Parameter`: a Tensor that a Module trains.

A Parameter is an ordinary leaf Tensor with `requires_grad=True`, and one more meaning: when
it is assigned as an attribute of a Module (`self.weight = Parameter(...)`), the module
registers it, so `model.parameters()` finds it and `state_dict()` saves it. Tensors computed
from it by ops are plain Tensors.
"""

from tensor import Tensor


class Parameter(Tensor):
    """`Parameter(data, requires_grad=True)`: a trainable tensor holding a copy of `data` (a
    Tensor, an array or numbers), on `data`'s device with its dtype."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor([])
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
