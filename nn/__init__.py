"""`nn`: neural-network building blocks on the Tensor engine, named as in `torch.nn`.

    import nn
    model = nn.Sequential(nn.Linear(784, 128), ..., nn.Linear(128, 10))
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    loader = nn.data.DataLoader(nn.data.FashionMNIST(), batch_size=64, shuffle=True)
    nn.save(model.state_dict(), "model.safetensors")

Modules and parameters (module.py, parameter.py, containers.py), layers (layers/),
activations (activation.py), losses (loss.py), both as functions (functional/, imported as
`import nn.functional as F`), weight initialization (init.py), optimizers and learning-rate
schedules (optim/), gradient clipping (utils/), datasets and batching (data/), saving and
checkpoints (serialization.py), data-parallel training over processes (parallel/).
"""

from nn import data, functional, init, optim, parallel, utils
from nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Swish,
    Tanh,
)
from nn.containers import ModuleDict, ModuleList, Sequential
from nn.layers import (
    GRU,
    LSTM,
    RNN,
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    Embedding,
    EmbeddingBag,
    Flatten,
    Fold,
    GroupNorm,
    GRUCell,
    Identity,
    LayerNorm,
    LearnedPositionalEncoding,
    Linear,
    LSTMCell,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
    MultiheadAttention,
    RMSNorm,
    RNNCell,
    SinusoidalPositionalEncoding,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    Unfold,
    Upsample,
)
from nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from nn.module import Module
from nn.parameter import Parameter
from nn.serialization import load, load_checkpoint, save, save_checkpoint

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
    "Identity", "Flatten", "Linear", "MultiheadAttention",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "Unfold", "Fold",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm",
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "Embedding", "EmbeddingBag",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "Upsample",
    "SinusoidalPositionalEncoding", "LearnedPositionalEncoding",
    "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
    "TransformerDecoder", "Transformer",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "SiLU", "Swish", "GELU",
    "ELU",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "HuberLoss", "SmoothL1Loss",
    "functional",
    "init", "optim", "utils", "data", "parallel",
    "save", "load", "save_checkpoint", "load_checkpoint",
]
