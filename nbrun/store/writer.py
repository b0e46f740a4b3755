"""The background writer: one thread per process drains every run's queue into its store.

``run.log()`` only appends to a deque; this thread wakes a few times a second (or at once when a
flush is asked for), turns the queued rows into columnar chunks and commits them, together with
the summary, pending metadata and the heartbeat, in one transaction per store.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from typing import Any, Callable

from .database import Store, dumps, encode_fields

INTERVAL_S = 0.2
HEARTBEAT_S = 5.0
MAX_ROWS_PER_TX = 100_000  # bounds one transaction's memory and lock time under a big backlog


class Channel:
    """What one run hands to the writer. The run appends to ``rows`` and mutates ``summary``;
    everything else is exchanged under ``lock``."""

    def __init__(self, store: Store, rid: int, summary: Callable[[], dict[str, Any]]) -> None:
        self.store = store
        self.rid = rid
        self.rows: deque[tuple[int, dict[str, Any]]] = deque()
        self.summary = summary
        self.lock = threading.Lock()
        self.meta: dict[str, Any] = {}
        self.summary_dirty = False
        self.final: dict[str, Any] | None = None
        self.last_step = -1
        self.retry: list[tuple[int, dict[str, Any]]] = []
        self.error: BaseException | None = None
        self.discarded = False

    def set_meta(self, **fields: Any) -> None:
        with self.lock:
            self.meta.update(fields)

    def take(self) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, Any], dict | None, bool]:
        rows = self.retry
        self.retry = []
        pop = self.rows.popleft
        for _ in range(min(len(self.rows), MAX_ROWS_PER_TX)):
            rows.append(pop())
        with self.lock:
            meta, self.meta = self.meta, {}
            final = self.final
            dirty, self.summary_dirty = self.summary_dirty, False
        more = bool(self.rows)
        return rows, meta, (None if more else final), dirty or bool(rows)


class Writer:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self._channels: list[Channel] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._cycle = threading.Condition()
        self._started = 0
        self._completed = 0
        self._last_heartbeat = 0.0
        self._warned = False
        self._thread = threading.Thread(target=self._loop, name="nbrun-writer", daemon=True)
        self._thread.start()

    def register(self, channel: Channel) -> None:
        with self._lock:
            self._channels.append(channel)

    def discard(self, channel: Channel) -> None:
        """Drop a channel without writing anything more of it."""
        channel.discarded = True  # seen by a cycle already holding it, once it has the lock
        with self._lock:
            if channel in self._channels:
                self._channels.remove(channel)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued before this call is committed."""
        with self._cycle:
            target = self._started + 1
            self._wake.set()
            return self._cycle.wait_for(lambda: self._completed >= target, timeout)

    def close(self, channel: Channel, state: str, exit_code: int | None,
              fields: dict[str, Any]) -> None:
        """Commit the channel's remaining rows and its final state, then forget it."""
        with channel.lock:
            channel.final = {"state": state, "exit_code": exit_code, **fields}
        while channel in self._channels:
            self.flush(timeout=5.0)
            if channel.error is not None and channel in self._channels:
                raise channel.error

    def _loop(self) -> None:
        while True:
            self._wake.wait(INTERVAL_S)
            self._wake.clear()
            with self._cycle:
                self._started += 1
                number = self._started
            try:
                self._write_all()
            except Exception as exc:  # the thread must outlive any one bad cycle
                self._warn(exc)
            finally:
                with self._cycle:
                    self._completed = number
                    self._cycle.notify_all()

    def _write_all(self) -> None:
        now = time.time()
        beat = now - self._last_heartbeat >= HEARTBEAT_S
        if beat:
            self._last_heartbeat = now
        with self._lock:
            channels = list(self._channels)
        for channel in channels:
            while True:
                rows, meta, final, changed = channel.take()
                if not (rows or meta or final or changed or beat):
                    break
                try:
                    self._write(channel, rows, meta, final, now)
                except Exception as exc:  # keep the rows: a locked or full disk may recover
                    channel.retry = rows + channel.retry
                    with channel.lock:
                        channel.meta = {**meta, **channel.meta}
                        channel.summary_dirty = True
                    channel.error = exc
                    self._warn(exc)
                    break
                channel.error = None
                if final is not None:
                    with self._lock:
                        self._channels.remove(channel)
                    break
                if not channel.rows:
                    break

    def _write(self, channel: Channel, rows: list, meta: dict, final: dict | None,
               now: float) -> None:
        if rows:
            channel.last_step = rows[-1][0]
        fields = dict(meta)
        fields["summary"] = dumps(channel.summary())
        fields["last_step"] = channel.last_step
        fields["heartbeat_at"] = now
        fields["updated_at"] = now
        if final is not None:
            fields.update(final)
            fields["finished_at"] = now
        fields = encode_fields(fields)
        sets = ", ".join(f"{k}=?" for k in fields)
        store = channel.store
        with store.transaction() as conn:
            if channel.discarded:
                return
            store.write_batch(conn, channel.rid, rows, now)
            conn.execute(f"UPDATE runs SET {sets} WHERE rid=?", (*fields.values(), channel.rid))

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            print(f"nbrun: writing to the store failed ({exc}); retrying, nothing is dropped",
                  file=sys.stderr)


_writer: Writer | None = None
_writer_lock = threading.Lock()


def get_writer() -> Writer:
    """This process's writer (a forked child gets its own)."""
    global _writer
    if _writer is None or _writer.pid != os.getpid():
        with _writer_lock:
            if _writer is None or _writer.pid != os.getpid():
                _writer = Writer()
    return _writer
