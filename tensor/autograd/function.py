"""`Function`: a new differentiable op written as a pair of methods, as in PyTorch.

    class Cube(tensor.autograd.Function):
        @staticmethod
        def forward(ctx, x):                 # tensors in, tensors out; runs without a graph
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):      # dL/d out in, dL/d input out (one per input)
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    y = Cube.apply(x)                         # y.grad_fn is <CubeBackward>

`apply` runs `forward` with recording off, then records ONE node for the whole op, whose step
calls your `backward`: the same thing every op in tensor/ops/ does, with the derivative
written by you. `tensor.gradcheck(Cube.apply, x)` then checks it against finite differences.

The context `ctx` carries what backward needs:
- `ctx.save_for_backward(*tensors)` / `ctx.saved_tensors`: tensors saved this way are checked
  against in-place changes (their version is recorded, see tensor/versions.py);
- any other attribute (`ctx.dim = dim`) for non-tensor values;
- `ctx.needs_input_grad`: a tuple of bools, one per forward argument, so backward can skip
  work (return None for an input that needs no gradient);
- `ctx.mark_non_differentiable(*outputs)`: outputs that get no gradient (indices, masks).

With several outputs, each output is a node of its own whose step calls backward with its
own gradient and zeros for the others. That is correct because backward is linear in the
output gradients, dL/dx = sum_k (dL/dy_k)(dy_k/dx), at the cost of one backward call per
output that a gradient reaches.
"""

from tensor import grad_mode
from tensor.tensor import Tensor


class FunctionCtx:
    """What forward leaves for backward (see the module docstring)."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._non_differentiable = set()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward takes tensors (or None), got "
                                f"{type(t).__name__}; keep other values as attributes of ctx")
        self._saved = tuple((t, None if t is None else t._version) for t in tensors)

    @property
    def saved_tensors(self):
        for t, version in self._saved:
            if t is not None and t._version != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: a tensor of shape {tuple(t.shape)} saved with "
                    f"ctx.save_for_backward is at version {t._version}; expected version "
                    f"{version} instead. Change it out of place, or after backward()")
        return tuple(t for t, _ in self._saved)

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable.update(id(t) for t in outputs)


class Function:
    """Subclass with static methods `forward(ctx, *args)` and `backward(ctx, *grads)`, then
    call `YourFunction.apply(*args)`; see the module docstring."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args, **kwargs):
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with grad_mode.no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        single = isinstance(outputs, Tensor)
        results = (outputs,) if single else tuple(outputs)
        for out in results:
            if not isinstance(out, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of "
                                f"Tensors, got {type(out).__name__}")
        inputs = tuple(a for a in args if isinstance(a, Tensor))
        if not (grad_mode.state.enabled and any(needs)):
            return outputs
        nodes = tuple(_output_node(cls, ctx, args, inputs, results, k) for k in
                      range(len(results)))
        return nodes[0] if single else nodes


def _output_node(cls, ctx, args, inputs, results, k):
    """Output k of the Function as a graph node whose step calls cls.backward."""
    out_k = results[k]
    if id(out_k) in ctx._non_differentiable or out_k.dtype.kind != "f":
        return out_k
    node = inputs[0]._result(out_k.array, inputs, f"function:{cls.__name__}",
                             backend=out_k._backend)
    node._counter = out_k._version_counter()  # one memory, one history (saved outputs)

    def backward(grad):  # dL/d input = cls.backward(ctx, dL/d out_k, zeros for the others)
        grads = [Tensor._wrap(grad if i == k else out._backend.xp.zeros_like(out.array),
                              out._backend) for i, out in enumerate(results)]
        with grad_mode.no_grad():
            returned = cls.backward(ctx, *grads)
        returned = returned if isinstance(returned, tuple) else (returned,)
        if len(returned) != len(args):
            raise RuntimeError(f"{cls.__name__}.backward returned {len(returned)} gradient(s), "
                               f"but forward took {len(args)} argument(s); return one per "
                               f"argument (None for those without a gradient)")
        for position, (arg, g) in enumerate(zip(args, returned)):
            if not (isinstance(arg, Tensor) and arg.requires_grad) or g is None:
                continue
            if not isinstance(g, Tensor) or g.shape != arg.shape:
                raise RuntimeError(
                    f"{cls.__name__}.backward returned {_describe(g)} as the gradient of "
                    f"argument {position}, which has shape {tuple(arg.shape)}; expected a "
                    f"Tensor of that shape")
            arg._accumulate(g.array)

    node._backward = backward
    return node


def _describe(value):
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"
