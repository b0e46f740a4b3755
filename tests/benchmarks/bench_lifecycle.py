#!/usr/bin/env python
"""Benchmark rewinding and forking a long run.

Run:  python tests/benchmarks/bench_lifecycle.py [--steps N] [--reps R]

Not a pytest test (no test_ names, no assertions): it builds a run of N steps (default
1,000,000) with 3 scalar keys in a temporary store, then times ``nbrun.init()`` alone for
(a) ``resume_from="<id>?_step=N/2"`` and (b) ``fork_from="<id>?_step=N/2"``, and prints the
seconds against the target (under 2 s each) with met/missed.

Each measurement runs on a fresh copy of the source store: a rewind sets half the history
aside and a fork splits the source's chunks at the cut, so measuring one after the other on the
same store would make the second one cheaper than it is for a user.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout, not an install

import nbrun  # noqa: E402

TARGET_S = 2.0
RUN_ID = "benchsrc"
PROJECT = "bench"


def build_source(root: str, steps: int) -> float:
    """The source run: ``steps`` steps of 3 scalars, finished. Returns seconds taken."""
    t0 = time.perf_counter()
    run = nbrun.init(dir=root, mode="offline", project=PROJECT, id=RUN_ID,
                     config={"lr": 1e-3, "batch": 32}, reinit="create_new")
    log = run.log
    for i in range(steps):
        log({"loss": 1.0 / (i + 1), "acc": i * 1e-6, "lr": 1e-3})
    run.finish()
    return time.perf_counter() - t0


def copy_store(src_root: str, dst_root: str) -> None:
    """A consistent copy of the database (SQLite's backup API, WAL included) and run folders."""
    os.makedirs(os.path.join(dst_root, ".nbrun", "runs", RUN_ID))
    src = sqlite3.connect(os.path.join(src_root, ".nbrun", "nbrun.db"))
    dst = sqlite3.connect(os.path.join(dst_root, ".nbrun", "nbrun.db"))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def time_init(root: str, cut: int, **kwargs) -> float:
    """Seconds for init() alone; the run is finished afterwards, outside the timing, and checked
    to continue after the cut (a fast but wrong init would be no result)."""
    t0 = time.perf_counter()
    run = nbrun.init(dir=root, mode="offline", project=PROJECT, reinit="create_new", **kwargs)
    elapsed = time.perf_counter() - t0
    run.finish()
    rec = nbrun.Api(root).run(run.id)
    if (run.starting_step, rec.last_step) != (cut + 1, cut):
        print(f"  WRONG: {kwargs} gave starting_step {run.starting_step}, last_step "
              f"{rec.last_step}; expected {cut + 1} and {cut}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3,
                        help="measurements per operation, each on a fresh copy (median shown)")
    args = parser.parse_args()
    cut = args.steps // 2
    moment = f"{RUN_ID}?_step={cut}"

    with tempfile.TemporaryDirectory(prefix="nbrun-bench-lifecycle-") as tmp:
        source = os.path.join(tmp, "source")
        os.makedirs(source)
        built = build_source(source, args.steps)
        with sqlite3.connect(os.path.join(source, ".nbrun", "nbrun.db")) as conn:
            chunks = conn.execute("SELECT COUNT(*) FROM series").fetchone()[0]
        print(f"source run: {args.steps:,} steps x 3 keys in {chunks:,} chunks, "
              f"built in {built:.1f} s; cut at step {cut:,}")

        results = {}
        for label, kwargs in (("(a) init(resume_from=...)", {"resume_from": moment}),
                              ("(b) init(fork_from=...)", {"fork_from": moment})):
            times = []
            for rep in range(args.reps):
                root = os.path.join(tmp, f"copy-{len(results)}-{rep}")
                copy_store(source, root)
                times.append(time_init(root, cut, **kwargs))
            results[label] = times

    print()
    print(f"{'operation':<28}{'median s':>10}{'min s':>9}{'max s':>9}   target")
    for label, times in results.items():
        median = statistics.median(times)
        verdict = "met" if median < TARGET_S else "MISSED"
        print(f"{label:<28}{median:>10.3f}{min(times):>9.3f}{max(times):>9.3f}   "
              f"< {TARGET_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
