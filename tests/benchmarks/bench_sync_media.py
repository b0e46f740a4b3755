#!/usr/bin/env python
"""Benchmark sending media to a real MLflow server on the loopback (SQLite backend).

Run:  python tests/benchmarks/bench_sync_media.py [--images N] [--tables N] [--side PX]

Not a pytest test. Prints, for the same values on the same server:
1. images per second: an offline nbrun run of N images (PX x PX RGB) at N steps sent by one
   sync pass (full PNG, compressed WebP copy, tags, the record in the store), next to MLflow's
   own ``MlflowClient.log_image(key=, step=)`` of the same arrays;
2. tables per second: N 100-row x 5-column tables, nbrun's sync pass next to
   ``MlflowClient.log_table`` (one artifact file per table, as nbrun sends them).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))  # this checkout, not an install
sys.path.insert(0, str(HERE.parents[1]))  # tests/: the MLflow server helper

import numpy as np  # noqa: E402

import nbrun  # noqa: E402
from mlflow_server import start_mlflow  # noqa: E402
from nbrun.store import Store, syncstate  # noqa: E402
from nbrun.sync import runsync, syncer  # noqa: E402


def arrays(n: int, side: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (side, side, 3), dtype=np.uint8) for _ in range(n)]


def rows(i: int) -> list[list]:
    return [[i, r, r * 0.5, f"text {r}", bool(r % 2)] for r in range(100)]


def nbrun_pass(root: str, run_id: str, url: str) -> float:
    store = Store(root)
    rid = syncstate.rid_of(store, run_id)
    me = syncer.owner()
    syncstate.claim(store, rid, me, url)
    work = runsync.RunSync(store, rid, syncer.client_for(url, None), me)
    start = time.perf_counter()
    work.run_pass()
    took = time.perf_counter() - start
    syncstate.release(store, rid, me)
    assert syncstate.status_of(store, rid)["media_behind"] == 0
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--tables", type=int, default=50)
    ap.add_argument("--side", type=int, default=64)
    args = ap.parse_args()
    from mlflow.tracking import MlflowClient

    with tempfile.TemporaryDirectory() as tmp:
        server = start_mlflow(Path(tmp) / "mlflow")
        try:
            client = MlflowClient(server.url)
            eid = client.create_experiment("bench-media")
            imgs = arrays(args.images, args.side)
            root = str(Path(tmp) / "store")

            run = nbrun.init(dir=root, mode="offline", project="bench-media", id="img")
            for step, arr in enumerate(imgs):
                run.log({"img": nbrun.Image(arr)}, step=step)
            run.finish()
            ours = nbrun_pass(root, "img", server.url)
            ref = client.create_run(eid).info.run_id
            start = time.perf_counter()
            for step, arr in enumerate(imgs):
                client.log_image(ref, arr, key="img", step=step)
            theirs = time.perf_counter() - start
            print(f"images {args.side}x{args.side}, {args.images}: nbrun sync "
                  f"{args.images / ours:,.1f}/s ({ours:.2f} s); MLflow log_image "
                  f"{args.images / theirs:,.1f}/s ({theirs:.2f} s); "
                  f"ratio {theirs / ours:.2f}x")

            run = nbrun.init(dir=root, mode="offline", project="bench-media", id="tab")
            columns = ["i", "r", "half", "text", "odd"]
            for i in range(args.tables):
                run.log({"tab": nbrun.Table(columns=columns, data=rows(i))}, step=i)
            run.finish()
            ours = nbrun_pass(root, "tab", server.url)
            import pandas as pd

            ref = client.create_run(eid).info.run_id
            start = time.perf_counter()
            for i in range(args.tables):
                client.log_table(ref, pd.DataFrame(rows(i), columns=columns),
                                 f"tables/tab/step-{i}.json")
            theirs = time.perf_counter() - start
            print(f"tables 100x5, {args.tables}: nbrun sync {args.tables / ours:,.1f}/s "
                  f"({ours:.2f} s); MLflow log_table {args.tables / theirs:,.1f}/s "
                  f"({theirs:.2f} s); ratio {theirs / ours:.2f}x")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
