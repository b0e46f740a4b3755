"""log() with define_metric() summaries (min, max, mean of one key, over a glob of two more)
and without, and what finish() then takes: the summaries are computed by the background writer,
so log() should cost the same.

Run: python tests/benchmarks/bench_define_metric.py [--steps N] [--repeat R]
(prints figures; asserts nothing)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import nbrun


def measure(steps: int, defined: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as store:
        run = nbrun.init(dir=store, mode="offline", project="bench")
        if defined:
            run.define_metric("loss", summary="min,max,mean")
            run.define_metric("val/*", summary="max,last")
        d = {"loss": 0.5, "val/acc": 0.25, "val/f1": 0.001}
        t0 = time.perf_counter()
        for i in range(steps):
            d["loss"] = 1.0 / (i + 1)
            run.log(d)
        t1 = time.perf_counter()
        run.finish()
        t2 = time.perf_counter()
        if defined:
            summary = nbrun.Api(store).run(run.id).summary
            assert summary["loss"]["min"] == 1.0 / steps, summary
        return (t1 - t0) / steps * 1e6, (t2 - t1) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"log() of 3 scalars, {args.steps:,} calls, median of {args.repeat} runs "
          "(the two kinds alternate, so that a busy machine weighs on both alike)")
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.repeat):
        for defined in (False, True):
            results[defined].append(measure(args.steps, defined))
    for defined in (False, True):
        per_call = statistics.median(r[0] for r in results[defined])
        finish = statistics.median(r[1] for r in results[defined])
        label = "with define_metric summaries" if defined else "without definitions        "
        print(f"  {label}: log() {per_call:5.2f} us/call, finish() {finish:6.1f} ms")

if __name__ == "__main__":
    main()
