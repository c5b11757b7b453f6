"""`grad_fn`: the graph seen as PyTorch shows it, one backward node per op.

In Grad School a recorded tensor IS its graph node (it keeps its parents and its step). PyTorch
keeps the two apart: a tensor points to a backward node (`y.grad_fn`, named after the op's
derivative, `MulBackward0`), and each node points to the nodes of its inputs
(`next_functions`), ending in `AccumulateGrad` nodes that add into the leaves' `.grad`. This
module gives that view of our graph, so PyTorch's autograd tutorial runs unchanged:

    y = (x * w).sum()
    y.grad_fn                          # <SumBackward0>
    y.grad_fn.next_functions           # ((<MulBackward0>, 0),)
    y.grad_fn.next_functions[0][0].next_functions
                                       # ((<AccumulateGrad>, 0), (<AccumulateGrad>, 0))

Nodes are light views made on request, compared by the tensor they stand for.
"""

# The names PyTorch gives the backward node of each op (the op strings are tensor/ops/'s).
_NAMES = {
    "+": "AddBackward0", "-": "SubBackward0", "*": "MulBackward0", "/": "DivBackward0",
    "neg": "NegBackward0", "exp": "ExpBackward0", "log": "LogBackward0",
    "sqrt": "SqrtBackward0", "abs": "AbsBackward0", "clamp": "ClampBackward1",
    "maximum": "MaximumBackward0", "minimum": "MinimumBackward0", "where": "WhereBackward0",
    "var": "VarBackward0", "std": "StdBackward0", "amax": "AmaxBackward0", "amin": "AminBackward0",
    "max": "MaxBackward1", "min": "MinBackward1", "max(dim)": "MaxBackward0",
    "min(dim)": "MinBackward0", "logsumexp": "LogsumexpBackward0",
    "reshape": "ViewBackward0", "view": "ViewBackward0", "flatten": "ViewBackward0",
    "squeeze": "SqueezeBackward0", "squeeze(dim)": "SqueezeBackward1",
    "unsqueeze": "UnsqueezeBackward0",
    "transpose": "TransposeBackward0", "permute": "PermuteBackward0", "T": "PermuteBackward0",
    "expand": "ExpandBackward0", "cat": "CatBackward0", "stack": "StackBackward0",
    "pad": "ConstantPadNdBackward0", "select": "SelectBackward0", "slice": "SliceBackward0",
    "[]": "IndexBackward0", "gather": "GatherBackward0", "masked_fill": "MaskedFillBackward0",
    "index_put": "IndexPutBackward0", "clone": "CloneBackward0", "relu": "ReluBackward0",
    "sigmoid": "SigmoidBackward0", "tanh": "TanhBackward0", "gelu": "GeluBackward0",
    "silu": "SiluBackward0", "leaky_relu": "LeakyReluBackward0", "elu": "EluBackward0",
    "softmax": "SoftmaxBackward0", "log_softmax": "LogSoftmaxBackward0",
    "cross_entropy": "NllLossBackward0",
    "binary_cross_entropy": "BinaryCrossEntropyBackward0",
    "binary_cross_entropy_with_logits": "BinaryCrossEntropyWithLogitsBackward0",
    # ops/math.py, ops/linalg.py, ops/scan.py ("(number)": a Python number as the 2nd operand)
    "log1p": "Log1PBackward0", "round(decimals)": "RoundBackward1",
    "fmod": "FmodBackward1", "fmod(number)": "FmodBackward0",
    "remainder": "RemainderBackward1", "remainder(number)": "RemainderBackward0",
    "remainder(number, x)": "torch::autograd::NotImplemented",
    "floor_divide": "torch::autograd::NotImplemented",
    "prod(dim)": "ProdBackward1", "norm": "LinalgVectorNormBackward0",
    "diag": "DiagonalBackward0_copy",
    # ops/sorting.py, ops/scatter.py, ops/sampling.py (the rest follow the general rule)
    "median(dim)": "MedianBackward1", "scatter(value)": "ScatterBackward1",
    "normal(Tensor, float)": "NormalBackward1", "normal(float, Tensor)": "NormalBackward2",
    "normal(Tensor, Tensor)": "NormalBackward3",
}


def backward_name(node):
    """PyTorch's name for the backward node of the op that made `node` (e.g. MulBackward0)."""
    op, parents = node.op, node.parents
    if op in ("-", "/") and len(parents) == 2 and _is_number(parents[0]):
        return "RsubBackward1" if op == "-" else "MulBackward0"  # 2 / x is x.reciprocal() * 2
    if op in _NAMES:
        return _NAMES[op]
    if op in ("sum", "mean"):  # over every dimension (0) or over some (1)
        return f"{op.capitalize()}Backward{0 if node.ndim == 0 else 1}"
    if op == "**":  # x ** number (0), x ** tensor (1), number ** x (2)
        base, exponent = parents if len(parents) == 2 else (None, None)
        if exponent is not None and exponent.ndim == 0 and not exponent.requires_grad:
            return "PowBackward0"
        if base is not None and base.ndim == 0 and not base.requires_grad:
            return "PowBackward2"
        return "PowBackward1"
    if op == "@":
        dims = tuple(p.ndim for p in parents) if len(parents) == 2 else ()
        return {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0",
                (1, 2): "SqueezeBackward4"}.get(dims, "UnsafeViewBackward0")
    if op == "linear":
        return "AddmmBackward0" if len(parents) == 3 else "MmBackward0"
    if op.startswith("to("):
        return "ToCopyBackward0"
    if op.startswith("function:"):  # an autograd.Function: PyTorch names it <Class>Backward
        return op[len("function:"):] + "Backward"
    return "".join(part.capitalize() for part in op.split("_")) + "Backward0"


def _is_number(t):
    """A 0-d constant: how a Python number taking part in an op is recorded."""
    return t.ndim == 0 and t.is_leaf and not t.requires_grad


class BackwardNode:
    """The backward node of one recorded op (PyTorch's `grad_fn`)."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    def name(self):
        return backward_name(self._tensor)

    @property
    def next_functions(self):
        """One (node, 0) pair per input: its backward node, an AccumulateGrad for a leaf that
        requires grad, or None for an input that needs no gradient. Empty once backward()
        has released the graph."""
        return tuple((_node_of(parent), 0) for parent in self._tensor.parents)

    def __call__(self, *grads):
        raise RuntimeError("calling a grad_fn directly is not supported; use "
                           "tensor.autograd.grad(outputs, inputs) instead")

    def __eq__(self, other):
        return type(other) is type(self) and other._tensor is self._tensor

    def __hash__(self):
        return hash(id(self._tensor))

    def __repr__(self):
        return f"<{self.name()} object at {id(self._tensor):#x}>"


class AccumulateGrad(BackwardNode):
    """The end of a path: adds the arriving gradient into the leaf's `.grad`."""

    __slots__ = ()

    def name(self):
        return "AccumulateGrad"

    @property
    def variable(self):
        """The leaf tensor whose .grad this node fills."""
        return self._tensor

    @property
    def next_functions(self):
        return ()


def _node_of(tensor):
    if not tensor.requires_grad:
        return None
    return AccumulateGrad(tensor) if tensor.is_leaf else _backward_node(tensor)


def grad_fn_of(tensor):
    """`tensor.grad_fn`: its backward node, or None for a leaf."""
    return None if tensor.is_leaf else _backward_node(tensor)


_NODE_CLASSES = {}  # PyTorch's node name -> a BackwardNode subclass of that name


def _backward_node(tensor):
    """The backward node of a recorded tensor, an instance of a class named like PyTorch's
    (`type(y.grad_fn).__name__` is "MulBackward0" there too)."""
    name = backward_name(tensor)
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = _NODE_CLASSES[name] = type(name, (BackwardNode,), {"__slots__": ()})
    return cls(tensor)
