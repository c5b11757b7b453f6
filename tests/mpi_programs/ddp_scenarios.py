"""What tests/test_ch11_distributed.py trains twice: with DistributedDataParallel on two ranks
(tests/mpi_programs/ddp_checks.py, under mpiexec) and in one process (the test itself).

The claim under test: R ranks with batch B take exactly the steps of one process with batch
R*B. The data, the models, their initial weights and the optimizers are made here, the same
way in both programs. Every rank's k-th batch comes from a DistributedSampler (shuffled,
set_epoch each epoch); the one process reads the same common order in batches of R*B, whose
k-th is the union of the ranks' k-th batches.

BatchNorm (the CNN) normalizes each rank's B examples with their own statistics, so the one
process does too: it runs its batch of R*B in R pieces, the pieces the ranks get, and averages
their losses (that is what averaging the ranks' gradients computes). Its running statistics
are those of rank 0: rank 0's piece updates them, and the others' updates are undone, since
DDP overwrites every rank's buffers with rank 0's at the next forward.
"""

import numpy as np

import nn
import nn.functional as F
import tensor

WORLD = 2  # the ranks of the mpiexec run
BATCH = 8  # examples per rank per step
STEPS_PER_EPOCH = 10
EPOCHS = 2  # 20 steps in all
SEED = 3  # the sampler's seed
EXAMPLES = WORLD * BATCH * STEPS_PER_EPOCH

# name -> (model, optimizer, bucket_cap_mb, device); bucket_cap_mb=None: one bucket (the
# default's first 1 MiB holds these small models), 0.001 (1 KiB): several buckets
SCENARIOS = {
    "mlp_sgd": ("mlp", "sgd", None, "cpu"),
    "mlp_adam": ("mlp", "adam", 0.001, "cpu"),
    "cnn_sgd": ("cnn", "sgd", 0.001, "cpu"),
    "cnn_adam": ("cnn", "adam", None, "cpu"),
    "mlp_sgd_standin": ("mlp", "sgd", 0.001, "standin"),
}


def dataset(kind):
    """EXAMPLES inputs (float64) and labels of 3 classes, the same on every rank."""
    rng = np.random.default_rng(7)
    shape = (EXAMPLES, 6) if kind == "mlp" else (EXAMPLES, 1, 8, 8)
    x = rng.standard_normal(shape)
    y = rng.integers(0, 3, EXAMPLES)
    return nn.data.TensorDataset(tensor.Tensor(x), tensor.Tensor(y))


def build_model(kind, seed, device="cpu"):
    """A small MLP, or a CNN with BatchNorm, in float64, initialized from `seed`."""
    tensor.manual_seed(seed)
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                              nn.Linear(16, 3))
    else:
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    return model.double().to(device)


def build_optimizer(name, params):
    if name == "sgd":
        return nn.optim.SGD(params, lr=0.1, momentum=0.9)
    return nn.optim.Adam(params, lr=0.01)


def loader(data, num_replicas, rank, batch_size):
    """Batches of this rank's share of the common shuffled order."""
    sampler = nn.data.DistributedSampler(data, num_replicas=num_replicas, rank=rank,
                                         shuffle=True, seed=SEED)
    return sampler, nn.data.DataLoader(data, batch_size=batch_size, sampler=sampler)


def weights(model):
    """Every parameter and buffer as a NumPy array, by state_dict name."""
    return {name: t.cpu().numpy().copy() for name, t in model.state_dict().items()}


def train_one_process(name):
    """The single process: batches of WORLD*BATCH, BatchNorm by rank-sized pieces. Returns
    (weights at the end, the buffers rank 1 should end with)."""
    kind, optimizer_name, _, _ = SCENARIOS[name]
    model = build_model(kind, seed=0)
    optimizer = build_optimizer(optimizer_name, model.parameters())
    sampler, batches = loader(dataset(kind), 1, 0, WORLD * BATCH)
    rank1_buffers = None
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for x, y in batches:
            if kind == "mlp":
                loss = F.cross_entropy(model(x), y)
            else:  # piece r holds the examples rank r gets: every WORLD-th, from r
                before = _buffers(model)
                loss = F.cross_entropy(model(x[0::WORLD]), y[0::WORLD]) / WORLD
                rank0_after = _buffers(model)
                for r in range(1, WORLD):
                    _set_buffers(model, before)  # rank r starts from rank 0's buffers
                    loss = loss + F.cross_entropy(model(x[r::WORLD]), y[r::WORLD]) / WORLD
                rank1_buffers = _buffers(model)  # (WORLD = 2: the last piece is rank 1's)
                _set_buffers(model, rank0_after)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return weights(model), rank1_buffers


def _buffers(model):
    return {name: b.numpy().copy() for name, b in model.named_buffers()}


def _set_buffers(model, values):
    for name, b in model.named_buffers():
        b.array[...] = values[name]


def micro_batches(rank):
    """Two small batches for the MLP, different on each rank (the no_sync check)."""
    rng = np.random.default_rng(100 + rank)
    return [(tensor.Tensor(rng.standard_normal((4, 6))), tensor.Tensor(rng.integers(0, 3, 4)))
            for _ in range(2)]
