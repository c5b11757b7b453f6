"""`tensor.autograd`, PyTorch's `torch.autograd`: what you need to go beyond `backward()`.

    Function           write a new op as forward + backward (function.py)
    grad, backward     backpropagation as functions (functional.py)
    graph              the `grad_fn` view of the graph, PyTorch's node names (graph.py)
    detect_anomaly     stop at the first op that makes nan or inf, naming your line (anomaly.py)
    no_grad, enable_grad, set_grad_enabled, inference_mode, gradcheck

The engine itself is tensor/backprop.py; version counters are tensor/versions.py.
"""

from tensor.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from tensor.autograd.function import Function, FunctionCtx
from tensor.autograd.functional import backward, grad
from tensor.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from tensor.gradcheck import gradcheck

__all__ = ["Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "grad",
           "gradcheck", "inference_mode", "is_anomaly_enabled", "no_grad", "set_detect_anomaly",
           "set_grad_enabled"]
