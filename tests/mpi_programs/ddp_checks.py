"""Run by tests/test_ch11_distributed.py as

    mpiexec -n 2 python tests/mpi_programs/ddp_checks.py OUT

Each rank runs every check below and writes what it saw to OUT/rank<r>.json (values, error
messages, or the traceback of a check that failed) and OUT/rank<r>.npz (trained weights and
gradients); the test reads both and makes the assertions, so a failing check does not stop
the others, and one launch of mpiexec serves all the tests. Every rank runs every check in
the same order: collectives must be called by all ranks together.
"""

import json
import sys
import traceback

import ddp_scenarios as sc
import numpy as np

import nn
import nn.functional as F
import tensor
import tensor.distributed as dist
from nn.parallel import DistributedDataParallel as DDP


def error_of(call):
    """'TypeName: message' of what call() raises, or None when it does not raise."""
    try:
        call()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def check_group(rank, arrays):
    return {
        "rank": dist.get_rank(), "world_size": dist.get_world_size(),
        "backend": dist.get_backend(), "is_initialized": dist.is_initialized(),
        "is_main_process": dist.is_main_process(), "node_local_rank":
        dist.get_node_local_rank(), "cuda_aware": dist.is_cuda_aware(),
        "init_twice": error_of(lambda: dist.init_process_group("mpi")),
    }


def check_collectives(rank, arrays):
    base = tensor.Tensor([rank + 1.0, 10.0 * (rank + 1)], dtype=tensor.float64)
    seen = {}
    for op in dist.ReduceOp:
        t = base.clone()
        dist.all_reduce(t, op=op)
        seen[op.name] = t.tolist()
    counts = tensor.Tensor([rank, 5])
    dist.all_reduce(counts)
    seen["int64_sum"] = [counts.dtype.name, *counts.tolist()]
    t = base.clone()
    work = dist.all_reduce(t, async_op=True)
    seen["async_wait"] = work.wait()
    seen["async_sum"] = t.tolist()
    seen["async_completed"] = work.is_completed()
    matrix = tensor.Tensor(np.arange(6.0).reshape(2, 3) * (rank + 1))
    view = matrix.T  # a strided view: reduced in a contiguous copy, written back into matrix
    version = view._version
    dist.all_reduce(view)
    seen["strided_view"] = matrix.tolist()
    seen["version_bumped"] = view._version > version
    staged = tensor.Tensor([rank + 1.0, 2.0], device="standin")
    dist.all_reduce(staged)
    seen["standin_sum"] = [str(staged.device), *staged.cpu().tolist()]
    staged = tensor.Tensor([rank + 1.0], device="standin")
    work = dist.all_reduce(staged, op=dist.ReduceOp.MAX, async_op=True)
    work.wait()
    seen["standin_async_max"] = staged.cpu().tolist()
    t = tensor.Tensor([7.0 * rank + 1.0])
    dist.broadcast(t, src=1)
    seen["broadcast_from_1"] = t.tolist()
    t = tensor.Tensor([7.0 * rank + 1.0], device="standin")
    dist.broadcast(t, src=0, async_op=True).wait()
    seen["standin_broadcast_from_0"] = t.cpu().tolist()
    objects = [f"from rank {rank}", {"rank": rank}]
    dist.broadcast_object_list(objects, src=1)
    seen["objects_from_1"] = objects
    seen["barrier"] = dist.barrier()
    seen["async_barrier"] = dist.barrier(async_op=True).wait()
    return seen


def check_bad_calls(rank, arrays):
    t = tensor.Tensor([1.0])
    return {
        "not_a_tensor": error_of(lambda: dist.all_reduce([1.0, 2.0])),
        "op_string": error_of(lambda: dist.all_reduce(t, op="sum")),
        "avg_of_ints": error_of(lambda: dist.all_reduce(tensor.Tensor([1]),
                                                        op=dist.ReduceOp.AVG)),
        "src_out_of_range": error_of(lambda: dist.broadcast(t, src=2)),
        "group": error_of(lambda: dist.all_reduce(t, group="everyone")),
        "ddp_no_parameters": error_of(lambda: DDP(nn.ReLU())),
        "ddp_not_a_module": error_of(lambda: DDP(lambda x: x)),
        "ddp_device_ids_on_cpu": error_of(lambda: DDP(nn.Linear(2, 2), device_ids=[0])),
        "ddp_process_group": error_of(lambda: DDP(nn.Linear(2, 2), process_group="pg")),
        "ddp_bucket_cap": error_of(lambda: DDP(nn.Linear(2, 2), bucket_cap_mb=0)),
        "ddp_different_models": error_of(lambda: DDP(nn.Linear(3, 4 + rank))),
    }


def check_sampler(rank, arrays):
    sampler = nn.data.DistributedSampler(list(range(11)), shuffle=False)
    return {"num_replicas": sampler.num_replicas, "rank": sampler.rank, "indices": list(sampler)}


def check_wrap(rank, arrays):
    """Rank 1 starts from other weights and other buffers; DDP makes them rank 0's."""
    model = sc.build_model("cnn", seed=100 * rank)
    model[1].running_mean.fill_(float(rank))
    ddp = DDP(model)
    for key, value in sc.weights(model).items():
        arrays[f"wrap/{key}"] = value
    local = sc.build_model("cnn", seed=100 * rank)
    local[1].running_mean.fill_(float(rank))
    DDP(local, broadcast_buffers=False)
    return {
        "state_dict_keys": list(ddp.state_dict()),
        "module_keys": list(model.state_dict()),
        "module_is_model": ddp.module is model,
        "repr": repr(ddp),
        "parameters_are_the_modules": [id(p) for p in ddp.parameters()]
        == [id(p) for p in model.parameters()],
        "no_broadcast_running_mean": local[1].running_mean.tolist(),
        "no_broadcast_weight_sum": local[0].weight.sum().item(),
    }


def check_training(rank, arrays):
    """Every scenario of ddp_scenarios: 20 steps on this rank's shards; the weights at the
    end, and when each gradient bucket started its allreduce."""
    seen = {}
    for name, (kind, optimizer_name, cap, device) in sc.SCENARIOS.items():
        try:
            model = sc.build_model(kind, seed=100 * rank, device=device)  # DDP: rank 0's
            ddp = DDP(model, bucket_cap_mb=cap)
            optimizer = sc.build_optimizer(optimizer_name, ddp.parameters())
            sampler, batches = sc.loader(sc.dataset(kind), sc.WORLD, rank, sc.BATCH)
            for epoch in range(sc.EPOCHS):
                sampler.set_epoch(epoch)
                for x, y in batches:
                    loss = F.cross_entropy(ddp(x.to(device)), y.to(device))
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            for key, value in sc.weights(model).items():
                arrays[f"{name}/{key}"] = value
            seen[name] = {"buckets": len(ddp.reducer.buckets),
                          "timeline": ddp.reducer.timeline,
                          "parameter_tensors": len(list(model.parameters()))}
        except Exception:
            seen[name] = {"error": traceback.format_exc()}
    return seen


def check_no_sync(rank, arrays):
    """Gradient accumulation: the first micro-batch under no_sync (local gradients), the
    second synchronized (the average over ranks of each rank's sum)."""
    model = sc.build_model("mlp", seed=0)
    ddp = DDP(model, bucket_cap_mb=0.001)
    (x1, y1), (x2, y2) = sc.micro_batches(rank)
    with ddp.no_sync():
        F.cross_entropy(ddp(x1), y1).backward()
    for name, p in model.named_parameters():
        arrays[f"no_sync_local/{name}"] = p.grad.numpy().copy()
    F.cross_entropy(ddp(x2), y2).backward()
    for name, p in model.named_parameters():
        arrays[f"no_sync_synced/{name}"] = p.grad.numpy().copy()
    return {"sync_flag_restored": ddp.require_backward_grad_sync}


class TwoBranches(nn.Module):
    """`unused` takes no part in forward: it gets no gradient."""

    def __init__(self):
        super().__init__()
        self.used = nn.Linear(3, 2)
        self.unused = nn.Linear(3, 2)

    def forward(self, x):
        return self.used(x)


def check_unused_parameters(rank, arrays):
    x = tensor.Tensor(np.full((2, 3), rank + 1.0))
    tensor.manual_seed(0)
    strict = DDP(TwoBranches())
    error = error_of(lambda: strict(x).sum().backward())
    tensor.manual_seed(0)
    model = TwoBranches()
    lenient = DDP(model, find_unused_parameters=True)
    lenient(x).sum().backward()
    return {"error": error, "used_weight_grad": model.used.weight.grad.tolist(),
            "unused_weight_grad": model.unused.weight.grad.tolist()}


CHECKS = [check_group, check_collectives, check_bad_calls, check_sampler, check_wrap,
          check_training, check_no_sync, check_unused_parameters]


def main(out):
    results = {"initialized_before": dist.is_initialized()}
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    arrays = {}
    for check in CHECKS:
        try:
            results[check.__name__] = check(rank, arrays)
        except Exception:
            results[check.__name__] = {"error": traceback.format_exc()}
    dist.barrier()
    dist.destroy_process_group()
    results["initialized_after_destroy"] = dist.is_initialized()
    results["rank_after_destroy"] = error_of(dist.get_rank)
    with open(f"{out}/rank{rank}.json", "w") as file:
        json.dump(results, file)
    np.savez(f"{out}/rank{rank}.npz", **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
