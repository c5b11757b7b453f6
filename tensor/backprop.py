"""Backpropagation over a graph of tensors: the one loop behind `Tensor.backward()`,
`tensor.autograd.backward()` and `tensor.autograd.grad()`.

A graph node is a Tensor that an op recorded: it keeps its `parents` and its local
chain-rule step `_backward_fn(grad)`, which receives dL/d(node) and passes
grad * d(node)/d(parent) on to each parent with `parent._accumulate(...)`. The loop is the
same as `Value.backward`'s:

1. order the nodes so that each comes after everything it depends on (an iterative
   depth-first search with an explicit stack: a chain of a million nodes needs no recursion);
2. walk that order backwards from the outputs: when a node is reached, every consumer has
   already added its share, so its gradient is complete, and its step passes it on.

What the tensor tier adds:

- Gradients flow through a scratch slot, `node._incoming`, not through `.grad`. Only at the
  end, once every step has succeeded, are they added into the `.grad` of the leaves (and of
  tensors that asked for it with `retain_grad()`). An exception part-way (a shape error, a
  tensor changed in place) therefore leaves every `.grad` exactly as it was.
- Before a step runs, the versions of the tensors it saved are checked (tensor/versions.py).
- Gradient hooks (tensor/hooks.py): a tensor's `register_hook` functions see its gradient
  when the walk reaches it, complete, and may replace it; `register_post_accumulate_grad_hook`
  functions run after the deposit into `.grad` at the end.
- Unless retain_graph=True, each node forgets its parents and its step once used: the arrays
  the step saved are freed as the walk proceeds, and the graph with them.
- Steps never hold their own output (the step receives the gradient as an argument, and
  keeps the output's values, if it needs them, as an array), so a graph has no reference
  cycles: it is freed the moment its last reference drops, without the cyclic garbage
  collector.
"""


def _leaf_backward(grad):
    """A leaf has no parents: its local chain-rule step does nothing."""


def _released_backward(grad):
    """What a node's local step becomes after backward() has used it."""
    raise RuntimeError(
        "backward() through a graph a second time: its saved arrays were released after the "
        "first backward(); call backward(retain_graph=True) the first time to keep them"
    )


def topological_order(roots):
    """Every node that the `roots` depend on through tensors requiring grad, each after all of
    its parents (the roots last)."""
    order = []
    seen = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent._requires_grad and id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((parent, iter(parent.parents)))
                    break
            else:  # no unseen parent is left: everything `node` depends on is in `order`
                stack.pop()
                order.append(node)
    return order


def run_backward(roots, root_grads, retain_graph=False, inputs=None, deposit=True):
    """Propagate `root_grads` (arrays, dL/d root) from `roots` down the graph.

    The gradients are kept for `inputs` (a list of tensors), or, when inputs is None, for
    every leaf and every tensor that called retain_grad(). deposit=True adds them into those
    tensors' `.grad` at the end (what backward() does); deposit=False returns them instead, in
    the order of `inputs` (None where no gradient arrived), and no `.grad` changes (what
    autograd.grad() does).
    """
    from tensor.autograd import anomaly
    from tensor.hooks import run_grad_hooks, run_post_accumulate_grad_hooks
    from tensor.versions import check_saved

    order = topological_order(roots)
    wanted = None if inputs is None else {id(t) for t in inputs}
    arrived = {}  # id(tensor) -> (tensor, gradient): what the walk hands over at the end
    try:
        for root, grad in zip(roots, root_grads):
            root._accumulate(grad)
        for node in reversed(order):
            grad = node._incoming
            node._incoming = None
            step = node._backward_fn
            if grad is not None:
                if node._hooks is not None and node._hooks.on_grad:  # tensor/hooks.py
                    grad = run_grad_hooks(node, grad)
                if wanted is None:
                    keep = node._retains_grad or step is _leaf_backward
                else:
                    keep = id(node) in wanted
                if keep:
                    arrived[id(node)] = (node, grad)
                if step is not _leaf_backward:
                    check_saved(node)
                    try:
                        step(grad)
                    except Exception as error:
                        if anomaly.state.enabled:  # detect_anomaly(): say which line made it
                            anomaly.add_site_note(error, node)
                        raise
                    if anomaly.state.enabled:
                        anomaly.after_backward(node)
            if not retain_graph and step is not _leaf_backward:
                node._backward_fn = _released_backward
                node.parents = ()
                node._saved = ()
    except BaseException:
        for node in order:  # nothing half-done stays behind
            node._incoming = None
        raise
    if not deposit:
        return [arrived[id(t)][1] if id(t) in arrived else None for t in inputs]
    _own_gradients(arrived)
    for node, grad in arrived.values():
        node._add_to_grad(grad)
    for node, _ in arrived.values():  # every .grad of the pass is in place: tensor/hooks.py
        if node._hooks is not None and node._hooks.after_accumulate:
            run_post_accumulate_grad_hooks(node)
    return None


def _own_gradients(arrived):
    """Make every gradient about to become a new `.grad` an array of its own, that no other
    overlaps (an optimizer or clip_grad_norm_ will change it in place).

    During backward, gradients are passed on without copies, so a tensor may have received
    a read-only broadcast view, a slice of a larger array, or memory that another tensor's
    gradient also holds (`a + b` hands both the same array). Those few are copied here; a
    whole, writable array that nobody else holds stays as it is, even when it is a view (such
    as the transposed view that `W.T` hands back to W). A gradient added into an existing
    `.grad` is only read, so it needs no copy."""
    owners = set()  # ids of the arrays owning the memory of the gradients kept so far
    for key, (node, grad) in arrived.items():
        if node._grad is not None:
            continue
        backend = node._backend
        owner = backend.memory_owner(grad)
        if (id(owner) in owners or grad.nbytes != owner.nbytes
                or not getattr(grad.flags, "writeable", True)):  # CuPy has no such flag
            grad = backend.array(grad)
            owner = backend.memory_owner(grad)
            arrived[key] = (node, grad)
        owners.add(id(owner))
