"""`gradschool.nn.utils.rnn`, as `torch.nn.utils.rnn`: padding and packing variable-length
batches (PackedSequence, pack_padded_sequence, pad_packed_sequence, ...). Re-exports
nn/utils/rnn.py."""

from nn.utils.rnn import *  # noqa: F403
from nn.utils.rnn import __all__  # noqa: F401
