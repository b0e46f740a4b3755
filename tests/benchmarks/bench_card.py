"""log() per-call time in a real kernel, with the run card displayed and without it.

Run: python tests/benchmarks/bench_card.py [--steps N]   (prints figures; asserts nothing)
Target: under 10 µs per log() of 3 scalars with the card on.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

import nbformat
from nbclient import NotebookClient

CELL = """
import time, json
%s
d = {"loss": 0.5, "acc": 0.25, "lr": 0.001}
t0 = time.perf_counter()
for i in range(STEPS):
    d["loss"] = 1.0 / (i + 1)
    run.log(d)
t1 = time.perf_counter()
t2 = time.perf_counter()
for i in range(STEPS):
    d["loss"] = 1.0 / (i + 1)
t3 = time.perf_counter()
run.finish()
print(json.dumps({"per_call_us": ((t1 - t0) - (t3 - t2)) / STEPS * 1e6}))
"""


def measure(steps: int, card: bool) -> float:
    start = ("%load_ext nbrun\nrun = __import__('nbrun').init(project='bench', mode='offline',"
             f" settings={{'silent': {not card}}})")
    with tempfile.TemporaryDirectory() as store:
        os.environ["NBRUN_DIR"] = store
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(CELL.replace("STEPS", str(steps)) % start)]
        NotebookClient(nb, timeout=600, kernel_name="python3").execute()
        shown = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                    for o in nb.cells[0].outputs)
        assert shown == card, "the card should be displayed exactly when asked for"
        text = "".join(o.get("text", "") for o in nb.cells[0].outputs
                       if o.get("output_type") == "stream")
        return json.loads(text.strip().splitlines()[-1])["per_call_us"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300_000)
    args = parser.parse_args()
    with_card = measure(args.steps, card=True)
    without = measure(args.steps, card=False)
    print(f"log() of 3 scalars in a kernel, {args.steps:,} calls, loop overhead subtracted")
    print(f"  with the run card displayed: {with_card:6.2f} us/call   target < 10 us: "
          f"{'met' if with_card < 10 else 'MISSED'}")
    print(f"  without a card:              {without:6.2f} us/call")
    print(f"  ratio card/no card:          {with_card / without:6.2f}x")


if __name__ == "__main__":
    main()
