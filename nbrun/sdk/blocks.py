"""How ``Run.log()`` queues rows: same-shaped rows extend the run's open block (see
``store.channel``), and the backlog the writer has not committed yet is watched and bounded."""

from __future__ import annotations

import time
from typing import Any

from ..store.channel import Block
from ..store.writer import BACKLOG_ROWS

# Each row's time, read once per log() call: the time MLflow shows for its points (to the ms).
clock = time.time
_ANY_SIZE = frozenset((float, bool))  # storable whatever the value; ints and strs have limits
# log() looks at the writer's backlog every 1024 steps (a mask of the step), not on every call.
BACKLOG_CHECK = 1024 - 1
# Past BACKLOG_ROWS queued rows log() waits for the writer (bounded memory, quick finish). A
# block row (three floats) takes about 100 bytes against some 250 for the row dicts of before,
# so 50,000 hold no more memory than 20,000 did. While the store cannot be written, rows
# logged past it are dropped and counted (reported by finish()).
_NUDGE_ROWS = 8_192  # past this the writer is woken early, so finish() finds little to drain


class BlockQueue:
    """The part of ``Run`` that owns its open block (a mixin: ``Run`` holds the state)."""

    _step: int
    _logged: dict[str, Any]
    _own_keys: set[str]
    _queue: list
    _channel: Any
    _writer: Any

    # The open block's shape; None whenever log() may not take the fast path (no open block,
    # a row pending, finished, orphaned by a fork).
    _shape: tuple[str, ...] | None = None
    _types: tuple[type, ...] | None = None
    _any_size = False  # the block's values are all floats/bools: no size to check per value
    _block: Block | None = None

    def _open_block(self, data: dict[str, Any]) -> None:
        """Queue ``data`` (flat, plain values, keys checked) at the current step as the first row
        of a new block, which the following calls of the same shape extend."""
        self._close_block()
        self._own_keys.update(data)
        if self._over_limit():
            self._dropped(data)
            return
        keys, types = tuple(data), tuple(map(type, data.values()))
        block = Block(keys, types, self._step)
        block.times.append(clock())
        block.vals.extend(data.values())
        self._queue.append(block)
        self._block, self._extend, self._stamp = block, block.vals.extend, block.times.append
        self._shape, self._types = keys, types
        self._any_size = _ANY_SIZE.issuperset(types)
        self._step += 1

    def _close_block(self) -> None:
        """End the open block (its rows stay queued): its last row joins the logged values,
        and log() takes the fast path again only with a new block."""
        block = self._block
        if block is None:
            return
        self._shape = None
        self._logged.update(block.last())  # before the block is gone: the summary never lacks it
        self._block = None
        block.open = False
        self._channel.appended += self._step - block.first

    def _tail(self) -> dict[str, Any] | None:
        """The open block's last row: the summary's newest values (any thread may ask)."""
        block = self._block
        return None if block is None else block.last()

    def _queued(self) -> int:
        block = self._block
        channel = self._channel
        opened = 0 if block is None else self._step - block.first
        return channel.appended + opened - channel.written

    def _over_limit(self) -> bool:
        return self._channel.failure is not None and self._queued() > BACKLOG_ROWS

    def _dropped(self, values: dict[str, Any]) -> None:
        """A row logged past the backlog while the store cannot be written: counted (and
        reported by finish()), not queued; the summary still has its values."""
        self._channel.dropped += 1
        self._logged.update(values)
        self._step += 1

    def _backlog(self) -> None:
        queued = self._queued()
        if queued <= _NUDGE_ROWS:
            return
        if queued <= BACKLOG_ROWS:
            self._writer.nudge()
            # Hand the GIL over now: the writer needs it a dozen times a cycle and, while this
            # loop runs, waits up to a switch interval (5 ms) each time, so it fell behind and
            # left finish() a backlog of up to 50,000 rows to drain (20-30 ms). Measured A/B:
            # finish() after 100k steps 3-4 ms instead of 22-27, log() no slower.
            time.sleep(0)
            return
        if self._channel.failure is not None:
            self._close_block()  # the next rows take _log_slow, which drops past the limit
        self._writer.flush(timeout=5.0)  # bounded: a store that is down must not stall log()
