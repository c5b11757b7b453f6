"""Optimizers (`nn.optim`), named as in `torch.optim`, and learning-rate schedules
(`nn.optim.lr_scheduler`)."""

from nn.optim import lr_scheduler
from nn.optim.adadelta import Adadelta
from nn.optim.adagrad import Adagrad
from nn.optim.adam import Adam, AdamW
from nn.optim.optimizer import Optimizer
from nn.optim.rmsprop import RMSprop
from nn.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
           "lr_scheduler"]
