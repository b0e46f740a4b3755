"""The background thread that samples system metrics for one run and stores each sample.

It never touches ``log()``'s path: it has its own thread and its own store connection, and a
sample is one small transaction every few seconds. Samples the store refuses (a full disk) wait
in memory, a bounded number of them, and are stored with the next ones.
"""

from __future__ import annotations

import sys
import threading
import time

from ...store import Store
from ...store import system as stored
from .probe import Probe

FINAL_AFTER_S = 1.0  # at finish, one last sample when the previous one is at least this old
MAX_WAITING = 1000  # samples kept while the store refuses them (an oldest one is dropped)


class Sampler(threading.Thread):
    def __init__(self, store: Store, rid: int, run_id: str, interval: float) -> None:
        super().__init__(name=f"nbrun-system-{run_id}", daemon=True)
        self.store = store
        self.rid = rid
        self.run_id = run_id
        self.interval = interval
        self.stopping = threading.Event()
        self.waiting: list[tuple[float, dict[str, float]]] = []
        self.stored = 0  # samples stored so far
        self.dropped = 0  # samples dropped while the store refused them
        self.cpu_seconds = 0.0  # this thread's CPU time (tests/benchmarks read it)
        self.gpu_status = ""  # why no GPU is sampled, or how many are
        self._complained = False

    def run(self) -> None:
        try:
            probe = Probe(self.store.path)
        except Exception as exc:  # psutil missing or broken: the run goes on without samples
            print(f"nbrun: run {self.run_id}: system metrics are off ({exc})", file=sys.stderr)
            return
        self.gpu_status = probe.gpu_status
        seq = 0
        try:
            if self.store.file_problem() is None:  # opening a deleted one would recreate it
                seq = stored.next_seq(self.store, self.rid)
        except Exception:
            pass
        last = time.monotonic()
        self.cpu_seconds = time.thread_time()
        try:
            while not self.stopping.wait(max(0.0, last + self.interval - time.monotonic())):
                last = time.monotonic()
                seq = self._take(probe, seq)
            if time.monotonic() - last >= FINAL_AFTER_S:
                seq = self._take(probe, seq)
        finally:
            probe.close()
            self.cpu_seconds = time.thread_time()
        if self.waiting:
            print(f"nbrun: run {self.run_id}: {len(self.waiting)} system-metric sample(s) "
                  "could not be stored", file=sys.stderr)

    def _take(self, probe: Probe, seq: int) -> int:
        self.waiting.append((time.time(), probe.read()))
        if len(self.waiting) > MAX_WAITING:
            del self.waiting[0]
            self.dropped += 1
        problem = self.store.file_problem()
        if problem is not None:  # never write a store that was deleted or replaced under us
            if not self._complained:
                self._complained = True
                print(f"nbrun: run {self.run_id}: system metrics wait in memory, the store's "
                      f"database was {problem}", file=sys.stderr)
            return seq
        try:
            seq = stored.append(self.store, self.rid, self.waiting, seq)
        except Exception as exc:
            if not self._complained:
                self._complained = True
                print(f"nbrun: run {self.run_id}: system metrics wait in memory, the store "
                      f"refused them ({exc})", file=sys.stderr)
            self.store.drop_connection()
            return seq
        self.stored += len(self.waiting)
        self.waiting = []
        self.cpu_seconds = time.thread_time()
        return seq

    def stop(self, timeout: float = 5.0) -> None:
        """Take the last sample and store what is waiting (``finish()`` waits for this)."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)
