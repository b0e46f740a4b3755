#!/usr/bin/env python
"""Benchmark online mode against real MLflow servers on the loopback.

Run:  python tests/benchmarks/bench_sync.py [--points N] [--catchup N] [--pg-points N]
                                            [--procs P] [--parts 1,2,3,4,5]

Not a pytest test. In one run it prints:
1. points/s that nbrun's syncer sustains (an offline run of N points sent by one sync pass), next
   to MLflow's own client (``MlflowClient.log_batch`` of 1000 ``Metric``s per call) and to bare
   ``requests`` POSTs of ready-made 1000-point bodies, the same points, on the same server
   (SQLite backend); ratios against the targets (>= 2x MLflow's client, >= 0.9x bare POSTs);
2. ``log()`` per call while the syncer is busy sending (target < 5 us);
3. online ``init()`` next to offline ``init()`` and to ``mlflow.start_run()``, same server;
4. catch-up time for ``--catchup`` points (default 1,000,000) logged while the server was down,
   from the server answering again to the last point on it;
5. the same sync against an MLflow server on PostgreSQL (Debian's ``postgresql``, started here
   in a temporary cluster) with ``--procs`` processes (default 8) syncing at once: throughput and
   whether every point arrived exactly once.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))  # this checkout, not an install
sys.path.insert(0, str(HERE.parents[1]))  # tests/: the MLflow server helper

import requests  # noqa: E402

import nbrun  # noqa: E402
from mlflow_server import start_mlflow  # noqa: E402
from nbrun.store import Store, syncstate  # noqa: E402
from nbrun.sync import runsync, syncer  # noqa: E402

KEYS = ("loss", "acc", "lr", "grad")


def make_offline_run(root: str, run_id: str, points: int) -> None:
    run = nbrun.init(dir=root, mode="offline", project="bench", id=run_id, reinit="create_new")
    log = run.log
    for i in range(points // len(KEYS)):
        log({"loss": 1.0 / (i + 1), "acc": i * 1e-6, "lr": 1e-3, "grad": float(i % 97)})
    run.finish()


def sync_run(root: str, run_id: str, url: str) -> float:
    """One full sync pass of a run; seconds."""
    store = Store(root)
    rid = syncstate.rid_of(store, run_id)
    me = syncer.owner()
    syncstate.claim(store, rid, me, url)
    work = runsync.RunSync(store, rid, syncer.client_for(url, None), me)
    t0 = time.perf_counter()
    work.run_pass()
    elapsed = time.perf_counter() - t0
    syncstate.release(store, rid, me)
    return elapsed


def bench_throughput(url: str, root: str, points: int, rounds: int = 2
                     ) -> dict[str, float]:
    """Best of ``rounds`` for each of the three senders, taken in turn (the machine's load
    drifts; each round sends the same points to a new run)."""
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(url)
    eid = client.create_experiment(f"bench-client-{time.time()}")
    ts = int(time.time() * 1000)
    steps = points // len(KEYS)
    metrics = [Metric(k, float(i), ts, i) for i in range(steps) for k in KEYS]
    session = requests.Session()
    warm = client.create_run(eid).info.run_id  # the server's first requests are slow
    for _ in range(3):
        client.log_batch(warm, metrics=metrics[:1000])
    best = {"nbrun": 0.0, "mlflow": 0.0, "bare": 0.0}
    for r in range(rounds):
        make_offline_run(root, f"thru{r}", points)
        best["nbrun"] = max(best["nbrun"], points / sync_run(root, f"thru{r}", url))

        rid = client.create_run(eid).info.run_id
        t0 = time.perf_counter()
        for i in range(0, len(metrics), 1000):
            client.log_batch(rid, metrics=metrics[i:i + 1000])
        best["mlflow"] = max(best["mlflow"], len(metrics) / (time.perf_counter() - t0))

        rid2 = client.create_run(eid).info.run_id
        bodies = [json.dumps({"run_id": rid2, "metrics": [
            {"key": m.key, "value": m.value, "timestamp": m.timestamp, "step": m.step}
            for m in metrics[i:i + 1000]]}) for i in range(0, len(metrics), 1000)]
        t0 = time.perf_counter()
        for body in bodies:
            session.post(url + "/api/2.0/mlflow/runs/log-batch", data=body,
                         headers={"Content-Type": "application/json"}).raise_for_status()
        best["bare"] = max(best["bare"], len(metrics) / (time.perf_counter() - t0))
    return best


def bench_log_offline(root: str, n: int = 400_000) -> float:
    run = nbrun.init(dir=root, project="bench", mode="offline", reinit="create_new")
    log = run.log
    t0 = time.perf_counter()
    for i in range(n):
        log({"loss": 1.0 / (i + 1), "acc": 0.5})
    per_call = (time.perf_counter() - t0) / n * 1e6
    run.finish()
    return per_call


def bench_log_while_syncing(url: str, root: str, n: int = 400_000) -> float:
    os.environ["NBRUN_BASE_URL"] = url
    run = nbrun.init(dir=root, project="bench", reinit="create_new")
    log = run.log
    for _ in range(20_000):  # the syncer starts sending
        log({"loss": 1.0, "acc": 2.0})
    time.sleep(1.0)
    t0 = time.perf_counter()
    for i in range(n):
        log({"loss": 1.0 / (i + 1), "acc": 0.5})
    per_call = (time.perf_counter() - t0) / n * 1e6
    run.finish()
    del os.environ["NBRUN_BASE_URL"]
    return per_call


def bench_init(url: str, root: str, reps: int = 5) -> dict[str, float]:
    def timed(fn) -> float:
        values = []
        for _ in range(reps):
            t0 = time.perf_counter()
            run = fn()
            values.append(time.perf_counter() - t0)
            run.finish() if hasattr(run, "finish") else None
        return statistics.median(values) * 1000

    offline = timed(lambda: nbrun.init(dir=root, project="init", mode="offline",
                                       reinit="create_new"))
    online = timed(lambda: nbrun.init(dir=root, project="init", mode="online",
                                      reinit="create_new", settings={"base_url": url}))
    import mlflow

    mlflow.set_tracking_uri(url)
    mlflow.set_experiment("init")

    def start():
        run = mlflow.start_run()
        mlflow.end_run()
        return run

    ml = timed(start)
    return {"offline": offline, "online": online, "mlflow": ml}


def bench_catchup(server, root: str, points: int) -> tuple[float, float]:
    """Log ``points`` online while the server is down; seconds from its return to the last
    point on it, and the points/s that makes."""
    server.stop(signal.SIGKILL)
    os.environ["NBRUN_BASE_URL"] = server.url
    run = nbrun.init(dir=root, project="bench", id="catchup", reinit="create_new")
    log = run.log
    for i in range(points // 2):
        log({"loss": 1.0 / (i + 1), "acc": 0.5})
    run.finish()
    del os.environ["NBRUN_BASE_URL"]
    server.start()
    t0 = time.perf_counter()
    store = Store(root)
    while not _synced(store, "catchup"):
        time.sleep(0.2)
    elapsed = time.perf_counter() - t0
    return elapsed, points / elapsed


def _synced(store: Store, run_id: str) -> bool:
    from nbrun.sync import status

    return status.all_statuses(store)[run_id]["synced"]


PG_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from nbrun.store import Store, syncstate
from nbrun.sync import runsync, syncer
store = Store(sys.argv[1]); rid = syncstate.rid_of(store, sys.argv[2]); me = syncer.owner()
syncstate.claim(store, rid, me, sys.argv[3])
work = runsync.RunSync(store, rid, syncer.client_for(sys.argv[3], None), me)
t0 = time.perf_counter(); work.run_pass(); print(time.perf_counter() - t0)
"""


def start_postgres(folder: Path) -> tuple[str, callable]:
    """A throw-away PostgreSQL cluster of Debian's postgresql; returns (URI, stop)."""
    from conftest import free_port

    bindir = Path("/usr/lib/postgresql")
    bindir = sorted(bindir.iterdir())[-1] / "bin"
    data = folder / "pgdata"
    data.mkdir(parents=True)
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(as_pg + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                            "mlflow"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    subprocess.run(as_pg + [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l",
                            str(folder / "pg.log"), "-o",
                            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                            "-c max_connections=200", "start"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(as_pg + [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                            "mlflow", "mlflow"], check=True)

    def stop() -> None:
        subprocess.run(as_pg + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL)

    # SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3; the bench extra brings psycopg2
    return f"postgresql+psycopg2://mlflow@127.0.0.1:{port}/mlflow", stop


def bench_postgres(tmp: Path, points: int, procs: int) -> dict[str, object]:
    uri, stop_pg = start_postgres(tmp / "pg")
    server = None
    try:
        server = start_mlflow(tmp / "mlflow-pg", backend_uri=uri)
        root = str(tmp / "pgstore")
        for p in range(procs):
            make_offline_run(root, f"pg{p}", points)
        code = PG_CHILD.format(root=str(HERE.parents[2]))
        t0 = time.perf_counter()
        children = [subprocess.Popen([sys.executable, "-c", code, root, f"pg{p}", server.url],
                                     stdout=subprocess.PIPE, text=True) for p in range(procs)]
        outs = [c.communicate()[0] for c in children]
        wall = time.perf_counter() - t0
        ok = all(c.returncode == 0 for c in children)
        from mlflow.tracking import MlflowClient

        client = MlflowClient(server.url)
        store = Store(root)
        exact = True
        for p in range(procs):
            sid = syncstate.get(store, syncstate.rid_of(store, f"pg{p}")).server_run_id
            for key in KEYS:
                history = client.get_metric_history(sid, key)
                steps = sorted(m.step for m in history)
                exact &= steps == list(range(points // len(KEYS)))
        return {"points": points * procs, "seconds": wall, "points/s": points * procs / wall,
                "exactly once": exact and ok, "per process s": [o.strip() for o in outs]}
    finally:
        if server is not None:
            server.stop()
        stop_pg()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--catchup", type=int, default=1_000_000)
    ap.add_argument("--pg-points", type=int, default=20_000, help="points per process")
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--parts", default="1,2,3,4,5", help="which figures, e.g. 1,5")
    args = ap.parse_args()
    parts = {int(p) for p in args.parts.split(",")}
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    os.chmod(tmp, 0o755)  # the PostgreSQL cluster below runs as the postgres user
    os.environ.pop("NBRUN_BASE_URL", None)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    server = start_mlflow(tmp / "mlflow") if parts & {1, 2, 3, 4} else None
    try:
        if 1 in parts:
            t = bench_throughput(server.url, str(tmp / "s1"), args.points)
            print(f"1. sync throughput, {args.points} points, MLflow on SQLite (1 worker): nbrun "
                  f"{t['nbrun']:.0f} points/s; MlflowClient.log_batch {t['mlflow']:.0f}; bare "
                  f"POSTs {t['bare']:.0f}")
            print(f"   nbrun / MLflow client = {t['nbrun'] / t['mlflow']:.2f}x (target >= 2x); "
                  f"nbrun / bare POSTs = {t['nbrun'] / t['bare']:.2f}x (target >= 0.9x)")
        if 2 in parts:
            per_call = bench_log_while_syncing(server.url, str(tmp / "s2"))
            offline = bench_log_offline(str(tmp / "s2"))
            print(f"2. log() while the syncer sends: {per_call:.2f} us per call (target < 5 us);"
                  f" offline, same machine, just after: {offline:.2f} us")
        if 3 in parts:
            i = bench_init(server.url, str(tmp / "s3"))
            print(f"3. init(): offline {i['offline']:.1f} ms, online {i['online']:.1f} ms; "
                  f"mlflow.start_run() {i['mlflow']:.1f} ms (medians)")
        if 4 in parts:
            seconds, rate = bench_catchup(server, str(tmp / "s4"), args.catchup)
            print(f"4. catch-up after an outage: {args.catchup} points in {seconds:.1f} s "
                  f"({rate:.0f} points/s)")
    finally:
        if server is not None:
            server.stop()
    if 5 in parts:
        pg = bench_postgres(tmp, args.pg_points, args.procs)
        print(f"5. PostgreSQL backend, {args.procs} processes syncing at once: {pg['points']} "
              f"points in {pg['seconds']:.1f} s = {pg['points/s']:.0f} points/s; exactly once: "
              f"{pg['exactly once']}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
