"""The masked CRC-32C (Castagnoli) that frames TFRecords, checked for many records at once.

Pure Python costs about 0.2 us a byte (9 us for a 45-byte scalar record), which would make
checking every record slower than everything else mirroring does. Records of one length are
checked together with NumPy, one pass over their bytes for all of them (about 0.5 us a record);
NumPy comes with the ``tensorboard`` package.
"""

from __future__ import annotations

import struct
from operator import itemgetter
from typing import Sequence

import numpy as np

_MASK_DELTA = 0xA282EAD8
_BATCH = 32  # records of one length from which NumPy beats a loop per record
_U32 = struct.Struct("<I")


def _table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


_TABLE = _table()
_NP_TABLE = np.array(_TABLE, dtype=np.uint32)


def masked(data: bytes) -> int:
    """The masked CRC-32C of ``data``, as stored in a TFRecord."""
    c, table = 0xFFFFFFFF, _TABLE
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return _mask(c ^ 0xFFFFFFFF)


def _mask(c: int) -> int:
    return (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def failing(data: bytes, starts: Sequence[int], payloads: Sequence[bytes]) -> list[int]:
    """The indices ``i`` of the records (beginning at ``starts[i]`` in ``data``, holding
    ``payloads[i]``) whose payload does not match the CRC stored right after it."""
    if not payloads:
        return []
    sizes = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
    order = np.argsort(sizes, kind="stable")
    bad: list[int] = []
    buf = np.frombuffer(data, dtype=np.uint8)
    begins = np.asarray(starts, dtype=np.int64)
    for group in np.split(order, np.flatnonzero(np.diff(sizes[order])) + 1):
        members = group.tolist()
        length = len(payloads[members[0]])
        if len(members) < _BATCH:
            bad += [i for i in members if masked(payloads[i]) !=
                    _U32.unpack_from(data, starts[i] + 12 + length)[0]]
            continue
        # Row j holds byte j of every payload, so each step updates all the registers at once.
        rows = np.frombuffer(b"".join(itemgetter(*members)(payloads)), dtype=np.uint8)
        rows = rows.reshape(len(members), length).T.copy()
        at = begins[group] + 12 + length
        stored = buf[at[:, None] + np.arange(4)].copy().view("<u4").ravel()
        bad += [members[j] for j in np.flatnonzero(_batch(rows) != stored).tolist()]
    return sorted(bad)


def _batch(rows: np.ndarray) -> np.ndarray:
    c = np.full(rows.shape[1], 0xFFFFFFFF, dtype=np.uint32)
    table = _NP_TABLE
    for row in rows:
        c = table[(c ^ row) & 0xFF] ^ (c >> 8)
    c ^= np.uint32(0xFFFFFFFF)
    return ((c >> 15) | (c << 17)) + np.uint32(_MASK_DELTA)
