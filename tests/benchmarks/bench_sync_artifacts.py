#!/usr/bin/env python
"""Benchmark sending a big artifact file to a real MLflow server on the loopback.

Run:  python tests/benchmarks/bench_sync_artifacts.py [--size-mb 512]

Not a pytest test. An offline run logs one ``--size-mb`` file of random bytes as a dataset
artifact; then, each in a fresh child process (whose peak RSS is the whole process:
interpreter, nbrun or MLflow, buffers):
1. ``nbrun sync RUN``: the file streamed from the object store to the run's artifacts;
2. MLflow's own ``MlflowClient.log_artifact`` of the same file to another run.
Prints the time, MB/s and peak RSS of each: the upload is streamed (the file is never read
whole), so nbrun's RSS stays far under the file's size.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))  # this checkout, not an install
sys.path.insert(0, str(HERE.parents[1]))  # tests/: the MLflow server helper

from mlflow_server import start_mlflow  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def timed_child(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a child process running ``code``."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child failed with {proc.returncode}")
    return took, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=512)
    args = ap.parse_args()
    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / "big.bin"
        with open(big, "wb") as fh:
            for _ in range(args.size_mb):
                fh.write(os.urandom(1024 * 1024))
        store = folder / "store"
        store.mkdir()
        subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
            import nbrun
            run = nbrun.init(dir={str(store)!r}, project="bench", id="big", mode="offline")
            run.log_artifact({str(big)!r}, name="big", type="dataset")
            run.finish()
            """)], env=ENV, check=True)
        server = start_mlflow(folder / "mlflow")
        try:
            nb_s, nb_rss = timed_child(f"""
                import sys
                from nbrun.cli import main
                sys.exit(main(["--dir", {str(store)!r}, "sync", "big"]))
                """, {**ENV, "NBRUN_BASE_URL": server.url})
            ml_s, ml_rss = timed_child(f"""
                from mlflow.tracking import MlflowClient
                client = MlflowClient({server.url!r})
                eid = client.create_experiment("bench-mlflow")
                run = client.create_run(eid)
                client.log_artifact(run.info.run_id, {str(big)!r}, "artifacts/big/v0")
                """, ENV)
        finally:
            server.stop()
    mb = size / 1e6
    print(f"file: {args.size_mb} MiB; load: {os.getloadavg()[0]:.1f}")
    print(f"nbrun sync (with server run, tags, state): {nb_s:6.2f} s  {mb / nb_s:7.1f} MB/s  "
          f"peak RSS {nb_rss:6.1f} MB")
    print(f"MlflowClient.log_artifact:                  {ml_s:6.2f} s  {mb / ml_s:7.1f} MB/s  "
          f"peak RSS {ml_rss:6.1f} MB")


if __name__ == "__main__":
    main()
