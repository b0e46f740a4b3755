#!/usr/bin/env python
"""Benchmark nbrun against wandb (offline) and MLflow (local SQLite store).

Run:  python tests/benchmarks/bench_engine.py [--steps N] [--only nbrun,wandb,mlflow] [--json PATH]

Not a pytest test (no test_ names, no assertions): it prints figures and whether
nbrun meets its targets. Every measurement runs in a child process of this same
script (``--child KIND``) so imports, background threads/processes and peak
memory never leak between trackers.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from engine_report import fmt, print_report  # this folder is sys.path[0] when run as a script

TRACKERS = ("nbrun", "wandb", "mlflow")
REPO_ROOT = Path(__file__).resolve().parents[2]
RESULT_TAG = "BENCH_RESULT "
CHILD_TIMEOUT_S = 900

IMPORT_REPS = 5
INIT_REPS = 5
FINISH_STEPS = 100_000  # log() per-call time and finish() are both taken from a run of this size
WANDB_STEPS = 100_000  # sustained run; nbrun uses --steps
MLFLOW_LOG_CALLS = 2_000  # log_metrics is one synchronous SQLite transaction per call
MLFLOW_BATCH_STEPS = 1_000  # steps per MlflowClient.log_batch call (3,000 metrics)
MEMORY_SMALL_STEPS = 200_000
DISABLED_CALLS = 1_000_000

# --------------------------------------------------------------------------- child side

LogFn = Callable[[dict, int], Any]
progress = functools.partial(print, file=sys.stderr, flush=True)  # keeps stdout for the report


def timed_loop(log: LogFn, n: int) -> float:
    """Seconds for n log calls, each with a freshly built dict of 3 scalars."""
    t0 = time.perf_counter()
    for i in range(n):
        log({"loss": 1.0 / (i + 1), "acc": i * 1e-6, "lr": 1e-3}, i)
    return time.perf_counter() - t0


def loop_overhead_s(n: int, reps: int = 3) -> float:
    # Subtracted from log timings so the figure is the cost of the call itself, not of
    # range()/dict building/the lambda wrapper. Min of reps: the 2-core box is noisy.
    return min(timed_loop(lambda d, i: None, n) for _ in range(reps))


def prepare(tracker: str, workdir: str) -> None:
    """Untimed per-process setup: the import, and for MLflow the SQLite store + experiment."""
    if tracker == "mlflow":
        import mlflow
        mlflow.set_tracking_uri(f"sqlite:///{workdir}/mlflow.db")
        mlflow.set_experiment("bench")  # creates the DB schema (~3 s), not part of start_run
    else:
        __import__(tracker)


def start_run(tracker: str, workdir: str, mode: str = "offline") -> tuple[Any, LogFn, Callable[[], Any]]:
    """Start a run; return it with its log(d, i) and finish() callables."""
    if tracker == "nbrun":
        import nbrun
        run = nbrun.init(project="bench", dir=workdir, mode=mode)
        return run, lambda d, i: run.log(d), run.finish
    if tracker == "wandb":
        import wandb
        run = wandb.init(project="bench", dir=workdir, mode=mode, settings=wandb.Settings(console="off"))
        return run, lambda d, i: run.log(d), run.finish
    import mlflow
    run = mlflow.start_run()
    return run, lambda d, i: mlflow.log_metrics(d, step=i), mlflow.end_run


def time_inits(tracker: str, workdir: str, mode: str) -> list[float]:
    times = []
    for _ in range(INIT_REPS):
        t0 = time.perf_counter()
        _, _, finish = start_run(tracker, workdir, mode)
        times.append(time.perf_counter() - t0)
        finish()
    return times


def mlflow_batch_loop(run: Any, steps: int) -> float:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client, run_id = MlflowClient(), run.info.run_id
    t0 = time.perf_counter()
    for start in range(0, steps, MLFLOW_BATCH_STEPS):
        ts = int(time.time() * 1000)
        batch = [Metric(key, value, ts, i) for i in range(start, min(start + MLFLOW_BATCH_STEPS, steps))
                 for key, value in (("loss", 1.0 / (i + 1)), ("acc", i * 1e-6), ("lr", 1e-3))]
        client.log_batch(run_id, metrics=batch)  # mlflow splits it into chunks of 1,000 metrics
    return time.perf_counter() - t0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def helpers_peak_rss_mb() -> float:
    """Summed peak RSS (VmHWM) of live child processes, e.g. wandb-core. Not RUSAGE_CHILDREN:
    every short fork+exec (mlflow runs `git version`) would report our own RSS there."""
    total_kb, me = 0, str(os.getpid())
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue  # exited meanwhile, or not ours to read
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
            total_kb += int(fields["VmHWM"].split()[0])
    return total_kb / 1024


def verify_nbrun(workdir: str, run_id: str, steps: int, history: bool) -> str:
    """Read the run back through the public Api to prove the last step reached storage."""
    import nbrun
    try:
        api_run = nbrun.Api(dir=workdir).run(run_id)
        ok = api_run.summary.get("loss") == 1.0 / steps
        checks = [f"summary.loss last={'ok' if ok else 'MISSING'}"]
        if history:
            rows = len(api_run.history(keys=["loss"]))
            checks.append(f"history rows {rows:,}/{steps:,} {'ok' if rows == steps else 'MISMATCH'}")
        return "; ".join(checks)
    except Exception as exc:  # report, never crash the benchmark
        return f"verify failed: {type(exc).__name__}: {exc}"


def child_init(args: argparse.Namespace) -> dict[str, Any]:
    prepare(args.tracker, args.dir)
    times = time_inits(args.tracker, args.dir, "offline")
    return {"init_first_s": times[0], "init_median_s": statistics.median(times)}


def child_run(args: argparse.Namespace) -> dict[str, Any]:
    tracker, workdir, steps = args.tracker, args.dir, args.steps
    prepare(tracker, workdir)
    run, log, finish = start_run(tracker, workdir)
    loop_s = mlflow_batch_loop(run, steps) if args.api == "log_batch" else timed_loop(log, steps)
    time.sleep(args.idle)  # --idle lets background writers catch up: finish() then shows its fixed cost
    t0 = time.perf_counter()
    finish()
    finish_s = time.perf_counter() - t0
    out: dict[str, Any] = {"steps": steps, "api": args.api, "finish_s": finish_s,
                           "log_us": (loop_s - loop_overhead_s(steps)) / steps * 1e6,
                           "steps_per_s": steps / (loop_s + finish_s), "rss_mb": peak_rss_mb(),
                           "rss_helpers_mb": helpers_peak_rss_mb()}  # wandb-core lives until exit
    if tracker == "nbrun":
        out["verify"] = verify_nbrun(workdir, run.id, steps, history=args.verify)
    return out


def child_disabled(args: argparse.Namespace) -> dict[str, Any]:
    prepare(args.tracker, args.dir)
    times = time_inits(args.tracker, args.dir, "disabled")
    _, log, finish = start_run(args.tracker, args.dir, mode="disabled")
    loop_s = min(timed_loop(log, args.steps) for _ in range(3))  # cheap enough to repeat
    finish()
    return {"disabled_init_s": statistics.median(times),
            "disabled_log_gross_us": loop_s / args.steps * 1e6,
            "disabled_log_us": (loop_s - loop_overhead_s(args.steps)) / args.steps * 1e6}


CHILDREN: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "init": child_init, "run": child_run, "disabled": child_disabled}


# --------------------------------------------------------------------------- parent side


def child_env(root: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    # Keep wandb's files (incl. its ~/.cache logs) and MLflow's store under the temp root.
    env.update(WANDB_SILENT="true", WANDB_MODE="offline", WANDB_DIR=root, WANDB_CONSOLE="off",
               WANDB_CACHE_DIR=root, WANDB_CONFIG_DIR=root, WANDB_DATA_DIR=root,
               MLFLOW_TRACKING_URI=f"sqlite:///{root}/mlflow.db", GIT_PYTHON_REFRESH="quiet",
               MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")  # the network is closed
    return env


def spawn(argv: list[str], env: dict[str, str], cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=CHILD_TIMEOUT_S)


def run_child(kind: str, tracker: str, root: str, env: dict[str, str], **opts: Any) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix=f"{tracker}-{kind}-", dir=root)  # fresh store per child
    argv = [str(Path(__file__).resolve()), "--child", kind, "--tracker", tracker, "--dir", workdir]
    for key, value in opts.items():
        if value is True:
            argv.append(f"--{key}")
        elif value is not None:
            argv += [f"--{key}", str(value)]
    try:
        proc = spawn(argv, env, workdir)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {CHILD_TIMEOUT_S}s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"{kind} child exited {proc.returncode}: {tail}"}


def measure_import(tracker: str, root: str, env: dict[str, str]) -> float | None:
    """Median import time over fresh interpreters; None if the tracker is not installed."""
    # A bare -c child, not this script, so the stdlib modules we import are not preloaded.
    code = f"import time; t = time.perf_counter(); import {tracker}; print(time.perf_counter() - t)"
    times = []
    for _ in range(IMPORT_REPS):
        proc = spawn(["-c", code], env, root)
        if proc.returncode != 0:
            if f"No module named '{tracker}'" in proc.stderr:
                return None
            raise ImportError((proc.stderr.strip().splitlines() or ["?"])[-1])
        times.append(float(proc.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def measure_tracker(tracker: str, root: str, env: dict[str, str], steps: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"notes": []}
    notes: list[str] = figures["notes"]

    def take(result: dict[str, Any], **mapping: str) -> dict[str, Any]:
        if "error" in result:
            notes.append(result["error"])
        for dst, src in mapping.items():
            figures[dst] = result.get(src)
        return result

    progress(f"[{tracker}] import x{IMPORT_REPS}")
    try:
        figures["import_s"] = measure_import(tracker, root, env)
    except ImportError as exc:  # e.g. a half-written package: report it, go on with the others
        return {"status": "import error", "notes": [str(exc)]}
    if figures["import_s"] is None:
        return {"status": "not installed"}
    progress(f"[{tracker}] init x{INIT_REPS}")
    take(run_child("init", tracker, root, env), init_first_s="init_first_s", init_median_s="init_median_s")

    if tracker == "mlflow":
        progress(f"[mlflow] log_metrics x{MLFLOW_LOG_CALLS:,}")
        take(run_child("run", tracker, root, env, steps=MLFLOW_LOG_CALLS, api="log_metrics"),
             log_us="log_us", steps_per_s="steps_per_s")
        progress(f"[mlflow] log_batch {FINISH_STEPS:,} steps")
        take(run_child("run", tracker, root, env, steps=FINISH_STEPS, api="log_batch"),
             steps_per_s_batch="steps_per_s", finish_s="finish_s", rss_mb="rss_mb", rss_helpers_mb="rss_helpers_mb")
        notes.append(f"log/steps/s: {MLFLOW_LOG_CALLS:,} synchronous log_metrics calls; batched: "
                     f"{FINISH_STEPS:,} steps via MlflowClient.log_batch, {MLFLOW_BATCH_STEPS:,} steps/call; "
                     f"finish = end_run after the batched run")
        figures["sustained_steps"], figures["rss_steps"] = MLFLOW_LOG_CALLS, FINISH_STEPS
        return figures  # MLflow has no disabled mode

    progress(f"[{tracker}] {FINISH_STEPS:,} steps (log per call, finish)")
    short = take(run_child("run", tracker, root, env, steps=FINISH_STEPS),
                 log_us="log_us", finish_s="finish_s")
    sustained_steps = steps if tracker == "nbrun" else WANDB_STEPS
    figures["sustained_steps"] = sustained_steps
    if tracker == "nbrun":
        small = min(MEMORY_SMALL_STEPS, max(steps // 5, 1))
        progress(f"[nbrun] {small:,} steps (memory, history check)")
        res = take(run_child("run", tracker, root, env, steps=small, verify=True), rss_small_mb="rss_mb")
        figures["rss_small_steps"] = small
        notes.append(f"verify {small:,}-step run: {res.get('verify')}")
        progress(f"[nbrun] {sustained_steps:,} steps (sustained, memory)")
        res = take(run_child("run", tracker, root, env, steps=sustained_steps),
                   steps_per_s="steps_per_s", rss_mb="rss_mb", rss_helpers_mb="rss_helpers_mb")
        notes.append(f"verify {sustained_steps:,}-step run: {res.get('verify')}")
        progress(f"[nbrun] {FINISH_STEPS:,} steps + 0.5 s idle (finish fixed cost)")
        idle = run_child("run", tracker, root, env, steps=FINISH_STEPS, idle=0.5)
        notes.append(f"finish() after {FINISH_STEPS:,} steps + 0.5 s idle: {fmt(idle.get('finish_s'), 1e3, 1)} ms "
                     "(the table's figure minus this = draining the write backlog)")
    else:  # wandb: one 100k run gives every figure (100k wandb steps already take ~30 s)
        take(short, steps_per_s="steps_per_s", rss_mb="rss_mb", rss_helpers_mb="rss_helpers_mb")
    progress(f"[{tracker}] disabled mode x{DISABLED_CALLS:,}")
    take(run_child("disabled", tracker, root, env, steps=DISABLED_CALLS),
         disabled_init_s="disabled_init_s", disabled_log_us="disabled_log_us",
         disabled_log_gross_us="disabled_log_gross_us")
    return figures


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=1_000_000, help="nbrun sustained-run steps (default 1,000,000)")
    p.add_argument("--only", default=",".join(TRACKERS), help="comma list of trackers, e.g. nbrun or wandb,mlflow")
    p.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    # Internal: child-process mode.
    p.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    p.add_argument("--tracker", choices=TRACKERS, help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    p.add_argument("--api", default="log", help=argparse.SUPPRESS)
    p.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--idle", type=float, default=0.0, help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if args.child:
        print(RESULT_TAG + json.dumps(CHILDREN[args.child](args)), flush=True)
        return
    trackers = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(trackers) - set(TRACKERS)
    if unknown:
        sys.exit(f"unknown tracker(s): {', '.join(sorted(unknown))}")
    root = tempfile.mkdtemp(prefix="nbrun-bench-")
    load = os.getloadavg()[0]  # printed: other work on this box skews every figure
    started = time.perf_counter()
    try:
        env = child_env(root)
        results = {t: measure_tracker(t, root, env, args.steps) for t in TRACKERS if t in trackers}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\nnbrun engine benchmark: python {platform.python_version()}, {platform.platform()}, "
          f"{os.cpu_count()} CPUs, load avg {load:.2f} at start, {time.perf_counter() - started:.0f} s total\n")
    if load > 1.0:
        print(f"WARNING: load avg {load:.2f} on {os.cpu_count()} CPUs: other work skews these figures\n")
    verdicts = print_report(results, TRACKERS, INIT_REPS, FINISH_STEPS)
    if args.json:
        payload = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                   "load_avg_at_start": load, "steps": args.steps, "results": results, "targets_met": verdicts}
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
