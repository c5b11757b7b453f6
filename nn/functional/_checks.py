"""Checks every family of `nn.functional` makes of its arguments, so that a wrong argument is
an error naming the function and what it expected, not a failure deep inside an op."""

from tensor import Tensor


def _check_tensor(value, name, what="input"):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(value).__name__}")
    return value

def _same_device(input, other, name, what):
    if other._backend is not input._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but {what} is on "
                           f"{other.device}; move one with .to(device) first")
