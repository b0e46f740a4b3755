"""The background writer: one thread per process drains every run's queue into its store.

``run.log()`` only appends to its run's queue (``channel``); this thread wakes a few times a second
(or at once when a flush is asked for), turns the queued rows into columnar chunks and commits
them, together with the summary, pending metadata and the heartbeat, in one transaction per store.

Nothing one value does may cost other data: a value that cannot be encoded or inserted is set aside
(and recorded on its run) while every other value is written. A failure of the store itself (disk
full, read-only, locked, deleted or replaced) keeps the rows queued (the run drops what it logs
past the backlog limit), and is retried with a growing pause; it is reported once, never spun on.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from ..errors import Error
from . import setaside
from .channel import Channel, Segment
from .database import Store


class StoreDown(Exception):
    """The store as a whole cannot be written just now (not one value's fault)."""


INTERVAL_S = 0.2
HEARTBEAT_S = 5.0
BACKLOG_ROWS = 50_000  # queued rows past which log() waits; kept while the store is down
BACKOFF_MAX_S = 5.0
FINISH_RETRY_S = 10.0  # how long finish() retries a failing store before it reports
WRITER_BUSY_MS = 2_000  # the writer retries a locked store itself rather than block every run


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
        self._warned: set[str] = set()
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
        """Wait until everything queued before this call was tried once."""
        with self._cycle:
            target = self._started + 1
            self._wake.set()
            return self._cycle.wait_for(lambda: self._completed >= target, timeout)

    def nudge(self) -> None:
        """Start a cycle now rather than at the next tick (without waiting for it)."""
        self._wake.set()

    def pending(self, channel: Channel) -> bool:
        with self._lock:
            return channel in self._channels

    def close(self, channel: Channel, state: str, exit_code: int | None,
              fields: dict[str, Any]) -> dict[str, Any]:
        """Commit the channel's remaining rows and its final state, then forget it. Returns
        what could not be stored (``{"count", "items"}``, empty when everything was). Raises
        ``nbrun.Error`` when the store stays unwritable; the writer keeps retrying the rows
        until the process exits."""
        with channel.lock:
            channel.final = {"state": state, "exit_code": exit_code, **fields}
        while self.pending(channel):
            failing = channel.failure
            if failing is not None:
                if time.time() - channel.failing_since > FINISH_RETRY_S:
                    raise Error(
                        f"finish: the store at {channel.store.path} cannot be written "
                        f"({failing}); {channel.count()} rows of this run are kept in memory "
                        "and retried until this process exits" + _dropped(channel))
                time.sleep(min(1.0, max(0.05, channel.retry_at - time.time())))  # no spinning
            self.flush(timeout=1.0)
        report: dict[str, Any] = {}
        if channel.unstored_count or channel.dropped:
            report = {"count": channel.unstored_count + channel.dropped,
                      "items": list(channel.unstored)}
        return report

    def drain(self, timeout: float) -> list[Channel]:
        """At exit: give finishing runs up to ``timeout`` seconds; returns those left."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                left = [c for c in self._channels if c.final is not None]
            if not left or time.monotonic() >= deadline:
                return left
            self.flush(timeout=max(0.0, deadline - time.monotonic()))

    def _loop(self) -> None:
        while True:
            self._wake.wait(INTERVAL_S)
            self._wake.clear()
            with self._cycle:
                self._started += 1
                number = self._started
            try:
                self._write_all()
            except Exception as exc:  # the thread must outlive any one bad cycle (a bug)
                self._warn("cycle", f"nbrun: the background writer hit an error ({exc!r})")
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
            if channel.retry_at > now:
                continue
            while True:
                segments, plan, meta, final, changed, more = channel.take()
                if not (changed or meta or final or beat or channel.failure):
                    break
                try:
                    self._write(channel, segments, meta, final, now)
                except StoreDown as exc:
                    channel.give_back(meta)
                    self._failed(channel, str(exc), now)
                    break
                except Exception as exc:  # a bug: keep the rows, retry later, say it once
                    channel.give_back(meta)
                    self._failed(channel, setaside.reason(exc), now)
                    break
                channel.consume(plan)
                if channel.failure is not None:
                    print(f"nbrun: the store at {channel.store.path} is writable again",
                          file=sys.stderr)
                    self._warned.discard(channel.store.path)
                channel.failure = None
                channel.backoff = 0.0
                if final is not None:
                    with self._lock:
                        self._channels.remove(channel)
                    break
                if not more:
                    break

    def _failed(self, channel: Channel, reason: str, now: float) -> None:
        if channel.failure is None:
            channel.failing_since = now
        channel.failure = reason
        channel.backoff = min(BACKOFF_MAX_S, max(INTERVAL_S, channel.backoff * 2))
        channel.retry_at = now + channel.backoff
        self._warn(channel.store.path,
                   f"nbrun: the store at {channel.store.path} cannot be written ({reason}); "
                   f"keeping up to {BACKLOG_ROWS:,} rows per run in memory and retrying")

    def _write(self, channel: Channel, segments: list[Segment], meta: dict,
               final: dict | None, now: float) -> None:
        store = channel.store
        problem = store.file_problem()
        if problem is not None:
            if problem == "replaced" or problem.startswith("deleted"):
                store.release_file()
            else:
                store.drop_connection()
            raise StoreDown(f"its database file was {problem}")
        chunks, unstored, last = setaside.encode_segments(segments)
        fields = _run_fields(channel, last, meta, final, now, unstored)
        try:
            self._commit(channel, chunks, fields, unstored)
        except StoreDown:
            raise
        except Exception as exc:
            store.drop_connection()
            if not chunks:
                raise StoreDown(setaside.reason(exc)) from exc
            # Is it the store or some chunk? The run's own update alone tells.
            try:
                self._commit(channel, [], _run_fields(channel, None, {}, None, now, []), [])
            except StoreDown:
                raise
            except Exception as probe:
                store.drop_connection()
                raise StoreDown(setaside.reason(probe)) from probe
            self._commit_isolated(channel, chunks, fields, unstored)

    def _commit(self, channel: Channel, chunks: list, fields: dict, unstored: list) -> None:
        store = channel.store
        conn = store.conn
        conn.execute(f"PRAGMA busy_timeout={WRITER_BUSY_MS}")
        with store.transaction() as conn:
            if channel.discarded:
                return
            store.write_batch(conn, channel.rid, chunks, fields["updated_at"])
            _update_run(conn, channel, fields)
            if unstored:
                store.record_unstored(conn, channel.rid, unstored)
        _remember(channel, unstored)

    def _commit_isolated(self, channel: Channel, chunks: list, fields: dict,
                         unstored: list) -> None:
        """One transaction in which each chunk (and then each point of a failing chunk) gets
        its own savepoint: whatever still fails is set aside, the rest commits."""
        store = channel.store
        unstored = list(unstored)
        try:
            with store.transaction() as conn:
                if channel.discarded:
                    return
                for chunk in chunks:
                    if _try_insert(store, conn, channel.rid, [chunk], fields["updated_at"]) is None:
                        continue
                    for point, step in setaside.points(chunk):
                        reason = _try_insert(store, conn, channel.rid, [point],
                                             fields["updated_at"])
                        if reason is not None:
                            unstored.append(setaside.item(chunk[0], step, reason))
                _update_run(conn, channel, fields)
                if unstored:
                    store.record_unstored(conn, channel.rid, unstored)
        except StoreDown:
            raise
        except Exception as exc:
            store.drop_connection()
            raise StoreDown(setaside.reason(exc)) from exc
        _remember(channel, unstored)

    def _warn(self, what: str, message: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            print(message, file=sys.stderr)


def _run_fields(channel: Channel, last: int | None, meta: dict, final: dict | None,
                now: float, unstored: list) -> dict[str, Any]:
    if last is not None:
        channel.last_step = last
    fields = setaside.encodable_fields(meta, unstored)
    fields["summary"] = setaside.summary_text(channel.summary(), unstored)
    fields["last_step"] = channel.last_step
    fields["heartbeat_at"] = now
    fields["updated_at"] = now
    if final is not None:
        fields.update(final)
        fields["finished_at"] = now
    return fields


def _update_run(conn: Any, channel: Channel, fields: dict[str, Any]) -> None:
    """Update the run's row, which must still be this run: a run deleted from the store, or a
    database replaced under a live run, must never receive its rows (a fresh database reuses
    row numbers)."""
    sets = ", ".join(f"{k}=?" for k in fields)
    cur = conn.execute(f"UPDATE runs SET {sets} WHERE rid=? AND id=?",
                       (*fields.values(), channel.rid, channel.run_id))
    if cur.rowcount != 1:
        raise StoreDown(f"run {channel.run_id!r} is no longer in this store (deleted, or the "
                        "database was replaced)")


def _try_insert(store: Store, conn: Any, rid: int, chunks: list, wall: float) -> str | None:
    """Insert under a savepoint; the reason it failed (one value's fault), or None."""
    conn.execute("SAVEPOINT one")
    try:
        store.write_batch(conn, rid, chunks, wall)
    except Exception as exc:
        conn.execute("ROLLBACK TO one")
        conn.execute("RELEASE one")
        if setaside.store_wide(exc):
            raise
        return setaside.reason(exc)
    conn.execute("RELEASE one")
    return None


def _remember(channel: Channel, unstored: list) -> None:
    if unstored:
        channel.unstored_count += len(unstored)
        room = 20 - len(channel.unstored)
        channel.unstored.extend(unstored[:max(0, room)])
        keys = ", ".join(sorted({u["key"] for u in unstored})[:5])
        print(f"nbrun: {len(unstored)} value(s) of keys {keys} could not be stored and were set "
              f"aside; every other value was written ({unstored[0]['reason']})", file=sys.stderr)


def _dropped(channel: Channel) -> str:
    if not channel.dropped:
        return ""
    return f"; {channel.dropped} rows logged past the {BACKLOG_ROWS:,}-row backlog were dropped"


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


def current_writer() -> Writer | None:
    """This process's writer if it has one (not one inherited through fork)."""
    return _writer if _writer is not None and _writer.pid == os.getpid() else None


def _after_fork_in_child() -> None:
    # Locks held by the parent's threads at the moment of the fork would never be released
    # in the child.
    global _writer_lock
    _writer_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
