"""The background encoder: one thread per process turns the media values ``log()`` queued into
files and commits them.

``log()`` only queues a media value (already a private copy) with its key and step; this thread
encodes it (PNG, WAV, GIF/MP4, table JSON), writes its files content-addressed into the run's
folder (``store.mediafiles``) and commits, in one transaction, the index rows and the history
points referring to them (``store.mediaindex``). A row of the same step went to the writer
(``sdk.run``); the encoder commits only once the writer has committed the run past that step,
so the run's last step (where a resume starts) never lags a stored media value.

Memory is bounded: past ``BACKLOG_BYTES`` of queued data ``log()`` waits for the encoder (up to
``WAIT_FOR_ROOM_S``; past that the value is set aside). A value that cannot be encoded is set
aside and recorded on the run (``record.unstored``); it never stops the others or the writer.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import OrderedDict, deque
from typing import Any, NamedTuple

from ..sdk.run import channel_of, store_and_rid
from ..store import get_writer, mediafiles, mediaindex, setaside

BACKLOG_BYTES = 128 << 20
WAIT_FOR_ROOM_S = 60.0
BATCH_ITEMS = 512
# A batch gathers what is logged within this (unless a finish() waits, or much is queued):
# few batches mean few commits, and few cycles forced on the writer (see _await_rows).
GATHER_S = 0.2
CACHE_ITEMS = 256
AWAIT_ROWS_S = 30.0  # the writer's rows of a step normally come within a cycle
BACKOFF_MAX_S = 5.0
FINISH_RETRY_S = 10.0


class Job(NamedTuple):
    state: "RunMedia"
    key: str
    step: int
    value: Any  # a Media, or None for a value set aside before it was queued
    nbytes: int
    reason: str = ""


class RunMedia:
    """What the encoder keeps for one run: its place in the store, its newest committed
    reference per key (for the summary), its counts and the cache of encoded values."""

    def __init__(self, run: Any) -> None:
        self.store, self.rid = store_and_rid(run)
        self.run_id = run.id
        self.dir = run.dir
        self.channel = channel_of(run)
        self.committed: dict[str, dict[str, Any]] = {}
        self.queued = 0
        self.done = 0
        self.failure: str | None = None
        self.failing_since = 0.0
        self.safe_step = -1  # the writer has committed this run's rows up to here
        self.cache: OrderedDict[bytes, dict[str, Any]] = OrderedDict()


class RunFiles:
    """``base.Files`` for one run folder."""

    def __init__(self, run_dir: str) -> None:
        self.run_dir = run_dir

    def put(self, data: bytes, subdir: str, ext: str) -> dict[str, Any]:
        stored = mediafiles.put(self.run_dir, data, subdir, ext)
        return {"path": stored.path, "sha256": stored.sha256, "size": stored.size}


class Encoder:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self._jobs: deque[Job] = deque()
        self._bytes = 0
        self._waiting = 0  # finish() calls waiting for their run's media
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="nbrun-media", daemon=True)
        self._thread.start()

    @property
    def queued_bytes(self) -> int:
        """Data held by queued values and the batch being stored."""
        return self._bytes

    def put(self, state: RunMedia, key: str, step: int, value: Any) -> None:
        """Queue ``value``; waits while the queue holds ``BACKLOG_BYTES``. A value still
        without room after ``WAIT_FOR_ROOM_S`` is set aside instead."""
        nbytes = max(1, int(value.nbytes))
        with self._cond:
            deadline = time.monotonic() + WAIT_FOR_ROOM_S
            while self._bytes and self._bytes + nbytes > BACKLOG_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    job = Job(state, key, step, None, 0,
                              f"the media encoder was {self._bytes / 2**20:.0f} MB behind for "
                              f"{WAIT_FOR_ROOM_S:.0f} s")
                    break
                self._cond.wait(left)
            else:
                job = Job(state, key, step, value, nbytes)
            self._jobs.append(job)
            self._bytes += job.nbytes
            state.queued += 1
            if len(self._jobs) == 1 or self._full():  # otherwise the encoder is gathering
                self._cond.notify_all()

    def _full(self) -> bool:
        return self._bytes >= BACKLOG_BYTES // 2 or len(self._jobs) >= BATCH_ITEMS

    def wait(self, state: RunMedia) -> None:
        """Until every value queued for the run is stored or set aside; gives up (with a
        message) when the store has been failing for ``FINISH_RETRY_S``."""
        with self._cond:
            self._waiting += 1
            self._cond.notify_all()
            try:
                while state.done < state.queued:
                    if state.failure is not None and \
                            time.time() - state.failing_since > FINISH_RETRY_S:
                        print(f"nbrun: {state.queued - state.done} media value(s) of run "
                              f"{state.run_id} could not be stored yet ({state.failure}); "
                              "retried until this process exits", file=sys.stderr)
                        return
                    self._cond.wait(0.5)
            finally:
                self._waiting -= 1

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                deadline = time.monotonic() + GATHER_S
                while not self._waiting and not self._full():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                batch = [self._jobs.popleft() for _ in range(min(BATCH_ITEMS, len(self._jobs)))]
            runs: dict[int, list[Job]] = {}
            for job in batch:
                runs.setdefault(id(job.state), []).append(job)
            for jobs in runs.values():
                try:
                    self._store_run(jobs[0].state, jobs)
                except Exception as exc:  # a bug: report it, never leave a finish() waiting
                    print(f"nbrun: the media encoder hit an error ({exc!r}); "
                          f"{len(jobs)} media value(s) were not stored", file=sys.stderr)
                with self._cond:
                    self._bytes -= sum(j.nbytes for j in jobs)
                    jobs[0].state.done += len(jobs)
                    self._cond.notify_all()

    # -- one run's part of a batch --------------------------------------------------------------
    def _store_run(self, state: RunMedia, jobs: list[Job]) -> None:
        files = RunFiles(state.dir)
        done: list[tuple[Job, dict[str, Any]]] = []
        unstored: list[dict[str, Any]] = []
        for job in jobs:
            if job.value is None:
                unstored.append(setaside.item(job.key, job.step, job.reason))
                continue
            try:
                done.append((job, _encode(state, job.value, files)))
            except Exception as exc:
                unstored.append(setaside.item(
                    job.key, job.step, f"{job.value.kind}: {setaside.reason(exc)}"))
        entries: list[mediaindex.Entry] = []
        points: dict[str, tuple[list[int], list[Any]]] = {}
        references = []
        for job, descriptor in done:
            meta = {k: v for k, v in descriptor.items() if k not in ("_type", "path", "size")}
            reference = {k: v for k, v in descriptor.items() if k != "files"}
            steps, refs = points.setdefault(job.key, ([], []))
            steps.append(job.step)
            refs.append(reference)
            references.append(reference)
            entries.extend(_entries(job, descriptor, meta))
        self._await_rows(state, max(j.step for j in jobs))
        if not self._commit(state, entries, points, unstored):
            return
        for (job, descriptor), reference in zip(done, references):
            state.committed[job.key] = reference  # in log order: the newest wins
            if "path" in descriptor and hasattr(job.value, "path"):
                job.value.path = os.path.join(state.dir, *descriptor["path"].split("/"))
        channel = state.channel
        with channel.lock:
            channel.summary_dirty = True
        if unstored:
            channel.unstored_count += len(unstored)
            room = 20 - len(channel.unstored)
            channel.unstored.extend(unstored[:max(0, room)])
            keys = ", ".join(sorted({u["key"] for u in unstored})[:5])
            print(f"nbrun: {len(unstored)} media value(s) of keys {keys} could not be stored "
                  f"and were set aside ({unstored[0]['reason']})", file=sys.stderr)

    def _await_rows(self, state: RunMedia, top: int) -> None:
        """Until the writer has committed the run's rows up to step ``top``."""
        deadline = time.monotonic() + AWAIT_ROWS_S
        writer = get_writer()
        channel = state.channel
        while state.safe_step < top and not channel.discarded and channel.failure is None \
                and time.monotonic() < deadline:
            seen = channel.last_step  # set by the writer before its commit...
            writer.flush(timeout=1.0)  # ...which a cycle begun after this call follows
            state.safe_step = max(state.safe_step, seen)

    def _commit(self, state: RunMedia, entries: list, points: dict, unstored: list) -> bool:
        """Commit, retrying while the store cannot be written; False when the run is gone."""
        backoff = 0.0
        while True:
            try:
                with state.store.transaction() as conn:
                    mediaindex.commit(conn, state.rid, state.run_id, entries, points,
                                      time.time(), unstored, state.store)
            except mediaindex.RunGone:
                return False
            except Exception as exc:
                state.store.drop_connection()
                if state.failure is None:
                    state.failing_since = time.time()
                    print(f"nbrun: media of run {state.run_id} cannot be stored yet "
                          f"({setaside.reason(exc)}); retrying", file=sys.stderr)
                state.failure = setaside.reason(exc)
                backoff = min(BACKOFF_MAX_S, max(0.2, backoff * 2))
                time.sleep(backoff)
                continue
            state.failure = None
            return True


def _encode(state: RunMedia, value: Any, files: RunFiles) -> dict[str, Any]:
    key = value.cache_key()
    if key is not None:
        cached = state.cache.get(key)
        if cached is not None:
            state.cache.move_to_end(key)
            return cached
    descriptor = value.serialize(files)
    if key is not None:
        state.cache[key] = descriptor
        if len(state.cache) > CACHE_ITEMS:
            state.cache.popitem(last=False)
    return descriptor


def _entries(job: Job, descriptor: dict[str, Any], meta: dict[str, Any]
             ) -> list[mediaindex.Entry]:
    if descriptor["_type"] != "gallery":
        return [mediaindex.Entry(job.key, job.step, 0, descriptor["_type"],
                                 descriptor.get("path"), descriptor.get("size", 0), meta)]
    items = descriptor["items"]
    return [mediaindex.Entry(job.key, job.step, i, "image", item.get("path"),
                             item.get("size", 0),
                             {**{k: v for k, v in item.items()
                                 if k not in ("_type", "path", "size")}, "gallery": len(items)})
            for i, item in enumerate(items)]


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def get_encoder() -> Encoder:
    """This process's encoder (a forked child gets its own)."""
    global _encoder
    if _encoder is None or _encoder.pid != os.getpid():
        with _encoder_lock:
            if _encoder is None or _encoder.pid != os.getpid():
                _encoder = Encoder()
    return _encoder


def _after_fork_in_child() -> None:
    global _encoder_lock
    _encoder_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
