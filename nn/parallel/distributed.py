"""`DistributedDataParallel` (DDP): one model trained by several processes, each on its own
share of every batch, as `torch.nn.parallel.DistributedDataParallel`.

    dist.init_process_group("mpi")                        # mpiexec -n R python train.py
    model = nn.parallel.DistributedDataParallel(build_model())
    loader = DataLoader(train_set, batch_size=B, sampler=DistributedSampler(train_set))
    for x, y in loader:                                   # this rank's B examples
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()                                   # .grad: averaged over the R ranks
        optimizer.step()                                  # the same step on every rank

Every rank holds a whole copy of the model. Three things keep the copies equal:

1. at wrap time, rank 0's parameters and buffers are broadcast to every rank (so they start
   equal whatever seed each rank used);
2. in backward, the gradients are averaged over the ranks (the Reducer, nn/parallel/
   reducer.py: bucketed allreduce that starts during backward), so every rank takes the same
   optimizer step: R ranks with batch B compute exactly the step of one process with batch
   R*B, up to floating-point rounding;
3. buffers (BatchNorm's running statistics) are broadcast from rank 0 at the start of each
   forward (`broadcast_buffers=True`, the default), because they are not trained and no
   gradient would keep them together.

BatchNorm computes its batch statistics on each rank's own B examples, as PyTorch's DDP does
without SyncBatchNorm: the training forward of R ranks is that of one process that cut its
R*B batch into R pieces and normalized each piece on its own, not that of one large batch
normalized as a whole. The running statistics that each rank then updates from its piece are
overwritten by rank 0's at the next forward, so in the end every rank has rank 0's running
statistics, updated with its own last batch.

`no_sync()`: inside it, backward leaves the gradients on each rank as they are (they
accumulate in .grad); the first backward after it averages the accumulated sums. That is
gradient accumulation over several small batches, with one allreduce.

The wrapped model is `ddp.module`; its state_dict keys get the prefix "module." as in
PyTorch (save `ddp.module.state_dict()` to load it without DDP).
"""

from contextlib import contextmanager

import tensor
import tensor.distributed as dist
from nn.module import Module
from nn.parallel.reducer import FIRST_BUCKET_BYTES, Reducer
from tensor import Tensor

DEFAULT_BUCKET_CAP_MB = 25


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training over the process group (see the module
    docstring). Call it as the model; it calls `module`.

    - device_ids: None for a CPU model; for a model on one GPU, [its index] (each rank uses
      its own GPU, e.g. `[dist.get_node_local_rank()]`); inputs are then moved to it.
    - broadcast_buffers (or PyTorch 2.13's forward_sync_buffers, which wins when given):
      broadcast rank 0's buffers at every forward. broadcast_buffers=False also leaves the
      buffers out of the broadcast at wrap time (as in PyTorch).
    - bucket_cap_mb: the size of a gradient bucket (default 25; the first bucket is 1 MiB
      unless you give a size).
    - find_unused_parameters: allow parameters that receive no gradient in a backward
      (they contribute their .grad, or zeros); by default that is an error.
    - init_sync=False skips the broadcast at wrap time (the copies must already be equal).
    - output_device, dim, process_group (None: the one group), check_reduction,
      gradient_as_bucket_view, static_graph: PyTorch's, accepted so that its programs run,
      and unused here.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None,
                 bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, forward_sync_buffers=None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel expects an nn.Module to wrap, got "
                            f"{type(module).__name__}")
        if process_group is not None:
            raise ValueError("DistributedDataParallel(process_group=...): tensor.distributed "
                             "has one process group, every rank; leave it out (None)")
        if bucket_cap_mb is None:
            caps = (FIRST_BUCKET_BYTES, int(DEFAULT_BUCKET_CAP_MB * 2**20))
        elif isinstance(bucket_cap_mb, (int, float)) and bucket_cap_mb > 0:
            caps = (int(bucket_cap_mb * 2**20),) * 2
        else:
            raise ValueError(f"DistributedDataParallel(bucket_cap_mb={bucket_cap_mb!r}): the "
                             f"bucket size must be a positive number of MiB")
        self.bucket_cap_mb = DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        world = dist.get_world_size()  # a ValueError before init_process_group, as PyTorch
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self.module = module
        self.device_ids = _check_device_ids(device_ids, params)
        self.world_size = world
        self.forward_sync_buffers = (broadcast_buffers if forward_sync_buffers is None
                                     else forward_sync_buffers)
        self.require_backward_grad_sync = True  # False inside no_sync()
        self.require_forward_param_sync = True  # whether this forward broadcasts buffers
        _check_same_shapes(module)
        if init_sync:
            init_buffers = broadcast_buffers or forward_sync_buffers is not None
            for t in [*module.parameters(), *(module.buffers() if init_buffers else [])]:
                dist.broadcast(t, src=0)
        self.reducer = Reducer(params, caps, find_unused_parameters)

    def forward(self, *inputs, **kwargs):
        buffers = list(self.module.buffers())
        if self.require_forward_param_sync and self.forward_sync_buffers and buffers:
            for buffer in buffers:
                dist.broadcast(buffer, src=0)
        if self.device_ids:
            inputs, kwargs = _to_device((inputs, kwargs), self.device_ids[0])
        sync = tensor.is_grad_enabled() and self.require_backward_grad_sync
        if sync:
            self.reducer.prepare_for_backward()
        self.require_forward_param_sync = sync
        return self.module(*inputs, **kwargs)

    @contextmanager
    def no_sync(self):
        """Inside: backward keeps the gradients local (they accumulate in .grad); the first
        synchronized backward after it averages the accumulated sums over the ranks."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self):
        return f"world_size={self.world_size}, bucket_cap_mb={self.bucket_cap_mb}"


def _check_device_ids(device_ids, params):
    """None for a CPU model; [index] of the one GPU that holds every parameter."""
    devices = sorted({str(p.device) for p in params})
    if device_ids is None:
        return None
    ids = [str(d) if isinstance(d, str) or type(d).__name__ == "device" else f"cuda:{d}"
           for d in device_ids]
    ids = ["cuda:0" if d == "cuda" else d for d in ids]
    if len(ids) != 1 or devices != ids:
        raise ValueError(f"DistributedDataParallel(device_ids={list(device_ids)}) expects the "
                         f"one GPU that holds the module; the module's parameters are on "
                         f"{devices} (for a CPU module leave device_ids out)")
    return ids


def _check_same_shapes(module):
    """Every rank must wrap the same architecture: each rank's list of parameter and buffer
    shapes goes to every rank, so that all of them raise, naming the first difference."""
    shapes = [(name, tuple(t.shape)) for name, t in
              [*module.named_parameters(), *module.named_buffers()]]
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, shapes)
    for rank, theirs in enumerate(everyone):
        if theirs != everyone[0]:
            first = next((f"{mine} where rank 0 has {zeros}" for mine, zeros in
                          zip(theirs, everyone[0]) if mine != zeros),
                         f"{len(theirs)} entries where rank 0 has {len(everyone[0])}")
            raise ValueError(f"DistributedDataParallel: the ranks wrap different models: "
                             f"rank {rank} has (name, shape) {first}")


def _to_device(value, device):
    """Tensors in nested tuples, lists and dicts moved to `device`."""
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {key: _to_device(v, device) for key, v in value.items()}
    return value
