#!/usr/bin/env python
"""Benchmark the server extension through a real Jupyter server over HTTP on 127.0.0.1.

Run:  python tests/benchmarks/bench_server.py [--runs 10000] [--points 1000000] [--reps 20]

Not a pytest test (no test_ names, no assertions): it prints figures and whether they meet the
targets. It builds a store of ``--runs`` runs (inserted in one transaction, with tags, notes,
summaries, a few hidden), a run with ``--points`` logged steps (through ``run.log``), starts
``jupyter server`` as a child process with a token and this extension enabled, and times:

- a page of 100 runs (``GET /nbrun/api/runs``), several filters and sorts; target 50 ms
- the runs table's heavier asks: sorted by a config key and filtered by a ``where``
  expression, grouped by a config key, config columns, ``q`` over config; and
  ``GET /nbrun/api/keys``; target 50 ms too
- the history of the long run downsampled to 1000 points; target 100 ms

Each figure is the median of ``--reps`` requests over one kept-alive connection, after three
warm-up requests. The downsampling is also timed in-process with and without numpy.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

LIST_TARGET_MS = 50.0
HISTORY_TARGET_MS = 100.0
TOKEN = "nbrun-bench-token"
WARM_UP = 3  # first requests open connections and fill caches
WORDS = ["alpha", "beta", "gamma", "delta", "omega", "river", "quiet", "bold", "swift", "calm"]


def progress(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


# -- data --------------------------------------------------------------------------------------
def build_runs(root: Path, n: int) -> None:
    """n runs written straight into the store (init() per run would take minutes and is not
    what is measured here); fields as init() and the writer leave them."""
    from nbrun.store import Store
    from nbrun.store.liveness import me

    store = Store(str(root), create=True)
    host = me()[0]
    rng = random.Random(7)
    t0 = time.time() - n * 60
    with store.transaction() as conn:
        for i in range(n):
            created = t0 + i * 60
            tags = rng.sample(["cnn", "rnn", "baseline", "sweep", "ablation", "final", "tuned"],
                              rng.randint(0, 3))
            store.insert_run(conn, {
                "id": f"run{i:05d}", "name": f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}",
                "project": f"project-{i % 7}", "entity": None,
                "notes": f"try {i} with lr={rng.random():.4f}" if i % 3 == 0 else None,
                "tags": tags, "group": f"sweep-{i % 20}" if i % 2 else None,
                "job_type": "train",
                "config": {"lr": rng.random(), "layers": i % 8, "seed": i,
                           "optimizer": {"name": rng.choice(["adam", "sgd", "adamw"]),
                                         "momentum": rng.choice([0.9, 0.99, None])},
                           "data": {"path": f"/data/set-{i % 13}", "augment": i % 2 == 0}},
                "summary": {"loss": rng.random(), "acc": rng.random(), "epoch": i % 50},
                "state": rng.choice(["finished", "finished", "failed", "crashed"]),
                "exit_code": 0, "mode": "offline", "created_at": created,
                "updated_at": created + 30, "finished_at": created + 30,
                "heartbeat_at": created + 30, "host": host, "pid": 1, "pid_start": None,
                "program": "train.py", "last_step": 999, "settings": {},
            })
        conn.execute("UPDATE runs SET hidden=1 WHERE rid % 50 = 0")


def build_long_run(root: Path, points: int) -> str:
    import nbrun

    run = nbrun.init(dir=str(root), mode="offline", project="long", id="long-run")
    for i in range(points):
        run.log({"loss": 1.0 / (1 + i) + (5.0 if i % 100_003 == 0 else 0.0)})
    run.finish()
    return "long-run"


# -- the server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, config_dir: Path, port: int) -> subprocess.Popen:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"jpserver_extensions": {"nbrun.server": True}}}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir),
           "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
           f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={root}",
           f"--IdentityProvider.token={TOKEN}", "--ServerApp.port_retries=0",
           "--ServerApp.log_level=WARN"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, _ = request(http.client.HTTPConnection("127.0.0.1", port, timeout=5),
                                "/nbrun/api/stores")
            if status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"jupyter server exited:\n{proc.stderr.read()}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("jupyter server did not answer within 60 s")


def request(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Authorization": f"token {TOKEN}"})
    response = conn.getresponse()
    return response.status, response.read()


def timed(conn: http.client.HTTPConnection, path: str, reps: int) -> tuple[float, bytes]:
    """Median milliseconds of reps requests (after WARM_UP ones) and the last body."""
    for _ in range(WARM_UP):
        status, body = request(conn, path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {body[:300]!r}")
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        status, body = request(conn, path)
        times.append((time.perf_counter() - t0) * 1000)
        assert status == 200
    return statistics.median(times), body


def verdict(ms: float, target: float) -> str:
    return f"{ms:8.1f} ms  (target {target:.0f} ms: {'met' if ms <= target else 'MISSED'})"


# -- in-process downsampling ---------------------------------------------------------------------
def downsample_in_process(root: Path, run_id: str, reps: int) -> dict[str, float]:
    from nbrun.server import downsample, history
    from nbrun.store import Store, search
    from nbrun.store import history as stored_history

    store = Store(str(root))
    rid = search.find_rid(store, run_id)
    out = {}
    saved = downsample.np
    for label, np in (("numpy", saved), ("pure Python", None)):
        if label == "numpy" and np is None:
            continue
        downsample.np = np
        times = []
        for _ in range(max(3, reps // 4) if np is None else reps):
            t0 = time.perf_counter()
            chunks = stored_history.history_chunks(store, rid, ["loss"])
            history.series_json(chunks["loss"], 1000)
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = statistics.median(times)
    downsample.np = saved
    return out


def search_in_process(root: Path, reps: int) -> dict[str, float]:
    """The store's part of the runs table's heavier listings (count + page of 100), fastest
    of ``reps``: the SQL alone, without HTTP and the server's threads."""
    from nbrun.store import Store, expression, fields, search, sorting
    from nbrun.store.filters import RunFilter

    store = Store(str(root))
    where = RunFilter(expression=expression.parse("lr < 0.5 and layers >= 2"))
    group = sorting.by_group(fields.parse("config.optimizer.name", "group_by", bare="column"))
    cases = {
        "sort=-config.lr & where": lambda: (
            search.count_runs(store, where),
            search.page_keys(store, where, sorting.sort_for("-config.lr"), 0, 100)),
        "group_by=config.opt.name": lambda: (
            search.count_runs(store, RunFilter()),
            search.group_counts(store, RunFilter(), group),
            search.page_keys(store, RunFilter(),
                             sorting.sort_for("-summary.acc").after(group), 0, 100)),
        "keys (uncached)": lambda: search.keys(store),
    }
    out = {}
    for label, work in cases.items():
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            work()
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = min(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="nbrun-bench-server-"))
    root = tmp / "root"
    root.mkdir()
    proc = None
    try:
        t0 = time.perf_counter()
        build_runs(root, args.runs)
        progress(f"built {args.runs} runs in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        run_id = build_long_run(root, args.points)
        progress(f"logged {args.points} points in {time.perf_counter() - t0:.1f} s")

        port = free_port()
        t0 = time.perf_counter()
        proc = start_server(root, tmp / "config", port)
        progress(f"jupyter server ready in {time.perf_counter() - t0:.1f} s on port {port}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        print(f"nbrun server benchmark: {args.runs} runs, {args.points} history points, "
              f"median of {args.reps} requests over HTTP (python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cores)")
        print("\nlist a page of 100 runs:")
        cases = [
            ("default (-created_at)", {}),
            ("sort=name", {"sort": "name"}),
            ("sort=state", {"sort": "state"}),
            ("project filter", {"project": "project-3"}),
            ("tag=cnn&tag=baseline", [("tag", "cnn"), ("tag", "baseline")]),
            ("q=river", {"q": "river"}),
            ("q=über (non-ASCII)", {"q": "über"}),
            ("last page (offset)", "last"),
            ("include_hidden=1", {"include_hidden": "1"}),
            ("sort=-config.lr & where", {"sort": "-config.lr",
                                         "where": "lr < 0.5 and layers >= 2"}),
            ("sort=summary.acc", {"sort": "summary.acc"}),
            ("where on 2 keys, nested", {"where": 'acc > 0.5 and optimizer.name == "adam"'}),
            ("group_by=config.opt.name", {"group_by": "config.optimizer.name",
                                          "sort": "-summary.acc"}),
            ("3 config columns", [("limit", "100"), ("columns", "config.lr"),
                                  ("columns", "config.optimizer.name"),
                                  ("columns", "config.data.path")]),
            ("q=set-7 (config value)", {"q": "set-7"}),
        ]
        total = None
        for label, params in cases:
            if params == "last":
                params = {"offset": max(0, total - 100)}
            query = urlencode(params if isinstance(params, list)
                              else {"limit": 100, **params})
            ms, body = timed(conn, f"/nbrun/api/runs?{query}", args.reps)
            reply = json.loads(body)
            print(f"  {label:24s} {verdict(ms, LIST_TARGET_MS)}  "
                  f"[{len(reply['runs'])} of {reply['total']}]")
            total = reply["total"] if total is None else total

        ms, body = timed(conn, "/nbrun/api/keys", args.reps)
        keys = json.loads(body)
        print(f"  {'GET keys':24s} {verdict(ms, LIST_TARGET_MS)}  "
              f"[{len(keys['config'])} config paths, {len(keys['summary'])} summary keys]")
        for label, value in search_in_process(root, args.reps).items():
            print(f"  {'in process, ' + label:24s} {value:8.1f} ms  (fastest; SQL only)")

        print(f"\nhistory of {args.points} points downsampled to 1000:")
        ms, body = timed(conn, f"/nbrun/api/runs/{run_id}/history?keys=loss&points=1000",
                         args.reps)
        series = json.loads(body)["keys"]["loss"]
        print(f"  {'over HTTP':24s} {verdict(ms, HISTORY_TARGET_MS)}  "
              f"[{len(series['steps'])} points, max kept: {max(series['values']) >= 5.0}]")
        conn.close()
        for label, value in downsample_in_process(root, run_id, args.reps).items():
            print(f"  {'in process, ' + label:24s} {value:8.1f} ms  (read + join + select)")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.keep:
            progress(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
