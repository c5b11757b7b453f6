"""nn.utils.rnn against torch.nn.utils.rnn: pad_sequence, pack_padded_sequence,
pad_packed_sequence, pack_sequence, unpad_sequence and unpack_sequence give PyTorch's values,
batch sizes and permutations, and the same gradients, over random lengths, trailing shapes,
batch_first, enforce_sorted, padding_side, padding values and total lengths (hypothesis), in
float32 and float64, on every device; round trips; PackedSequence's conveniences; the errors."""

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as trnn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradschool
import nn
import tensor
from nn.utils import rnn
from tensor.gradcheck import gradcheck

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
DTYPES = {"float32": (np.float32, 1e-5), "float64": (np.float64, 1e-10)}


def ours(array, device, grad=True):
    return tensor.Tensor(array, device=device, requires_grad=grad)


def values(t):
    return t.detach().cpu().numpy()


@st.composite
def padded_batches(draw):
    """(lengths, trailing feature shape, seed): a batch of 1-5 sequences of 1-6 steps."""
    lengths = draw(st.lists(st.integers(1, 6), min_size=1, max_size=5))
    features = draw(st.sampled_from([(), (3,), (2, 2)]))
    return lengths, features, draw(st.integers(0, 2**16))


# ---- packing and padding against PyTorch ---------------------------------------------------

@SETTINGS
@given(batch=padded_batches(), batch_first=st.booleans(), enforce_sorted=st.booleans(),
       extra=st.integers(0, 2), padding_value=st.sampled_from([0.0, -1.5]),
       dtype=st.sampled_from(sorted(DTYPES)))
def test_pack_then_pad_matches_torch_with_gradients(device, batch, batch_first, enforce_sorted,
                                                    extra, padding_value, dtype):
    lengths, features, seed = batch
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    np_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    steps = max(lengths) + extra  # padding beyond the longest sequence too
    shape = (len(lengths), steps) if batch_first else (steps, len(lengths))
    x = rng.normal(size=shape + features).astype(np_dtype)
    total = steps + extra if extra else None

    theirs_x = torch.tensor(x, requires_grad=True)
    packed_t = trnn.pack_padded_sequence(theirs_x, lengths, batch_first, enforce_sorted)
    padded_t, lengths_t = trnn.pad_packed_sequence(packed_t, batch_first, padding_value, total)
    ours_x = ours(x, device)
    packed = rnn.pack_padded_sequence(ours_x, lengths, batch_first, enforce_sorted)
    padded, lengths_o = rnn.pad_packed_sequence(packed, batch_first, padding_value, total)

    np.testing.assert_allclose(values(packed.data), packed_t.data.detach().numpy(), rtol=rtol)
    assert packed.data.dtype == np_dtype and packed.data.device == ours_x.device
    assert packed.batch_sizes.tolist() == packed_t.batch_sizes.tolist()
    assert packed.batch_sizes.device.type == "cpu" and packed.batch_sizes.dtype == np.int64
    for name in ("sorted_indices", "unsorted_indices"):
        mine, theirs = getattr(packed, name), getattr(packed_t, name)
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert mine.tolist() == theirs.tolist() and mine.device == ours_x.device
    np.testing.assert_allclose(values(padded), padded_t.detach().numpy(), rtol=rtol)
    assert lengths_o.tolist() == lengths_t.tolist() and lengths_o.device.type == "cpu"

    upstream = rng.normal(size=padded_t.shape).astype(np_dtype)
    (padded_t * torch.tensor(upstream)).sum().backward()
    (padded * ours(upstream, device, grad=False)).sum().backward()
    np.testing.assert_allclose(values(ours_x.grad), theirs_x.grad.numpy(), rtol=rtol, atol=rtol)


@SETTINGS
@given(lengths=st.lists(st.integers(0, 5), min_size=1, max_size=5).filter(any),
       features=st.sampled_from([(), (3,), (2, 1)]), batch_first=st.booleans(),
       padding_side=st.sampled_from(["right", "left"]),
       padding_value=st.sampled_from([0.0, 7.0]), dtype=st.sampled_from(sorted(DTYPES)),
       seed=st.integers(0, 2**16))
def test_pad_sequence_matches_torch_with_gradients(device, lengths, features, batch_first,
                                                   padding_side, padding_value, dtype, seed):
    np_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(n,) + features).astype(np_dtype) for n in lengths]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine = [ours(a, device) for a in arrays]
    expected = trnn.pad_sequence(theirs, batch_first, padding_value, padding_side)
    got = rnn.pad_sequence(mine, batch_first, padding_value, padding_side)
    np.testing.assert_allclose(values(got), expected.detach().numpy(), rtol=rtol)
    assert got.dtype == np_dtype

    upstream = rng.normal(size=expected.shape).astype(np_dtype)
    (expected * torch.tensor(upstream)).sum().backward()
    (got * ours(upstream, device, grad=False)).sum().backward()
    for m, t in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(values(m.grad), t.grad.numpy(), rtol=rtol)


@SETTINGS
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=5),
       enforce_sorted=st.booleans(), seed=st.integers(0, 2**16))
def test_pack_sequence_and_unpack_sequence_match_torch(device, lengths, enforce_sorted, seed):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(n, 2)) for n in lengths]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine = [ours(a, device) for a in arrays]
    packed_t = trnn.pack_sequence(theirs, enforce_sorted)
    packed = rnn.pack_sequence(mine, enforce_sorted)
    np.testing.assert_allclose(values(packed.data), packed_t.data.detach().numpy(), rtol=1e-12)
    assert packed.batch_sizes.tolist() == packed_t.batch_sizes.tolist()

    unpacked = rnn.unpack_sequence(packed)
    assert len(unpacked) == len(arrays)
    for piece, array in zip(unpacked, arrays, strict=True):
        np.testing.assert_array_equal(values(piece), array)
    upstream = [rng.normal(size=a.shape) for a in arrays]
    sum((p * torch.tensor(u)).sum() for p, u in zip(trnn.unpack_sequence(packed_t), upstream,
                                                     strict=True)).backward()
    sum((p * ours(u, device, grad=False)).sum() for p, u in zip(unpacked, upstream,
                                                                strict=True)).backward()
    for m, t in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(values(m.grad), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_matches_torch(device, batch_first):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 2) if batch_first else (4, 3, 2))  # 3 sequences, 4 steps
    lengths = [4, 1, 3]
    expected = trnn.unpad_sequence(torch.tensor(x).clone(), torch.tensor(lengths), batch_first)
    got = rnn.unpad_sequence(ours(x, device, grad=False), lengths, batch_first)
    assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in expected]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(values(g), e.numpy())


def test_the_module_docstring_example(device):
    """a (4 steps), b (2), c (3): data reads the padded table time-major."""
    a, b, c = ([10 * k + t for t in range(n)] for k, n in ((1, 4), (2, 2), (3, 3)))
    packed = rnn.pack_sequence([ours(np.array(s, float), device) for s in (a, b, c)],
                               enforce_sorted=False)
    assert values(packed.data).tolist() == [10, 30, 20, 11, 31, 21, 12, 32, 13]
    assert packed.batch_sizes.tolist() == [3, 3, 2, 1]
    assert packed.sorted_indices.tolist() == [0, 2, 1]
    assert packed.unsorted_indices.tolist() == [0, 2, 1]


# ---- round trips ---------------------------------------------------------------------------

@SETTINGS
@given(batch=padded_batches(), batch_first=st.booleans())
def test_pad_then_pack_gives_back_the_packed_data(device, batch, batch_first):
    lengths, features, seed = batch
    data = np.random.default_rng(seed).normal(size=(sum(lengths),) + features)
    order = np.argsort([-n for n in lengths], kind="stable")
    batch_sizes = [int(np.sum(np.array(lengths) > t)) for t in range(max(lengths))]
    packed = rnn.PackedSequence(ours(data, device, grad=False), tensor.Tensor(batch_sizes),
                                tensor.Tensor(order, device=device),
                                rnn.invert_permutation(tensor.Tensor(order, device=device)))
    padded, got_lengths = rnn.pad_packed_sequence(packed, batch_first)
    assert got_lengths.tolist() == lengths
    again = rnn.pack_padded_sequence(padded, got_lengths, batch_first, enforce_sorted=False)
    np.testing.assert_array_equal(values(again.data), data)
    assert again.batch_sizes.tolist() == batch_sizes


def test_pack_then_pad_gives_back_the_padded_input(device):
    x = np.arange(24, dtype=float).reshape(4, 3, 2)  # (T, B, 2)
    lengths = [2, 4, 3]
    packed = rnn.pack_padded_sequence(ours(x, device, grad=False), lengths,
                                      enforce_sorted=False)
    padded, got = rnn.pad_packed_sequence(packed, padding_value=-1)
    mask = np.arange(4)[:, None] < np.array(lengths)
    np.testing.assert_array_equal(values(padded), np.where(mask[..., None], x, -1))
    assert got.tolist() == lengths


def test_gradcheck_through_pack_and_pad(device):
    rng = np.random.default_rng(2)
    x = ours(rng.normal(size=(3, 4, 2)), device)  # batch_first

    def pack_pad(x):
        packed = rnn.pack_padded_sequence(x, [2, 3, 1], batch_first=True, enforce_sorted=False)
        return rnn.pad_packed_sequence(packed, batch_first=True, total_length=5)[0]

    assert gradcheck(pack_pad, x)
    seqs = [ours(rng.normal(size=(n, 2)), device) for n in (2, 3)]
    assert gradcheck(lambda a, b: rnn.pad_sequence([a, b], padding_side="left"), *seqs)


def test_integer_sequences_pack_without_a_graph(device):
    labels = [tensor.Tensor([3, 1, 4], device=device), tensor.Tensor([1, 5], device=device)]
    packed = rnn.pack_sequence(labels)
    assert packed.data.dtype == np.int64 and not packed.data.requires_grad
    assert values(packed.data).tolist() == [3, 1, 1, 5, 4]
    padded, _ = rnn.pad_packed_sequence(packed, batch_first=True, padding_value=-100)
    assert values(padded).tolist() == [[3, 1, 4], [1, 5, -100]]


# ---- PackedSequence ------------------------------------------------------------------------

def test_packed_sequence_is_torchs_named_tuple():
    assert rnn.PackedSequence._fields == trnn.PackedSequence._fields
    packed = rnn.pack_sequence([tensor.ones(2, 3), tensor.ones(1, 3)])
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert sorted_indices is None and unsorted_indices is None
    assert isinstance(packed, tuple) and batch_sizes.tolist() == [2, 1]


def test_packed_sequence_conversions_move_data_and_indices_not_batch_sizes():
    packed = rnn.pack_sequence([tensor.ones(1, 3), tensor.ones(2, 3)], enforce_sorted=False)
    assert packed.to(tensor.float32) is packed  # nothing to change
    assert packed.double().data.dtype == np.float64
    assert packed.double().float().data.dtype == np.float32
    assert packed.half().data.dtype == np.float16 and packed.long().data.dtype == np.int64
    assert packed.int().data.dtype == np.int32
    moved = packed.to("standin")
    assert moved.data.device.type == "standin" and moved.batch_sizes.device.type == "cpu"
    assert moved.sorted_indices.device.type == "standin"
    assert moved.unsorted_indices.device.type == "standin"
    assert moved.cpu().data.device.type == "cpu" and not moved.is_cuda


def test_invert_permutation():
    p = tensor.Tensor([2, 0, 3, 1])
    assert rnn.invert_permutation(p).tolist() == [1, 3, 0, 2]
    assert rnn.invert_permutation(None) is None


def test_importable_under_torchs_names():
    import gradschool.nn.utils.rnn as front
    import nn.utils.rnn as direct

    assert front.pack_padded_sequence is rnn.pack_padded_sequence is direct.pack_padded_sequence
    assert gradschool.nn.utils.rnn.PackedSequence is rnn.PackedSequence
    assert nn.utils.rnn.pad_sequence is rnn.pad_sequence
    assert sorted(front.__all__) == sorted(trnn.__all__)


# ---- errors ----------------------------------------------------------------------------------

def test_unsorted_lengths_with_enforce_sorted_say_how_to_fix_it():
    with pytest.raises(ValueError, match=r"pack_padded_sequence: lengths \[2, 3\] are not "
                                         r"sorted longest first.*enforce_sorted=False"):
        rnn.pack_padded_sequence(tensor.zeros(3, 2), [2, 3])
    with pytest.raises(ValueError, match="enforce_sorted=False"):
        rnn.pack_sequence([tensor.zeros(1), tensor.zeros(2)])


@pytest.mark.parametrize("lengths, match", [
    ([3, 0], r"every length must be at least 1, got lengths \[3, 0\]"),
    ([5, 2], r"a length of 5 is longer than the padded input's 4 time steps"),
    ([3, 2, 1], r"got 3 lengths for a batch of 2 sequences"),
])
def test_bad_lengths(lengths, match):
    with pytest.raises(ValueError, match="pack_padded_sequence: " + match):
        rnn.pack_padded_sequence(tensor.zeros(4, 2, 3), lengths)


def test_bad_length_types_and_input():
    with pytest.raises(TypeError, match="lengths must be a 1-D list or tensor of integers"):
        rnn.pack_padded_sequence(tensor.zeros(4, 2), [2.5, 1.0])
    with pytest.raises(ValueError, match=r"at least 2-D, got shape \(4,\)"):
        rnn.pack_padded_sequence(tensor.zeros(4), [4])
    with pytest.raises(TypeError, match="input must be a Tensor, got list"):
        rnn.pack_padded_sequence([[1.0]], [1])
    with pytest.raises(ValueError, match=r"lengths must be on the CPU.*lengths.cpu\(\)"):
        rnn.pack_padded_sequence(tensor.zeros(4, 2, device="standin"),
                                 tensor.Tensor([4, 2], device="standin"))


def test_total_length_shorter_than_the_longest_sequence():
    packed = rnn.pack_sequence([tensor.zeros(4), tensor.zeros(2)])
    with pytest.raises(ValueError, match=r"pad_packed_sequence: total_length=3 is shorter than "
                                         r"the longest sequence, 4 steps"):
        rnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        rnn.pad_packed_sequence(tensor.zeros(3, 2))


def test_bad_sequences_to_pad():
    with pytest.raises(ValueError, match=r"same trailing dimensions; sequence 0 has shape "
                                         r"\(2, 3\), sequence 1 has \(2, 4\)"):
        rnn.pad_sequence([tensor.zeros(2, 3), tensor.zeros(2, 4)])
    with pytest.raises(ValueError, match="pad_sequence: got an empty list"):
        rnn.pad_sequence([])
    with pytest.raises(ValueError, match="padding_side must be 'left' or 'right', got 'up'"):
        rnn.pad_sequence([tensor.zeros(2)], padding_side="up")
    with pytest.raises(ValueError, match="sequence 0 is float32 on cpu, sequence 1 is float64"):
        rnn.pad_sequence([tensor.zeros(2), tensor.zeros(2, dtype=tensor.float64)])
    with pytest.raises(TypeError, match="sequence 1 is a list, not a Tensor"):
        rnn.pad_sequence([tensor.zeros(2), [1.0]])
    with pytest.raises(ValueError, match=r"unpad_sequence: got 3 lengths for padded sequences "
                                         r"of shape \(4, 2\)"):
        rnn.unpad_sequence(tensor.zeros(4, 2), [1, 2, 3])
