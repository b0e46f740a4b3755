"""Reading TensorBoard event files as they grow: whole records from a byte offset, and the
scalars in them as TensorBoard itself reads them.

Records are framed as TFRecords (length, masked CRC of the length, data, CRC of the data).
TensorBoard's own ``EventFileLoader`` cannot start at an offset without TensorFlow and checks
CRCs in pure Python (about 12 us for a 45-byte record), so the framing is read here and each
record is parsed with TensorBoard's ``Event`` proto. The length CRC of the first record read is
checked, which catches a stale offset (a replaced file); a record only partly written is left
for the next read, as TensorBoard does.
"""

from __future__ import annotations

import os
import struct
from typing import Any

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

_HEADER = struct.Struct("<QI")
MAX_READ = 64 << 20  # bytes per read: bounds memory when a big file is first found
_FLOATS = {1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 9: "DT_INT64", 19: "DT_HALF"}


class CorruptFile(Exception):
    """The bytes at the offset are not a record: the file was replaced or damaged."""


def is_event_file(name: str) -> bool:
    return "tfevents" in name


def read_records(path: str, offset: int) -> tuple[list[bytes], int, bytes]:
    """The whole records after ``offset``, the offset after the last of them, and their raw
    bytes (for the run's copy of the file)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(MAX_READ)
    n = len(data)
    if n >= 12:
        length, crc = _HEADER.unpack_from(data, 0)
        if masked_crc32c(data[:8]) != crc:
            raise CorruptFile(f"{path}: no event record at byte {offset}")
    records = []
    pos = 0
    unpack = _HEADER.unpack_from
    while pos + 12 <= n:
        length = unpack(data, pos)[0]
        end = pos + 16 + length
        if end > n:
            break
        records.append(data[pos + 12:end - 4])
        pos = end
    return records, offset + pos, data[:pos]


def scalars(records: list[bytes], plugins: dict[str, str], prefix: str,
            cols: dict[str, tuple[list[int], list[float]]]) -> int:
    """Add the scalar points of these records, in file order, to ``cols`` (``prefix + tag`` ->
    (steps, values)); how many. ``plugins`` remembers each tag's plugin across calls
    (TensorFlow 2 writes a tag's metadata with its first value only). Wall times are not kept:
    the saved event files hold them."""
    parse = event_pb2.Event.FromString
    count = 0
    for record in records:
        event = parse(record)
        step = event.step
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
    return count


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
