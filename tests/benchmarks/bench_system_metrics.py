"""System metrics: what the sampler costs and whether log() notices it.

Run: python tests/benchmarks/bench_system_metrics.py [--seconds S] [--steps N]
(prints figures; asserts nothing)

1. The sampler's own CPU time (its thread's ``time.thread_time``) per sample and as a share of
   one core at 1 s (the shortest interval allowed) and at the default 15 s.
2. ``log()`` of 3 scalars per call, in a child process each, with sampling off
   (``system_metrics_interval=0``), at the default 15 s and every second, in alternation
   (the machine is shared: the other load changes between runs). Each run logs for 3.5 s in
   rounds of ``--steps`` calls and keeps its fastest round (the one least disturbed by other
   processes); the median over ``--repeat`` runs is printed. A run long enough to take samples
   meanwhile, whose rounds include the ones during which the sampler ran.
Target: the sampler under 1% of one core at the default interval; log() unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LOG = """
import json, sys, time
import nbrun
interval = float(sys.argv[1]); steps = int(sys.argv[2])
run = nbrun.init(project="bench", mode="offline", settings={"system_metrics_interval": interval})
d = {"loss": 0.5, "acc": 0.25, "lr": 0.001}
loop = None  # the bare loop's time per iteration, the fastest of a few
for _ in range(5):
    t0 = time.perf_counter()
    for i in range(steps):
        d["loss"] = 1.0 / (i + 1)
    per = (time.perf_counter() - t0) / steps
    loop = per if loop is None else min(loop, per)
best = None
t_end = time.perf_counter() + 3.5  # keep logging for 3.5 s so that samples are taken meanwhile
rounds = 0
while time.perf_counter() < t_end or rounds < 3:
    t0 = time.perf_counter()
    for i in range(steps):
        d["loss"] = 1.0 / (i + 1)
        run.log(d)
    per = (time.perf_counter() - t0) / steps - loop
    best = per if best is None else min(best, per)
    rounds += 1
run.finish()
samples = len(nbrun.Api().run(run.id).history(stream="system"))
print(json.dumps({"us": best * 1e6, "samples": samples, "rounds": rounds}))
"""


def sampler_cost(seconds: float) -> dict[str, float]:
    import nbrun
    from nbrun.sdk import system

    with tempfile.TemporaryDirectory() as store:
        run = nbrun.init(dir=store, mode="offline", project="bench",
                         settings={"system_metrics_interval": 1})
        sampler = system.sampler_of(run)
        time.sleep(seconds)
        run.finish()
        samples = len(nbrun.Api(store).run(run.id).history(stream="system"))
    per_sample = sampler.cpu_seconds / max(samples, 1)
    return {"samples": samples, "cpu_s": sampler.cpu_seconds, "per_sample_ms": per_sample * 1e3,
            "share_1s": per_sample / 1.0 * 100, "share_15s": per_sample / 15.0 * 100}


def log_time(interval: float, steps: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as store:
        env = {**os.environ, "NBRUN_DIR": store,
               "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        out = subprocess.run([sys.executable, "-c", LOG, str(interval), str(steps)], env=env,
                             capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cost = sampler_cost(args.seconds)
    print(f"sampler: {cost['samples']} samples in {args.seconds:g} s, {cost['cpu_s'] * 1e3:.1f} "
          f"ms of CPU in all (start-up included): {cost['per_sample_ms']:.2f} ms per sample; "
          f"{cost['share_1s']:.3f}% of one core at 1 s, {cost['share_15s']:.4f}% at the "
          "default 15 s")
    settings = (("off", 0.0), ("every 15 s", 15.0), ("every 1 s", 1.0))
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in settings}
    for _ in range(args.repeat):
        for label, interval in settings:
            runs[label].append(log_time(interval, args.steps))
    for label, _ in settings:
        times = sorted(r["us"] for r in runs[label])
        print(f"log() of 3 scalars, sampling {label:10s}: {times[len(times) // 2]:.3f} us per "
              f"call (median of {args.repeat} runs, each its fastest round; all: "
              f"{', '.join(f'{t:.2f}' for t in times)}; samples per run: "
              f"{[r['samples'] for r in runs[label]]})")


if __name__ == "__main__":
    main()
