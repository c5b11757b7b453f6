"""Training utilities (`nn.utils`): gradient clipping; `nn.utils.rnn`, padding and packing
variable-length batches for recurrent layers."""

from nn.utils import rnn  # noqa: F401  (the submodule, as torch.nn.utils.rnn)
from nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
