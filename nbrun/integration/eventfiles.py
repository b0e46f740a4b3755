"""Reading TensorBoard event files as they grow: whole records from a byte offset, and the
scalars in them as TensorBoard itself reads them.

Records are framed as TFRecords (length, masked CRC of the length, data, CRC of the data).
TensorBoard's own ``EventFileLoader`` cannot start at an offset without TensorFlow and checks
CRCs in pure Python (about 12 us for a 45-byte record), so the framing is read here and each
record is parsed with TensorBoard's ``Event`` proto.

Damage costs only what is damaged. Every length is checked against its CRC (a set of lengths
already seen makes that a lookup); the data CRC is checked, in batches, for each record that
gives a scalar or cannot be parsed (the others, histograms and images, give nothing). Bytes that
are not a record (a damaged length, a record cut short in the middle of the file) are skipped up
to the next whole record with valid CRCs. A record only partly written at the end of the file
is not damage: it is left for the next read, as TensorBoard does, unless whole records follow it.
"""

from __future__ import annotations

import os
import re
import struct
from typing import Any

from tensorboard.compat.proto import event_pb2

from . import checksums

_HEADER = struct.Struct("<QI")
MAX_READ = 64 << 20  # bytes per read: bounds memory when a big file is first found
_FLOATS = {1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 9: "DT_INT64", 19: "DT_HALF"}
_ZERO_RUNS = re.compile(b"\0{4,}")  # where the high half of a length under 4 GiB may be
_GOOD_HEADERS: set[bytes] = set()  # lengths with their CRC, seen valid (few distinct ones)

NOT_RECORDS = "that are not a whole event record (damaged, or a record cut short); skipped"


class Read:
    """What one read of an event file found: the payloads of its whole records (``starts``:
    where each begins in ``data``, the bytes read from ``offset``), where the next read starts
    (``end``), the byte ranges skipped as not records (``skipped``: (from, to, why) in file
    offsets), and ``skip_from``, where bytes stopped being records when no record followed yet
    (``end`` is then not a record boundary)."""

    __slots__ = ("records", "starts", "data", "offset", "end", "skipped", "skip_from")

    def __init__(self, data: bytes, offset: int) -> None:
        self.records: list[bytes] = []
        self.starts: list[int] = []
        self.data = data
        self.offset = offset
        self.end = offset
        self.skipped: list[tuple[int, int, str]] = []
        self.skip_from: int | None = None

    @property
    def raw(self) -> bytes:
        """The bytes read up to ``end`` (for the run's copy of the file)."""
        return self.data[:self.end - self.offset]

    def failing(self, indices: list[int]) -> set[int]:
        """Which of these records do not match their data CRC."""
        starts, records = self.starts, self.records
        found = checksums.failing(self.data, [starts[i] for i in indices],
                                  [records[i] for i in indices])
        return {indices[i] for i in found}


def is_event_file(name: str) -> bool:
    return "tfevents" in name


def read_records(path: str, offset: int, skip_from: int | None = None,
                 final: bool = False) -> Read:
    """The whole records after ``offset``. ``skip_from`` (from the read before) says that
    ``offset`` lies in bytes that are not records, which began there. With ``final`` (nothing
    more will be read) such bytes up to the end are skipped too."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(MAX_READ)
    read = Read(data, offset)
    n = len(data)
    pos = 0
    bad = None if skip_from is None else skip_from - offset  # where unreadable bytes began
    good, unpack = _GOOD_HEADERS, _HEADER.unpack_from
    records, starts = read.records, read.starts
    while True:
        if bad is not None:
            found, frontier = _next_record(data, max(bad + 1, 0))
            if found is None:
                if final:
                    read.skipped.append((offset + bad, offset + frontier, NOT_RECORDS))
                else:
                    read.skip_from = offset + bad
                pos = frontier
                break
            read.skipped.append((offset + bad, offset + found, NOT_RECORDS))
            pos, bad = found, None
        if pos + 12 > n:
            break
        head = data[pos:pos + 12]
        if head in good or _header_ok(head):
            end = pos + 16 + unpack(head)[0]
            if end <= n:
                records.append(data[pos + 12:end - 4])
                starts.append(pos)
                pos = end
                continue
            # Not all there: being written, unless whole records follow (it was cut short).
            if _next_record(data, pos + 1)[0] is None:
                break
            bad = pos
            continue
        # Not a length: the record before may have been cut short, its length leading here.
        bad = pos
        if starts and not _whole(data, starts[-1]):
            bad = starts.pop()
            records.pop()
    read.end = offset + pos
    return read


def _header_ok(head: bytes) -> bool:
    if checksums.masked(head[:8]) != _HEADER.unpack(head)[1]:
        return False
    if len(_GOOD_HEADERS) > 4096:
        _GOOD_HEADERS.clear()
    _GOOD_HEADERS.add(head)
    return True


def _whole(data: bytes, start: int) -> bool:
    """Whether the record at ``start`` (its length checked, all of it there) matches its data
    CRC."""
    length = _HEADER.unpack_from(data, start)[0]
    return not checksums.failing(data, [start], [data[start + 12:start + 12 + length]])


def _next_record(data: bytes, start: int) -> tuple[int | None, int]:
    """Where the first whole record with valid CRCs begins at or after ``start``, or None;
    and the first position at which one may still be arriving (every one before it was
    ruled out)."""
    n = len(data)
    undecided = None
    for run in _ZERO_RUNS.finditer(data, start + 4):
        a, b = run.span()
        # A length under 4 GiB has 4 zero bytes at q + 4. Inside the run the 12 bytes at q
        # are all zero, which is no record (the CRC of a zero length is not zero): only the
        # positions at its two ends are candidates, so a zero-filled stretch costs nothing.
        for q in (*range(max(a - 4, start), min(a, b - 7)), *range(max(a, b - 11), b - 7)):
            if q + 12 > n:
                break
            head = data[q:q + 12]
            if not (head in _GOOD_HEADERS or _header_ok(head)):
                continue
            end = q + 16 + _HEADER.unpack(head)[0]
            if end > n:
                undecided = q if undecided is None else undecided
            elif _whole(data, q):
                return q, q
    frontier = max(start, n - 11)
    return None, frontier if undecided is None else min(undecided, frontier)


def scalars(read: Read, plugins: dict[str, str], prefix: str,
            cols: dict[str, tuple[list[int], list[float]]],
            problems: list[tuple[int, str]] | None = None) -> int:
    """Add the scalar points of the read's records, in file order, to ``cols`` (``prefix +
    tag`` -> (steps, values)); how many. ``plugins`` remembers each tag's plugin across calls
    (TensorFlow 2 writes a tag's metadata with its first value only). A record that fails its
    CRC or cannot be parsed gives nothing and is listed in ``problems`` (its file offset, why).
    Wall times are not kept: the saved event files hold them."""
    before = dict(plugins)
    found: dict[str, tuple[list[int], list[float]]] = {}
    count, used, failed = _extract(read.records, plugins, prefix, found, ())
    bad = read.failing(used + sorted(failed))
    if bad or failed:
        plugins.clear()
        plugins.update(before)
        found.clear()
        count = _extract(read.records, plugins, prefix, found, bad | set(failed))[0]
        if problems is not None:
            for i in sorted(bad | set(failed)):
                why = ("fails its checksum" if i in bad else
                       f"cannot be read as an event ({failed[i]})")
                problems.append((read.offset + read.starts[i], f"the record {why}; skipped"))
    for key, (steps, values) in found.items():
        col = cols.get(key)
        if col is None:
            cols[key] = (steps, values)
        else:
            col[0].extend(steps)
            col[1].extend(values)
    return count


def _extract(records: list[bytes], plugins: dict[str, str], prefix: str,
             cols: dict[str, tuple[list[int], list[float]]], skip: Any
             ) -> tuple[int, list[int], dict[int, str]]:
    """The points of the records not in ``skip``; their count, the records that gave some,
    and those that could not be read (index -> why)."""
    parse = event_pb2.Event.FromString
    count = 0
    used: list[int] = []
    failed: dict[int, str] = {}
    for i, record in enumerate(records):
        if i in skip:
            continue
        try:
            event = parse(record)
            step = event.step
            gave = count
            for value in event.summary.value:  # empty unless the event is a summary
                kind = value.WhichOneof("value")
                if kind == "simple_value":
                    number = value.simple_value
                else:
                    plugin = value.metadata.plugin_data.plugin_name
                    if plugin:
                        plugins[value.tag] = plugin
                    if kind != "tensor" or plugins.get(value.tag, "scalars") != "scalars":
                        continue
                    number = _tensor_scalar(value.tensor)
                    if number is None:
                        continue
                key = prefix + value.tag
                col = cols.get(key)
                if col is None:
                    col = cols[key] = ([], [])
                col[0].append(step)
                col[1].append(number)
                count += 1
        except Exception as exc:  # a proto that does not parse, a tag not UTF-8, a bad tensor
            failed[i] = f"{type(exc).__name__}: {exc}"
            continue
        if count > gave:
            used.append(i)
    return count, used, failed


def _tensor_scalar(tensor: Any) -> float | None:
    if tensor.tensor_shape.dim or tensor.dtype not in _FLOATS:
        return None
    from tensorboard.util import tensor_util

    return float(tensor_util.make_ndarray(tensor).item())


def file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1
