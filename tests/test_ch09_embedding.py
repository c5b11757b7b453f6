"""Embedding and EmbeddingBag against PyTorch: F.embedding and F.embedding_bag give torch's
outputs and gradients (weight, per_sample_weights) over random tables, id shapes, padding_idx,
scale_grad_by_freq, max_norm and norm_type, bag modes, offsets (empty bags included),
include_last_offset and 2-D bags (hypothesis), in float32 and float64, on every device;
gradcheck of both fused ops; the modules load torch's state_dict, print as torch's, start
from N(0, 1) with the padding row zeroed, and come from_pretrained; the errors name the layer.

Where PyTorch 2.13's CPU kernels disagree with their own documentation (embedding_bag with
scale_grad_by_freq, pytorch/pytorch#190063, and ids after the last offset with
include_last_offset=True), the test compares with the documented values, computed here."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradschool
import nn
import nn.functional as F
import tensor
from tensor.gradcheck import gradcheck

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
DTYPES = {"float32": (np.float32, 1e-5), "float64": (np.float64, 1e-10)}


def ours(array, device, grad=False):
    return tensor.Tensor(array, device=device, requires_grad=grad)


def values(t):
    return t.detach().cpu().numpy()


def close(got, expected, rtol):
    np.testing.assert_allclose(values(got), expected.detach().numpy(), rtol=rtol, atol=rtol)


@st.composite
def tables(draw):
    """(num_embeddings, embedding_dim, padding_idx or None, seed)."""
    rows, dim = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    padding_idx = draw(st.one_of(st.none(), st.integers(-rows, rows - 1)))
    return rows, dim, padding_idx, draw(st.integers(0, 2**16))


# ---- F.embedding ---------------------------------------------------------------------------

@SETTINGS
@given(table=tables(), id_shape=st.sampled_from([(), (5,), (2, 3), (2, 1, 3), (0,)]),
       scale_grad_by_freq=st.booleans(), dtype=st.sampled_from(sorted(DTYPES)))
def test_embedding_matches_torch(device, table, id_shape, scale_grad_by_freq, dtype):
    rows, dim, padding_idx, seed = table
    np_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(rows, dim)).astype(np_dtype)
    ids = rng.integers(0, rows, size=id_shape)
    theirs = torch.tensor(weight, requires_grad=True)
    mine = ours(weight, device, grad=True)
    expected = TF.embedding(torch.tensor(ids), theirs, padding_idx,
                            scale_grad_by_freq=scale_grad_by_freq)
    got = F.embedding(ours(ids, device), mine, padding_idx,
                      scale_grad_by_freq=scale_grad_by_freq)
    close(got, expected, rtol)
    assert got.dtype == np_dtype and got.shape == expected.shape
    upstream = rng.normal(size=expected.shape).astype(np_dtype)
    (expected * torch.tensor(upstream)).sum().backward()
    (got * ours(upstream, device)).sum().backward()
    close(mine.grad, theirs.grad, rtol)


@SETTINGS
@given(table=tables(), max_norm=st.sampled_from([0.5, 1.0, 2.5]),
       norm_type=st.sampled_from([1.0, 2.0, 3.5, math.inf]),
       dtype=st.sampled_from(sorted(DTYPES)))
def test_max_norm_renormalizes_the_looked_up_rows_in_place_as_torch(device, table, max_norm,
                                                                    norm_type, dtype):
    rows, dim, padding_idx, seed = table
    np_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    weight = (2 * rng.normal(size=(rows, dim))).astype(np_dtype)
    ids = rng.integers(0, rows, size=(2, 3))
    theirs = torch.tensor(weight, requires_grad=True)
    mine = ours(weight, device, grad=True)
    expected = TF.embedding(torch.tensor(ids), theirs, padding_idx, max_norm, norm_type)
    got = F.embedding(ours(ids, device), mine, padding_idx, max_norm, norm_type)
    close(got, expected, rtol)
    close(mine, theirs, rtol)  # the table itself changed, only in the rows that were used
    upstream = rng.normal(size=expected.shape).astype(np_dtype)
    (expected * torch.tensor(upstream)).sum().backward()
    (got * ours(upstream, device)).sum().backward()
    close(mine.grad, theirs.grad, rtol)


def test_max_norm_changes_weight_in_place_so_a_saved_weight_is_caught(device):
    weight = ours(3 * np.ones((4, 2)), device, grad=True)
    product = (weight * weight).sum()  # its backward reads weight as it is now
    F.embedding(ours([1, 2], device), weight, max_norm=1.0)
    assert np.allclose(values(weight)[[1, 2]], 1 / math.sqrt(2), rtol=1e-6)
    assert np.allclose(values(weight)[[0, 3]], 3)
    with pytest.raises(RuntimeError, match="modified"):
        product.backward()


def test_changing_the_ids_after_the_lookup_is_caught(device):
    weight = ours(np.ones((4, 2)), device, grad=True)
    ids = ours([1, 2], device)
    out = F.embedding(ids, weight)
    ids.add_(1)
    with pytest.raises(RuntimeError, match="modified"):
        out.sum().backward()


# ---- F.embedding_bag -----------------------------------------------------------------------

@st.composite
def bags(draw):
    """(ids length N, offsets as a list: bag starts from 0, possibly empty bags)."""
    n = draw(st.integers(0, 9))
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=0, max_size=4)))
    return n, [0] + cuts


@SETTINGS
@given(table=tables(), bag=bags(), mode=st.sampled_from(["sum", "mean", "max"]),
       include_last_offset=st.booleans(), weighted=st.booleans(),
       dtype=st.sampled_from(sorted(DTYPES)))
def test_embedding_bag_with_offsets_matches_torch(device, table, bag, mode, include_last_offset,
                                                  weighted, dtype):
    rows, dim, padding_idx, seed = table
    n, offsets = bag
    if include_last_offset:
        offsets = offsets + [n]  # the end of the last bag (ids after it: a test below)
    np_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(rows, dim)).astype(np_dtype)
    ids = rng.integers(0, rows, size=n)
    sample_weights = rng.normal(size=n).astype(np_dtype) if weighted and mode == "sum" else None
    theirs = [torch.tensor(weight, requires_grad=True)]
    mine = [ours(weight, device, grad=True)]
    if sample_weights is not None:
        theirs.append(torch.tensor(sample_weights, requires_grad=True))
        mine.append(ours(sample_weights, device, grad=True))
    options = dict(mode=mode, include_last_offset=include_last_offset, padding_idx=padding_idx)
    expected = TF.embedding_bag(torch.tensor(ids), theirs[0], torch.tensor(offsets),
                                per_sample_weights=theirs[1] if len(theirs) > 1 else None,
                                **options)
    got = F.embedding_bag(ours(ids, device), mine[0], ours(offsets, device),
                          per_sample_weights=mine[1] if len(mine) > 1 else None, **options)
    close(got, expected, rtol)
    assert got.dtype == np_dtype
    upstream = rng.normal(size=expected.shape).astype(np_dtype)
    (expected * torch.tensor(upstream)).sum().backward()
    (got * ours(upstream, device)).sum().backward()
    for m, t in zip(mine, theirs, strict=True):
        close(m.grad, t.grad, rtol)


@SETTINGS
@given(table=tables(), shape=st.sampled_from([(1, 1), (3, 4), (0, 3)]),
       mode=st.sampled_from(["sum", "mean", "max"]), dtype=st.sampled_from(sorted(DTYPES)))
def test_embedding_bag_of_2d_input_matches_torch(device, table, shape, mode, dtype):
    rows, dim, padding_idx, seed = table
    np_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(rows, dim)).astype(np_dtype)
    ids = rng.integers(0, rows, size=shape)
    theirs, mine = torch.tensor(weight, requires_grad=True), ours(weight, device, grad=True)
    expected = TF.embedding_bag(torch.tensor(ids), theirs, mode=mode, padding_idx=padding_idx)
    got = F.embedding_bag(ours(ids, device), mine, mode=mode, padding_idx=padding_idx)
    close(got, expected, rtol)
    if expected.numel():
        upstream = rng.normal(size=expected.shape).astype(np_dtype)
        (expected * torch.tensor(upstream)).sum().backward()
        (got * ours(upstream, device)).sum().backward()
        close(mine.grad, theirs.grad, rtol)


@SETTINGS
@given(table=tables(), bag=bags(), mode=st.sampled_from(["sum", "mean"]))
def test_embedding_bag_scale_grad_by_freq_divides_by_each_ids_count(device, table, bag, mode):
    """The documented rule: row r's gradient divided by how often r occurs in the input.
    PyTorch's unscaled gradient, divided here, is the reference (its CPU kernel divides some
    rows by another id's count: pytorch/pytorch#190063)."""
    rows, dim, padding_idx, seed = table
    n, offsets = bag
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(rows, dim))
    ids = rng.integers(0, rows, size=n)
    theirs, mine = torch.tensor(weight, requires_grad=True), ours(weight, device, grad=True)
    options = dict(mode=mode, padding_idx=padding_idx)
    expected = TF.embedding_bag(torch.tensor(ids), theirs, torch.tensor(offsets), **options)
    got = F.embedding_bag(ours(ids, device), mine, ours(offsets, device),
                          scale_grad_by_freq=True, **options)
    close(got, expected, 1e-10)
    upstream = rng.normal(size=expected.shape)
    (expected * torch.tensor(upstream)).sum().backward()
    (got * ours(upstream, device)).sum().backward()
    counts = np.maximum(np.bincount(ids, minlength=rows), 1)[:, None]
    np.testing.assert_allclose(values(mine.grad), theirs.grad.numpy() / counts, rtol=1e-10)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_ids_after_the_last_offset_belong_to_no_bag(device, mode):
    """include_last_offset=True: offsets[-1] ends the last bag; later ids are not used."""
    rng = np.random.default_rng(3)
    weight = rng.normal(size=(6, 3))
    ids = [1, 2, 4, 5, 4, 3, 2]
    mine = ours(weight, device, grad=True)
    got = F.embedding_bag(ours(ids, device), mine, ours([0, 3, 5], device), mode=mode,
                          include_last_offset=True)
    reduce = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    np.testing.assert_allclose(values(got), [reduce(weight[[1, 2, 4]], axis=0),
                                             reduce(weight[[5, 4]], axis=0)], rtol=1e-12)
    got.sum().backward()
    assert np.all(values(mine.grad)[3] == 0)  # id 3 only occurs after the last bag


def test_empty_bags_and_all_padding_bags_give_zeros(device):
    weight = ours(np.arange(12.0).reshape(4, 3) + 1, device, grad=True)
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(ours([2, 2, 1], device), weight, ours([0, 0, 2], device),
                              mode=mode, padding_idx=2)
        assert values(out)[:2].tolist() == [[0, 0, 0], [0, 0, 0]]
        assert values(out)[2].tolist() == [4, 5, 6]
    nothing = F.embedding_bag(ours([1, 2], device), weight, ours([0], device),
                              include_last_offset=True)
    assert nothing.shape == (0, 3)


# ---- gradcheck of the fused ops -------------------------------------------------------------

@pytest.mark.parametrize("options", [{}, dict(padding_idx=2)])
def test_gradcheck_embedding(device, options):
    """(padding_idx and scale_grad_by_freq change the gradient on purpose, so the numerical
    derivative agrees only where they do not act: here the padding id is not looked up.)"""
    weight = ours(np.random.default_rng(4).normal(size=(5, 3)), device, grad=True)
    ids = ours([[0, 1, 1], [4, 1, 3]], device)
    assert gradcheck(lambda w: F.embedding(ids, w, **options), weight)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck_embedding_bag(device, mode):
    rng = np.random.default_rng(5)
    weight = ours(rng.normal(size=(5, 3)), device, grad=True)
    ids, offsets = ours([0, 1, 1, 4, 2, 3, 2], device), ours([0, 3, 3, 5], device)
    if mode == "sum":
        sample_weights = ours(rng.normal(size=7), device, grad=True)
        assert gradcheck(lambda w, s: F.embedding_bag(ids, w, offsets, mode="sum",
                                                      per_sample_weights=s, padding_idx=2),
                         weight, sample_weights)
    else:
        assert gradcheck(lambda w: F.embedding_bag(ids, w, offsets, mode=mode, padding_idx=4),
                         weight)


# ---- the modules ---------------------------------------------------------------------------

MODULES = [  # (our module, torch's, constructor arguments, forward arguments as NumPy arrays)
    (nn.Embedding, torch.nn.Embedding, (10, 3), dict(padding_idx=2),
     lambda rng: [rng.integers(0, 10, size=(4, 5))]),
    (nn.Embedding, torch.nn.Embedding, (10, 3), dict(max_norm=1.0, norm_type=1.0),
     lambda rng: [rng.integers(0, 10, size=(6,))]),
    (nn.EmbeddingBag, torch.nn.EmbeddingBag, (10, 3), dict(mode="max", padding_idx=-1),
     lambda rng: [rng.integers(0, 10, size=(4, 5))]),
    (nn.EmbeddingBag, torch.nn.EmbeddingBag, (10, 3), dict(mode="sum"),
     lambda rng: [rng.integers(0, 10, size=(7,)), np.array([0, 2, 2]), rng.normal(size=7)]),
]


@pytest.mark.parametrize("ours_cls, torch_cls, args, options, inputs", MODULES)
def test_modules_load_torchs_weights_and_match_forward_and_backward(device, ours_cls, torch_cls,
                                                                   args, options, inputs):
    rng = np.random.default_rng(6)
    theirs = torch_cls(*args, **options).double()
    mine = ours_cls(*args, **options, device=device, dtype=tensor.float64)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight"]
    mine.load_state_dict({k: tensor.Tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    arrays = inputs(rng)
    expected = theirs(*[torch.tensor(a) for a in arrays])
    got = mine(*[ours(a, device) for a in arrays])
    close(got, expected, 1e-10)
    expected.sum().backward()
    got.sum().backward()
    close(mine.weight.grad, theirs.weight.grad, 1e-10)
    close(mine.weight, theirs.weight, 1e-10)  # max_norm renormalized both tables alike


@pytest.mark.parametrize("args, options", [
    ((10, 3), {}), ((10, 3), dict(padding_idx=-2)), ((5, 2), dict(max_norm=1.5, norm_type=1)),
    ((5, 2), dict(scale_grad_by_freq=True, padding_idx=0)),
])
def test_embedding_repr_is_torchs(args, options):
    assert repr(nn.Embedding(*args, **options)) == repr(torch.nn.Embedding(*args, **options))


@pytest.mark.parametrize("options", [{}, dict(mode="max", padding_idx=-1),
                                     dict(mode="sum", max_norm=2.0, norm_type=3.0),
                                     dict(scale_grad_by_freq=True)])
def test_embedding_bag_repr_is_torchs(options):
    assert repr(nn.EmbeddingBag(7, 4, **options)) == repr(torch.nn.EmbeddingBag(7, 4, **options))


def test_initialization_is_standard_normal_with_the_padding_row_zeroed():
    tensor.manual_seed(0)
    for layer in (nn.Embedding(4000, 50, padding_idx=-1), nn.EmbeddingBag(4000, 50,
                                                                          padding_idx=3999)):
        w = values(layer.weight)
        assert layer.padding_idx == 3999 and np.all(w[3999] == 0)
        assert abs(w[:3999].mean()) < 0.01 and abs(w[:3999].std() - 1) < 0.01
        assert layer.weight.requires_grad and layer.weight.dtype == np.float32


def test_padding_row_gets_no_gradient_and_stays_zero_under_training(device):
    layer = nn.Embedding(5, 2, padding_idx=0, device=device)
    optimizer = nn.optim.SGD(layer.parameters(), lr=0.5)
    before = values(layer.weight).copy()  # on the CPU, values() shares the weight's memory
    layer(ours([[0, 1, 0], [3, 3, 0]], device)).sum().backward()
    optimizer.step()
    after = values(layer.weight)
    assert np.all(after[0] == 0) and np.all(after[[2, 4]] == before[[2, 4]])
    np.testing.assert_allclose(after[3], before[3] - 0.5 * 2, rtol=1e-6)


@pytest.mark.parametrize("cls", [nn.Embedding, nn.EmbeddingBag])
def test_from_pretrained(device, cls):
    vectors = ours(np.arange(12.0).reshape(4, 3), device)
    frozen = cls.from_pretrained(vectors, padding_idx=1)
    assert not frozen.weight.requires_grad and frozen.padding_idx == 1
    assert values(frozen.weight).tolist() == values(vectors).tolist()  # padding row kept
    assert frozen.weight.device == vectors.device
    trained = cls.from_pretrained(vectors, freeze=False)
    assert trained.weight.requires_grad
    trained.weight.data.zero_()
    assert values(vectors)[1, 1] == 4  # a copy: the pretrained vectors are left alone
    theirs = getattr(torch.nn, cls.__name__).from_pretrained(torch.arange(12.0).reshape(4, 3),
                                                             padding_idx=1)
    ids = [[1, 2], [3, 1]]
    close(frozen(ours(ids, device)), theirs(torch.tensor(ids)), 1e-6)


def test_weight_argument_and_freeze():
    given_weight = tensor.ones(3, 2)
    layer = nn.Embedding(3, 2, _weight=given_weight, _freeze=True, padding_idx=0)
    assert not layer.weight.requires_grad and values(layer.weight)[0].tolist() == [1, 1]


def test_front_door_names():
    assert gradschool.nn.Embedding is nn.Embedding
    assert gradschool.nn.EmbeddingBag is nn.EmbeddingBag
    assert gradschool.nn.functional.embedding is F.embedding
    assert gradschool.nn.functional.embedding_bag is F.embedding_bag


# ---- errors that name the layer --------------------------------------------------------------

def test_ids_out_of_range_name_the_layer_the_range_and_the_id(device):
    layer = nn.Embedding(10, 3, device=device)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\): id 12 is out of range; ids must "
                                         r"lie in \[0, 10\) \(num_embeddings=10\)"):
        layer(ours([[1, 12], [3, 4]], device))
    with pytest.raises(IndexError, match=r"id -1 is out of range"):
        layer(ours([-1, 2], device))
    with pytest.raises(IndexError, match=r"embedding_bag: id 7 is out of range"):
        F.embedding_bag(ours([[7]], device), ours(np.ones((5, 2)), device))
    with pytest.raises(IndexError, match=r"EmbeddingBag\(5, 2, mode='sum'\): id 5"):
        nn.EmbeddingBag(5, 2, mode="sum", device=device)(ours([[5]], device))


def test_non_integer_ids():
    layer = nn.Embedding(10, 3)
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\) expected integer ids \(int64 or "
                                        r"int32\) as input, got dtype float32"):
        layer(tensor.zeros(2))
    with pytest.raises(TypeError, match="embedding: input must be a Tensor, got list"):
        F.embedding([1, 2], layer.weight)
    with pytest.raises(RuntimeError, match="embedding: input is on cpu but weight is on standin"):
        F.embedding(tensor.Tensor([1]), nn.Embedding(3, 2, device="standin").weight)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.Embedding(10, 3, padding_idx=10),
     r"Embedding: padding_idx must be within \[-10, 10\) \(num_embeddings=10\), got 10"),
    (lambda: nn.EmbeddingBag(4, 3, padding_idx=-5), r"EmbeddingBag: padding_idx must be within"),
    (lambda: nn.Embedding(-1, 3), r"Embedding: num_embeddings must be a whole number >= 0"),
    (lambda: nn.EmbeddingBag(3, 2.5), r"EmbeddingBag: embedding_dim must be a whole number"),
    (lambda: nn.EmbeddingBag(3, 2, mode="median"),
     r"EmbeddingBag: mode must be one of \('sum', 'mean', 'max'\), got 'median'"),
    (lambda: nn.Embedding(3, 2, _weight=tensor.ones(2, 2)),
     r"Embedding: _weight must have shape \(3, 2\)"),
    (lambda: nn.Embedding.from_pretrained(tensor.ones(3)),
     r"Embedding.from_pretrained expects a 2-D Tensor of embeddings .*got shape \(3,\)"),
])
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_sparse_gradients_are_refused_clearly():
    with pytest.raises(NotImplementedError, match=r"Embedding: sparse gradients \(sparse=True\) "
                                                  r"are not implemented; use sparse=False"):
        nn.Embedding(3, 2, sparse=True)
    with pytest.raises(NotImplementedError, match="embedding_bag: sparse gradients"):
        F.embedding_bag(tensor.Tensor([[1]]), tensor.ones(3, 2), sparse=True)


@pytest.mark.parametrize("call, error, match", [
    (lambda b, w: b(tensor.Tensor([[1, 2]]), tensor.Tensor([0])), ValueError,
     r"a 2-D input \(B, L\) is B bags of L ids each, so offsets must be None"),
    (lambda b, w: b(tensor.Tensor([1, 2])), ValueError, "a 1-D input needs offsets"),
    (lambda b, w: b(tensor.Tensor([1, 2]), tensor.Tensor([1])), ValueError,
     r"offsets must start at 0, never decrease and not pass the input's length 2, got \[1\]"),
    (lambda b, w: b(tensor.Tensor([1, 2]), tensor.Tensor([0, 2, 1])), ValueError,
     "never decrease"),
    (lambda b, w: b(tensor.Tensor([1, 2]), tensor.Tensor([0, 3])), ValueError,
     "not pass the input's length 2"),
    (lambda b, w: b(tensor.Tensor([[[1]]])), ValueError,
     r"input must be 1-D ids with offsets, or 2-D \(B, L\) bags, got shape \(1, 1, 1\)"),
    (lambda b, w: b(tensor.Tensor([[1, 2]]), per_sample_weights=tensor.ones(1, 2)), ValueError,
     "per_sample_weights are only supported with mode='sum', got mode='mean'"),
    (lambda b, w: F.embedding_bag(tensor.Tensor([[1, 2]]), w, mode="sum",
                                  per_sample_weights=tensor.ones(2)), ValueError,
     r"per_sample_weights must have the input's shape \(1, 2\), got \(2,\)"),
    (lambda b, w: F.embedding_bag(tensor.Tensor([[1, 2]]), w, mode="max",
                                  scale_grad_by_freq=True), ValueError,
     "mode='max' cannot scale the gradient by frequency"),
    (lambda b, w: F.embedding_bag(tensor.Tensor([[1]]), tensor.ones(3)), ValueError,
     r"weight must be 2-D \(num_embeddings, embedding_dim\), got shape \(3,\)"),
])
def test_bad_bags(call, error, match):
    bag = nn.EmbeddingBag(3, 2)
    with pytest.raises(error, match=match):
        call(bag, bag.weight)
