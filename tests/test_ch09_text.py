"""The offline text for character models (nn/data/text.py) and the XOR example."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import nn
import tensor
from nn.data.text import CharVocabulary, NextCharacterDataset, load_fortunes

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_fortunes_are_printable_quotations():
    text = load_fortunes()
    assert len(text) > 200_000
    assert "Mark Twain" in text
    assert set(text) <= set(map(chr, range(32, 127))) | {"\n"}
    assert "\n%\n" not in text


def test_a_missing_collection_names_the_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install -y fortunes"):
        load_fortunes(["literature"], root=tmp_path)


def test_vocabulary_round_trip_and_unknown_characters():
    vocabulary = CharVocabulary("hello world")
    assert vocabulary.chars == [" ", "d", "e", "h", "l", "o", "r", "w"]
    ids = vocabulary.encode("hold")
    assert ids.dtype == np.int64 and ids.tolist() == [3, 5, 4, 1]
    assert vocabulary.decode(ids) == "hold"
    with pytest.raises(ValueError, match=r"\['z'\] are not in the vocabulary of 8"):
        vocabulary.encode("zoo")


def test_windows_are_shifted_by_one():
    data = NextCharacterDataset(np.arange(10), block_size=4)
    assert len(data) == 6
    x, y = data[2]
    assert x.tolist() == [2, 3, 4, 5] and y.tolist() == [3, 4, 5, 6]
    assert data[-1][1].tolist() == [6, 7, 8, 9]
    with pytest.raises(IndexError, match="index 6 out of range for 6 windows"):
        data[6]
    with pytest.raises(ValueError, match="at least block_size \\+ 1 = 11 ids"):
        NextCharacterDataset(np.arange(10), block_size=10)
    batch = next(iter(nn.data.DataLoader(data, batch_size=3)))
    assert tuple(batch[0].shape) == (3, 4)


def _xor_example():
    spec = importlib.util.spec_from_file_location("xor_example", EXAMPLES / "xor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_learned_by_the_2_3_1_network(seed, capsys):
    """All four points on the right side of 0.5, and an MSE far below the 0.25 that is the
    best a network without a hidden layer can reach."""
    example = _xor_example()
    model, losses = example.train(epochs=2000, seed=seed)
    assert losses[0] > 0.2 and losses[-1] < 0.01
    answers = model(tensor.Tensor(example.INPUTS)).detach().numpy()[:, 0]
    assert ((answers > 0.5) == [False, True, True, False]).all()


def test_xor_training_follows_pytorch():
    torch = pytest.importorskip("torch")
    example = _xor_example()
    model, losses = example.train(epochs=0)
    twin = example.build_model(torch.nn).double()
    twin.load_state_dict({k: torch.from_numpy(v.numpy()).double()
                          for k, v in model.state_dict().items()})
    model, losses = example.train(epochs=300)
    optimizer = torch.optim.SGD(twin.parameters(), lr=1.0)
    x, y = torch.tensor(example.INPUTS).double(), torch.tensor(example.TARGETS).double()
    twin_losses = []
    for _ in range(300):
        loss = torch.nn.functional.mse_loss(twin(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        twin_losses.append(loss.item())
    np.testing.assert_allclose(losses, twin_losses, rtol=1e-4, atol=1e-6)
