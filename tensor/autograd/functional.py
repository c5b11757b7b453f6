"""`autograd.grad` and `autograd.backward`: backpropagation as functions, as in PyTorch."""

from tensor.backprop import run_backward
from tensor.tensor import Tensor


def _as_list(tensors, what):
    if isinstance(tensors, Tensor):
        return [tensors]
    tensors = list(tensors)
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{what} must be a Tensor or a non-empty sequence of Tensors")
    return tensors


def _root_gradients(outputs, grad_outputs):
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"grad_outputs has {len(grad_outputs)} entries but there are "
                             f"{len(outputs)} outputs")
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError("element of the outputs does not require grad and does not have "
                               "a grad_fn: compute it from tensors with requires_grad=True, "
                               "outside no_grad()")
    return [out._initial_gradient(g) for out, g in zip(outputs, grad_outputs)]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, returned as a tuple of Tensors
    (one per input), without touching any `.grad`.

    grad_outputs: dL/d output for each output (default 1 for one-element outputs), so the
    result is sum_k grad_outputs[k] * d outputs[k]/d input. An input that no output depends on
    is an error unless allow_unused=True (then its gradient is None).

    create_graph=True (a graph of the backward pass itself, for second derivatives) is not
    supported: the backward steps here compute with arrays, not with recorded ops.
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): higher-order gradients are not supported, "
            "because backward steps compute with raw arrays and record no graph")
    outputs = _as_list(outputs, "outputs")
    inputs = _as_list(inputs, "inputs")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("one of the inputs does not require grad; set "
                               "requires_grad=True on it")
    grads = run_backward(outputs, _root_gradients(outputs, grad_outputs), bool(retain_graph),
                         inputs, deposit=False)
    results = []
    for t, g in zip(inputs, grads):
        if g is None and not allow_unused:
            raise RuntimeError("one of the differentiated Tensors appears to not have been used "
                               "in the graph; set allow_unused=True if this is the desired "
                               "behavior")
        results.append(None if g is None else Tensor._wrap(g.copy(), t._backend))
    return tuple(results)


def backward(tensors, grad_tensors=None, retain_graph=None, inputs=None):
    """Backpropagate from several outputs at once: adds sum_k d tensors[k]/d leaf, weighted by
    grad_tensors[k], into every leaf's .grad (or only into `inputs`), as Tensor.backward
    does for one output."""
    tensors = _as_list(tensors, "tensors")
    if inputs is not None:
        inputs = _as_list(inputs, "inputs")
    run_backward(tensors, _root_gradients(tensors, grad_tensors), bool(retain_graph), inputs)
