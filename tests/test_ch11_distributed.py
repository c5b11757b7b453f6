"""Chapter 11: many processes. Data-parallel training over MPI (tensor.distributed,
nn.parallel.DistributedDataParallel, nn.data.DistributedSampler) and the gradient hooks it
is built on (tensor/hooks.py).

Most tests read what one `mpiexec -n 2` run of tests/mpi_programs/ddp_checks.py saw (the
`ranks` fixture: one launch for the whole file, a few seconds); the main claim among them:
two ranks with batch B end 20 steps of SGD and of Adam with the parameters of one process
with batch 2B (float64, to 1e-12), for an MLP and for a CNN with BatchNorm (whose per-rank
statistics the one process reproduces by normalizing its batch in the ranks' pieces; see
tests/mpi_programs/ddp_scenarios.py). The other tests run in this process: the hooks against
PyTorch's, the sampler's sharding rule against PyTorch's, and the errors before
init_process_group.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tensor
import tensor.distributed as dist
from nn.parallel import DistributedDataParallel as DDP

PROGRAMS = Path(__file__).resolve().parent / "mpi_programs"
sys.path.insert(0, str(PROGRAMS))
import ddp_scenarios as sc  # noqa: E402  (shared with the mpiexec program)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ddp_fashion_mnist.py"


def find_mpiexec():
    """The mpiexec of the mpich wheel beside this Python (it matches mpi4py's MPI), else the
    one on PATH."""
    beside = Path(sys.executable).with_name("mpiexec")
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def run_mpi(processes, args, timeout=180):
    """Run `mpiexec -n processes python args...` (one BLAS thread per rank); the completed
    run, or a test failure that shows its output. A run that hangs (a collective that one
    rank never reaches) is killed with all its ranks after `timeout` seconds."""
    mpiexec = find_mpiexec()
    if mpiexec is None:
        pytest.skip("mpiexec not found: pip install -e '.[mpi]' installs it (the mpich wheel)")
    if not dist.is_available():
        pytest.skip("mpi4py is not installed: pip install -e '.[mpi]'")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")  # an Open MPI
    process = subprocess.Popen([mpiexec, "-n", str(processes), sys.executable, *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"mpiexec -n {processes} did not finish within {timeout} s (a rank waits in "
                    f"a collective the others never call?):\n{output[-4000:]}")
    if process.returncode != 0:
        pytest.fail(f"mpiexec -n {processes} failed ({process.returncode}):\n{output[-6000:]}")
    return output


class Rank:
    """What one rank of ddp_checks.py recorded: `rank[check]` (JSON), `rank.arrays` (npz)."""

    def __init__(self, folder, r):
        self.results = json.loads((folder / f"rank{r}.json").read_text())
        with np.load(folder / f"rank{r}.npz") as arrays:
            self.arrays = dict(arrays)

    def __getitem__(self, check):
        seen = self.results[check]
        if isinstance(seen, dict) and "error" in seen and isinstance(seen["error"], str) \
                and seen["error"].startswith("Traceback"):
            pytest.fail(f"{check} failed on this rank:\n{seen['error']}")
        return seen


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ranks")
    run_mpi(2, [PROGRAMS / "ddp_checks.py", out])
    return [Rank(out, r) for r in range(2)]


# ---- two ranks with batch B are one process with batch 2B -------------------------------------


@pytest.fixture(scope="module")
def one_process():
    """The single-process runs of every scenario: {name: (weights, rank 1's buffers)}."""
    return {name: sc.train_one_process(name) for name in sc.SCENARIOS}


def trained(rank, name):
    """What a rank saw when it trained scenario `name` (a failure if it raised)."""
    seen = rank["check_training"][name]
    if "error" in seen:
        pytest.fail(f"{name} failed on a rank:\n{seen['error']}")
    return seen


@pytest.mark.exercise("ch11.average_gradients")
@pytest.mark.parametrize("name", list(sc.SCENARIOS))
def test_two_ranks_with_batch_b_take_the_steps_of_one_process_with_batch_2b(
        ranks, one_process, name):
    for rank in ranks:
        trained(rank, name)
    weights, rank1_buffers = one_process[name]
    for key, expected in weights.items():
        got = [rank.arrays[f"{name}/{key}"] for rank in ranks]
        if key.startswith("1.running") or key.endswith("num_batches_tracked"):
            # BatchNorm's buffers: rank 0's own; rank 1's are rank 0's, updated by its batch
            np.testing.assert_array_equal(got[0], expected, err_msg=f"{name} rank 0 {key}")
            np.testing.assert_array_equal(got[1], rank1_buffers[key],
                                          err_msg=f"{name} rank 1 {key}")
        else:
            assert np.array_equal(got[0], got[1]), f"{name}: the ranks' {key} differ"
            np.testing.assert_allclose(got[0], expected, rtol=1e-12, atol=1e-12,
                                       err_msg=f"{name}: {key}")
    assert not np.allclose(weights["0.weight"], sc.weights(sc.build_model(name[:3], 0))["0.weight"])


@pytest.mark.exercise("ch11.average_gradients")
def test_buckets_are_started_during_backward_in_order(ranks):
    """With 1 KiB buckets the MLP's gradients fill 2 buckets: the first (the last layers)
    starts while 2 of its 6 parameter tensors still wait for their gradients; with the
    default caps everything is one bucket, started at the end of the walk."""
    for rank in ranks:
        assert trained(rank, "mlp_adam")["buckets"] == 2
        assert trained(rank, "mlp_adam")["timeline"] == [[0, 2], [1, 0]]
        assert trained(rank, "cnn_sgd")["timeline"] == [[0, 4], [1, 0]]
        assert trained(rank, "mlp_sgd")["buckets"] == 1
        assert trained(rank, "mlp_sgd")["timeline"] == [[0, 0]]


@pytest.mark.exercise("ch11.average_gradients")
def test_no_sync_accumulates_locally_then_averages_the_sums(ranks):
    local, summed = [], []
    for r in range(2):
        model = sc.build_model("mlp", seed=0)
        grads = []
        for x, y in sc.micro_batches(r):
            F.cross_entropy(model(x), y).backward()
            grads.append({name: p.grad.numpy().copy() for name, p in model.named_parameters()})
        local.append(grads[0])
        summed.append(grads[1])  # after the second backward: the sum of both
    for r, rank in enumerate(ranks):
        assert rank["check_no_sync"]["sync_flag_restored"] is True
        for name in local[r]:
            np.testing.assert_allclose(rank.arrays[f"no_sync_local/{name}"], local[r][name],
                                       rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(rank.arrays[f"no_sync_synced/{name}"],
                                       (summed[0][name] + summed[1][name]) / 2,
                                       rtol=1e-12, atol=1e-14)


@pytest.mark.exercise("ch11.average_gradients")
def test_unused_parameters_are_an_error_unless_find_unused_parameters(ranks):
    for rank in ranks:
        seen = rank["check_unused_parameters"]
        assert seen["error"].startswith("RuntimeError: DistributedDataParallel: 2 parameter(s) "
                                        "received no gradient")
        assert "find_unused_parameters=True" in seen["error"]
        assert seen["used_weight_grad"] == [[3.0] * 3] * 2  # rows of 1s and of 2s: mean 3
        assert seen["unused_weight_grad"] == [[0.0] * 3] * 2


# ---- wrapping a model -------------------------------------------------------------------------


def test_wrapping_broadcasts_rank_0s_parameters_and_buffers(ranks):
    expected = sc.build_model("cnn", seed=0)  # rank 0's model (rank 1 used seed 100)
    for rank in ranks:
        for key, value in sc.weights(expected).items():
            np.testing.assert_array_equal(rank.arrays[f"wrap/{key}"], value, err_msg=key)
    # broadcast_buffers=False: the parameters are broadcast, the buffers are not
    assert [rank["check_wrap"]["no_broadcast_running_mean"] for rank in ranks] == [
        [0.0] * 4, [1.0] * 4]
    sums = [rank["check_wrap"]["no_broadcast_weight_sum"] for rank in ranks]
    assert sums[0] == sums[1]


def test_the_wrapper_keeps_pytorchs_names(ranks):
    seen = ranks[0]["check_wrap"]
    assert seen["state_dict_keys"] == ["module." + key for key in seen["module_keys"]]
    assert seen["module_is_model"] and seen["parameters_are_the_modules"]
    assert seen["repr"].startswith("DistributedDataParallel(\n  world_size=2, bucket_cap_mb=25\n"
                                   "  (module): Sequential(")


def test_bad_arguments_name_what_was_expected(ranks):
    for rank in ranks:
        seen = rank["check_bad_calls"]
        assert seen["not_a_tensor"] == "TypeError: all_reduce expects a Tensor, got list"
        assert seen["op_string"].startswith("TypeError: all_reduce(op=...) expects a ReduceOp")
        assert seen["avg_of_ints"] == ("ValueError: all_reduce(op=ReduceOp.AVG) needs a "
                                       "floating-point tensor, got int64")
        assert seen["src_out_of_range"] == ("ValueError: broadcast(src=2): src must be a rank, "
                                            "0 to 1")
        assert seen["group"].startswith("ValueError: all_reduce(group='everyone'): ")
        assert seen["ddp_no_parameters"] == (
            "RuntimeError: DistributedDataParallel is not needed when a module doesn't have "
            "any parameter that requires a gradient.")
        assert seen["ddp_not_a_module"] == ("TypeError: DistributedDataParallel expects an "
                                            "nn.Module to wrap, got function")
        assert "the module's parameters are on ['cpu']" in seen["ddp_device_ids_on_cpu"]
        assert seen["ddp_process_group"].startswith("ValueError: DistributedDataParallel("
                                                    "process_group=...)")
        assert "bucket_cap_mb=0" in seen["ddp_bucket_cap"]
        # every rank raises, and names the rank that differs and how
        assert seen["ddp_different_models"] == (
            "ValueError: DistributedDataParallel: the ranks wrap different models: rank 1 has "
            "(name, shape) ('weight', (5, 3)) where rank 0 has ('weight', (4, 3))")


# ---- the process group and the collectives ----------------------------------------------------


def test_the_process_group(ranks):
    for r, rank in enumerate(ranks):
        assert rank.results["initialized_before"] is False
        assert rank["check_group"] == {
            "rank": r, "world_size": 2, "backend": "mpi", "is_initialized": True,
            "is_main_process": r == 0, "node_local_rank": r, "cuda_aware": False,
            "init_twice": "ValueError: trying to initialize the default process group twice!"}
        assert rank.results["initialized_after_destroy"] is False
        assert rank.results["rank_after_destroy"] == f"ValueError: {dist.NOT_INITIALIZED}"


def test_collectives_combine_every_ranks_values(ranks):
    """Rank r starts from (r + 1, 10 (r + 1)): (1, 10) and (2, 20)."""
    for rank in ranks:
        seen = rank["check_collectives"]
        assert seen["SUM"] == [3.0, 30.0] and seen["AVG"] == [1.5, 15.0]
        assert seen["PRODUCT"] == [2.0, 200.0]
        assert seen["MIN"] == [1.0, 10.0] and seen["MAX"] == [2.0, 20.0]
        assert seen["int64_sum"] == ["int64", 1, 10]
        assert seen["async_wait"] is True and seen["async_completed"] is True
        assert seen["async_sum"] == [3.0, 30.0]
        # a strided view is reduced through a contiguous copy and written back through it
        assert seen["strided_view"] == [[0.0, 3.0, 6.0], [9.0, 12.0, 15.0]]
        assert seen["version_bumped"] is True
        # the standin device (a GPU's rules) is staged through the host, and back
        assert seen["standin_sum"] == ["standin", 3.0, 4.0]
        assert seen["standin_async_max"] == [2.0]
        assert seen["broadcast_from_1"] == [8.0]
        assert seen["standin_broadcast_from_0"] == [1.0]
        assert seen["objects_from_1"] == ["from rank 1", {"rank": 1}]
        assert seen["barrier"] is None and seen["async_barrier"] is True


def test_the_sampler_takes_its_size_and_rank_from_the_group(ranks):
    assert [rank["check_sampler"] for rank in ranks] == [
        {"num_replicas": 2, "rank": 0, "indices": [0, 2, 4, 6, 8, 10]},
        {"num_replicas": 2, "rank": 1, "indices": [1, 3, 5, 7, 9, 0]}]  # 0 again: padding


@pytest.mark.exercise("ch11.average_gradients")
def test_the_example_trains_with_two_processes_and_only_rank_0_writes(tmp_path):
    checkpoint = tmp_path / "ddp.safetensors"
    output = run_mpi(2, [EXAMPLE, "--epochs", "1", "--train-size", "2048",
                         "--checkpoint", checkpoint])
    lines = [line for line in output.splitlines() if line.startswith("epoch 1: loss")]
    assert len(lines) == 1, output  # one rank prints
    assert output.count("2 process(es), 1024 images and 16 steps per epoch each") == 1
    accuracy = float(lines[0].split("test accuracy ")[1].rstrip("%")) / 100
    assert accuracy > 0.3, output  # 16 steps: far from chance (10%), far from trained
    sys.path.insert(0, str(EXAMPLE.parent))
    import fashion_mnist_mlp

    model = fashion_mnist_mlp.build_model()
    assert nn.load_checkpoint(checkpoint, model) == {
        "epoch": 1, "metadata": {"world_size": 2, "model": "mlp"}}


# ---- in this process: the sampler's rule ------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), replicas=st.integers(1, 5), data=st.data(),
       drop_last=st.booleans())
def test_the_sampler_shards_as_pytorchs(n, replicas, data, drop_last):
    rank = data.draw(st.integers(0, replicas - 1))
    ours = nn.data.DistributedSampler(list(range(n)), replicas, rank, shuffle=False,
                                      drop_last=drop_last)
    theirs = torch.utils.data.DistributedSampler(list(range(n)), replicas, rank,
                                                 shuffle=False, drop_last=drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert ours.total_size == theirs.total_size


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), replicas=st.integers(1, 4), seed=st.integers(0, 5),
       epoch=st.integers(0, 3))
def test_shuffled_shards_are_pytorchs_rule_applied_to_one_common_order(n, replicas, seed,
                                                                       epoch):
    shards = []
    for rank in range(replicas):
        sampler = nn.data.DistributedSampler(list(range(n)), replicas, rank, seed=seed)
        sampler.set_epoch(epoch)
        shards.append(list(sampler))
    order = np.random.default_rng(seed + epoch).permutation(n)  # the common order
    for rank, shard in enumerate(shards):
        positions = torch.utils.data.DistributedSampler(list(range(n)), replicas, rank,
                                                        shuffle=False)
        assert shard == order[list(positions)].tolist()
    if n % replicas == 0:  # then the shards are disjoint and cover the dataset
        assert sorted(sum(shards, [])) == list(range(n))


def test_set_epoch_changes_the_order_and_the_seed_fixes_it():
    def order(epoch, seed=0):
        sampler = nn.data.DistributedSampler(list(range(50)), 1, 0, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    assert order(0) == order(0) and order(0) != order(1) and order(0) != order(0, seed=1)
    assert sorted(order(3)) == list(range(50))


def test_the_sampler_refuses_a_rank_outside_the_world():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        nn.data.DistributedSampler(list(range(4)), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas >= 1, got 0"):
        nn.data.DistributedSampler(list(range(4)), num_replicas=0, rank=0)


# ---- in this process: before init_process_group -----------------------------------------------


@pytest.mark.parametrize("call", [
    dist.get_rank, dist.get_world_size, dist.barrier, dist.get_backend, dist.is_cuda_aware,
    lambda: dist.all_reduce(tensor.ones(2)), lambda: dist.broadcast(tensor.ones(2), 0),
    lambda: DDP(nn.Linear(2, 2)),
    lambda: nn.data.DistributedSampler(list(range(4))),
])
def test_without_a_process_group_everything_says_to_initialize_one(call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        call()


def test_without_a_process_group_this_is_the_main_process():
    assert dist.is_main_process()


def test_only_the_mpi_backend_exists():
    with pytest.raises(ValueError, match=r"backend='nccl'\): Grad School has one backend, "
                                         r"'mpi'"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_without_mpi4py_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # `import mpi4py` now fails
    assert not dist.is_available()
    with pytest.raises(RuntimeError, match=r"needs mpi4py.*pip install -e '\.\[mpi\]'"):
        dist.init_process_group("mpi")


def test_node_local_rank_from_the_environment_or_the_fallback(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert dist.get_node_local_rank(fallback_rank=3) == 3
    with pytest.raises(RuntimeError, match="LOCAL_RANK is not set"):
        dist.get_node_local_rank()
    monkeypatch.setenv("LOCAL_RANK", "5")
    assert dist.get_node_local_rank() == 5


def test_the_front_door_has_pytorchs_names():
    import gradschool as torch_like
    from gradschool.nn.parallel import DistributedDataParallel
    from gradschool.utils.data.distributed import DistributedSampler

    assert torch_like.distributed.init_process_group is dist.init_process_group
    assert torch_like.distributed.ReduceOp is dist.ReduceOp
    assert DistributedDataParallel is DDP and torch_like.nn.parallel.DistributedDataParallel is DDP
    assert DistributedSampler is nn.data.DistributedSampler
    assert torch_like.utils.data.DistributedSampler is nn.data.DistributedSampler
    for name in ["ReduceOp", "init_process_group", "get_rank", "get_world_size", "all_reduce",
                 "broadcast", "barrier", "is_initialized", "is_available",
                 "destroy_process_group", "broadcast_object_list", "all_gather_object"]:
        assert hasattr(torch.distributed, name), name  # the names PyTorch has


# ---- in this process: gradient hooks ----------------------------------------------------------


def twin_mlp():
    """A small MLP here and in PyTorch, with the same float64 weights."""
    tensor.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    return ours, theirs, tensor.Tensor(x), torch.from_numpy(x)


def test_a_hook_on_an_intermediate_tensor_changes_what_flows_on_as_in_pytorch():
    ours, theirs, x, tx = twin_mlp()
    for model, inputs in [(ours, x), (theirs, tx)]:
        hidden = model[1](model[0](inputs))
        seen = []
        hidden.register_hook(lambda g, seen=seen: seen.append(g.sum().item()) or g * 3)
        (model[2](hidden) ** 2).sum().backward()
        assert len(seen) == 1
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, err_msg=name)


def test_a_hook_on_a_leaf_replaces_the_gradient_before_it_reaches_grad_as_in_pytorch():
    ours, theirs, x, tx = twin_mlp()
    for model, inputs in [(ours, x), (theirs, tx)]:
        model[0].weight.grad = None
        model[0].weight.register_hook(lambda g: g.clamp(-0.01, 0.01))
        (model(inputs) ** 2).sum().backward()
        (model(inputs) ** 2).sum().backward()  # accumulates: clamp(g) + clamp(g)
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(),
                               rtol=1e-12)
    assert np.abs(ours[0].weight.grad.numpy()).max() <= 0.02


def test_hooks_run_as_backward_reaches_each_parameter_last_layer_first():
    ours, _, x, _ = twin_mlp()
    order = []
    for name, p in ours.named_parameters():
        p.register_hook(lambda g, name=name: order.append(name))
        p.register_post_accumulate_grad_hook(lambda p, name=name: order.append(f"+{name}"))
    (ours(x) ** 2).sum().backward()
    walk, after = order[:4], order[4:]
    assert walk.index("2.weight") < walk.index("0.weight")
    assert sorted(walk) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert sorted(after) == ["+0.bias", "+0.weight", "+2.bias", "+2.weight"]


def test_a_post_accumulate_hook_sees_the_updated_grad_and_autograd_grad_runs_none():
    ours, theirs, x, tx = twin_mlp()
    seen = {}
    for key, model, inputs in [("ours", ours, x), ("theirs", theirs, tx)]:
        weight = model[2].weight
        weight.register_post_accumulate_grad_hook(
            lambda p, key=key: seen.setdefault(key, []).append(p.grad.sum().item()))
        for _ in range(2):
            (model(inputs) ** 2).sum().backward()
    assert len(seen["ours"]) == 2 and seen["ours"][1] == pytest.approx(2 * seen["ours"][0])
    np.testing.assert_allclose(seen["ours"], seen["theirs"], rtol=1e-12)
    tensor.autograd.grad((ours(x) ** 2).sum(), [ours[2].weight])
    assert len(seen["ours"]) == 2


def test_a_removed_hook_no_longer_runs_and_a_failing_hook_changes_no_grad():
    w = tensor.ones(3, requires_grad=True)
    calls = []
    handle = w.register_hook(lambda g: calls.append(1))
    (w * 2).sum().backward()
    handle.remove()
    (w * 2).sum().backward()
    assert calls == [1] and w.grad.tolist() == [4.0] * 3

    def fail(grad):
        raise ArithmeticError("from the hook")

    w.register_hook(fail)
    with pytest.raises(ArithmeticError, match="from the hook"):
        (w * 2).sum().backward()
    assert w.grad.tolist() == [4.0] * 3


def test_bad_hooks_are_refused_with_the_reason():
    w = tensor.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require gradient"):
        tensor.ones(3).register_hook(lambda g: None)
    with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(TypeError, match="expects a function, got int"):
        w.register_hook(3)
    w.register_hook(lambda g: tensor.ones(4))
    with pytest.raises(RuntimeError, match=r"returned a Tensor of shape \(4,\)"):
        (w * 2).sum().backward()
    v = tensor.ones(3, requires_grad=True)
    v.register_hook(lambda g: [1, 2, 3])
    with pytest.raises(TypeError, match="must return a Tensor or None, got list"):
        (v * 2).sum().backward()
