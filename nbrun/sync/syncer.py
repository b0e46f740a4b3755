"""The one syncer thread of a process: it tails the store of every online run of the process
and sends what the writer committed (never the in-memory queue) to the run's server.

A run is synced by one process at a time (a lease in the store), so ``nbrun sync`` and a live
run never send the same range. A failed pass is retried with exponential backoff and jitter;
the run goes on locally meanwhile and catches up when the server returns.
"""

from __future__ import annotations

import os
import random
import shlex
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ..errors import AuthenticationError
from ..store import Store
from ..store import location, syncstate
from ..store.liveness import me
from . import credentials, transport
from .client import Client
from .credentials import Credentials
from .runsync import LeaseLost, RunSync

INTERVAL_S = 1.0  # how often a live run's new history goes out
PASS_WINDOWS = 10  # a pass sends at most this many windows of batches, then the next run's turn
FILES_EVERY_S = 10.0  # how often a live run's folder is looked at for new or changed files
MAX_BACKOFF_S = 30.0
EXIT_WAIT_S = 30.0  # at interpreter exit, how long to wait for runs to reach the server
EXIT_RETRY_S = 2.0  # during that wait, a run whose pass failed is tried again this soon
STOP_GRACE_S = 5.0  # then how long the batches already on their way may take to be recorded

_clients: dict[tuple[str, str | None, Credentials | None, bool | str], Client] = {}
_clients_lock = threading.Lock()


def client_for(base_url: str, anonymous: str | None, ca_bundle: str | None = None) -> Client:
    """One client (one keep-alive session) per server, anonymity, credentials and TLS trust,
    per process (credentials changed meanwhile, e.g. after `nbrun login`, get a client of
    their own)."""
    key = (base_url.rstrip("/"), anonymous, credentials.resolve(base_url.rstrip("/"), anonymous),
           transport.verify_option(ca_bundle))
    with _clients_lock:
        if key not in _clients or _clients[key].pid != os.getpid():
            client = Client(base_url, anonymous, ca_bundle=ca_bundle)
            client.pid = os.getpid()  # type: ignore[attr-defined]
            _clients[key] = client
        return _clients[key]


def owner() -> str:
    return syncstate.owner_id(*me())


@dataclass
class _Entry:
    store: Store
    rid: int
    run_id: str
    work: RunSync
    on_url: Callable[[str], None] | None = None
    due: float = 0.0
    backoff: float = 1.0
    files_at: float = 0.0
    finished: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    url_told: bool = False


class Syncer:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.owner = owner()
        self._entries: dict[tuple[str, int], _Entry] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._exiting = False  # the exit wait is on: failed passes are retried within it
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nbrun-syncer", daemon=True)
        self._thread.start()

    def add(self, store: Store, rid: int, run_id: str, base_url: str, anonymous: str | None,
            redact_pattern: str | None = None,
            on_url: Callable[[str], None] | None = None, ca_bundle: str | None = None) -> None:
        work = RunSync(store, rid, client_for(base_url, anonymous, ca_bundle), self.owner,
                       redact_pattern)
        with self._lock:
            self._entries[(store.db_path, rid)] = _Entry(store, rid, run_id, work, on_url)
        self._wake.set()

    def finished(self, store: Store, rid: int) -> None:
        """The run's final state is in the store: send it now, not at the next tick."""
        entry = self._entries.get((store.db_path, rid))
        if entry is not None:
            entry.finished = True
            entry.due = 0.0
            self._wake.set()

    def wait(self, timeout: float) -> list[_Entry]:
        """Wait for finished runs to reach the server, trying again at once and then every few
        seconds any run whose last pass failed (the server may be back); those still behind."""
        deadline = time.monotonic() + timeout
        self._exiting = True
        with self._lock:
            entries = [e for e in self._entries.values() if e.finished]
        for entry in entries:
            entry.due = 0.0  # a run backing off after a failure is not left waiting
        self._wake.set()
        try:
            while time.monotonic() < deadline:
                waiting = [e for e in entries if not e.done.is_set()]
                if not waiting:
                    break
                waiting[0].done.wait(min(0.2, max(0.0, deadline - time.monotonic())))
        except KeyboardInterrupt:  # Ctrl-C ends the wait; what is left is named all the same
            pass
        return [e for e in entries if not e.done.is_set()]

    def stop(self, grace: float) -> bool:
        """Stop sending once the window on its way is recorded, and let go of the runs, so
        `nbrun sync` goes on from a clean stop (no reading back from the server); False when
        the window did not end within ``grace`` seconds (the next sender reconciles)."""
        self._stopping.set()
        self._wake.set()
        return self._stopped.wait(grace)

    def _loop(self) -> None:
        try:
            self._run()
        finally:
            for entry in list(self._entries.values()):
                try:
                    syncstate.release(entry.store, entry.rid, self.owner)
                except Exception:
                    pass
            self._stopped.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(INTERVAL_S)
            self._wake.clear()
            with self._lock:
                entries = list(self._entries.items())
            now = time.monotonic()
            for key, entry in entries:
                if self._stopping.is_set():
                    return
                if entry.due > now:
                    continue
                try:
                    complete = self._pass(entry, now)
                except Exception as exc:  # the thread outlives any failure of one run
                    self._failed(entry, exc)
                    continue
                entry.backoff = 1.0
                if complete and entry.finished:
                    syncstate.release(entry.store, entry.rid, self.owner)
                    entry.done.set()
                    with self._lock:
                        if self._entries.get(key) is entry:
                            del self._entries[key]

    def _pass(self, entry: _Entry, now: float) -> bool:
        state, _orphaned = syncstate.claim(entry.store, entry.rid, self.owner,
                                           entry.work.client.base_url)
        if state is None:  # `nbrun sync` holds it: look again later
            entry.due = now + 2.0
            return False
        if _orphaned:
            entry.work.reconcile = True
        files = entry.finished or now - entry.files_at >= FILES_EVERY_S
        if files:
            entry.files_at = now
        # At exit, one window a pass: the wait can stop between two windows, cleanly.
        complete = entry.work.run_pass(files=files, budget=1 if self._exiting else PASS_WINDOWS)
        if entry.work.more:
            self._wake.set()  # a backlog: go on at once, after the other runs
        if not entry.url_told and entry.on_url is not None:
            state = syncstate.get(entry.store, entry.rid)
            if state is not None and state.url:
                entry.on_url(state.url)
                entry.url_told = True
        return complete

    def _failed(self, entry: _Entry, exc: Exception) -> None:
        if isinstance(exc, LeaseLost):
            entry.due = time.monotonic() + 2.0
            return
        try:
            entry.work.record_error(exc)
        except Exception:
            pass
        entry.work.reconcile = True  # a batch may have reached the server unrecorded
        delay = entry.backoff * (0.5 + random.random())
        if self._exiting:
            delay = min(delay, EXIT_RETRY_S)
        entry.backoff = min(entry.backoff * 2, MAX_BACKOFF_S)
        entry.due = time.monotonic() + delay
        if isinstance(exc, AuthenticationError):
            entry.backoff = MAX_BACKOFF_S


_syncer: Syncer | None = None
_syncer_lock = threading.Lock()


def get_syncer() -> Syncer:
    """This process's syncer thread, started on first use (a forked child gets its own)."""
    global _syncer
    if _syncer is None or _syncer.pid != os.getpid():
        with _syncer_lock:
            if _syncer is None or _syncer.pid != os.getpid():
                _syncer = Syncer()
    return _syncer


def behind_message(entries: list[_Entry], waited: float) -> str:
    """What the exit wait left: the runs, how far behind, why, and the command that sends the
    rest (with the store's folder when ``nbrun`` would not find it from the working folder)."""
    lines = []
    for entry in entries:
        try:
            st = syncstate.status_of(entry.store, entry.rid) or {}
        except Exception:  # the store itself failing: the run and the command still help
            st = {}
        if st.get("behind"):
            detail = f"{st['behind']} point{'s' if st['behind'] != 1 else ''} behind"
        elif st.get("artifacts_behind"):
            detail = f"{st['artifacts_behind']} artifact versions or uses behind"
        elif st.get("server_run_id"):
            detail = "its final state pending"
        else:
            detail = "no server run yet"
        if st.get("last_error"):
            detail += f"; last error: {st['last_error']}"
        lines.append(f"nbrun: run {entry.run_id} is not yet fully on the tracking server after "
                     f"{waited:.0f} s ({detail})")
    by_root: dict[str, list[str]] = {}
    for entry in entries:
        by_root.setdefault(entry.store.root, []).append(entry.run_id)
    for root, run_ids in by_root.items():
        try:
            here = location.store_root() == root
        except Exception:  # unreadable settings: name the folder, which always works
            here = False
        where = "" if here else f" --dir {shlex.quote(root)}"
        lines.append(f"nbrun: `nbrun{where} sync {' '.join(run_ids)}` sends the rest")
    return "\n".join(lines)


def exit_wait() -> None:
    """At interpreter exit, once the sdk finished the runs (``plugin.exiting``): wait for them
    to reach the server, then name what is left. The syncer's sends run on threads of its own,
    which go on during interpreter shutdown."""
    syncer = _syncer
    if syncer is None or syncer.pid != os.getpid():
        return
    started = time.monotonic()
    behind = syncer.wait(EXIT_WAIT_S)
    if behind:
        syncer.stop(STOP_GRACE_S)
        print(behind_message(behind, time.monotonic() - started), file=sys.stderr)
