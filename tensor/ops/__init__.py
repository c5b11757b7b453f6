"""The ops of `Tensor`, one file per family; tensor/tensor.py binds them as methods.

Each op is written as a method (first argument `self`): compute the forward on `self.data`,
create the output with `self._result(data, parents, op)`, define the local backward step right
below it, attach it with `out._backward = backward`. A backward step adds into a parent's grad
through `parent._accumulate(...)`, and skips parents that do not require grad.
"""
