#!/usr/bin/env python
"""What the sidebar's alerts cost the server: the runs list's mark (``alerts.marks``, one query
per page of runs) and the notification poll (``alerts.since``, every 3 s while a page is open).

Run:  python tests/benchmarks/bench_alerts.py [--alerts 50000] [--runs 10000] [--reps 50]

Not a pytest test: it prints figures. The store gets one real run (nbrun.init), copied to ``--runs``
runs, and ``--alerts`` alert rows spread over them, written in one transaction (as many
run.alert() calls would leave them); each figure is the median of ``--reps`` calls.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

import nbrun
from nbrun.store import alerts
from nbrun.store.database import Store


def median_ms(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        run = nbrun.init(dir=root, mode="offline", project="bench")
        run.alert("real", "one real alert", level="WARN")
        run.finish()
        store = Store(root)
        # --runs copies of the real run (new rid and id each), so the join has runs to walk.
        cols = [r[1] for r in store.conn.execute("PRAGMA table_info(runs)")]
        picked = ", ".join("n.x" if c == "rid" else "'r' || n.x" if c == "id" else c
                           for c in cols)
        with store.transaction() as conn:
            conn.execute(f"WITH RECURSIVE n(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM n "
                         f"WHERE x < ?) INSERT INTO runs ({', '.join(cols)}) "
                         f"SELECT {picked} FROM runs, n WHERE runs.rid = 1", (args.runs,))
        now = time.time()
        rows = [(random.randrange(1, args.runs + 1), now - random.random() * 86400, i,
                 random.choice(alerts.LEVELS), f"title {i}", "text", 0)
                for i in range(args.alerts)]
        with store.transaction() as conn:
            conn.executemany("INSERT INTO alerts (rid, at, step, level, title, body, "
                             "suppressed) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        page = random.sample(range(1, args.runs + 1), 200)
        marks = median_ms(lambda: alerts.marks(store, page), args.reps)
        since = median_ms(lambda: alerts.since(store, time.time() - 5, 50), args.reps)
        print(f"{args.alerts} alerts over {args.runs} runs:")
        print(f"  runs list mark, a page of 200 runs (alerts.marks): {marks:.2f} ms")
        print(f"  notification poll, alerts of the last 5 s (alerts.since): {since:.2f} ms")


if __name__ == "__main__":
    main()
