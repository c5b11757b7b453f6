"""Datasets and DataLoader: batching, shuffling, the IDX reader on the real Fashion-MNIST and
on broken files, and the generated data sets."""

import gzip
import os
import struct

import numpy as np
import pytest

import nn
import tensor
from nn.data import (
    MNIST,
    DataLoader,
    Dataset,
    FashionMNIST,
    TensorDataset,
    make_adding_problem,
    make_copy_task,
    make_moons,
    make_spirals,
    make_xor,
)
from nn.data.idx import read_idx

FASHION_ROOT = "/usr/share/datasets/fashion-mnist"


def numbered(n, features=3):
    """A TensorDataset whose example i is (x_i, i) with x_i = [i, i, i]."""
    x = tensor.Tensor(np.repeat(np.arange(n, dtype=np.float32)[:, None], features, axis=1))
    return TensorDataset(x, tensor.Tensor(np.arange(n)))


# ---- DataLoader ------------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, drop_last, sizes", [
    (10, 3, False, [3, 3, 3, 1]),
    (10, 3, True, [3, 3, 3]),
    (9, 3, False, [3, 3, 3]),
    (2, 5, False, [2]),
    (2, 5, True, []),
])
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [x.shape for x, _ in batches] == [(s, 3) for s in sizes]
    assert [y.shape for _, y in batches] == [(s,) for s in sizes]


def test_without_shuffle_batches_come_in_order():
    labels = np.concatenate([y.numpy() for _, y in DataLoader(numbered(10), batch_size=4)])
    np.testing.assert_array_equal(labels, np.arange(10))


def test_shuffle_is_a_new_permutation_each_epoch():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True)
    epochs = [np.concatenate([y.numpy() for _, y in loader]) for _ in range(3)]
    for labels in epochs:
        np.testing.assert_array_equal(np.sort(labels), np.arange(50))
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[0], np.arange(50))


def test_shuffle_keeps_inputs_and_targets_together():
    for x, y in DataLoader(numbered(20), batch_size=6, shuffle=True):
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy())


def test_shuffle_repeats_with_a_seeded_generator_or_the_global_seed():
    def labels(**kwargs):
        loader = DataLoader(numbered(30), batch_size=7, shuffle=True, **kwargs)
        return np.concatenate([y.numpy() for _, y in loader])

    a = labels(generator=np.random.default_rng(5))
    b = labels(generator=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    tensor.manual_seed(3)
    c = labels()
    tensor.manual_seed(3)
    d = labels()
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(labels(), d)  # the global stream moved on


def test_drop_last_with_shuffle_drops_only_the_partial_batch():
    loader = DataLoader(numbered(10), batch_size=4, shuffle=True, drop_last=True)
    labels = [y.numpy() for _, y in loader]
    assert [len(y) for y in labels] == [4, 4]
    assert len(np.unique(np.concatenate(labels))) == 8


class CountingTensorDataset(TensorDataset):
    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.item_calls = 0
        self.batch_calls = []

    def __getitem__(self, index):
        self.item_calls += 1
        return super().__getitem__(index)

    def __getitems__(self, indices):
        self.batch_calls.append(np.asarray(indices).copy())
        return super().__getitems__(indices)


def test_array_datasets_are_batched_by_one_index_array_per_batch():
    base = numbered(10)
    dataset = CountingTensorDataset(*base.tensors)
    batches = list(DataLoader(dataset, batch_size=4, shuffle=True))
    assert dataset.item_calls == 0
    assert len(dataset.batch_calls) == 3
    for indices, (_, y) in zip(dataset.batch_calls, batches):
        assert isinstance(indices, np.ndarray) and indices.dtype.kind == "i"
        np.testing.assert_array_equal(indices, y.numpy())


class Squares(Dataset):
    """A dataset without __getitems__: examples are fetched one by one and collated."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "pair": (i, float(i) / 2)}


def test_other_datasets_are_collated_example_by_example():
    batches = list(DataLoader(Squares(), batch_size=2))
    assert len(batches) == 3
    first = batches[0]
    assert isinstance(first["x"], tensor.Tensor) and first["x"].shape == (2, 2)
    ints, floats = first["pair"]
    assert ints.dtype == tensor.int64 and ints.tolist() == [0, 1]
    assert floats.dtype == tensor.float32 and floats.tolist() == [0.0, 0.5]


def test_a_custom_collate_fn_receives_the_list_of_examples():
    seen = []
    loader = DataLoader(numbered(5), batch_size=2, collate_fn=lambda batch: seen.append(batch))
    list(loader)
    assert [len(batch) for batch in seen] == [2, 2, 1]
    assert isinstance(seen[0][0], tuple)


def test_tensor_dataset_checks_its_tensors():
    x = tensor.zeros(4, 2)
    dataset = TensorDataset(x, tensor.arange(4))
    assert len(dataset) == 4
    xi, yi = dataset[2]
    assert xi.shape == (2,) and yi.item() == 2
    with pytest.raises(ValueError, match=r"same first dimension, got shapes \(4, 2\), \(3,\)"):
        TensorDataset(x, tensor.arange(3))
    with pytest.raises(TypeError, match="expects Tensors"):
        TensorDataset(np.zeros(3))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(dataset, batch_size=0)


# ---- Fashion-MNIST from the Debian package -------------------------------------------------

@pytest.fixture(scope="module")
def fashion_train():
    return FashionMNIST(train=True)


def test_fashion_mnist_training_set(fashion_train):
    assert fashion_train.data.shape == (60000, 28, 28)
    assert fashion_train.data.dtype == np.uint8
    assert fashion_train.targets.shape == (60000,)
    np.testing.assert_array_equal(np.bincount(fashion_train.targets), [6000] * 10)
    assert fashion_train.data.max() == 255
    assert len(fashion_train) == 60000
    assert fashion_train.classes[9] == "Ankle boot"


def test_fashion_mnist_test_set():
    test = FashionMNIST(root=FASHION_ROOT, train=False)
    assert test.data.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(test.targets), [1000] * 10)


def test_fashion_mnist_examples_and_batches(fashion_train):
    image, label = fashion_train[0]
    assert image.shape == (1, 28, 28) and image.dtype == tensor.float32
    assert 0.0 <= image.numpy().min() and image.numpy().max() <= 1.0
    np.testing.assert_array_equal(image.numpy()[0] * 255, fashion_train.data[0])
    assert label == int(fashion_train.targets[0]) and isinstance(label, int)
    images, labels = next(iter(DataLoader(fashion_train, batch_size=64, shuffle=True)))
    assert images.shape == (64, 1, 28, 28) and images.dtype == tensor.float32
    assert labels.shape == (64,) and labels.dtype == tensor.int64


def test_transforms_are_applied_per_example(fashion_train):
    flat = FashionMNIST(transform=lambda img: img.reshape(-1), target_transform=lambda y: y + 1)
    image, label = flat[3]
    assert image.shape == (784,) and label == int(fashion_train.targets[3]) + 1
    images, labels = next(iter(DataLoader(flat, batch_size=5)))
    assert images.shape == (5, 784)
    np.testing.assert_array_equal(labels.numpy(), fashion_train.targets[:5] + 1)


# ---- IDX files written to tmp_path ---------------------------------------------------------

def idx_bytes(array, magic=None):
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[array.dtype.type]
    magic = magic if magic is not None else (code << 8) | array.ndim
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(folder, n=7, compress=True, split="train", images=None, labels=None):
    rng = np.random.default_rng(0)
    images = idx_bytes(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)) if images is None \
        else images
    labels = idx_bytes(rng.integers(0, 10, n).astype(np.uint8)) if labels is None else labels
    folder.mkdir(parents=True, exist_ok=True)
    for stem, content in [(f"{split}-images-idx3-ubyte", images),
                          (f"{split}-labels-idx1-ubyte", labels)]:
        if compress:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / stem).write_bytes(content)
    return folder


@pytest.mark.parametrize("compress", [True, False])
def test_reads_raw_and_gzipped_idx_files(tmp_path, compress):
    write_mnist(tmp_path, n=7, compress=compress, split="t10k")
    data = MNIST(root=tmp_path, train=False)
    assert data.data.shape == (7, 28, 28) and len(data) == 7
    assert data.targets.dtype == np.int64


def test_torchvision_layout_is_found(tmp_path):
    write_mnist(tmp_path / "FashionMNIST" / "raw", n=3)
    assert len(FashionMNIST(root=tmp_path)) == 3


def test_read_idx_handles_other_element_types(tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    (tmp_path / "f.idx").write_bytes(idx_bytes(values))
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), values)
    ints = np.array([-5, 7, 1 << 20], dtype=np.int32)
    (tmp_path / "i.idx").write_bytes(idx_bytes(ints))
    np.testing.assert_array_equal(read_idx(tmp_path / "i.idx"), ints)


def test_truncated_file_is_a_value_error_naming_it(tmp_path):
    good = idx_bytes(np.zeros((7, 28, 28), np.uint8))
    write_mnist(tmp_path, images=good[:-100])
    with pytest.raises(ValueError, match=r"ubyte\.gz is truncated.*needs 5504 bytes, the "
                                         r"file has 5404"):
        MNIST(root=tmp_path)


def test_header_cut_short_is_a_value_error(tmp_path):
    write_mnist(tmp_path, images=idx_bytes(np.zeros((7, 28, 28), np.uint8))[:10], compress=False)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte is truncated: its header"):
        MNIST(root=tmp_path)


def test_wrong_magic_number_is_a_value_error(tmp_path):
    labels = idx_bytes(np.zeros(7, np.uint8))
    write_mnist(tmp_path, images=labels, labels=labels)  # labels where images belong
    with pytest.raises(ValueError, match="has magic number 2049, expected 2051"):
        MNIST(root=tmp_path)
    (tmp_path / "junk").write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="junk is not an IDX file"):
        read_idx(tmp_path / "junk")


def test_corrupt_gzip_is_a_value_error(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    content = bytearray(path.read_bytes())
    content[len(content) // 2:] = b"\x00" * (len(content) - len(content) // 2)
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz is a damaged gzip"):
        MNIST(root=tmp_path)


def test_image_and_label_counts_must_agree(tmp_path):
    write_mnist(tmp_path, labels=idx_bytes(np.zeros(6, np.uint8)))
    with pytest.raises(ValueError, match="7 images but .* 6 labels"):
        MNIST(root=tmp_path)


def test_missing_dataset_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_root", str(tmp_path / "no-debian-copy"))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist") as err:
        FashionMNIST(root=tmp_path)
    assert "download=True" in str(err.value) and str(tmp_path) in str(err.value)
    with pytest.raises(FileNotFoundError, match="download=True"):
        MNIST(root=tmp_path / "nowhere")
    assert not os.path.exists(tmp_path / "nowhere")  # looking creates nothing


class FakeResponse:
    def __init__(self, content):
        self.content = content

    def read(self):
        return self.content

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_fetches_missing_files_from_the_mirrors(tmp_path, monkeypatch):
    """The download path, with the network replaced by a dict of URLs: the first mirror is
    down, the second answers."""
    served = write_mnist(tmp_path / "served", n=4)
    urls = []

    def fake_urlopen(url, timeout):
        urls.append(url)
        if url.startswith(MNIST.mirrors[0]):
            raise OSError("mirror down")
        return FakeResponse((served / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    data = MNIST(root=tmp_path / "new", download=True)
    assert len(data) == 4 and len(urls) == 4
    assert sorted(os.listdir(tmp_path / "new")) == ["train-images-idx3-ubyte.gz",
                                                     "train-labels-idx1-ubyte.gz"]
    MNIST(root=tmp_path / "new", download=True)  # present now: nothing is fetched again
    assert len(urls) == 4


# ---- generated data sets ---------------------------------------------------------------------

@pytest.mark.parametrize("make, n", [(make_moons, 101), (make_spirals, 300), (make_xor, 64)])
def test_two_dimensional_sets(make, n):
    X, y = make(n_samples=n, seed=4)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= n // 4  # every class is well represented
    X2, y2 = make(n_samples=n, seed=4)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make(n_samples=n, seed=5)[0], X)


def test_moons_lie_on_their_arcs_without_noise():
    X, y = make_moons(n_samples=200, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-6)
    assert len(upper) == len(lower) == 100


def test_xor_labels_follow_the_signs():
    X, y = make_xor(n_samples=500, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) ^ (X[:, 1] > 0))


def test_spirals_have_one_arm_per_class():
    X, y = make_spirals(n_samples=301, n_classes=4, noise=0.0)
    assert np.bincount(y).tolist() == [76, 75, 75, 75]
    assert np.all(np.hypot(*X.T) <= 1.0 + 1e-6)


@pytest.mark.parametrize("reverse", [False, True])
def test_copy_task(reverse):
    inputs, targets = make_copy_task(n_samples=20, seq_len=6, vocab_size=5, reverse=reverse)
    assert inputs.shape == targets.shape == (20, 6) and inputs.dtype == np.int64
    assert inputs.min() >= 0 and inputs.max() < 5
    np.testing.assert_array_equal(targets, inputs[:, ::-1] if reverse else inputs)


def test_adding_problem_target_is_the_sum_of_the_marked_values():
    X, y = make_adding_problem(n_samples=50, seq_len=12)
    assert X.shape == (50, 12, 2) and y.shape == (50, 1)
    markers = X[:, :, 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    assert np.all(markers[:, :6].sum(axis=1) == 1)  # one mark in each half
    np.testing.assert_allclose(y[:, 0], (X[:, :, 0] * markers).sum(axis=1), rtol=1e-6)


def test_generated_sets_reject_bad_sizes():
    with pytest.raises(ValueError, match="n_samples >= 2"):
        make_moons(n_samples=1)
    with pytest.raises(ValueError, match="seq_len >= 2"):
        make_adding_problem(seq_len=1)


def test_nn_data_is_reachable_from_nn():
    assert nn.data.DataLoader is DataLoader and nn.data.MNIST is MNIST
