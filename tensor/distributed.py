"""`tensor.distributed`: several processes that compute together, with PyTorch's names
(`torch.distributed`), over MPI.

    mpiexec -n 4 python train.py                   # 4 copies of the program, ranks 0..3

    import tensor.distributed as dist
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    t = tensor.Tensor([float(rank)])
    dist.all_reduce(t)                             # every rank now holds 0 + 1 + 2 + 3 = 6

`mpiexec` starts the same program N times, on one machine or several (`mpiexec -hosts a,b
-n 4 ...`); MPI numbers the processes 0..N-1 (the **rank**; N is the **world size**) and
moves data between them. Each process has its own memory, its own model, its own arrays:
the only way to share anything is a message. The messages every data-parallel trainer
needs are **collectives**, calls that every rank makes together:

    all_reduce(t)       every rank's t becomes the elementwise sum (or max, min, product,
                        average) of all ranks' t: how gradients are averaged
    broadcast(t, src)   every rank's t becomes rank src's t: how all replicas start equal
    barrier()           nobody goes on until everybody has arrived

A collective must be called by every rank, in the same order: a rank that skips one leaves
the others waiting forever. `async_op=True` starts it and returns a `Work` whose `wait()`
finishes it, so that computing can go on meanwhile (nn/parallel/ uses this to average
gradients while backward is still running).

How the bytes travel: MPI (here MPICH, from the `mpich` wheel, through `mpi4py`: `pip install
-e '.[mpi]'`) reads and writes the arrays' memory itself. A CPU tensor's NumPy array is handed
over as it is, and reduced in place. A GPU tensor lives in GPU memory, which an ordinary MPI
cannot read: its values are **staged through the host**, copied to a NumPy array, reduced
there, and copied back (two copies over PCIe per collective). A **CUDA-aware** MPI reads GPU
memory directly; when `init_process_group` detects one (MPI's own `MPIX_Query_cuda_support()`
says so, or the environment sets GRADSCHOOL_CUDA_AWARE_MPI=1; =0 turns it off), the CuPy
array is handed over after the GPU has finished writing it. The test-only "standin" device
takes the staging path, so CI runs it; the CUDA paths have not run on a GPU yet.

Without `init_process_group`, `get_rank()` and the collectives raise ValueError, as PyTorch
does. `mpi4py` is imported only by `init_process_group`: importing it starts MPI.
"""

import ctypes
import enum
import importlib.util
import os

from tensor import backend as backends

INSTALL_HINT = "pip install -e '.[mpi]' (mpi4py and the mpich wheel)"
NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")


class ReduceOp(enum.Enum):
    """How all_reduce combines the ranks' values, elementwise. AVG is the SUM divided by the
    world size (floating-point tensors only)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class _ProcessGroup:
    """The one process group: every rank of the MPI job (a private copy of MPI's
    COMM_WORLD, so that our messages never mix with another library's)."""

    def __init__(self, mpi, comm, cuda_aware):
        self.mpi = mpi
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.cuda_aware = cuda_aware


_group = None  # the default process group, once init_process_group has run


def is_available():
    """Whether multi-process training can be used here: mpi4py is installed."""
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ValueError, ImportError):  # a half-present package
        return False


is_mpi_available = is_available


def is_initialized():
    """Whether init_process_group has been called (and destroy_process_group not since)."""
    return _group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the job that `mpiexec` started: after this, get_rank(), get_world_size() and the
    collectives work. backend must be "mpi" (or None). MPI decides the ranks and the world
    size, so `world_size` and `rank`, if given, must agree with it; `init_method`, `store`,
    `timeout`, `group_name`, `pg_options`, `device_id` are PyTorch's ways to find the other
    processes, which mpiexec has already done: accepted and unused. Run without mpiexec, a
    program is a world of one process (rank 0)."""
    global _group
    if _group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "mpi" if backend is None else str(backend).lower()
    if name != "mpi":
        raise ValueError(f"init_process_group(backend={backend!r}): Grad School has one "
                         f"backend, 'mpi' (processes started by mpiexec, talking through "
                         f"mpi4py); 'nccl' and 'gloo' are PyTorch's own libraries")
    mpi = _import_mpi()
    comm = mpi.COMM_WORLD.Dup()
    for given, actual, what in [(world_size, comm.Get_size(), "world_size"),
                                (rank, comm.Get_rank(), "rank")]:
        if given not in (-1, None) and given != actual:
            comm.Free()
            raise ValueError(f"init_process_group({what}={given}): MPI gives this process "
                             f"{what} {actual}; with MPI, mpiexec -n N decides (leave {what} "
                             f"out)")
    _group = _ProcessGroup(mpi, comm, _cuda_aware(mpi))


def _import_mpi():
    """mpi4py's MPI module (importing it initializes MPI), or a RuntimeError saying how to
    install it."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError(f"init_process_group('mpi') needs mpi4py, which is not installed "
                           f"({error}): {INSTALL_HINT}") from None
    return MPI


def _cuda_aware(mpi):
    """Whether MPI reads and writes GPU memory itself: GRADSCHOOL_CUDA_AWARE_MPI=1/0 decides
    if set; otherwise MPI's own answer, `MPIX_Query_cuda_support()` (Open MPI and MPICH have
    it), found in the MPI library that mpi4py loaded; False where there is no answer."""
    setting = os.environ.get("GRADSCHOOL_CUDA_AWARE_MPI")
    if setting is not None:
        return setting.strip().lower() in ("1", "true", "yes", "on")
    try:
        return bool(ctypes.CDLL(mpi.__file__).MPIX_Query_cuda_support())
    except (OSError, AttributeError, TypeError):
        return False


def destroy_process_group(group=None):
    """Leave the process group (MPI itself is finalized when the program exits)."""
    global _group
    _check_group(group, "destroy_process_group")
    _default_group().comm.Free()
    _group = None


def _default_group():
    if _group is None:
        raise ValueError(NOT_INITIALIZED)
    return _group


def _check_group(group, caller):
    if group is not None:
        raise ValueError(f"{caller}(group={group!r}): tensor.distributed has one process "
                         f"group, every rank of the job; leave group out (None)")


def get_backend(group=None):
    """The backend's name: "mpi"."""
    _check_group(group, "get_backend")
    _default_group()
    return "mpi"


def get_rank(group=None):
    """This process's number, 0 .. world size - 1."""
    _check_group(group, "get_rank")
    return _default_group().rank


def get_world_size(group=None):
    """How many processes the job has."""
    _check_group(group, "get_world_size")
    return _default_group().size


def is_main_process():
    """True on rank 0, and in a program that never called init_process_group: the one process
    that should print progress and write checkpoints."""
    return _group is None or _group.rank == 0


def is_cuda_aware():
    """Whether GPU arrays go to MPI directly (True) or are staged through the host (False)."""
    return _default_group().cuda_aware


def get_node_local_rank(fallback_rank=None):
    """This process's number among the processes on its own machine (to choose its GPU:
    `f"cuda:{get_node_local_rank()}"`). From $LOCAL_RANK when set (as torchrun sets it), else
    from MPI (the ranks that share this machine's memory), else `fallback_rank`."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if _group is not None:
        mpi = _group.mpi
        local = _group.comm.Split_type(mpi.COMM_TYPE_SHARED)
        rank = local.Get_rank()
        local.Free()
        return rank
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("get_node_local_rank(): LOCAL_RANK is not set and no process group is "
                       "initialized; call init_process_group('mpi') or pass fallback_rank")


# ---- collectives -----------------------------------------------------------------------------


class Work:
    """A collective started with async_op=True. `wait()` blocks until it is done on this rank
    (and copies staged values back to the device); `is_completed()` asks without blocking,
    which also lets MPI move the messages along. Until then the tensor belongs to MPI: do not
    read or change it."""

    def __init__(self, request, finish):
        self._request = request
        self._finish = finish
        self._done = False

    def is_completed(self):
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def _complete(self):
        self._done = True
        self._finish()


def _check_tensor(t, caller):
    from tensor.tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"{caller} expects a Tensor, got {type(t).__name__}")


def _message(t):
    """(buffer MPI reads and writes, function that puts the result into t afterwards).

    A CPU tensor's own array is the buffer when it is contiguous (no copy); a strided view
    is reduced in a contiguous copy. A GPU (or standin) tensor is staged through a host
    copy, unless MPI is CUDA-aware: then the device array itself, once the GPU is idle."""
    backend, array = t._backend, t._data
    xp = backend.xp
    if backend.device == "cpu":
        buffer = xp.ascontiguousarray(array)
    elif backend.device.startswith("cuda") and _group.cuda_aware:
        buffer = xp.ascontiguousarray(array)
        backend.synchronize()  # MPI does not wait for the GPU's queued kernels
    else:  # device -> host; the host's own array module (NumPy) makes it contiguous
        buffer = backends.get_backend("cpu").xp.ascontiguousarray(backend.to_numpy(array))

    def finish():
        if buffer is not array:
            array[...] = buffer if backend.device == "cpu" else backend.asarray(buffer)
        t._bump_version()

    return buffer, finish


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """In place: every rank's `tensor` becomes the elementwise combination (`op`, default
    SUM) of all ranks' `tensor`. Returns None, or a Work with async_op=True."""
    _check_tensor(tensor, "all_reduce")
    _check_group(group, "all_reduce")
    pg = _default_group()
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce(op=...) expects a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX), "
                        f"got {op!r}")
    if op is ReduceOp.AVG and tensor.dtype.kind != "f":
        raise ValueError(f"all_reduce(op=ReduceOp.AVG) needs a floating-point tensor, got "
                         f"{tensor.dtype}")
    mpi = pg.mpi
    mpi_op = {ReduceOp.SUM: mpi.SUM, ReduceOp.AVG: mpi.SUM, ReduceOp.PRODUCT: mpi.PROD,
              ReduceOp.MIN: mpi.MIN, ReduceOp.MAX: mpi.MAX}[op]
    buffer, put_back = _message(tensor)

    def finish():
        if op is ReduceOp.AVG:
            buffer[...] /= pg.size  # in place: the buffer MPI summed into
        put_back()

    if async_op:
        return Work(pg.comm.Iallreduce(mpi.IN_PLACE, buffer, op=mpi_op), finish)
    pg.comm.Allreduce(mpi.IN_PLACE, buffer, op=mpi_op)
    finish()
    return None


def broadcast(tensor, src, group=None, async_op=False):
    """In place: every rank's `tensor` becomes rank `src`'s. Returns None, or a Work with
    async_op=True."""
    _check_tensor(tensor, "broadcast")
    _check_group(group, "broadcast")
    pg = _default_group()
    if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < pg.size:
        raise ValueError(f"broadcast(src={src!r}): src must be a rank, 0 to {pg.size - 1}")
    buffer, put_back = _message(tensor)
    if async_op:
        return Work(pg.comm.Ibcast(buffer, root=src), put_back)
    pg.comm.Bcast(buffer, root=src)
    put_back()
    return None


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """In place: every rank's list gets rank `src`'s items, any picklable Python objects
    (shapes, settings, a random seed). The lists must have the same length on every rank."""
    _check_group(group, "broadcast_object_list")
    pg = _default_group()
    if not isinstance(object_list, list):
        raise TypeError(f"broadcast_object_list expects a list, got {type(object_list).__name__}")
    received = pg.comm.bcast(object_list if pg.rank == src else None, root=src)
    object_list[:] = received


def all_gather_object(object_list, obj, group=None):
    """In place: object_list[r] becomes rank r's `obj` (any picklable Python object), on
    every rank. object_list must have world-size entries."""
    _check_group(group, "all_gather_object")
    pg = _default_group()
    if not isinstance(object_list, list) or len(object_list) != pg.size:
        raise ValueError(f"all_gather_object expects a list of {pg.size} entries (one per "
                         f"rank) to fill, got {object_list!r}")
    object_list[:] = pg.comm.allgather(obj)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has called barrier()."""
    _check_group(group, "barrier")
    pg = _default_group()
    if async_op:
        return Work(pg.comm.Ibarrier(), lambda: None)
    pg.comm.Barrier()
    return None


__all__ = ["ReduceOp", "Work", "is_available", "is_mpi_available", "is_initialized",
           "init_process_group", "destroy_process_group", "get_backend", "get_rank",
           "get_world_size", "get_node_local_rank", "is_main_process", "is_cuda_aware",
           "all_reduce", "broadcast", "broadcast_object_list", "all_gather_object", "barrier"]
