"""gradschool.vision in place of torchvision: datasets that find Debian's Fashion-MNIST offline,
torchvision's example format, transforms and make_grid computing what torchvision computes
(checked against tests/torchvision_standin/, a port of torchvision's code onto PyTorch)."""

import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gradschool as gs
from gradschool.utils.data import DataLoader, Subset
from gradschool.vision import datasets, transforms, utils

sys.path.insert(0, str(Path(__file__).parent / "torchvision_standin"))
import torchvision as oracle  # noqa: E402  (the port of torchvision, on PyTorch)

FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(not (FASHION / "t10k-images-idx3-ubyte.gz").exists(),
                                   reason="apt-get install dataset-fashion-mnist")


def write_idx(folder, split, images, labels):
    folder.mkdir(parents=True, exist_ok=True)
    n = len(labels)
    with gzip.open(folder / f"{split}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28) + images.astype(np.uint8).tobytes())
    with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, n) + labels.astype(np.uint8).tobytes())


@pytest.fixture
def small_mnist(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 28, 28))
    labels = np.arange(6) % 10
    write_idx(tmp_path / "MNIST" / "raw", "train", images, labels)
    return tmp_path, images, labels


@needs_fashion
def test_root_without_files_finds_debians_copy_offline(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    data = datasets.FashionMNIST(root=tmp_path / "data", train=False, download=True,
                                 transform=transforms.ToTensor())
    assert len(data) == 10000 and data.classes[9] == "Ankle boot"
    image, label = data[0]
    assert image.shape == (1, 28, 28) and image.dtype == gs.float32 and label == 9
    assert not (tmp_path / "data").exists()  # nothing downloaded, nothing created
    assert data.class_to_idx["Trouser"] == 1


def test_examples_are_pil_images_unless_transformed(small_mnist):
    root, images, labels = small_mnist
    raw = datasets.MNIST(root, train=True)
    image, label = raw[2]
    assert type(image).__name__ == "Image" and image.mode == "L" and image.size == (28, 28)
    assert np.array_equal(np.asarray(image), images[2]) and label == labels[2]
    assert raw.data.dtype == gs.uint8 and raw.data.shape == (6, 28, 28)
    assert raw.targets.dtype == gs.int64 and raw.targets.tolist() == labels.tolist()
    assert "Number of datapoints: 6" in repr(raw) and "Split: Train" in repr(raw)
    theirs = oracle.datasets.MNIST(root, train=True, transform=oracle.transforms.ToTensor())
    ours = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    np.testing.assert_array_equal(ours[4][0].numpy(), theirs[4][0].numpy())


def test_batches_cut_in_one_go_equal_those_made_one_by_one(small_mnist):
    root, _, _ = small_mnist
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.3,), (0.2,))])
    data = datasets.MNIST(root, train=True, transform=transform)
    fast_x, fast_y = data.__getitems__([5, 0, 3])
    slow = [data[i] for i in (5, 0, 3)]
    np.testing.assert_array_equal(fast_x.numpy(), np.stack([x.numpy() for x, _ in slow]))
    assert fast_y.tolist() == [y for _, y in slow]
    one_hot = transforms.Lambda(lambda y: gs.zeros(10).index_put((gs.tensor([y]),),
                                                                 gs.tensor([1.0])))
    with_target = datasets.MNIST(root, train=True, transform=transforms.ToTensor(),
                                 target_transform=one_hot)
    x, y = next(iter(DataLoader(Subset(with_target, [1, 2]), batch_size=2)))
    assert x.shape == (2, 1, 28, 28) and y.tolist()[0][1] == 1.0 and y.shape == (2, 10)


def test_without_a_batch_transform_the_loader_collates_example_by_example(small_mnist):
    root, images, _ = small_mnist
    data = datasets.MNIST(root, train=True, transform=transforms.Lambda(
        lambda image: gs.tensor(np.asarray(image), dtype=gs.float32).sum()))
    sums, _ = next(iter(DataLoader(data, batch_size=3)))
    assert sums.tolist() == images[:3].reshape(3, -1).sum(axis=1).astype(float).tolist()


@pytest.mark.parametrize("shape", [(5, 7), (4, 6, 3), (2, 3, 1)])
def test_to_tensor_matches_torchvision(shape):
    pixels = np.random.default_rng(1).integers(0, 256, shape).astype(np.uint8)
    ours = transforms.ToTensor()(pixels)
    theirs = oracle.transforms.ToTensor()(pixels)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    from PIL import Image

    image = Image.fromarray(pixels if pixels.ndim == 2 or pixels.shape[2] == 3
                            else pixels[:, :, 0])
    np.testing.assert_array_equal(transforms.ToTensor()(image).numpy(),
                                  oracle.transforms.ToTensor()(image).numpy())
    floats = pixels.astype(np.float32)
    np.testing.assert_array_equal(transforms.ToTensor()(floats).numpy(),
                                  oracle.transforms.ToTensor()(floats).numpy())


@pytest.mark.parametrize("mean, std", [((0.5,), (0.5,)), ((0.1, 0.2, 0.3), (0.9, 0.8, 0.7)),
                                       (0.4, 0.2)])
def test_normalize_and_compose_match_torchvision(mean, std, device):
    image = np.random.default_rng(2).random((3, 4, 5)).astype(np.float32)
    ours = transforms.Normalize(mean, std)(gs.tensor(image, device=device))
    mean_t = mean if isinstance(mean, tuple) else (mean,)
    std_t = std if isinstance(std, tuple) else (std,)
    theirs = oracle.transforms.Normalize(mean_t, std_t)(torch.tensor(image))
    assert ours.device == device
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    pipeline = transforms.Compose([transforms.Lambda(lambda x: x * 2),
                                   transforms.Normalize(mean, std)])
    np.testing.assert_allclose(pipeline(gs.tensor(image, device=device)).numpy(),
                               oracle.transforms.Normalize(mean_t, std_t)(
                                   torch.tensor(image) * 2).numpy(), rtol=1e-6)


def test_normalize_in_place_and_its_errors():
    x = gs.ones(1, 2, 2)
    assert transforms.Normalize((0.5,), (0.5,), inplace=True)(x) is x and x.tolist()[0][0] == [
        1.0, 1.0]
    with pytest.raises(TypeError, match="put ToTensor"):
        transforms.Normalize((0.5,), (0.5,))(np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="zero"):
        transforms.Normalize((0.5,), (0.0,))
    with pytest.raises(ValueError, match="2 means for an image of 3 channels"):
        transforms.Normalize((0.5, 0.5), (1.0, 1.0))(gs.ones(3, 2, 2))


@pytest.mark.parametrize("count, channels, kwargs", [
    (10, 1, {}), (7, 3, {"nrow": 3, "padding": 1}), (1, 1, {}), (4, 1, {"pad_value": 0.5}),
    (5, 3, {"normalize": True}), (6, 1, {"normalize": True, "scale_each": True}),
    (3, 3, {"normalize": True, "value_range": (-1, 1), "nrow": 2, "padding": 0}),
])
def test_make_grid_matches_torchvision(count, channels, kwargs, device):
    images = np.random.default_rng(count).standard_normal((count, channels, 5, 4)).astype(
        np.float32)
    ours = utils.make_grid(gs.tensor(images, device=device), **kwargs)
    theirs = oracle.utils.make_grid(torch.tensor(images), **kwargs)
    assert ours.shape == tuple(theirs.shape) and ours.device == device
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)
    as_list = utils.make_grid([gs.tensor(image, device=device) for image in images], **kwargs)
    np.testing.assert_allclose(as_list.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)
