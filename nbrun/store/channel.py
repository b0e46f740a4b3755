"""What one run hands to the background writer: its queue of rows, and the run fields
(metadata, summary, final state) exchanged under a lock.

The queue holds two kinds of items, oldest first:

* a row dict, holding its step under ``series.STEP`` (``log()``'s general path);
* a ``Block``: rows logged at consecutive steps with the same keys and value types, kept flat
  (per ``log()`` call one ``list.extend`` of its values and one append of the time it was
  called: no dict copy, no step, no summary update per call).

The writer reads a batch without removing it and consumes it only once it is committed, so a
failed cycle leaves the queue as it was. The run only appends (to the queue, or to the values
of its open block); the writer only removes from the front. Each is one step under the GIL.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, NamedTuple

MAX_ROWS_PER_TX = 100_000  # bounds one transaction's memory and lock time under a big backlog

Rows = list[dict[str, Any]]  # each row holds its step under series.STEP


class Block:
    """Rows at consecutive steps with the same keys, in order, and the same value types:
    ``vals[kept + i * width + j]`` is key ``j`` at step ``start + i``, logged at ``times[i]``
    (``time.time()``). The first ``kept`` values are the last row already written, kept so
    that ``last()`` (the summary) never needs the run to keep a copy of its latest row. The
    run appends a row's time before its values, so every complete row has its time."""

    __slots__ = ("keys", "types", "width", "vals", "times", "first", "start", "kept", "open")

    def __init__(self, keys: tuple[str, ...], types: tuple[type, ...], start: int) -> None:
        self.keys = keys
        self.types = types
        self.width = len(keys)
        self.vals: list[Any] = []
        self.times: list[float] = []  # list.append: cheaper per log() call than an array's
        self.first = start  # the step of its first row (fixed)
        self.start = start  # the step of its first row not yet written (the writer's)
        self.kept = 0
        self.open = True  # the run may still append; only the run closes it

    def last(self) -> dict[str, Any]:
        """The block's latest row (``{}`` before its first)."""
        return dict(zip(self.keys, self.vals[-self.width:]))

    def pending(self) -> int:
        return (len(self.vals) - self.kept) // self.width


class Segment(NamedTuple):
    """Part of a batch: dict rows (``block`` None) or rows of a block, ``vals`` flat and
    ``times`` the time each row was logged."""
    block: Block | None
    rows: Rows
    steps: range
    vals: list[Any]
    times: Any = None


class Plan(NamedTuple):
    """What consuming a committed batch removes from the queue."""
    items: int  # leading queue items written whole
    block: Block | None  # a block written up to ``upto`` values (``count`` rows), kept queued
    upto: int
    count: int
    rows: int


class Channel:
    """One run's queue and run fields. ``appended`` (rows queued, counted by the run, an open
    block's rows once it closes) and ``written`` (counted by the writer) give the backlog
    without walking the queue."""

    def __init__(self, store: Any, rid: int, summary: Callable[[], dict[str, Any]],
                 run_id: str = "") -> None:
        self.store = store
        self.rid = rid
        self.run_id = run_id
        self.pid = os.getpid()
        self.rows: list[Any] = []  # row dicts and Blocks
        self.summary = summary
        self.lock = threading.Lock()
        self.meta: dict[str, Any] = {}
        self.summary_dirty = False
        self.final: dict[str, Any] | None = None
        self.last_step = -1
        self.appended = 0
        self.written = 0
        self.discarded = False
        self.failure: str | None = None  # why the store cannot be written, while it lasts
        self.failing_since = 0.0
        self.retry_at = 0.0
        self.backoff = 0.0
        self.dropped = 0  # rows logged past the backlog while the store was down
        self.unstored: list[dict[str, Any]] = []  # set aside and recorded on the run
        self.unstored_count = 0

    def set_meta(self, **fields: Any) -> None:
        with self.lock:
            self.meta.update(fields)

    def count(self) -> int:
        """Rows queued and not yet written (walks the queue: for messages, not hot paths)."""
        return sum(item.pending() if type(item) is Block else 1 for item in list(self.rows))

    def take(self) -> tuple[list[Segment], Plan, dict[str, Any], dict | None, bool, bool]:
        """The oldest queued rows (up to ``MAX_ROWS_PER_TX``), left in the queue until
        ``consume``; with the run fields, the final state when nothing is left after this
        batch, whether the run needs writing, and whether more rows wait."""
        with self.lock:
            meta, self.meta = self.meta, {}
            final = self.final
            dirty, self.summary_dirty = self.summary_dirty, False
        # The final state is read first: every row queued before it is in the queue now.
        window = self.rows[:MAX_ROWS_PER_TX]
        kinds = list(map(type, window))
        segments: list[Segment] = []
        taken = items = i = 0
        partial: tuple[Block, int, int] | None = None
        while i < len(window) and taken < MAX_ROWS_PER_TX:
            if kinds[i] is not Block:
                try:
                    end = kinds.index(Block, i)
                except ValueError:
                    end = len(window)
                end = min(end, i + MAX_ROWS_PER_TX - taken)
                rows = window[i:end]
                segments.append(Segment(None, rows, range(0), []))
                taken += len(rows)
                items = i = end
                continue
            block = window[i]
            closed = not block.open  # read before the values: a closed block has them all
            width, kept = block.width, block.kept
            upto = min(len(block.vals), kept + (MAX_ROWS_PER_TX - taken) * width)
            count = (upto - kept) // width
            if count:
                segments.append(Segment(block, [], range(block.start, block.start + count),
                                        block.vals[kept:upto], block.times[:count]))
                taken += count
            if closed and upto == len(block.vals):
                items = i = i + 1
                continue
            partial = (block, upto, count)
            break
        open_tail = partial is not None and partial[0].open
        more = taken >= MAX_ROWS_PER_TX or len(self.rows) > items + open_tail
        plan = Plan(items, *(partial or (None, 0, 0)), taken)
        return (segments, plan, meta, None if more else final,
                dirty or bool(segments) or items > 0, more)

    def consume(self, plan: Plan) -> None:
        """Remove a committed batch from the queue."""
        if plan.items:
            del self.rows[:plan.items]
        block = plan.block
        if block is not None and plan.count:
            # Keep the last written row (the summary reads it), drop the ones before it.
            del block.vals[:plan.upto - block.width]
            del block.times[:plan.count]
            block.kept = block.width
            block.start += plan.count
        self.written += plan.rows

    def give_back(self, meta: dict[str, Any]) -> None:
        """A failed cycle: its rows are still queued; its run fields go back ahead of any
        set since."""
        with self.lock:
            self.meta = {**meta, **self.meta}
            self.summary_dirty = True
