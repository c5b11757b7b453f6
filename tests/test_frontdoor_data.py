"""torch.utils.data's pieces (samplers, Subset, ConcatDataset, random_split, DataLoader's
arguments) and torch.save / torch.load of nested structures through safetensors."""

import io

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import gradschool as gs
from gradschool import nn
from gradschool.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


class Numbers(Dataset):
    """Example i is (i, i % 2), fetched one at a time (no __getitems__)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return float(index), index % 2


def batches(loader):
    return [x.tolist() for x, _ in loader]


@pytest.mark.parametrize("n, size, drop_last", [(10, 3, False), (10, 3, True), (4, 4, False),
                                                (5, 7, False), (5, 7, True)])
def test_batch_sampler_as_in_pytorch(n, size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    plain = BatchSampler(range(n), size, drop_last)  # any iterable of indices
    assert list(plain) == list(theirs) and len(plain) == len(theirs)


def test_random_samplers_are_permutations_and_follow_their_generator():
    g = gs.Generator().manual_seed(1)
    order = list(RandomSampler(range(20), generator=g))
    assert sorted(order) == list(range(20)) and order != list(range(20))
    g.manual_seed(1)
    assert list(RandomSampler(range(20), generator=g)) == order
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= set(range(5))
    subset = list(SubsetRandomSampler([3, 7, 9]))
    assert sorted(subset) == [3, 7, 9]
    with pytest.raises(ValueError, match="without replacement"):
        RandomSampler(range(3), num_samples=5)


def test_weighted_random_sampler():
    gs.manual_seed(0)
    drawn = np.array(list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000)))
    counts = np.bincount(drawn, minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.0, 0.25, 0.75], atol=0.03)
    unique = list(WeightedRandomSampler([1.0, 0.0, 2.0, 5.0], 3, replacement=False))
    assert sorted(unique) == [0, 2, 3]


def test_dataloader_accepts_pytorchs_arguments():
    ds = TensorDataset(gs.arange(10.0), gs.arange(10) % 2)
    loader = DataLoader(ds, batch_size=4, shuffle=False, num_workers=4, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2, timeout=0,
                        worker_init_fn=lambda worker: None, drop_last=False)
    assert batches(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)


def test_sampler_and_batch_sampler_arguments():
    ds = TensorDataset(gs.arange(6.0))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])] == \
        [[5, 4], [3, 2], [1, 0]]
    by_hand = DataLoader(ds, batch_sampler=[[0, 5], [1, 2, 3]])
    assert [b[0].tolist() for b in by_hand] == [[0, 5], [1, 2, 3]] and len(by_hand) == 2
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    singles = list(DataLoader(Numbers(3), batch_size=None))
    assert singles == [(0.0, 0), (1.0, 1), (2.0, 0)]


def test_shuffle_draws_from_a_generator():
    ds = Numbers(12)
    g = gs.Generator().manual_seed(4)
    first = batches(DataLoader(ds, batch_size=5, shuffle=True, generator=g))
    g.manual_seed(4)
    assert batches(DataLoader(ds, batch_size=5, shuffle=True, generator=g)) == first
    assert sorted(sum(first, [])) == list(range(12))
    numpy_rng = batches(DataLoader(ds, batch_size=5, shuffle=True,
                                   generator=np.random.default_rng(4)))
    assert sorted(sum(numpy_rng, [])) == list(range(12))


def test_subset_concat_and_random_split():
    ds = TensorDataset(gs.arange(10.0) * 10)
    part = Subset(ds, [9, 2, 4])
    assert len(part) == 3 and part[0][0].item() == 90
    assert part.__getitems__([1, 2])[0].tolist() == [20.0, 40.0]
    assert batches_of_first(DataLoader(part, batch_size=2)) == [[90, 20], [40]]
    both = ConcatDataset([Numbers(3), Numbers(2)])
    assert len(both) == 5 and both[3] == (0.0, 0) and both[-1] == (1.0, 1)
    with pytest.raises(IndexError):
        both[5]

    gs.manual_seed(0)
    a, b, c = random_split(ds, [5, 3, 2])
    assert [len(a), len(b), len(c)] == [5, 3, 2]
    assert sorted(a.indices + b.indices + c.indices) == list(range(10))
    x, y = random_split(ds, [0.7, 0.3], generator=gs.Generator().manual_seed(1))
    theirs = tud.random_split(range(10), [0.7, 0.3])
    assert (len(x), len(y)) == (len(theirs[0]), len(theirs[1]))
    odd = random_split(range(7), [0.5, 0.5])
    assert [len(s) for s in odd] == [len(s) for s in tud.random_split(range(7), [0.5, 0.5])]
    with pytest.raises(ValueError, match="add up to 9"):
        random_split(ds, [5, 4])


def batches_of_first(loader):
    return [batch[0].tolist() for batch in loader]


# ---- save and load --------------------------------------------------------------------------


def trained():
    gs.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    optimizer = gs.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        loss = model(gs.ones(5, 3)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, optimizer, loss


def test_a_state_dict_round_trips_in_order(tmp_path):
    model, _, _ = trained()
    gs.save(model.state_dict(), tmp_path / "model.pth")
    loaded = gs.load(tmp_path / "model.pth", weights_only=True)
    assert list(loaded) == list(model.state_dict())  # PyTorch keeps the order; so do we
    for name, value in model.state_dict().items():
        assert loaded[name].tolist() == value.tolist()
    from safetensors.numpy import load_file  # still a plain safetensors file

    assert set(load_file(tmp_path / "model.pth")) == set(model.state_dict())


def test_a_checkpoint_dict_round_trips_and_resumes_training(tmp_path):
    model, optimizer, loss = trained()
    gs.save({"epoch": 5, "model_state_dict": model.state_dict(),
             "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item(),
             "history": [1.5, 2, None, "text", True], "pair": (gs.tensor(3.0), 4),
             "last": loss.detach()}, tmp_path / "checkpoint.tar")
    checkpoint = gs.load(tmp_path / "checkpoint.tar", weights_only=True)
    assert checkpoint["epoch"] == 5 and checkpoint["loss"] == loss.item()
    assert checkpoint["history"] == [1.5, 2, None, "text", True]
    assert isinstance(checkpoint["pair"], tuple) and checkpoint["pair"][0].item() == 3.0
    assert checkpoint["last"].shape == () and checkpoint["last"].item() == loss.item()
    groups = checkpoint["optimizer_state_dict"]["param_groups"]
    assert groups[0]["betas"] == (0.9, 0.999) and groups[0]["params"] == [0, 1, 2, 3]
    assert sorted(checkpoint["optimizer_state_dict"]["state"]) == [0, 1, 2, 3]

    copy = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    copy_optimizer = gs.optim.Adam(copy.parameters(), lr=0.01)
    copy.load_state_dict(checkpoint["model_state_dict"])
    copy_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    for m, opt in ((model, optimizer), (copy, copy_optimizer)):
        loss = m(gs.ones(5, 3)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    for p, q in zip(model.parameters(), copy.parameters()):
        assert p.tolist() == q.tolist()


def test_save_and_load_through_file_objects_and_onto_a_device():
    buffer = io.BytesIO()
    gs.save({"w": gs.tensor([1.0, 2.0], requires_grad=True), "step": 3}, buffer)
    buffer.seek(0)
    loaded = gs.load(buffer, map_location="standin")
    assert loaded["w"].device == "standin" and loaded["w"].requires_grad
    assert loaded["step"] == 3
    buffer.seek(0)
    assert gs.load(buffer, map_location=gs.device("cpu"))["w"].device == "cpu"
    with pytest.raises(TypeError, match="map_location must be a device name"):
        gs.load(io.BytesIO(b""), map_location={"cuda:0": "cpu"})


def test_a_single_tensor_and_a_list_of_tensors(tmp_path):
    gs.save(gs.arange(3), tmp_path / "t.pt")
    assert gs.load(tmp_path / "t.pt").tolist() == [0, 1, 2]
    gs.save([gs.ones(2), {"a": gs.zeros(1), 1: 2.5}], tmp_path / "l.pt")
    first, second = gs.load(tmp_path / "l.pt")
    assert first.tolist() == [1.0, 1.0] and second[1] == 2.5 and second["a"].tolist() == [0.0]


def test_numpy_values_keep_their_kind(tmp_path):
    gs.save({"array": np.arange(3), "number": np.float64(0.5), "flag": np.bool_(True)},
            tmp_path / "n.pt")
    loaded = gs.load(tmp_path / "n.pt")
    assert isinstance(loaded["array"], np.ndarray) and loaded["array"].tolist() == [0, 1, 2]
    assert loaded["number"] == 0.5 and loaded["flag"] is True


def test_a_whole_module_is_refused_with_what_to_save_instead(tmp_path):
    model, optimizer, _ = trained()
    with pytest.raises(TypeError, match=r"whole Sequential object.*pickle.*"
                                        r"save\(model\.state_dict\(\), path\)"):
        gs.save(model, tmp_path / "model.pth")
    with pytest.raises(TypeError, match=r"save\(optimizer\.state_dict\(\), path\)"):
        gs.save(optimizer, tmp_path / "optimizer.pth")
    with pytest.raises(TypeError, match="model_state_dict/x is a builtin_function_or_method"):
        gs.save({"model_state_dict": {"x": print}}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="Grad School's own"):
        gs.save({"w": gs.ones(1)}, tmp_path / "m.pth", metadata={"gradschool.keys": "[]"})


def test_pytorchs_own_state_dict_file_loads(tmp_path):
    """A state_dict PyTorch saved with safetensors loads into the same model here."""
    from safetensors.torch import save_file

    torch.manual_seed(0)
    theirs = torch.nn.Linear(3, 2)
    save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    ours = nn.Linear(3, 2)
    ours.load_state_dict(gs.load(tmp_path / "theirs.safetensors"))
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_allclose(ours(gs.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)
