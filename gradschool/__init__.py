"""`import gradschool as torch`: Grad School under PyTorch's names, so that a PyTorch program
runs with only its import lines changed.

    import gradschool as torch                       # import torch
    from gradschool import nn                        # from torch import nn
    from gradschool.utils.data import DataLoader     # from torch.utils.data import DataLoader
    from gradschool.vision import datasets           # from torchvision import datasets

This package only re-exports: every object lives in `tensor/` (tensors, ops, autograd,
devices, generators), `nn/` (modules, optimizers, data, saving) or `engine/`, and
`gradschool.X` is the same object as the `tensor.X` or `nn.X` it names, so a learner who steps
into `torch.matmul` lands in tensor/ops/matmul.py. What is here:

- everything in `tensor.__all__` (factories, math, reductions, grad modes, dtypes, ...), so a
  new op added there appears here too; `tensor(data)`; PyTorch's dtype aliases (`float` is
  float32, `double` float64, `half` float16, `long` int64, `int` int32, `short` int16);
- `nn` (with `functional`, `init`, `utils`, `parameter`, `parallel`), `optim` (with
  `lr_scheduler`), `utils.data`, `autograd`, `cuda`, `backends` (`mps`, `cudnn`),
  `accelerator`, `distributed` (over MPI);
- `save` / `load` (safetensors, never pickle: nn/serialization.py);
- `gradschool.vision` in place of torchvision (datasets, transforms, utils), imported when
  asked for.

Where Grad School differs from PyTorch: dtypes are NumPy's dtype objects (`print(x.dtype)`
shows `float32`); a shape prints as the tuple it is, `(2, 3)`; the random numbers of a seed
are not PyTorch's (tensor/random.py); `Tensor(data)` infers the dtype from the data like
`tensor(data)` (PyTorch's legacy `Tensor([1, 2])` is always float32).
"""

# accelerator, autograd and cuda come with tensor.__all__ (tensor/accelerator.py, ...); the
# files gradschool/accelerator.py, autograd.py, cuda.py let `import gradschool.cuda` work too
from gradschool import backends, distributed, nn, optim, utils
from nn.serialization import load, save
from tensor import *  # noqa: F403  (the whole tensor.__all__: this is the front door)
from tensor import __all__ as _tensor_names
from tensor.construct import tensor
from tensor.dtype import float16 as half
from tensor.dtype import float32 as float  # noqa: A001  (PyTorch's name shadows the builtin)
from tensor.dtype import float64 as double
from tensor.dtype import int16 as short
from tensor.dtype import int32 as int  # noqa: A001
from tensor.dtype import int64 as long

__all__ = [*_tensor_names, "tensor", "half", "float", "double", "short", "int", "long",
           "save", "load", "backends", "distributed", "nn", "optim", "utils"]
