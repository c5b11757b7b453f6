"""The `Reducer`: how DistributedDataParallel averages gradients over the processes, in
buckets, while backward is still running.

Why average: rank r computes g_r, the gradient of the mean loss over its own B examples.
The gradient of the mean loss over all R*B examples is the mean of those,

    g = (1/(R B)) sum over all examples of grad l_i = (1/R) sum_r g_r,

so after one allreduce (sum) and a division by R every rank holds the gradient of the whole
R*B batch, takes the same optimizer step, and the replicas stay equal.

Why buckets: one allreduce costs a fixed latency (MPI's handshakes) plus a time per byte. One
call per parameter tensor pays the latency once per tensor, dozens of times a step; one call
for everything can only start when backward has finished. So gradients are copied, as they
become ready, into a few flat buffers ("buckets") of about `bucket_cap_mb` each (the first
one only 1 MiB, as in PyTorch, so that communication starts early), and each bucket's
allreduce starts as soon as its last gradient has arrived.

When a gradient is ready: the engine's gradient hooks (tensor/hooks.py). Backward walks from
the loss to the inputs, so the last layer's parameters get their final gradients first; the
hook `_ready(p, grad)` copies grad into p's place in its bucket. Buckets are filled in the
reverse order of `parameters()` (roughly the order in which backward reaches them), and they
are started strictly in bucket order: MPI requires every rank to start its collectives in
the same order, and a rank's hooks may fire in another order than another rank's.

What overlaps with what, exactly:
- a bucket's allreduce is *started* (MPI_Iallreduce) inside the backward walk, right after
  the hook of its last parameter, while the walk goes on computing the gradients of the
  earlier layers. Each later hook also asks MPI about the running requests (MPI_Test), which
  is when MPICH moves their messages along (it has no progress thread of its own unless
  MPIR_CVAR_ASYNC_PROGRESS=1): so the transfers advance between backward steps;
- all buckets are *finished* (MPI_Wait, then each parameter's .grad is overwritten with its
  averaged slice) when the engine calls the post-accumulate-grad hooks, at the end of
  backward, before backward() returns. So after `loss.backward()` every `.grad` is already
  averaged; `optimizer.step()` needs no change.
- With the defaults, a model of up to 1 MiB of float32 parameters (262,144 numbers: both of
  the Fashion-MNIST examples' models) fits in the first bucket: its one allreduce starts when
  the first layer's gradient is ready, at the very end of the walk, and nothing overlaps.
  `bucket_cap_mb` smaller makes more buckets, started earlier.
- `timeline` records, for the last synchronized backward, how many parameter gradients were
  still to come when each bucket was started (0 means: at the end of the walk).

Gradient accumulation: the bucket receives grad + p.grad, what `.grad` will be after this
pass, so gradients accumulated under `no_sync()` are averaged together with this pass's.
"""

import weakref

import tensor
import tensor.distributed as dist

FIRST_BUCKET_BYTES = 1 << 20  # as PyTorch's _DEFAULT_FIRST_BUCKET_BYTES, with default caps


class Bucket:
    """Some parameters' gradients end to end in one flat 1-d tensor on their device, and
    a view of it for each parameter, with the parameter's shape."""

    def __init__(self, params):
        self.params = params
        first = params[0]
        size = sum(p.numel() for p in params)
        self.buffer = tensor.zeros(size, dtype=first.dtype, device=first.device)
        self.views = []
        offset = 0
        for p in params:
            self.views.append(self.buffer[offset:offset + p.numel()].view(p.shape))
            offset += p.numel()
        self.waiting = set()  # ids of the parameters whose gradient this pass has not arrived
        self.work = None  # the running allreduce's Work, until it has been waited for


class Reducer:
    """Buckets for `params` (those that require grad, in the order of parameters()), and the
    hooks that fill them and average them over the world."""

    def __init__(self, params, bucket_caps, find_unused_parameters):
        self.world_size = dist.get_world_size()
        self.find_unused_parameters = find_unused_parameters
        self.buckets = _assign(params, *bucket_caps)
        self._place = {id(p): (bucket, view) for bucket in self.buckets
                       for p, view in zip(bucket.params, bucket.views)}
        self._params = params
        self.expecting = False  # a synchronized backward is due (set by DDP's forward)
        self._next = 0  # the next bucket to start: buckets start in order on every rank
        self.timeline = []
        # The hooks live on the parameters and reach the reducer through a weak reference,
        # so that parameters and reducer do not keep each other alive; they are removed
        # when the reducer goes (with its DistributedDataParallel).
        me = weakref.ref(self)

        def ready(grad, index):
            if me() is not None:
                me()._ready(me()._params[index], grad)

        def finish(p):
            if me() is not None:
                me()._finish(p)

        handles = []
        for index, p in enumerate(params):
            handles.append(p.register_hook(lambda grad, i=index: ready(grad, i)))
            handles.append(p.register_post_accumulate_grad_hook(finish))
        weakref.finalize(self, _remove, handles)

    def prepare_for_backward(self):
        """The next backward's gradients are to be averaged (DDP's forward calls this)."""
        for bucket in self.buckets:  # requests left by a backward that failed part-way
            if bucket.work is not None:
                bucket.work.wait()
                bucket.work = None
            bucket.waiting = {id(p) for p in bucket.params}
        self._next = 0
        self.timeline = []
        self.expecting = True

    def _ready(self, p, grad):
        """Gradient hook: p's gradient for this pass is complete; put it into its bucket."""
        if not self.expecting:
            return None  # no_sync(), or a backward that did not start at DDP's forward
        bucket, view = self._place[id(p)]
        with tensor.no_grad():
            view.copy_(grad)
            if p.grad is not None:  # .grad after this pass will be p.grad + grad
                view.add_(p.grad)
        bucket.waiting.discard(id(p))
        self._start_ready_buckets()
        for running in self.buckets[:self._next]:  # let MPI move the running ones along
            if running.work is not None:
                running.work.is_completed()
        return None

    def _start_ready_buckets(self):
        """Start every complete bucket whose predecessors have all been started."""
        while self._next < len(self.buckets) and not self.buckets[self._next].waiting:
            bucket = self.buckets[self._next]
            self.timeline.append((self._next, sum(len(b.waiting) for b in self.buckets)))
            self._average(bucket)
            self._next += 1

    def _average(self, bucket):
        """Start averaging one bucket over the processes (finished by _finish)."""
        # EXERCISE ch11.average_gradients: buffer /= world size; bucket.work = async all_reduce SUM
        bucket.buffer /= self.world_size
        bucket.work = dist.all_reduce(bucket.buffer, op=dist.ReduceOp.SUM, async_op=True)
        # END EXERCISE

    def _finish(self, _param):
        """Post-accumulate-grad hook, at the end of backward: start what is left, wait for
        every bucket, and give each parameter its averaged gradient. The first call of a
        pass does it all; the others find nothing left to do."""
        if not self.expecting:
            return
        self.expecting = False
        missing = [p for p in self._params if id(p) in self._place[id(p)][0].waiting]
        if missing and not self.find_unused_parameters:
            raise RuntimeError(
                f"DistributedDataParallel: {len(missing)} parameter(s) received no gradient "
                f"in this backward (shapes {[tuple(p.shape) for p in missing][:5]}), so their "
                f"buckets cannot be averaged. If some parameters are unused in forward on "
                f"purpose, pass find_unused_parameters=True")
        with tensor.no_grad():
            for p in missing:  # find_unused_parameters: they contribute their .grad, or zeros
                bucket, view = self._place[id(p)]
                if p.grad is not None:
                    view.copy_(p.grad)
                else:
                    view.zero_()
                bucket.waiting.discard(id(p))
            self._start_ready_buckets()
            for bucket in self.buckets:
                if bucket.work is not None:  # (None: averaged already, by a blocking call)
                    bucket.work.wait()
                    bucket.work = None
                for p, view in zip(bucket.params, bucket.views):
                    if p.grad is None:
                        p.grad = view.clone()
                    else:
                        p.grad.copy_(view)


def _remove(handles):
    for handle in handles:
        handle.remove()


def _assign(params, first_cap, cap):
    """Group the parameters into buckets: in the reverse order of `params` (backward reaches
    the last layers first), one open bucket per (device, dtype), closed when it holds at
    least its cap in bytes (`first_cap` for the first bucket, `cap` after), so a parameter
    larger than the cap closes the bucket it joins."""
    buckets, open_buckets = [], {}
    for p in reversed(params):
        key = (str(p.device), p.dtype)
        group = open_buckets.setdefault(key, [])
        group.append(p)
        if sum(q.numel() * q.element_size() for q in group) >= (cap if buckets else first_cap):
            buckets.append(Bucket(open_buckets.pop(key)))
    buckets += [Bucket(group) for group in open_buckets.values()]
    return buckets
