"""Saving and loading with safetensors: exact round trips, atomic writes that survive a crash,
checkpoints that resume training exactly, and PyTorch files in both directions."""

import json
import os

import numpy as np
import pytest
import safetensors.torch
import torch
from safetensors import safe_open

import nn
import tensor


def small_model():
    return nn.Sequential(nn.Linear(3, 5), nn.Identity(), nn.Linear(5, 2))


def torch_small_model():
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Identity(), torch.nn.Linear(5, 2))


def same_state(a, b):
    assert list(a) == list(b) or sorted(a) == sorted(b)
    for key in a:
        x, y = a[key], b[key]
        x = x.numpy() if isinstance(x, tensor.Tensor) else x
        y = y.numpy() if isinstance(y, tensor.Tensor) else y
        assert x.dtype == y.dtype, key
        np.testing.assert_array_equal(x, y, err_msg=key)


# ---- save / load -------------------------------------------------------------------------------

def test_round_trip_is_exact_for_every_dtype(tmp_path):
    rng = np.random.default_rng(0)
    state = {
        "w32": tensor.Tensor(rng.normal(size=(3, 4)).astype(np.float32)),
        "w64": tensor.Tensor(rng.normal(size=(2,))),
        "count": tensor.Tensor(np.array([7, -1], dtype=np.int64)),
        "half": tensor.Tensor(rng.normal(size=(5,)).astype(np.float16)),
        "scalar": tensor.Tensor(np.float32(3.5)),
        "view": tensor.Tensor(rng.normal(size=(4, 3))).T,  # not contiguous
    }
    path = tmp_path / "state.safetensors"
    nn.save(state, path, metadata={"note": "hello"})
    loaded = nn.load(path)
    same_state(state, loaded)
    assert all(isinstance(v, tensor.Tensor) and v.device == "cpu" for v in loaded.values())
    with safe_open(path, framework="np") as f:
        assert f.metadata()["note"] == "hello"  # beside Grad School's "gradschool.keys"


def test_model_state_round_trip_and_load_onto_a_device(tmp_path):
    model = small_model()
    nn.save(model.state_dict(), tmp_path / "m.safetensors")
    loaded = nn.load(tmp_path / "m.safetensors", device="standin")
    assert {v.device for v in loaded.values()} == {"standin"}
    other = small_model().to("standin")
    other.load_state_dict(loaded)
    same_state(model.state_dict(), {k: v.cpu() for k, v in other.state_dict().items()})


def test_save_refuses_bad_input(tmp_path):
    with pytest.raises(TypeError, match="metadata must map str to str"):
        nn.save({"a": tensor.zeros(1)}, tmp_path / "x", metadata={"epoch": 3})
    with pytest.raises(TypeError, match="a is a set, which a safetensors file cannot hold"):
        nn.save({"a": {1, 2}}, tmp_path / "x")
    assert os.listdir(tmp_path) == []


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        nn.load(tmp_path / "nothing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ValueError, match="junk.safetensors is not a readable safetensors file"):
        nn.load(tmp_path / "junk.safetensors")


# ---- atomic writes ---------------------------------------------------------------------------

class CrashingFile:
    """A file object that writes half of what it is given, then fails like a full disk."""

    def __init__(self, f):
        self.f = f

    def write(self, content):
        self.f.write(content[: len(content) // 2])
        self.f.flush()
        raise OSError(28, "No space left on device")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()
        return False


def test_a_crash_midway_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    nn.save(small_model().state_dict(), path)
    old = path.read_bytes()
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: CrashingFile(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="No space left"):
        nn.save(small_model().state_dict(), path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.safetensors"]  # the partial temporary file is gone
    nn.load(path)


def test_a_failed_fsync_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    nn.save(small_model().state_dict(), path)
    old = path.read_bytes()

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output"):
        nn.save(small_model().state_dict(), path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_save_replaces_the_file_in_one_rename(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    renames = []
    real_replace = os.replace

    def recording_replace(src, dst):
        assert os.path.dirname(src) == str(tmp_path)  # same folder, so the rename is atomic
        renames.append((os.path.basename(src), os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    nn.save(small_model().state_dict(), path)
    assert len(renames) == 1 and renames[0][1] == "model.safetensors"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # an ordinary file, not mkstemp's 0600


# ---- PyTorch interoperability ------------------------------------------------------------------

def test_a_torch_state_dict_saved_with_safetensors_gives_torch_outputs(tmp_path):
    theirs = torch_small_model()
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "torch.safetensors")
    ours = small_model()
    ours.load_state_dict(nn.load(tmp_path / "torch.safetensors"))
    x = np.random.default_rng(3).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(tensor.Tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_our_file_loads_into_torch(tmp_path):
    ours = small_model()
    nn.save(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs = torch_small_model()
    theirs.load_state_dict(safetensors.torch.load_file(tmp_path / "ours.safetensors"))
    x = np.random.default_rng(4).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(),
                               ours(tensor.Tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_wrong_keys_and_shapes_from_a_file_are_listed(tmp_path):
    safetensors.torch.save_file(torch.nn.Sequential(torch.nn.Linear(3, 4)).state_dict(),
                                tmp_path / "other.safetensors")
    with pytest.raises(RuntimeError) as err:
        small_model().load_state_dict(nn.load(tmp_path / "other.safetensors"))
    message = str(err.value)
    assert 'Missing key(s) in state_dict: "2.weight", "2.bias"' in message
    assert "size mismatch for 0.weight" in message and "size mismatch for 0.bias" in message


# ---- checkpoints -------------------------------------------------------------------------------

def train(model, optimizer, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = tensor.Tensor(rng.normal(size=(8, 3)).astype(np.float32))
        target = tensor.Tensor(rng.normal(size=(8, 2)).astype(np.float32))
        loss = ((model(x) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


# (SGD and Adam are chapter 7's exercises, so chapter 6's tests use the other optimizers)
@pytest.mark.parametrize("make_optimizer", [
    lambda params: nn.optim.RMSprop(params, centered=True, momentum=0.5),
    lambda params: nn.optim.RMSprop([{"params": params[:2], "lr": 0.05}, {"params": params[2:]}],
                                    lr=0.01, momentum=0.9),
    lambda params: nn.optim.Adagrad(params, lr=0.1, lr_decay=0.01),
    lambda params: nn.optim.Adadelta(params, weight_decay=0.01),
], ids=["RMSprop", "RMSprop-groups", "Adagrad", "Adadelta"])
def test_checkpoint_resumes_training_exactly(tmp_path, make_optimizer):
    tensor.manual_seed(0)
    model = small_model()
    optimizer = make_optimizer(list(model.parameters()))
    train(model, optimizer, 5, seed=1)
    path = tmp_path / "ckpt.safetensors"
    nn.save_checkpoint(path, model, optimizer, epoch=5, metadata={"lr": 0.01, "note": "run A"})
    train(model, optimizer, 5, seed=2)  # the uninterrupted run

    tensor.manual_seed(123)  # different initial weights: everything must come from the file
    resumed = small_model()
    resumed_optimizer = make_optimizer(list(resumed.parameters()))
    info = nn.load_checkpoint(path, resumed, resumed_optimizer)
    assert info == {"epoch": 5, "metadata": {"lr": 0.01, "note": "run A"}}
    assert resumed_optimizer.param_groups[0].keys() == optimizer.param_groups[0].keys()
    train(resumed, resumed_optimizer, 5, seed=2)
    same_state(model.state_dict(), resumed.state_dict())


def test_checkpoint_layout(tmp_path):
    model = small_model()
    optimizer = nn.optim.RMSprop(model.parameters(), momentum=0.9)
    train(model, optimizer, 1, seed=0)
    nn.save_checkpoint(tmp_path / "c", model, optimizer, epoch=1)
    with safe_open(tmp_path / "c", framework="np") as f:
        keys, header = set(f.keys()), f.metadata()
    assert {"model.0.weight", "model.2.bias", "optimizer.state.0.square_avg",
            "optimizer.state.3.momentum_buffer"} <= keys
    saved = json.loads(header["optimizer"])
    assert saved["class"] == "RMSprop" and saved["state"]["0"] == {"step": 1}
    assert saved["param_groups"][0]["params"] == [0, 1, 2, 3]


def test_checkpoint_errors(tmp_path):
    model = small_model()
    nn.save_checkpoint(tmp_path / "model_only", model)
    with pytest.raises(ValueError, match="holds no optimizer state"):
        nn.load_checkpoint(tmp_path / "model_only", small_model(), nn.optim.SGD(
            small_model().parameters()))
    nn.save_checkpoint(tmp_path / "ada", model, nn.optim.Adagrad(model.parameters()))
    with pytest.raises(ValueError, match="holds Adagrad state, but the optimizer given is SGD"):
        nn.load_checkpoint(tmp_path / "ada", model, nn.optim.SGD(model.parameters()))
    with pytest.raises(RuntimeError, match='Unexpected key.*"2.weight"'):
        nn.load_checkpoint(tmp_path / "ada", nn.Sequential(nn.Linear(3, 5)))
    nn.save(model.state_dict(), tmp_path / "plain")
    with pytest.raises(ValueError, match="not a Grad School checkpoint"):
        nn.load_checkpoint(tmp_path / "plain", model)
    assert nn.load_checkpoint(tmp_path / "model_only", model) == {"epoch": None,
                                                                  "metadata": None}
