#!/usr/bin/env python
"""Benchmark rich data in log(): nbrun against wandb (offline), trackio (the lightweight
local-first tracker, on its local SQLite store) and MLflow (log_image/log_table on a local file
store), side by side.

Run:  python tests/benchmarks/bench_media.py [--only nbrun,wandb,trackio,mlflow] [--json PATH]

Figures (issue 20's Performance section):
- ``log({"img": Image(64x64x3 uint8)})`` per call over 200 steps (a new image each step, the
  Image made inside the timed call), and ``finish()`` after;
- a 1,000-row x 5-column table and a histogram of 1,000,000 values: the log call and finish();
- scalar ``log()`` per call in a run that logs an image every 1,000 steps;
- store size: the same image logged at 1,000 steps, as files on disk.

Not a pytest test: it prints figures. Each measurement runs in a child process of this script
(``--child``), so imports and background threads never leak between trackers.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TRACKERS = ("nbrun", "wandb", "trackio", "mlflow")
REPO_ROOT = Path(__file__).resolve().parents[2]
RESULT_TAG = "BENCH_RESULT "
IMAGE_STEPS = 200
SCALAR_STEPS = 100_000
SCALAR_IMAGE_EVERY = 1_000
DEDUP_STEPS = 1_000

# --------------------------------------------------------------------------- child side


def start(tracker: str, workdir: str) -> Any:
    if tracker == "nbrun":
        import nbrun
        return nbrun.init(project="bench", dir=workdir, mode="offline")
    if tracker == "wandb":
        import wandb
        return wandb.init(project="bench", dir=workdir, mode="offline",
                          settings=wandb.Settings(console="off"))
    if tracker == "trackio":
        import trackio
        return trackio.init(project="bench", embed=False, auto_log_cpu=False,
                            auto_log_gpu=False, capture_console=False)
    import mlflow
    mlflow.set_tracking_uri(Path(workdir, "mlruns").as_uri())
    mlflow.set_experiment("bench")
    return mlflow.start_run()


def finisher(tracker: str, run: Any) -> Any:
    if tracker == "mlflow":
        import mlflow
        return mlflow.end_run
    return run.finish


def module(tracker: str) -> Any:
    return __import__(tracker)


def log_image(tracker: str, run: Any, arr: Any, step: int) -> None:
    if tracker == "mlflow":
        import mlflow
        mlflow.log_image(arr, key="img", step=step)
    else:
        run.log({"img": module(tracker).Image(arr)})


def child_images(tracker: str, workdir: str) -> dict[str, Any]:
    import numpy as np
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(IMAGE_STEPS + 5)]
    run = start(tracker, workdir)
    for i in range(5):  # warm-up: first-use imports are not the per-call cost
        log_image(tracker, run, images[IMAGE_STEPS + i], i)
    t0 = time.perf_counter()
    for i in range(IMAGE_STEPS):
        log_image(tracker, run, images[i], i + 5)
    loop = time.perf_counter() - t0
    t1 = time.perf_counter()
    finisher(tracker, run)()
    return {"image_log_us": loop / IMAGE_STEPS * 1e6, "image_finish_s": time.perf_counter() - t1}


def warm_up(tracker: str, run: Any) -> None:
    """One small image first, untimed: the first media value loads each tracker's media code
    (imports, threads), a one-time cost that is not the cost of logging a table."""
    import numpy as np
    log_image(tracker, run, np.zeros((8, 8, 3), np.uint8), 0)


def child_table(tracker: str, workdir: str) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(0)
    rows = [[i, float(rng.random()), f"name-{i}", bool(i % 2), int(rng.integers(0, 9))]
            for i in range(1000)]
    columns = ["id", "score", "name", "flag", "label"]
    run = start(tracker, workdir)
    warm_up(tracker, run)
    if tracker != "mlflow":
        module(tracker).Table(columns=columns, data=rows[:1])
    t0 = time.perf_counter()
    if tracker == "mlflow":
        import mlflow
        mlflow.log_table(pd.DataFrame(rows, columns=columns), artifact_file="table.json")
    else:
        run.log({"table": module(tracker).Table(columns=columns, data=rows)})
    logged = time.perf_counter() - t0
    t1 = time.perf_counter()
    finisher(tracker, run)()
    return {"table_log_ms": logged * 1e3, "table_finish_s": time.perf_counter() - t1}


def child_histogram(tracker: str, workdir: str) -> dict[str, Any]:
    import numpy as np
    if tracker == "mlflow":
        return {"histogram_note": "MLflow has no histogram type"}
    values = np.random.default_rng(0).normal(size=1_000_000)
    run = start(tracker, workdir)
    warm_up(tracker, run)
    t0 = time.perf_counter()
    run.log({"hist": module(tracker).Histogram(values)})
    logged = time.perf_counter() - t0
    t1 = time.perf_counter()
    finisher(tracker, run)()
    return {"hist_log_ms": logged * 1e3, "hist_finish_s": time.perf_counter() - t1}


def scalar_loop(run: Any, image: Any) -> float:
    """Seconds for SCALAR_STEPS scalar log() calls, with an image logged every
    SCALAR_IMAGE_EVERY steps when ``image`` is given."""
    import nbrun
    t0 = time.perf_counter()
    for i in range(SCALAR_STEPS):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-6, "lr": 1e-3})
        if image is not None and i % SCALAR_IMAGE_EVERY == 0:
            run.log({"img": nbrun.Image(image)}, commit=False)
    return time.perf_counter() - t0


def child_scalars(tracker: str, workdir: str) -> dict[str, Any]:
    """Scalar log() per call in a run that logs nothing else, then in one that also logs an
    image every 1,000 steps (same process, one after the other)."""
    if tracker != "nbrun":
        return {}
    import numpy as np
    images = np.random.default_rng(0).integers(0, 256, (SCALAR_STEPS // SCALAR_IMAGE_EVERY + 1,
                                                        64, 64, 3), dtype=np.uint8)
    t2 = time.perf_counter()
    for i in range(SCALAR_STEPS):  # the loop and dict building, subtracted as bench_engine does
        (lambda d: None)({"loss": 1.0 / (i + 1), "acc": i * 1e-6, "lr": 1e-3})
    overhead = time.perf_counter() - t2
    out = {}
    for name, image in (("scalar_only_log_us", None), ("scalar_log_us", images[0])):
        run = start(tracker, workdir)
        loop = scalar_loop(run, image)
        run.finish()
        out[name] = (loop - overhead) / SCALAR_STEPS * 1e6
    return out


def child_dedup(tracker: str, workdir: str) -> dict[str, Any]:
    import numpy as np
    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    run = start(tracker, workdir)
    for i in range(DEDUP_STEPS):
        log_image(tracker, run, image, i)
    finisher(tracker, run)()
    files = size = 0
    for folder, _, names in os.walk(workdir):
        for name in names:
            if name.lower().endswith(".png"):
                files += 1
                size += os.path.getsize(os.path.join(folder, name))
    return {"dedup_files": files, "dedup_bytes": size}


CHILDREN = {"images": child_images, "table": child_table, "histogram": child_histogram,
            "scalars": child_scalars, "dedup": child_dedup}

# --------------------------------------------------------------------------- parent side


def child_env(root: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env.update(WANDB_SILENT="true", WANDB_MODE="offline", WANDB_DIR=root, WANDB_CONSOLE="off",
               WANDB_CACHE_DIR=root, WANDB_CONFIG_DIR=root, WANDB_DATA_DIR=root,
               GIT_PYTHON_REFRESH="quiet", MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true",
               MLFLOW_ENABLE_ASYNC_LOGGING="false", MLFLOW_ALLOW_FILE_STORE="true",
               TRACKIO_DIR=root, HF_HOME=root, GRADIO_ANALYTICS_ENABLED="False")
    return env


def run_child(kind: str, tracker: str, root: str) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix=f"{tracker}-{kind}-", dir=root)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--tracker", tracker,
            "--dir", workdir]
    try:
        env = {**child_env(root), "TRACKIO_DIR": workdir}  # its files counted where it wrote them
        proc = subprocess.run(argv, env=env, cwd=workdir, capture_output=True,
                              text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {"error": f"{kind}: timeout"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"{kind} child exited {proc.returncode}: {tail}"}


ROWS = [("image_log_us", "log(Image 64x64x3) per call (us)", 1, 1),
        ("image_finish_s", "finish() after 200 images (ms)", 1e3, 1),
        ("table_log_ms", "log(Table 1,000x5) (ms)", 1, 2),
        ("table_finish_s", "finish() after the table (ms)", 1e3, 1),
        ("hist_log_ms", "log(Histogram of 1,000,000) (ms)", 1, 2),
        ("hist_finish_s", "finish() after the histogram (ms)", 1e3, 1),
        ("scalar_only_log_us", "scalar log() per call, scalars only (us)", 1, 2),
        ("scalar_log_us", "same, an image every 1,000 steps (us)", 1, 2),
        ("dedup_files", "files for one image at 1,000 steps", 1, 0),
        ("dedup_bytes", "their bytes", 1, 0)]


def fmt(value: Any, scale: float, digits: int) -> str:
    if value is None:
        return "-"
    return f"{value * scale:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(TRACKERS))
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--tracker", choices=TRACKERS, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(RESULT_TAG + json.dumps(CHILDREN[args.child](args.tracker, args.dir)), flush=True)
        return
    trackers = [t for t in args.only.split(",") if t]
    load = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-media-") as root:
        for tracker in trackers:
            figures: dict[str, Any] = {}
            for kind in CHILDREN:
                print(f"[{tracker}] {kind}", file=sys.stderr, flush=True)
                figures.update(run_child(kind, tracker, root))
            results[tracker] = figures
    print(f"\nmedia benchmark: python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load avg {load:.2f} at start\n")
    print(f"{'figure':<44}" + "".join(f"{t:>12}" for t in trackers))
    print("-" * (44 + 12 * len(trackers)))
    for key, label, scale, digits in ROWS:
        print(f"{label:<44}" + "".join(f"{fmt(results[t].get(key), scale, digits):>12}"
                                       for t in trackers))
    if "nbrun" in results:
        ours = results["nbrun"].get("image_log_us")
        for peer in trackers:
            theirs = results[peer].get("image_log_us")
            if peer != "nbrun" and ours and theirs:
                print(f"log(Image): nbrun is {theirs / ours:.1f}x faster than {peer} per call")
    for tracker in trackers:
        for key, value in results[tracker].items():
            if key in ("error", "histogram_note"):
                print(f"{tracker}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
