"""Reading IDX files, the format MNIST and Fashion-MNIST are distributed in.

An IDX file is a tiny header followed by raw numbers:

    bytes 0-1   zero
    byte  2     the element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64 (all big-endian)
    byte  3     the number of dimensions d
    4*d bytes   each dimension's size, a big-endian int32
    the rest    prod(sizes) elements, row-major

so the first four bytes read as one big-endian integer are the "magic number": 2051 (0x0803,
uint8 and 3 dimensions) for a stack of images, 2049 (0x0801, uint8 and 1 dimension) for labels.
Checking the magic number, the sizes and the file length catches a wrong, truncated or
corrupt file before it turns into a confusing error (or silently wrong data) during training.
"""

import gzip
import os
import zlib

import numpy as np

# element type code -> big-endian NumPy dtype
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path):
    """The file's bytes, decompressed when it is a gzip file (recognised by its content)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":  # gzip's own magic number
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{os.fspath(path)} is a damaged gzip file ({err}); delete it and "
                         "get it again") from None


def read_idx(path, expected_magic=None):
    """Read the IDX file at `path` (raw or gzip-compressed) into a NumPy array.

    `expected_magic` (e.g. 2051 for images, 2049 for labels) is checked when given. Raises
    FileNotFoundError for a missing file and ValueError, naming the file, for anything else
    that is wrong: an unknown magic number, or a length that does not match the header.
    """
    data = _read_bytes(path)
    name = os.fspath(path)
    if len(data) < 4:
        raise ValueError(f"{name} is not an IDX file: it is only {len(data)} bytes long")
    magic = int.from_bytes(data[:4], "big")
    zero, type_code, ndim = data[0:2], data[2], data[3]
    if zero != b"\x00\x00" or type_code not in _IDX_DTYPES:
        raise ValueError(f"{name} is not an IDX file: its magic number is {magic} "
                         f"(0x{magic:08x}), expected 0x0000TTDD with a known type TT")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"{name} has magic number {magic}, expected {expected_magic}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name} is truncated: its header needs {header} bytes, "
                         f"the file has {len(data)}")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[type_code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise ValueError(f"{name} is {problem}: a {dtype.name} array of shape {shape} needs "
                         f"{expected} bytes, the file has {len(data)}")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)
