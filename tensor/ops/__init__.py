"""The ops of `Tensor`, one file per family; tensor/tensor.py binds them as methods.

Each op is written as a method (first argument `self`): compute the forward on `self.array`,
create the output with `self._result(data, parents, op, saved=...)` (naming the inputs whose
values the backward step will read, so that in-place changes to them are caught), define the
local backward step right below it, and attach it with `out._backward = backward`. The step
receives `grad` = dL/d out and passes grad * d out/d parent on through
`parent._accumulate(...)`, skipping parents that do not require grad. It never refers to
`out` itself (that would be a reference cycle, out -> step -> out); a value of the output it
needs is kept as an array (`result = out.array`).
"""
