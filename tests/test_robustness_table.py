"""Bad inputs across the whole API, as one table: each row is a call a new user could make,
the exception it must raise, and a regex its message must match (the message names the
problem in the learner's terms, never in NumPy's or Python's). Beside each row: what PyTorch
2.13 does with the same call. Where PyTorch accepts a call that silently does the wrong thing
(a negative clipping norm, a scheduler step size of 0), we raise a clear error instead, and
the comment says so.

Every row receives `d`, a fresh folder, for the rows that touch files. The values side of the
same fixes (results that were wrong, now equal PyTorch's) is tests/test_robustness_values.py.
"""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import nn
import nn.functional as F
import tensor
from engine.value import Value
from nn.data import DataLoader, Dataset, TensorDataset
from nn.data.dataloader import default_collate
from nn.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
from nn.optim import lr_scheduler as S
from nn.serialization import load_checkpoint, save_checkpoint
from nn.utils import clip_grad_norm_, clip_grad_value_
from tensor import Tensor


@dataclass
class Bad:
    call: Callable  # called with a temporary folder
    error: type
    match: str  # a regex the message must contain
    torch: str  # what PyTorch 2.13 does

    def __repr__(self):
        return self.match


def x34():
    return tensor.randn(3, 4)


def leaf(*values, device="cpu"):
    return Tensor(list(values) or [1.0], requires_grad=True, device=device)


def params():
    return nn.Linear(2, 1).parameters()


def sgd(**options):
    return SGD([leaf()], lr=0.1, **options)


def empty():
    return tensor.zeros(2, 0)


class NoLen:  # indexable, but not sized
    def __getitem__(self, i):
        return i


class NoLenDataset(Dataset):  # a Dataset subclass that forgot __len__
    def __getitem__(self, i):
        return i


def moved_state():
    """An optimizer whose state stays on the CPU after its parameter moved to another device."""
    p = leaf(1.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    p.grad = tensor.ones(1)
    optimizer.step()
    p.data = p.data.to("standin")
    p.grad = tensor.ones(1, device="standin")
    return optimizer


def checkpoint(d, optimizer=True):
    model = nn.Linear(2, 1)
    path = d / "ckpt.safetensors"
    save_checkpoint(path, model, SGD(model.parameters(), lr=0.1) if optimizer else None, epoch=1)
    return path


def safetensors_file(d, dtype):
    """A file written by PyTorch's safetensors, with a tensor of a dtype NumPy lacks."""
    import torch
    from safetensors.torch import save_file

    path = d / f"{dtype}.safetensors"
    save_file({"weight": torch.ones(1, 2).to(getattr(torch, dtype))}, str(path))
    return path


def one_cycle_past_the_end():
    scheduler = S.OneCycleLR(sgd(momentum=0.9), max_lr=1.0, total_steps=2)
    for _ in range(3):
        scheduler.step()


ROWS = [
    # ---- making tensors ------------------------------------------------------------------
    Bad(lambda d: Tensor("abc"), TypeError, r"Tensor\(data\) expects numbers .*got text",
        "TypeError: new(): invalid data type 'str'"),
    Bad(lambda d: Tensor([[1, 2], [3]]), TypeError, r"expects numbers, \(nested\) lists",
        "ValueError: expected sequence of length 2 at dim 1 (got 1)"),
    Bad(lambda d: Tensor([2**70]), OverflowError, r"1180591620717411303424 does not fit .*int64",
        "RuntimeError: Overflow when unpacking long long"),
    Bad(lambda d: Tensor([300], dtype=tensor.int8), OverflowError, r"300 does not fit .*int8",
        "RuntimeError: value cannot be converted to type int8 without overflow"),
    Bad(lambda d: Tensor([-1], dtype=tensor.uint8), OverflowError, r"-1 does not fit .*uint8",
        "RuntimeError: value cannot be converted to type uint8 without overflow"),
    Bad(lambda d: Tensor([2**64 - 1]), OverflowError, r"does not fit dtype int64",
        "RuntimeError: Overflow when unpacking long long"),
    Bad(lambda d: Tensor([1.0], dtype="complex64"), TypeError, r"unsupported dtype",
        "accepts complex64 (Grad School has no complex dtypes)"),
    Bad(lambda d: Tensor([1.0], device="gpu"), ValueError, r"unknown device 'gpu'",
        "RuntimeError: Expected one of cpu, cuda, ... device type at start of device string"),
    Bad(lambda d: Tensor([1.0], device=3), TypeError, r"device must be a string",
        "accepts 3 as cuda:3"),
    Bad(lambda d: Tensor([1, 2], requires_grad=True), TypeError, r"only floating-point",
        "RuntimeError: Only Tensors of floating point ... can require gradients"),
    Bad(lambda d: Tensor([1, 2]) + 2**70, OverflowError, r"'\+' .* does not fit dtype int64",
        "RuntimeError: Overflow when unpacking long long"),
    Bad(lambda d: Tensor([1], dtype=tensor.int8) + 300, OverflowError,
        r"300 does not fit dtype int8", "wraps around: tensor([45], dtype=torch.int8)"),
    Bad(lambda d: Tensor([1.0]) + "a", TypeError, r"unsupported operand .*'str'",
        "TypeError: unsupported operand type(s) for +: 'Tensor' and 'str'"),
    Bad(lambda d: Tensor([1.0]) + [1.0], TypeError, r"wrap it in a Tensor",
        "TypeError: unsupported operand type(s) for +: 'Tensor' and 'list'"),
    Bad(lambda d: Tensor([1.0, 2.0]).item(), ValueError, r"one element",
        "RuntimeError: a Tensor with 2 elements cannot be converted to Scalar"),
    Bad(lambda d: bool(Tensor([1.0, 2.0])), RuntimeError, r"ambiguous",
        "RuntimeError: Boolean value of Tensor with more than one value is ambiguous"),
    Bad(lambda d: len(Tensor(1.0)), TypeError, r"0-d", "TypeError: len() of a 0-d tensor"),
    Bad(lambda d: Tensor(1.0).size(0), IndexError, r"0-d tensor has no dimensions",
        "IndexError: Dimension specified as 0 but tensor has no dimensions"),
    Bad(lambda d: setattr(leaf(1.0, 2.0), "grad", tensor.zeros(3)), ValueError,
        r"assigned grad has shape \(3,\)",
        "RuntimeError: assigned grad has data of a different size"),
    Bad(lambda d: (leaf(1.0, 2.0) * 2).backward(), RuntimeError, r"one-element output",
        "RuntimeError: grad can be implicitly created only for scalar outputs"),
    Bad(lambda d: Tensor([1.0]).sum().backward(), RuntimeError, r"does not require grad",
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
    Bad(lambda d: leaf().numpy(), RuntimeError, r"detach\(\)\.numpy\(\)",
        "RuntimeError: Can't call numpy() on Tensor that requires grad"),
    Bad(lambda d: setattr(leaf() * 2, "requires_grad", False), RuntimeError,
        r"only be changed on a leaf", "RuntimeError: you can only change requires_grad flags "
        "of leaf variables"),
    Bad(lambda d: tensor.zeros(2).to("gpu"), ValueError, r"unknown device", "RuntimeError"),
    Bad(lambda d: Tensor([1.0]) * tensor.ones(1, device="standin"), RuntimeError,
        r"two devices, cpu and standin", "RuntimeError: Expected all tensors to be on the same "
        "device"),

    # ---- shapes --------------------------------------------------------------------------
    Bad(lambda d: tensor.zeros(6).reshape(2.0, 3), TypeError, r"reshape: sizes must be integers",
        "TypeError: reshape(): argument 'shape' must be tuple of ints, not float"),
    Bad(lambda d: tensor.zeros(6).reshape("2", 3), TypeError, r"got str '2'",
        "TypeError: reshape(): argument 'shape' must be tuple of ints"),
    Bad(lambda d: tensor.zeros(6).reshape(-2, 3), ValueError, r"invalid size -2",
        "RuntimeError: invalid shape dimension -2"),
    Bad(lambda d: tensor.zeros(6).view(-2, 3), ValueError, r"view: invalid size -2",
        "RuntimeError: invalid shape dimension -2 (was accepted here before)"),
    Bad(lambda d: tensor.zeros(6).reshape(-1, -1), ValueError, r"only one size can be -1",
        "RuntimeError: only one dimension can be inferred"),
    Bad(lambda d: tensor.zeros(6).reshape(4, 2), ValueError, r"cannot arrange .* as shape \(4, 2\)",
        "RuntimeError: shape '[4, 2]' is invalid for input of size 6"),
    Bad(lambda d: tensor.zeros(6).reshape(2**70), ValueError, r"cannot arrange",
        "RuntimeError: Overflow when unpacking long long"),
    Bad(lambda d: tensor.zeros(1).expand(2.0), TypeError, r"expand: sizes must be integers",
        "TypeError: expand(): argument 'size' must be tuple of ints, not float"),
    Bad(lambda d: tensor.zeros(1).expand(-2), ValueError, r"expand: invalid size -2",
        "RuntimeError: numel: integer multiplication overflow"),
    Bad(lambda d: tensor.zeros(1).expand(-1, 2), ValueError, r"new leading dimension",
        "RuntimeError: The expanded size of the tensor (-1) isn't allowed in a leading, "
        "non-existing dimension 0"),
    Bad(lambda d: tensor.zeros(2).expand(3), ValueError, r"cannot expand shape \(2,\) to \(3,\)",
        "RuntimeError: The expanded size of the tensor (3) must match the existing size (2)"),
    Bad(lambda d: tensor.zeros(2, 2).expand(2), ValueError, r"fewer dimensions",
        "RuntimeError: the number of sizes provided (1) must be greater or equal to the number "
        "of dimensions in the tensor (2)"),
    Bad(lambda d: tensor.zeros(3).split([4, -1]), ValueError, r"sizes must be integers >= 0",
        "RuntimeError: split_with_sizes expects split_sizes have only non-negative entries "
        "(was accepted here before)"),
    Bad(lambda d: tensor.zeros(3).split([1, 1]), ValueError, r"add up to 2, but dimension 0",
        "RuntimeError: split_with_sizes expects split_sizes to sum exactly to 3"),
    Bad(lambda d: tensor.zeros(3).split(0), ValueError, r"split_size must be positive",
        "RuntimeError: split_size can only be 0 if dimension size is 0"),
    Bad(lambda d: Tensor(1.0).split(1), ValueError, r"0-d tensor has no dimension to split",
        "RuntimeError: split expects at least a 1-dimensional tensor"),
    Bad(lambda d: tensor.zeros(3).chunk(0), ValueError, r"chunks must be positive",
        "RuntimeError: chunk expects `chunks` to be greater than 0"),
    Bad(lambda d: tensor.zeros(3).chunk(1.5), ValueError, r"chunks must be positive, got 1\.5",
        "TypeError: chunk(): argument 'chunks' must be int, not float"),
    Bad(lambda d: x34().permute(0, 0), ValueError, r"not an ordering of the 2 dimensions",
        "RuntimeError: permute(): duplicate dims are not allowed"),
    Bad(lambda d: x34().permute(0), ValueError, r"not an ordering",
        "RuntimeError: permute(sparse_coo): number of dimensions in the tensor input does not "
        "match the length of the desired ordering of dimensions"),
    Bad(lambda d: x34().transpose(0, 2), IndexError, r"dimension 2 is out of range .* -2 to 1",
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    Bad(lambda d: x34().transpose(0.0, 1), TypeError, r"transpose: dim must be an integer",
        "TypeError: transpose(): argument 'dim0' must be int, not float"),
    Bad(lambda d: x34().squeeze(5), IndexError, r"squeeze: dimension 5 is out of range",
        "IndexError: Dimension out of range"),
    Bad(lambda d: tensor.zeros(3).unsqueeze(3), IndexError, r"unsqueeze: dimension 3",
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    Bad(lambda d: x34().flatten(1, 0), ValueError, r"start_dim 1 comes after end_dim 0",
        "RuntimeError: flatten() has invalid args: start_dim cannot come after end_dim"),
    Bad(lambda d: x34().size(2), IndexError, r"size: dimension 2 is out of range",
        "IndexError: Dimension out of range"),
    Bad(lambda d: tensor.cat([]), ValueError, r"non-empty sequence",
        "RuntimeError: torch.cat(): expected a non-empty list of Tensors"),
    Bad(lambda d: tensor.cat([x34(), "a"]), TypeError, r"expected a sequence of Tensors",
        "TypeError: expected Tensor as element 1 in argument 0, but got str"),
    Bad(lambda d: tensor.cat([x34(), tensor.zeros(3, 5)]), ValueError,
        r"differ outside dimension 0", "RuntimeError: Sizes of tensors must match except in "
        "dimension 0"),
    Bad(lambda d: tensor.stack([x34(), tensor.zeros(3, 5)]), ValueError, r"same shape",
        "RuntimeError: stack expects each tensor to be equal size"),
    Bad(lambda d: tensor.cat([x34(), tensor.zeros(3, 4, device="standin")]), RuntimeError,
        r"different devices", "RuntimeError: Expected all tensors to be on the same device"),
    Bad(lambda d: tensor.pad(x34(), (1,)), ValueError, r"\(before, after\) pairs",
        "RuntimeError: Padding length must be divisible by 2"),
    Bad(lambda d: tensor.pad(x34(), (1, 1), mode="wrap"), ValueError, r"mode must be",
        "NotImplementedError: Unrecognised padding mode wrap"),
    Bad(lambda d: x34() + tensor.zeros(5), ValueError,
        r"shapes \(3, 4\) and \(5,\) cannot be broadcast for '\+'",
        "RuntimeError: The size of tensor a (4) must match the size of tensor b (5)"),
    Bad(lambda d: x34() @ x34(), ValueError, r"matmul: shapes \(3, 4\) and \(3, 4\) do not fit",
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (3x4 and 3x4)"),
    Bad(lambda d: x34() @ Tensor(2.0), ValueError, r"at least one dimension",
        "RuntimeError: both arguments to matmul need to be at least 1D"),

    # ---- reductions and dims ---------------------------------------------------------------
    Bad(lambda d: x34().sum(dim=1.0), TypeError, r"sum: dim must be an integer, got float",
        "TypeError: sum() received an invalid combination of arguments - got (dim=float)"),
    Bad(lambda d: x34().sum(dim="1"), TypeError, r"sum: dim must be an integer, got str",
        "TypeError: sum() received an invalid combination of arguments - got (dim=str)"),
    Bad(lambda d: x34().sum(dim=True), TypeError, r"dim must be an integer, got bool",
        "TypeError: sum() received an invalid combination of arguments - got (dim=bool)"),
    Bad(lambda d: x34().sum(dim=2), IndexError, r"sum: dimension 2 is out of range",
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    Bad(lambda d: x34().sum(dim=(0, 0)), ValueError, r"name the same axis twice",
        "RuntimeError: dim 0 appears multiple times in the list of dims"),
    Bad(lambda d: Tensor(1.0).sum(dim=1), IndexError, r"expected -1 to 0",
        "IndexError: Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    Bad(lambda d: x34().mean(dim=[0, 5]), IndexError, r"mean: dimension 5",
        "IndexError: Dimension out of range"),
    Bad(lambda d: Tensor([1, 2]).mean(), TypeError, r"mean\(\) needs a floating-point tensor",
        "RuntimeError: mean(): could not infer output dtype. Input dtype must be either a "
        "floating point or complex dtype. Got: Long"),
    Bad(lambda d: Tensor([1, 2]).var(), TypeError, r"var\(\) needs a floating-point",
        "RuntimeError: std and var only support floating point and complex dtypes"),
    Bad(lambda d: Tensor([1, 2]).std(), TypeError, r"std\(\) needs a floating-point",
        "RuntimeError: std and var only support floating point and complex dtypes"),
    Bad(lambda d: Tensor([1, 2]).logsumexp(0), TypeError, r"logsumexp\(\) needs a floating",
        "returns float32 (an int input is converted)"),
    Bad(lambda d: x34().argmax(dim=[0]), TypeError, r"argmax: dim must be an integer, got list",
        "TypeError: argmax(): argument 'dim' must be int, not list"),
    Bad(lambda d: x34().max(dim=[0]), TypeError, r"max\(dim\) takes one dimension",
        "TypeError: max() received an invalid combination of arguments"),
    Bad(lambda d: x34().min(dim=(0, 1)), TypeError, r"min\(dim\) takes one dimension",
        "TypeError: min() received an invalid combination of arguments"),
    Bad(lambda d: empty().argmax(), IndexError, r"argmax\(\): the tensor is empty",
        "IndexError: argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    Bad(lambda d: empty().argmin(dim=1), IndexError, r"argmin\(\): dimension 1 .* is empty",
        "IndexError: argmin(): Expected reduction dim 1 to have non-zero size."),
    Bad(lambda d: empty().max(), IndexError, r"max\(\): the tensor is empty \(shape \(2, 0\)\)",
        "RuntimeError: max(): Expected reduction dim to be specified for input.numel() == 0."),
    Bad(lambda d: empty().min(), IndexError, r"min\(\): the tensor is empty",
        "RuntimeError: min(): Expected reduction dim to be specified for input.numel() == 0."),
    Bad(lambda d: empty().max(dim=1), IndexError, r"max\(\): dimension 1 of the tensor is empty",
        "IndexError: max(): Expected reduction dim 1 to have non-zero size."),
    Bad(lambda d: empty().amax(dim=1), IndexError, r"amax\(\): dimension 1 .* is empty",
        "IndexError: amax(): Expected reduction dim 1 to have non-zero size."),
    Bad(lambda d: empty().amin(), IndexError, r"amin\(\): the tensor is empty",
        "IndexError: amin(): Expected reduction dim to be specified for input.numel() == 0."),
    Bad(lambda d: x34().softmax(dim=1.0), TypeError, r"softmax: dim must be an integer",
        "TypeError: softmax(): argument 'dim' must be int, not float"),
    Bad(lambda d: x34().softmax(dim=2), IndexError, r"softmax: dimension 2 is out of range",
        "IndexError: Dimension out of range"),
    Bad(lambda d: x34().log_softmax(dim=[1]), TypeError, r"log_softmax: dim must be an integer",
        "TypeError: log_softmax(): argument 'dim' must be int, not list"),
    Bad(lambda d: F.softmax(Tensor([1, 2]), dim=0), TypeError,
        r"softmax\(\) needs a floating-point tensor, got dtype int64",
        "NotImplementedError: \"softmax_lastdim_kernel_impl\" not implemented for 'Long' "
        "(returned float64 here before)"),
    Bad(lambda d: F.log_softmax(Tensor([1, 2]), dim=0), TypeError,
        r"log_softmax\(\) needs a floating-point", "NotImplementedError: not implemented for "
        "'Long'"),
    Bad(lambda d: F.softmax(x34()), TypeError, r"needs dim=",
        "UserWarning: Implicit dimension choice for softmax has been deprecated"),

    # ---- indexing ------------------------------------------------------------------------
    Bad(lambda d: x34()[0.5], IndexError, r"tensor index must be an integer, .*got float 0\.5",
        "IndexError: only integers, slices (`:`), ellipsis (`...`), None and long or byte "
        "Variables are valid indices (got float)"),
    Bad(lambda d: x34()["a"], IndexError, r"got str 'a'",
        "IndexError: only integers, slices, ellipsis, None and long or byte Variables are valid "
        "indices (got str)"),
    Bad(lambda d: x34()[Tensor([0.5])], IndexError, r"must be integers or bools, got dtype float",
        "IndexError: tensors used as indices must be long, int, byte or bool tensors"),
    Bad(lambda d: x34()[5], IndexError, r"index 5 is out of bounds",
        "IndexError: index 5 is out of bounds for dimension 0 with size 3"),
    Bad(lambda d: x34()[tensor.zeros(1, dtype=tensor.int64, device="standin")], RuntimeError,
        r"indexing a cpu tensor with a standin tensor", "RuntimeError: indices should be either "
        "on cpu or on the same device as the indexed tensor"),
    Bad(lambda d: x34().__setitem__(0, tensor.ones(5)), ValueError,
        r"\(4,\) and \(5,\) cannot be broadcast for '\[\]='", "RuntimeError: shape mismatch: "
        "value tensor of shape [5] cannot be broadcast to indexing result of shape [4]"),
    Bad(lambda d: x34().gather(1, Tensor([[-1]] * 3)), IndexError,
        r"gather: index values must be in \[0, 3\].*negative indices do not count",
        "RuntimeError: index -1 is out of bounds for dimension 1 with size 4 (wrapped here "
        "before)"),
    Bad(lambda d: x34().gather(1, Tensor([[4]] * 3)), IndexError, r"got values from 4 to 4",
        "RuntimeError: index 4 is out of bounds for dimension 1 with size 4"),
    Bad(lambda d: x34().gather(1, Tensor([[0.0]] * 3)), TypeError, r"gather: expected an integer",
        "RuntimeError: gather(): Expected dtype int64 for index"),
    Bad(lambda d: x34().gather(1, Tensor([0, 1, 2])), ValueError, r"does not fit input",
        "RuntimeError: Index tensor must have the same number of dimensions as input tensor"),
    Bad(lambda d: x34().masked_fill(x34(), 0.0), TypeError, r"masked_fill: expected a bool",
        "RuntimeError: masked_fill_ only supports boolean masks"),
    Bad(lambda d: x34().masked_fill(Tensor([True, False]), 0.0), ValueError,
        r"cannot be broadcast for 'masked_fill'", "RuntimeError: The size of tensor a (4) "
        "must match the size of tensor b (2)"),
    Bad(lambda d: tensor.where(x34(), x34(), x34()), TypeError, r"condition must be a bool",
        "RuntimeError: where expected condition to be a boolean tensor"),

    # ---- elementwise ops and activations ----------------------------------------------------
    Bad(lambda d: x34().clamp(), ValueError, r"at least one of min and max",
        "RuntimeError: torch.clamp: At least one of 'min' or 'max' must not be None"),
    Bad(lambda d: x34().clamp(min="a"), TypeError, r"min and max must be numbers",
        "TypeError: clamp() received an invalid combination of arguments"),
    Bad(lambda d: F.gelu(x34(), approximate="fast"), ValueError, r"'none' or 'tanh'",
        "RuntimeError: approximate argument must be either none or tanh."),
    Bad(lambda d: F.relu([1.0]), TypeError, r"relu: input must be a Tensor, got list",
        "TypeError: relu(): argument 'input' must be Tensor, not list"),
    Bad(lambda d: F.dropout(x34(), p=1.5), ValueError, r"between 0 and 1",
        "ValueError: dropout probability has to be between 0 and 1, but got 1.5"),

    # ---- losses --------------------------------------------------------------------------
    Bad(lambda d: F.binary_cross_entropy(Tensor([1.5]), Tensor([1.0])), ValueError,
        r"every input must be a probability", "RuntimeError: all elements of input should be "
        "between 0 and 1"),
    Bad(lambda d: F.binary_cross_entropy(Tensor([0.5]), Tensor([2.0])), ValueError,
        r"every target must be in \[0, 1\].*from 2 to 2", "RuntimeError: all elements of target "
        "should be between 0 and 1 (accepted here before)"),
    Bad(lambda d: F.binary_cross_entropy(Tensor([0.5]), Tensor([-0.5])), ValueError,
        r"every target must be in \[0, 1\]", "RuntimeError: all elements of target should be "
        "between 0 and 1"),
    Bad(lambda d: F.binary_cross_entropy(Tensor([0.5, 0.5]), Tensor([1.0])), ValueError,
        r"must have the same shape", "ValueError: Using a target size that is different to the "
        "input size is deprecated"),
    Bad(lambda d: F.cross_entropy(x34(), Tensor([0, 1, 7])), IndexError, r"target 7 is out of",
        "IndexError: Target 7 is out of bounds."),
    Bad(lambda d: F.cross_entropy(x34(), Tensor([0, 1, -1])), IndexError, r"target -1 is out",
        "IndexError: Target -1 is out of bounds."),
    Bad(lambda d: F.cross_entropy(x34(), Tensor([0, 1])), ValueError,
        r"expects class indices of shape \(3,\)", "ValueError: Expected input batch_size (3) to "
        "match target batch_size (2)."),
    Bad(lambda d: F.cross_entropy(x34(), tensor.randn(3)), TypeError, r"target\.long\(\)",
        "RuntimeError: expected scalar type Long but found Float"),
    Bad(lambda d: F.nll_loss(x34(), Tensor([0.0, 1.0, 2.0])), TypeError, r"integer tensor",
        "RuntimeError: expected scalar type Long but found Float"),
    Bad(lambda d: F.cross_entropy(x34(), Tensor([0, 1, 2]), label_smoothing=1.5), ValueError,
        r"label_smoothing must be between 0\.0 and 1\.0", "RuntimeError: label_smoothing must "
        "be between 0.0 and 1.0. Got: 1.5"),
    Bad(lambda d: F.mse_loss(x34(), tensor.randn(4, 3)), ValueError, r"must have the same shape",
        "RuntimeError: The size of tensor a (4) must match the size of tensor b (3)"),
    Bad(lambda d: F.mse_loss(x34(), x34(), reduction="avg"), ValueError,
        r"reduction must be one of", "ValueError: avg is not a valid value for reduction"),
    Bad(lambda d: F.mse_loss(Tensor([1, 2]), Tensor([1, 2])), TypeError,
        r"floating-point tensor, got dtype int64", "RuntimeError: \"mse_cpu\" not implemented "
        "for 'Long'"),
    Bad(lambda d: F.huber_loss(x34(), x34(), delta=-1.0), ValueError, r"delta must be positive",
        "RuntimeError: huber_loss does not support non-positive values for delta."),

    # ---- modules -------------------------------------------------------------------------
    Bad(lambda d: nn.Linear(5, 2)(x34()), ValueError,
        r"Linear\(in_features=5, .*\) expected input of shape \(\*, 5\), got \(3, 4\)",
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)"),
    Bad(lambda d: nn.Linear(-1, 2), ValueError, r"Linear: in_features must be a whole number",
        "RuntimeError: Trying to create tensor with negative dimension -1"),
    Bad(lambda d: nn.Linear(2.5, 2), ValueError, r"in_features must be .* got 2\.5",
        "TypeError: empty(): argument 'size' must be tuple of ints"),
    Bad(lambda d: nn.LayerNorm(5)(x34()), ValueError, r"expected input of shape \(\*, 5\)",
        "RuntimeError: Given normalized_shape=[5], expected input with shape [*, 5]"),
    Bad(lambda d: nn.Sequential(nn.Linear(2, 2), 3), TypeError, r"expects an nn\.Module",
        "TypeError: int is not a Module subclass"),
    Bad(lambda d: setattr(nn.Linear(2, 2), "weight", tensor.zeros(2, 2)), TypeError,
        r"cannot assign a Tensor to parameter 'weight'", "TypeError: cannot assign "
        "'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None expected)"),
    Bad(lambda d: nn.Linear(2, 2).train("yes"), TypeError, r"train\(mode\) expects a bool",
        "ValueError: training mode is expected to be boolean"),
    Bad(lambda d: nn.Linear(2, 2).to("gpu"), ValueError, r"unknown device 'gpu'",
        "RuntimeError: Expected one of cpu, cuda, ... device type"),
    Bad(lambda d: nn.ModuleList([nn.Linear(2, 2)])[3], IndexError, r"index 3 is out of range",
        "IndexError: index 3 is out of range"),
    Bad(lambda d: nn.Module()(x34()), NotImplementedError, r"must define forward",
        "NotImplementedError: Module [Module] is missing the required \"forward\" function"),
    Bad(lambda d: nn.Linear(2, 1).load_state_dict([1, 2]), TypeError,
        r"expects a dict from names to Tensors .*got list",
        "TypeError: Expected state_dict to be dict-like, got <class 'list'>."),
    Bad(lambda d: nn.Linear(2, 1).load_state_dict({"weight": [[1.0, 2.0]], "bias": [0.0]}),
        RuntimeError, r"parameter named \"weight\", expected a Tensor or array .* received list",
        "RuntimeError: While copying the parameter named \"weight\", expected torch.Tensor or "
        "Tensor-like object from checkpoint but received <class 'list'>"),
    Bad(lambda d: nn.Linear(2, 1).load_state_dict({"weight": None, "bias": tensor.zeros(1)}),
        RuntimeError, r"received NoneType", "RuntimeError: ... but received <class 'NoneType'>"),
    Bad(lambda d: nn.Linear(2, 1).load_state_dict({"weight": tensor.zeros(3, 2),
                                                   "bias": tensor.zeros(1)}),
        RuntimeError, r"size mismatch for weight", "RuntimeError: size mismatch for weight"),
    Bad(lambda d: nn.Linear(2, 1).load_state_dict({"weight": tensor.zeros(1, 2)}), RuntimeError,
        r"Missing key\(s\) in state_dict: \"bias\"", "RuntimeError: Missing key(s) in "
        "state_dict: \"bias\"."),
    Bad(lambda d: nn.Linear(2, 1).load_state_dict({"weight": tensor.zeros(1, 2), "bias":
                                                   tensor.zeros(1), "extra": tensor.zeros(1)}),
        RuntimeError, r"Unexpected key\(s\) in state_dict: \"extra\"",
        "RuntimeError: Unexpected key(s) in state_dict: \"extra\"."),

    # ---- layers of chapter 8 (convolution, pooling, normalization, dropout) -----------------
    Bad(lambda d: nn.Conv2d(1, 4, 3)(tensor.randn(2, 3, 8, 8)), ValueError,
        r"Conv2d\(1, 4, .*expected input of shape \(N, 1, H, W\).*got \(2, 3, 8, 8\)",
        "RuntimeError: expected input[2, 3, 8, 8] to have 1 channels, but got 3 channels"),
    Bad(lambda d: nn.Conv2d(3, 4, 3)(tensor.randn(8, 8)), ValueError, r"Conv2d.*got \(8, 8\)",
        "RuntimeError: Expected 3D (unbatched) or 4D (batched) input to conv2d"),
    Bad(lambda d: nn.Conv2d(3, 4, 0), ValueError, r"kernel_size must be",
        "RuntimeError at the first call: non-positive kernel size"),
    Bad(lambda d: nn.Conv2d(3, 4, 3, stride=0), ValueError, r"stride must be",
        "RuntimeError at the first call: non-positive stride is not supported"),
    Bad(lambda d: nn.Conv2d(3, 4, 3, groups=2), ValueError, r"divisible by groups",
        "ValueError: in_channels must be divisible by groups"),
    Bad(lambda d: nn.Conv2d(3, 4, 3, padding_mode="bad"), ValueError, r"padding_mode must be",
        "ValueError: padding_mode must be one of ['zeros', 'reflect', 'replicate', "
        "'circular']"),
    Bad(lambda d: nn.Conv2d(3, 4, 9)(tensor.randn(2, 3, 8, 8)), ValueError, r"kernel .*larger",
        "RuntimeError: Kernel size can't be greater than actual input size"),
    Bad(lambda d: nn.ConvTranspose2d(1, 4, 3)(tensor.randn(2, 3, 8, 8)), ValueError,
        r"ConvTranspose2d.*expected input of shape", "RuntimeError: Given transposed=1, weight "
        "of size [1, 4, 3, 3], expected input[2, 3, 8, 8] to have 1 channels"),
    Bad(lambda d: nn.MaxPool2d(0)(tensor.randn(2, 3, 8, 8)), ValueError,
        r"MaxPool2d.*kernel_size must be positive", "RuntimeError: max_pool2d: kernel_size "
        "must be greater than zero"),
    Bad(lambda d: nn.MaxPool2d(2, padding=2)(tensor.randn(2, 3, 8, 8)), ValueError,
        r"padding must be at most half of kernel_size", "RuntimeError: pad should be at most "
        "half of effective kernel size"),
    Bad(lambda d: nn.MaxPool2d(2)(tensor.randn(8)), ValueError, r"MaxPool2d.*got \(8,\)",
        "RuntimeError: non-empty 3D or 4D (batch mode) tensor expected for input"),
    Bad(lambda d: nn.AvgPool2d(10)(tensor.randn(2, 3, 8, 8)), ValueError,
        r"AvgPool2d.*spatial size", "RuntimeError: Output size is too small"),
    Bad(lambda d: nn.BatchNorm2d(4)(tensor.randn(2, 3, 8, 8)), ValueError,
        r"BatchNorm2d\(4.*expected input of shape \(N, 4, H, W\)", "RuntimeError: running_mean "
        "should contain 3 elements not 4"),
    Bad(lambda d: nn.BatchNorm1d(3)(tensor.randn(1, 3)), ValueError,
        r"more than 1 value per channel when training", "ValueError: Expected more than 1 value "
        "per channel when training, got input size torch.Size([1, 3])"),
    Bad(lambda d: nn.GroupNorm(2, 3), ValueError, r"divisible by num_groups",
        "ValueError: num_channels must be divisible by num_groups"),
    Bad(lambda d: nn.Dropout(1.5), ValueError, r"Dropout: .*between 0 and 1",
        "ValueError: dropout probability has to be between 0 and 1, but got 1.5"),
    Bad(lambda d: nn.Dropout2d(-0.1), ValueError, r"Dropout2d: .*between 0 and 1",
        "ValueError: dropout probability has to be between 0 and 1, but got -0.1"),

    # ---- optimizers ----------------------------------------------------------------------
    Bad(lambda d: SGD([leaf() * 2], lr=0.1), ValueError, r"can't optimize a non-leaf Tensor",
        "ValueError: can't optimize a non-leaf Tensor (accepted here before, then never "
        "updated)"),
    Bad(lambda d: SGD(leaf(), lr=0.1), TypeError, r"got a single Tensor",
        "TypeError: params argument given to the optimizer should be an iterable of Tensors or "
        "dicts, but got torch.FloatTensor"),
    Bad(lambda d: SGD([], lr=0.1), ValueError, r"empty parameter list",
        "ValueError: optimizer got an empty parameter list"),
    Bad(lambda d: SGD([1.0], lr=0.1), TypeError, r"can only optimize Tensors, got float",
        "TypeError: optimizer can only optimize Tensors, but one of the params is float"),
    Bad(lambda d: SGD(params(), lr="0.1"), TypeError, r"SGD: lr must be a number, got str",
        "TypeError: '<' not supported between instances of 'str' and 'float'"),
    Bad(lambda d: SGD(params(), lr=None), TypeError, r"SGD: lr must be a number, got NoneType",
        "TypeError: '<' not supported between instances of 'NoneType' and 'float'"),
    Bad(lambda d: SGD(params(), lr=-1), ValueError, r"SGD: invalid lr=-1",
        "ValueError: Invalid learning rate: -1"),
    Bad(lambda d: SGD(params(), lr=0.1, momentum=-0.5), ValueError, r"invalid momentum",
        "ValueError: Invalid momentum value: -0.5"),
    Bad(lambda d: SGD(params(), lr=0.1, momentum="0.9"), TypeError, r"momentum must be a number",
        "TypeError: '<' not supported between instances of 'str' and 'float'"),
    Bad(lambda d: SGD(params(), lr=0.1, nesterov=True), ValueError, r"Nesterov",
        "ValueError: Nesterov momentum requires a momentum and zero dampening"),
    Bad(lambda d: SGD(params(), lr=0.1, weight_decay=-1), ValueError, r"invalid weight_decay",
        "ValueError: Invalid weight_decay value: -1"),
    Bad(lambda d: Adam(params(), betas=0.9), TypeError, r"betas must be a pair",
        "TypeError: 'float' object is not subscriptable"),
    Bad(lambda d: Adam(params(), betas=(0.9,)), ValueError, r"invalid betas",
        "IndexError: tuple index out of range"),
    Bad(lambda d: Adam(params(), betas=(1.0, 0.999)), ValueError, r"two values in \[0, 1\)",
        "ValueError: Invalid beta parameter at index 0: 1.0"),
    Bad(lambda d: Adam(params(), betas=("a", 0.9)), TypeError,
        r"betas must be a pair of numbers .*got tuple \('a', 0\.9\)",
        "TypeError: '<=' not supported between instances of 'float' and 'str'"),
    Bad(lambda d: Adam(params(), lr="0.1"), TypeError, r"Adam: lr must be a number",
        "TypeError: '<=' not supported between instances of 'float' and 'str'"),
    Bad(lambda d: AdamW(params(), eps=-1e-8), ValueError, r"AdamW: invalid eps",
        "ValueError: Invalid epsilon value: -1e-08"),
    Bad(lambda d: RMSprop(params(), alpha=2.0), ValueError, r"RMSprop: invalid alpha",
        "ValueError: Invalid alpha value: 2.0"),
    Bad(lambda d: RMSprop(params(), lr=[0.1]), TypeError, r"RMSprop: lr must be a number",
        "TypeError: '<=' not supported between instances of 'float' and 'list'"),
    Bad(lambda d: Adagrad(params(), lr_decay=-1), ValueError, r"Adagrad: invalid lr_decay",
        "ValueError: Invalid lr_decay value: -1"),
    Bad(lambda d: Adadelta(params(), rho=2.0), ValueError, r"Adadelta: invalid rho",
        "ValueError: Invalid rho value: 2.0"),
    Bad(lambda d: Adadelta(params(), eps=None), TypeError, r"Adadelta: eps must be a number",
        "TypeError: '<=' not supported between instances of 'float' and 'NoneType'"),
    Bad(lambda d: sgd().load_state_dict({}), ValueError, r"lacks \['state', 'param_groups'\]",
        "KeyError: 'param_groups'"),
    Bad(lambda d: sgd().load_state_dict([1, 2]), TypeError, r"expects the dict that state_dict",
        "TypeError: list indices must be integers or slices, not str"),
    Bad(lambda d: sgd().load_state_dict({"state": {}, "param_groups": []}), ValueError,
        r"0 parameter groups, this optimizer has 1", "ValueError: loaded state dict has a "
        "different number of parameter groups"),
    Bad(lambda d: sgd().load_state_dict({"state": {}, "param_groups": [{"params": [0, 1]}]}),
        ValueError, r"hold \[2\] parameters, this optimizer's hold \[1\]",
        "ValueError: loaded state dict contains a parameter group that doesn't match the size "
        "of optimizer's group"),
    Bad(lambda d: sgd().load_state_dict({"state": {5: {}}, "param_groups": [{"params": [0]}]}),
        ValueError, r"state for parameter 5", "ignores the state of an unknown parameter"),
    Bad(lambda d: _same_parameter_twice(), ValueError, r"more than one parameter group",
        "ValueError: some parameters appear in more than one parameter group"),
    Bad(lambda d: sgd().add_param_group({"params": {leaf()}}), TypeError, r"not a set",
        "TypeError: optimizer parameters need to be organized in ordered collections"),
    Bad(lambda d: moved_state().step(), RuntimeError,
        r"SGD\.step\(\): a parameter of shape \(1,\) is on standin but its state "
        r"'momentum_buffer' is on cpu", "RuntimeError: Expected all tensors to be on the same "
        "device (the stand-in's internal message here before)"),

    # ---- learning-rate schedules -----------------------------------------------------------
    Bad(lambda d: S.StepLR(sgd(), step_size=0), ValueError, r"StepLR: step_size must be a "
        r"positive integer, got 0", "accepted; ZeroDivisionError at the first step()"),
    Bad(lambda d: S.StepLR(sgd(), step_size=-3), ValueError, r"step_size must be a positive",
        "accepted: the lr decays at every multiple of -3"),
    Bad(lambda d: S.StepLR(sgd(), step_size=1.5), ValueError, r"got 1\.5",
        "accepted: the lr decays at steps 3, 6, ..."),
    Bad(lambda d: S.StepLR(sgd(), step_size=2, gamma=0), ValueError, r"StepLR: gamma must be "
        r"a positive number", "accepted: the lr becomes 0"),
    Bad(lambda d: S.ExponentialLR(sgd(), gamma=0), ValueError, r"ExponentialLR: gamma must be "
        r"a positive number, got 0", "accepted: the lr becomes 0 after one step"),
    Bad(lambda d: S.ExponentialLR(sgd(), gamma=-0.5), ValueError, r"gamma must be a positive",
        "accepted: the lr turns negative (SGD then ascends)"),
    Bad(lambda d: S.CosineAnnealingLR(sgd(), T_max=0), ValueError, r"CosineAnnealingLR: T_max "
        r"must be a positive integer, got 0", "accepted; ZeroDivisionError at the first step()"),
    Bad(lambda d: S.CosineAnnealingLR(sgd(), T_max=-5), ValueError, r"T_max must be a positive",
        "accepted"),
    Bad(lambda d: S.MultiStepLR(sgd(), milestones=5), TypeError, r"milestones must be a list "
        r"of step counts .*got int 5", "TypeError: 'int' object is not iterable"),
    Bad(lambda d: S.MultiStepLR(sgd(), milestones=[1.5, 3]), TypeError, r"milestones must be",
        "accepted: a milestone of 1.5 never happens"),
    Bad(lambda d: S.OneCycleLR(sgd(momentum=0.9), max_lr=1.0, total_steps=0), ValueError,
        r"positive integer number of steps", "ValueError: Expected positive integer "
        "total_steps, but got 0"),
    Bad(lambda d: S.OneCycleLR(sgd(momentum=0.9), max_lr=1.0), ValueError,
        r"needs total_steps, or epochs and steps_per_epoch", "ValueError: You must define "
        "either total_steps OR (epochs AND steps_per_epoch)"),
    Bad(lambda d: S.OneCycleLR(sgd(momentum=0.9), max_lr=1.0, total_steps=10, pct_start=1.5),
        ValueError, r"0 <= pct_start <= 1", "ValueError: Expected float between 0 and 1 "
        "pct_start, but got 1.5"),
    Bad(lambda d: S.OneCycleLR(sgd(momentum=0.9), max_lr=1.0, total_steps=10,
                               anneal_strategy="exp"), ValueError, r"'cos' or 'linear'",
        "ValueError: anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    Bad(lambda d: S.OneCycleLR(Adagrad(params()), max_lr=1.0, total_steps=10), ValueError,
        r"needs an optimizer with momentum or betas", "ValueError: optimizer must support "
        "momentum or beta1 with `cycle_momentum` option enabled"),
    Bad(lambda d: one_cycle_past_the_end(), ValueError, r"stepped 3 times, but total_steps is 2",
        "ValueError: Tried to step 3 times. The specified number of total steps is 2"),
    Bad(lambda d: S.StepLR("not an optimizer", step_size=1), TypeError,
        r"expects an Optimizer, got str", "TypeError: str is not an Optimizer"),
    Bad(lambda d: S.LambdaLR(sgd(), [lambda s: 1.0, lambda s: 1.0]), ValueError,
        r"expected 1 lr_lambdas", "ValueError: Expected 1 lr_lambdas, but got 2"),

    # ---- gradient clipping ---------------------------------------------------------------
    Bad(lambda d: clip_grad_norm_(params(), -1.0), ValueError, r"max_norm must be a number >= 0",
        "accepted: every gradient is multiplied by a negative factor (a step uphill)"),
    Bad(lambda d: clip_grad_norm_(params(), "1.0"), ValueError, r"max_norm must be a number",
        "TypeError: unsupported operand type(s) for /: 'str' and 'Tensor'"),
    Bad(lambda d: _nonfinite_clip(), RuntimeError, r"total norm of order 2\.0 .* is inf",
        "RuntimeError: The total norm of order 2.0 for gradients from `parameters` is "
        "non-finite"),
    Bad(lambda d: clip_grad_value_(params(), "big"), ValueError,
        r"clip_value must be a number > 0 .*got 'big'", "TypeError: clamp_() received an "
        "invalid combination of arguments"),
    Bad(lambda d: clip_grad_value_(params(), -1.0), ValueError, r"clip_value must be a number",
        "accepted: clamp(min=1, max=-1) sets every gradient to -1"),

    # ---- data ----------------------------------------------------------------------------
    Bad(lambda d: DataLoader(TensorDataset(x34()), batch_size=0), ValueError,
        r"positive integer batch_size", "ValueError: batch_size should be a positive integer "
        "value, but got batch_size=0"),
    Bad(lambda d: DataLoader(TensorDataset(x34()), batch_size=1.5), ValueError,
        r"got 1\.5", "ValueError: batch_size should be a positive integer value"),
    Bad(lambda d: list(DataLoader(NoLen(), batch_size=2)), TypeError,
        r"DataLoader needs len\(dataset\) .* NoLen has no __len__",
        "TypeError: object of type 'NoLen' has no len()"),
    Bad(lambda d: list(DataLoader(NoLenDataset(), batch_size=2)), NotImplementedError,
        r"NoLenDataset must define __len__", "TypeError: object of type 'NoLenDataset' has no "
        "len()"),
    Bad(lambda d: default_collate([]), ValueError, r"empty batch",
        "IndexError: list index out of range"),
    Bad(lambda d: default_collate([1, "a"]), TypeError, r"mixes numbers with \['str'\]",
        "TypeError: new(): invalid data type 'str'"),
    Bad(lambda d: default_collate([object(), object()]), TypeError, r"cannot batch examples of "
        r"type object", "TypeError: default_collate: batch must contain tensors, numpy arrays, "
        "numbers, dicts or lists; found <class 'object'>"),
    Bad(lambda d: default_collate([(1, 2), (3,)]), ValueError, r"different lengths",
        "RuntimeError: each element in list of batch should be of equal size"),
    Bad(lambda d: TensorDataset(), ValueError, r"at least one tensor",
        "accepted (an empty dataset with no tensors)"),
    Bad(lambda d: TensorDataset(x34(), tensor.zeros(2)), ValueError, r"same first dimension",
        "AssertionError: Size mismatch between tensors"),
    Bad(lambda d: TensorDataset(np.zeros(3)), TypeError, r"expects Tensors, got ndarray",
        "AttributeError: 'numpy.ndarray' object has no attribute 'size'"),

    # ---- saving and loading ----------------------------------------------------------------
    Bad(lambda d: nn.save(nn.Linear(2, 1), d / "m.safetensors"), TypeError,
        r"got a whole Linear object.*loading a pickle runs.*model\.state_dict\(\)",
        "pickles the whole module (torch.save); AttributeError here before"),
    Bad(lambda d: nn.save(nn.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1),
                          d / "o.safetensors"), TypeError,
        r"got a whole SGD object.*optimizer\.state_dict\(\)", "pickles the optimizer"),
    Bad(lambda d: nn.save({"w": tensor.zeros(2)}, d / "m.safetensors", metadata=["a"]),
        TypeError, r"metadata must be a dict from str to str, got list",
        "safetensors: TypeError (AttributeError here before)"),
    Bad(lambda d: nn.save({"w": tensor.zeros(2)}, d / "m.safetensors", metadata={"epoch": 3}),
        TypeError, r"metadata must map str to str", "safetensors: TypeError"),
    Bad(lambda d: nn.save({(1, 2): tensor.zeros(2)}, d / "m.safetensors"), TypeError,
        r"has the key \(1, 2\) of type tuple; keys must be strings, numbers",
        "pickles it; safetensors: TypeError"),
    Bad(lambda d: nn.save({"w": {1.0, 2.0}}, d / "m.safetensors"), TypeError,
        r"save: w is a set, which a safetensors file cannot hold", "pickles it; "
        "safetensors: AttributeError"),
    Bad(lambda d: nn.save({"w": tensor.zeros(2)}, d / "missing" / "m.safetensors"),
        FileNotFoundError, r"the folder .*missing does not exist; create it first",
        "FileNotFoundError naming the file (here it named a hidden temporary file before)"),
    Bad(lambda d: nn.save({"w": tensor.zeros(2)}, d), IsADirectoryError, r"is a folder",
        "IsADirectoryError: [Errno 21] Is a directory"),
    Bad(lambda d: nn.load(d / "nothing.safetensors"), FileNotFoundError, r"no such file",
        "FileNotFoundError: No such file or directory"),
    Bad(lambda d: nn.load(d), IsADirectoryError, r"is a folder", "IsADirectoryError"),
    Bad(lambda d: (d / "junk.safetensors").write_bytes(b"not safetensors")
        and nn.load(d / "junk.safetensors"), ValueError, r"not a readable safetensors file",
        "safetensors: SafetensorError: Error while deserializing header"),
    Bad(lambda d: nn.load(safetensors_file(d, "float8_e4m3fn")), ValueError,
        r"dtype \['F8_E4M3'\] \(weight\).*float8 has no NumPy type", "loads float8 (NumPy "
        "cannot; KeyError: 'F8_E4M3' here before)"),
    Bad(lambda d: nn.save({"w": tensor.zeros(2)}, d / "plain.safetensors")
        or load_checkpoint(d / "plain.safetensors", nn.Linear(2, 1)), ValueError,
        r"not a Grad School checkpoint", "torch.load reads any pickle"),
    Bad(lambda d: load_checkpoint(checkpoint(d, optimizer=False), nn.Linear(2, 1),
                                  SGD(params(), lr=0.1)), ValueError, r"holds no optimizer",
        "KeyError: 'optimizer' (a checkpoint dict without that key)"),
    Bad(lambda d: load_checkpoint(checkpoint(d), nn.Linear(2, 1), Adam(params())), ValueError,
        r"holds SGD state, but the optimizer given is Adam", "ValueError: loaded state dict "
        "contains a parameter group that doesn't match"),
    Bad(lambda d: load_checkpoint(checkpoint(d), nn.Linear(3, 1)), RuntimeError,
        r"size mismatch for weight", "RuntimeError: size mismatch for weight"),
    Bad(lambda d: save_checkpoint(d / "c.safetensors", nn.Linear(2, 1), metadata={"f": print}),
        TypeError, r"metadata holds a builtin_function_or_method .*JSON cannot store",
        "pickles anything"),
    Bad(lambda d: save_checkpoint(d / "c.safetensors", nn.Linear(2, 1), epoch=tensor.ones(1)),
        TypeError, r"epoch holds a Tensor .*\.item\(\)", "pickles the tensor"),

    # ---- the Value engine ------------------------------------------------------------------
    Bad(lambda d: Value(10.0) ** 400, OverflowError, r"10\.0 \*\* 400\.0 is larger than the "
        r"largest float", "tensor(inf) (Value said 'math range error' before)"),
    Bad(lambda d: Value(0.0) ** -1, ValueError, r"0 \*\* negative is undefined", "tensor(inf)"),
    Bad(lambda d: Value(-8.0) ** (1 / 3), ValueError, r"not a real number", "tensor(nan)"),
    Bad(lambda d: Value(1000.0).exp(), OverflowError, r"exp\(1000\.0\) is larger",
        "tensor(inf)"),
    Bad(lambda d: Value(-1.0).log(), ValueError, r"positive numbers only", "tensor(nan)"),
    Bad(lambda d: Value(1.0) / 0, ValueError, r"division of .* by zero", "tensor(inf)"),
    Bad(lambda d: Value(1.0) + "a", TypeError, r"'Value' and 'str'",
        "TypeError: unsupported operand type(s)"),
    Bad(lambda d: Value("a"), TypeError, r"expects a real number", "TypeError: new(): invalid "
        "data type 'str'"),

    # ---- autograd --------------------------------------------------------------------------
    Bad(lambda d: _backward_twice(), RuntimeError, r"a second time",
        "RuntimeError: Trying to backward through the graph a second time"),
    Bad(lambda d: leaf().add_(1), RuntimeError, r"leaf tensor that requires grad",
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    Bad(lambda d: _changed_after_saving(), RuntimeError, r"'add_' in place on a tensor that "
        r"the graph has already used",
        "RuntimeError: one of the variables needed for gradient computation has been modified "
        "by an inplace operation"),
]


def _nonfinite_clip():
    p = leaf()
    p.grad = Tensor([float("inf")])
    clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def _same_parameter_twice():
    optimizer = sgd()
    optimizer.add_param_group({"params": optimizer.param_groups[0]["params"]})


def _backward_twice():
    y = (leaf() * 2).sum()
    y.backward()
    y.backward()


def _changed_after_saving():
    w = leaf(1.0, 2.0)
    h = w * 1
    y = (h * h).sum()
    h.add_(1)
    y.backward()


def test_the_table_is_large():
    assert len(ROWS) >= 150


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d}" for i in range(len(ROWS))])
def test_bad_input_is_a_clear_error(row, tmp_path):
    with pytest.raises(row.error, match=row.match):
        row.call(tmp_path)


def test_load_checkpoint_failure_changes_nothing(tmp_path):
    """A checkpoint whose optimizer part does not fit must leave the model AND the optimizer
    exactly as they were (before, the model's weights were overwritten, then it raised)."""
    path = checkpoint(tmp_path)
    model = nn.Linear(2, 1)
    optimizer = Adam(model.parameters(), lr=0.01)
    model(tensor.randn(4, 2)).sum().backward()
    optimizer.step()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    state_before = {k: v.copy() if hasattr(v, "copy") else v
                    for k, v in optimizer.state[model.weight].items()}
    with pytest.raises(ValueError, match="holds SGD state"):
        load_checkpoint(path, model, optimizer)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key])
    after = optimizer.state[model.weight]
    assert after.keys() == state_before.keys()
    np.testing.assert_array_equal(after["exp_avg"], state_before["exp_avg"])


def test_optimizer_load_failure_changes_nothing():
    """Optimizer.load_state_dict checks everything before it installs anything."""
    p = leaf(1.0, 2.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    p.grad = Tensor([1.0, 1.0])
    optimizer.step()
    buffer = optimizer.state[p]["momentum_buffer"].copy()
    bad = {"state": {0: {"momentum_buffer": np.zeros(2)}, 7: {}},
           "param_groups": [{"params": [0], "lr": 5.0}]}
    with pytest.raises(ValueError, match="state for parameter 7"):
        optimizer.load_state_dict(bad)
    np.testing.assert_array_equal(optimizer.state[p]["momentum_buffer"], buffer)
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_checkpoint_metadata_with_numpy_numbers_round_trips(tmp_path):
    """NumPy numbers (a score from np.mean, an epoch from np.arange) are stored as numbers."""
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, nn.Linear(2, 1), epoch=np.int64(3),
                    metadata={"score": np.float32(0.5), "ok": np.bool_(True)})
    loaded = load_checkpoint(path, nn.Linear(2, 1))
    assert loaded == {"epoch": 3, "metadata": {"score": 0.5, "ok": True}}
    assert type(loaded["epoch"]) is int


def test_checkpoint_without_epoch_loads_as_none(tmp_path):
    """A checkpoint file whose header lacks epoch (or metadata) loads them as None."""
    from nn.serialization import CHECKPOINT_FORMAT

    path = tmp_path / "c.safetensors"
    state = {f"model.{k}": v for k, v in nn.Linear(2, 1).state_dict().items()}
    nn.save(state, path, metadata={"format": CHECKPOINT_FORMAT})
    assert load_checkpoint(path, nn.Linear(2, 1)) == {"epoch": None, "metadata": None}


def test_bfloat16_weights_load_as_float32_and_say_so(tmp_path):
    """Most shared weights are bfloat16: they load as float32, exactly, with a warning."""
    import torch
    from safetensors.torch import save_file

    values = torch.tensor([[1.5, -2.25, 3.0e38, 1.0e-3]], dtype=torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    save_file({"weight": values, "bias": torch.zeros(1, dtype=torch.float32)}, str(path),
              metadata={"source": "torch"})
    with pytest.warns(UserWarning, match=r"1 bfloat16 tensor\(s\) \(weight\) loaded as float32"):
        loaded = nn.load(path)
    assert loaded["weight"].dtype == tensor.float32
    np.testing.assert_array_equal(loaded["weight"].numpy(), values.float().numpy())
    assert loaded["bias"].dtype == tensor.float32
    model = nn.Linear(4, 1)
    model.load_state_dict(loaded)
    np.testing.assert_array_equal(model.weight.detach().numpy(), values.float().numpy())


def test_json_in_checkpoint_header_is_plain(tmp_path):
    from safetensors import safe_open

    path = tmp_path / "c.safetensors"
    save_checkpoint(path, nn.Linear(2, 1), epoch=np.int32(7))
    with safe_open(str(path), "np") as f:
        assert json.loads(f.metadata()["epoch"]) == 7


# ---- stale temporary files of killed saves -------------------------------------------------

_KILLED_SAVE = """
import os, signal, sys
sys.path.insert(0, {root!r})
import nn.serialization as s
def stuck(path, content):  # the save is killed mid-write: the temp file exists, half full
    import tempfile
    path = s.Path(path)
    prefix = f".{{path.name}}.{{s._HOST}}-{{os.getpid()}}-"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    os.write(fd, content[: len(content) // 2])
    os.kill(os.getpid(), signal.SIGKILL)
s._atomic_write = stuck
s.save({{"w": s.Tensor([1.0, 2.0])}}, {path!r})
"""


def _killed_save(path):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = _KILLED_SAVE.format(root=root, path=str(path))
    process = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert process.returncode == -9, process.stderr.decode()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and process checks are POSIX")
def test_later_saves_and_loads_remove_temp_files_of_killed_saves(tmp_path):
    path = tmp_path / "model.safetensors"
    nn.save({"w": tensor.zeros(2)}, path)
    for _ in range(3):
        _killed_save(path)
    stale = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
    assert len(stale) == 3 and all(name.startswith(".model.safetensors.") for name in stale)
    np.testing.assert_array_equal(nn.load(path)["w"].numpy(), [0.0, 0.0])  # old file intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]
    _killed_save(path)
    nn.save({"w": tensor.ones(2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_cleanup_spares_live_saves_and_other_files(tmp_path):
    """Only this file's temp-name pattern is touched, and never the temp file of a process
    that is still running (a save in progress), nor other files."""
    from nn import serialization

    path = tmp_path / "model.safetensors"
    live = tmp_path / f".model.safetensors.{serialization._HOST}-{os.getpid()}-abcd1234.tmp"
    other_host = tmp_path / ".model.safetensors.elsewhere-1-abcd1234.tmp"
    old_style = tmp_path / ".model.safetensors.k2j4_x9q.tmp"
    keep = [tmp_path / ".other.safetensors.abcd1234.tmp", tmp_path / "model.safetensors.bak",
            tmp_path / ".model.safetensors.notes.txt", live, other_host]
    for p in keep + [old_style]:
        p.write_bytes(b"x")
    nn.save({"w": tensor.zeros(2)}, path)
    assert not old_style.exists()
    assert all(p.exists() for p in keep)
    old = os.stat(other_host).st_mtime - 2 * 24 * 3600  # a day unchanged: not being written
    os.utime(other_host, (old, old))
    nn.load(path)
    assert not other_host.exists() and live.exists()
