#!/usr/bin/env python
"""Benchmark the artifact view (issue 21: 1,000 versions of a 100-file dataset, listing the
versions and opening the lineage graph under 200 ms), in a real JupyterLab and headless chromium.

Run:  python tests/benchmarks/bench_artifact_viewer.py [--versions N] [--files N] [--keep DIR]

Not a pytest test (no test_ names, no assertions). It logs a dataset artifact "big-data" of
``--files`` files (default 100) in ``--versions`` versions (default 1,000; each changes one file),
50 versions by each of 20 "prepare" runs, and 100 "train" runs that each use one version and log
a model version; then starts ``jupyter lab`` on it, opens the prepare run's detail view in
Debian's chromium (``/usr/bin/chromium``) and prints:

- open: from a click on the Artifacts section's link to the versions table listing the newest
  100 versions, and to the lineage graph of the newest version drawn (both read at once);
- select: from a click on a version in the table to its lineage graph drawn (2 steps out: the
  run that logged it, the 49 other versions that run logged, folded, the runs that used it);
- pages: from a click on "Older" to the next 100 versions listed; 1,000 versions a page;
- the server alone (no browser): each endpoint the view calls, timed with urllib.

The machine's load average is printed first: on a shared machine the times include waiting for
a CPU. So each measure also gives the CPU time it cost: the page's main thread and its renderer
process (Chromium's own counters) and the Jupyter server process (``/proc``). The store is built in a temporary folder (kept with ``--keep DIR``, reused if DIR has one).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for browser.labserver

from browser.labserver import (child_env, launch_chromium, open_lab_page,  # noqa: E402
                               start_lab, stop_lab)
from bench_media_viewer import CpuMeter  # noqa: E402
from sidebar_views import evaluate  # noqa: E402

FILL = """
import os, sys
import nbrun
root, versions, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = os.path.join(root, "src")
os.makedirs(src)
for i in range(files):
    with open(os.path.join(src, f"part-{i:03d}.csv"), "w") as fh:
        fh.write("x,y\\n" + "".join(f"{j},{i * j}\\n" for j in range(50)))
per_run, v = 50, 0
while v < versions:
    with nbrun.init(dir=root, project="bench", name=f"prepare-{v // per_run}") as run:
        for _ in range(min(per_run, versions - v)):
            with open(os.path.join(src, f"part-{v % files:03d}.csv"), "a") as fh:
                fh.write(f"{v},{v}\\n")
            data = nbrun.Artifact("big-data", type="dataset",
                                  metadata={"version_written": v, "rows": 50 * files + v})
            data.add_dir(src)
            run.log_artifact(data)
            v += 1
for t in range(100):
    with nbrun.init(dir=root, project="bench", name=f"train-{t}") as run:
        run.use_artifact(f"big-data:v{(t * 10 + 9) % versions}")
        model = nbrun.Artifact("big-model", type="model", metadata={"t": t})
        weights = os.path.join(root, "weights.txt")
        with open(weights, "w") as fh:
            fh.write(str(t))
        model.add_file(weights)
        run.log_artifact(model)
"""

UNTIL_JS = """
  const until = (node, done) => new Promise(resolve => {
    if (done()) { resolve(); return; }
    const observer = new MutationObserver(() => {
      if (done()) { observer.disconnect(); resolve(); }
    });
    observer.observe(node, { attributes: true, childList: true, subtree: true,
                             characterData: true });
  });
  const frame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
"""

# Clicks the detail view's link to the artifact view `times` times (each shows the view afresh)
# and resolves with [ms to the versions listed, ms to the lineage graph drawn] per click.
OPEN_JS = """
async ([label, times, rows, focus]) => {""" + UNTIL_JS + """
  const out = [];
  for (let i = 0; i < times; i++) {
    const link = document.querySelector(
      `.jp-nbrun-artifact-item[data-artifact="${label}"] .jp-nbrun-artifact-open`);
    const old = document.querySelector('.jp-nbrun-artifact-view table');
    const t0 = performance.now();
    link.click();
    const view = () => document.querySelector('.jp-nbrun-artifact-view');
    await until(document.body, () => view() &&
      view().querySelector('table.jp-nbrun-artifact-versions') !== old &&
      view().querySelectorAll('table.jp-nbrun-artifact-versions tbody tr').length === rows);
    await frame();
    const listed = performance.now() - t0;
    await until(view(), () => view().querySelector(
      `.jp-nbrun-lineage-focus[data-node-id="${focus}"]`));
    await frame();
    out.push([listed, performance.now() - t0]);
  }
  return out;
}
"""

# Clicks the given versions' buttons in turn; ms from each click to its lineage graph drawn.
SELECT_JS = """
async ([versions, prefix]) => {""" + UNTIL_JS + """
  const view = document.querySelector('.jp-nbrun-artifact-view');
  const out = [];
  for (const v of versions) {
    const button = view.querySelector(`tr[data-version="${v}"] .jp-nbrun-artifact-version`);
    const t0 = performance.now();
    button.click();
    await until(view, () => view.querySelector(
      `.jp-nbrun-lineage-focus[data-node-id="${prefix}${v}"]`) &&
      view.querySelectorAll('.jp-nbrun-lineage-node').length > 1);
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}
"""

# Clicks a pager control; ms until the table's first version changed and `rows` rows show.
PAGE_JS = """
async ([selector, times, rows]) => {""" + UNTIL_JS + """
  const view = document.querySelector('.jp-nbrun-artifact-view');
  const first = () => view.querySelector('table.jp-nbrun-artifact-versions tbody tr')
    ?.dataset.version;
  const out = [];
  for (let i = 0; i < times; i++) {
    const before = first();
    const t0 = performance.now();
    view.querySelector(selector).click();
    await until(view, () => first() !== before &&
      view.querySelectorAll('table.jp-nbrun-artifact-versions tbody tr').length === rows);
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}
"""

SIZE_JS = """
async (size) => {""" + UNTIL_JS + """
  const view = document.querySelector('.jp-nbrun-artifact-view');
  const select = view.querySelector('select.jp-nbrun-page-size');
  const t0 = performance.now();
  select.value = String(size);
  select.dispatchEvent(new Event('change', { bubbles: true }));
  await until(view, () =>
    view.querySelectorAll('table.jp-nbrun-artifact-versions tbody tr').length === size);
  await frame();
  return performance.now() - t0;
}
"""


def summary(times: list[float], budget: float = 200) -> str:
    ordered = sorted(times)
    over = sum(t > budget for t in times)
    return (f"median {statistics.median(ordered):6.1f} ms, p95 "
            f"{ordered[int(len(ordered) * 0.95)]:6.1f} ms, max {ordered[-1]:6.1f} ms, "
            f"{over} of {len(times)} over {budget:.0f} ms")


def fill_store(root: Path, versions: int, files: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", FILL, str(root), str(versions), str(files)],
                   check=True, env=child_env(NBRUN_MODE="offline"))
    return time.perf_counter() - t0


def time_endpoints(lab, versions: int) -> None:
    """Each endpoint the view calls, 20 times from a plain HTTP client."""
    newest = f"v{versions - 1}"
    base = {"project": "bench", "name": "big-data"}
    calls = {
        "versions (100)": ("artifacts/versions", {**base, "limit": 100}),
        "versions (1000)": ("artifacts/versions", {**base, "limit": 1000}),
        "versions (older page)": ("artifacts/versions", {**base, "limit": 100,
                                                         "offset": 500}),
        "version + 100 files": ("artifacts/version", {**base, "version": newest}),
        "lineage (2 steps)": ("artifacts/lineage", {**base, "version": newest, "hops": 2}),
        "lineage (4 steps)": ("artifacts/lineage", {**base, "version": newest, "hops": 4}),
        "diff": ("artifacts/diff", {**base, "a": "v0", "b": newest}),
    }
    for label, (path, query) in calls.items():
        url = f"{lab.url}nbrun/api/{path}?{urlencode(query)}"
        times, size = [], 0
        for _ in range(20):
            req = urllib.request.Request(url, headers={"Authorization": f"token {lab.token}"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(req) as response:
                body = response.read()
            times.append((time.perf_counter() - t0) * 1000)
            size = len(body)
        extra = ""
        if path == "artifacts/lineage":
            graph = json.loads(body)
            extra = f", {len(graph['nodes'])} nodes, {len(graph['edges'])} edges"
        print(f"server: {label:22} {summary(times)} ({size / 1024:.0f} KB{extra})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build (or reuse) the store in this folder and keep it")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="save a picture of the artifact view here")
    args = parser.parse_args()

    import random

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nbrun-bench-artifacts-") as tmp:
        home = Path(tmp)
        root = args.keep.resolve() if args.keep else home / "root"
        root.mkdir(parents=True, exist_ok=True)
        if (root / ".nbrun" / "nbrun.db").exists():
            print(f"store: reusing {root / '.nbrun'}")
        else:
            seconds = fill_store(root, args.versions, args.files)
            print(f"store: {args.versions:,} versions of a {args.files}-file dataset and 100 "
                  f"training runs logged in {seconds:.1f} s")
        lab = start_lab(root, home)
        try:
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            time_endpoints(lab, args.versions)
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                try:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    open_lab_page(page, lab)
                    page.click('li[data-id="nbrun-sidebar"]')
                    last_run = f"prepare-{(args.versions - 1) // 50}"
                    page.locator("#nbrun-sidebar .jp-nbrun-search").fill(last_run)
                    page.locator("#nbrun-sidebar .jp-nbrun-row-name",
                                 has_text=last_run).first.click()
                    newest = f"v{args.versions - 1}"
                    label = f"big-data:{newest}"
                    item = page.locator(f'.jp-nbrun-artifact-item[data-artifact="{label}"]')
                    item.wait_for(timeout=60_000)
                    page.wait_for_timeout(1000)
                    prefix = "artifact:bench/big-data:"
                    cpu = CpuMeter(page, lab.proc.pid)
                    opened, cost = cpu.measure(lambda: evaluate(
                        page, OPEN_JS, [label, 20, 100, prefix + newest], 600_000), 20)
                    print(f"open:   link -> 100 newest versions listed: "
                          f"{summary([o[0] for o in opened])}")
                    print(f"open:   link -> lineage graph of {newest} drawn: "
                          f"{summary([o[1] for o in opened])}; {cost}")
                    view = page.locator(".jp-nbrun-artifact-view")
                    rng = random.Random(0)
                    shown = view.locator("table.jp-nbrun-artifact-versions tbody tr")

                    def choose(count: int) -> list[str]:
                        names = shown.evaluate_all("rs => rs.map(r => r.dataset.version)")
                        picked: list[str] = []
                        while len(picked) < count:  # each a change of version
                            name = rng.choice(names)
                            if not picked or name != picked[-1]:
                                picked.append(name)
                        return picked

                    chosen = choose(50)
                    selected, cost = cpu.measure(lambda: evaluate(
                        page, SELECT_JS, [chosen, prefix], 600_000), len(chosen))
                    nodes = view.locator(".jp-nbrun-lineage-node").count()
                    print(f"select: version -> its lineage graph drawn ({nodes} boxes): "
                          f"{summary(selected)}; {cost}")
                    older, cost = cpu.measure(lambda: evaluate(
                        page, PAGE_JS, [".jp-nbrun-page-next", 9, 100], 600_000), 9)
                    print(f"pages:  Older (100 versions): {summary(older)}; {cost}")
                    whole, cost = cpu.measure(lambda: evaluate(page, SIZE_JS, 1000, 600_000), 1)
                    print(f"pages:  1,000 versions a page, listed: {whole:6.1f} ms; {cost}")
                    chosen = choose(20)
                    selected, cost = cpu.measure(lambda: evaluate(
                        page, SELECT_JS, [chosen, prefix], 600_000), len(chosen))
                    print(f"select: with 1,000 versions listed, version -> lineage drawn: "
                          f"{summary(selected)}; {cost}")
                    if args.screenshot:
                        view.screenshot(path=str(args.screenshot))
                finally:
                    browser.close()
        finally:
            stop_lab(lab)


if __name__ == "__main__":
    main()
