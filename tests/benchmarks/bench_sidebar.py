#!/usr/bin/env python
"""Benchmark the runs sidebar with a large store, in a real JupyterLab and headless chromium.

Run:  python tests/benchmarks/bench_sidebar.py [--runs N] [--keep DIR]

Not a pytest test (no test_ names, no assertions). It fills a store with N runs (default
10,000; each a real ``nbrun.init()`` with a config, 10 logged steps and a summary, written by
2 child processes), starts ``jupyter lab`` on it, opens the page in Debian's chromium
(``/usr/bin/chromium``) and prints:

- the server's answer time for the first page and for the last page of the listing;
- time to first render: from the click on the sidebar's tab to the first run row in the DOM;
- rows in the DOM against runs listed and rows that fit the list's height (windowing);
- scroll to bottom: the time until the last rows show their runs after one jump to the end,
  and frame times while scrolling from top to bottom over 120 animation frames;
- the rows in the DOM at the bottom, and the time for a search to narrow the list;
- live chart traffic: bytes per second of a live chart's polls with ``since_step`` next to
  the full refetch it replaces, and with each point's time (a chart on a time axis)
  (``--only live`` runs this part alone);
- compare of 20 runs x 10 keys x 100,000 steps: click on Compare -> the metric chart drawn
  (``--only compare``).

The store is built in a temporary folder (kept with ``--keep DIR``, reused if DIR already has
one).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for browser.labserver

from browser.labserver import (child_env, launch_chromium, open_lab_page,  # noqa: E402
                               start_lab, stop_lab)
from sidebar_views import WRITERS, compare_render, evaluate, live_traffic  # noqa: E402

FILL = """
import sys, nbrun
root, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + count):
    run = nbrun.init(dir=root, project=f"proj-{i % 7}", name=f"run-{i:05d}", mode="offline",
                     reinit="create_new", tags=["sweep" if i % 2 else "baseline"],
                     config={"lr": 1e-3 * (1 + i % 10), "batch": 32 << (i % 3), "seed": i})
    for step in range(10):
        run.log({"loss": 1.0 / (step + 1 + i % 5), "acc": step / 10})
    run.summary["best_acc"] = (i % 1000) / 1000
    run.finish()
"""

# Armed before the (real, mouse) click on the sidebar's tab: resolves with the milliseconds
# from the tab's pointerdown to the first run row in the DOM.
ARM_FIRST_RENDER_JS = """
() => {
  const tab = document.querySelector('li[data-id="nbrun-sidebar"]');
  window.__nbrunFirstRender = new Promise(resolve => {
    let t0 = null;
    tab.addEventListener('pointerdown', () => { t0 = performance.now(); },
                         { capture: true, once: true });
    const check = () => {
      if (t0 !== null &&
          document.querySelector('#nbrun-sidebar .jp-nbrun-row:not(.jp-nbrun-row-placeholder)')) {
        resolve(performance.now() - t0);
      } else {
        requestAnimationFrame(check);
      }
    };
    check();
  });
}
"""

FIRST_RENDER_JS = "() => window.__nbrunFirstRender"

COUNT_JS = """
() => {
  const list = document.querySelector('#nbrun-sidebar .jp-nbrun-list');
  const head = list.querySelector('.jp-nbrun-list-head');
  const row = list.querySelector('.jp-nbrun-row');
  const rowHeight = row ? row.getBoundingClientRect().height : 46;
  return {
    rows: list.querySelectorAll('.jp-nbrun-row').length,
    total: Number(list.getAttribute('aria-rowcount')),
    fit: Math.ceil((list.clientHeight - head.offsetHeight) / rowHeight),
    nodes: document.querySelectorAll('#nbrun-sidebar *').length,
  };
}
"""

JUMP_JS = """
() => new Promise(resolve => {
  const list = document.querySelector('#nbrun-sidebar .jp-nbrun-list');
  const total = Number(list.getAttribute('aria-rowcount'));
  const t0 = performance.now();
  list.scrollTop = list.scrollHeight;
  const check = () => {
    const last = list.querySelector(`.jp-nbrun-row[data-index="${total - 1}"]`);
    if (last && last.dataset.runId) {
      resolve({ ms: performance.now() - t0, index: total - 1 });
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})
"""

SCROLL_JS = """
(frames) => new Promise(resolve => {
  const list = document.querySelector('#nbrun-sidebar .jp-nbrun-list');
  list.scrollTop = 0;
  const end = list.scrollHeight - list.clientHeight;
  const times = [];
  let i = 0;
  let last = performance.now();
  const step = () => {
    const now = performance.now();
    times.push(now - last);
    last = now;
    i += 1;
    list.scrollTop = (end * i) / frames;
    if (i < frames) {
      requestAnimationFrame(step);
    } else {
      resolve(times.slice(1));
    }
  };
  requestAnimationFrame(step);
})
"""

SEARCH_JS = """
(q) => new Promise(resolve => {
  const box = document.querySelector('#nbrun-sidebar .jp-nbrun-search');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const t0 = performance.now();
  setter.call(box, q);
  box.dispatchEvent(new Event('input', { bubbles: true }));
  const check = () => {
    const status = document.querySelector('#nbrun-sidebar .jp-nbrun-status').textContent;
    const names = [...document.querySelectorAll('#nbrun-sidebar .jp-nbrun-row-name')];
    if (status.startsWith('1 run') && names.length === 1) {
      resolve(performance.now() - t0);
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})
"""


def fill_store(root: Path, runs: int) -> float:
    t0 = time.perf_counter()
    share = -(-runs // WRITERS)
    procs = []
    for w in range(WRITERS):
        first, count = w * share, max(0, min(share, runs - w * share))
        if count:
            procs.append(subprocess.Popen(
                [sys.executable, "-c", textwrap.dedent(FILL), str(root), str(first), str(count)],
                env=child_env(NBRUN_MODE="offline"), stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"filling the store failed:\n{err}")
    return time.perf_counter() - t0


def timed_request(lab, path: str, reps: int = 5) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        lab.request(path)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build (or reuse) the store in this folder and keep it")
    parser.add_argument("--only", choices=("list", "live", "compare"), default=None,
                        help="run one part: the list of N runs, the live chart traffic, or "
                        "the compare of 20 runs")
    args = parser.parse_args()
    if args.only in (None, "live"):
        live_traffic()
    if args.only in (None, "compare"):
        compare_render()
    if args.only in ("live", "compare"):
        return

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nbrun-bench-sidebar-") as tmp:
        home = Path(tmp)
        root = args.keep.resolve() if args.keep else home / "root"
        root.mkdir(parents=True, exist_ok=True)
        if (root / ".nbrun" / "nbrun.db").exists():
            print(f"store: reusing {root / '.nbrun'}")
        else:
            seconds = fill_store(root, args.runs)
            print(f"store: {args.runs:,} runs written in {seconds:.1f} s "
                  f"({WRITERS} processes) at {root / '.nbrun'}")
        lab = start_lab(root, home)
        try:
            total = lab.request("nbrun/api/runs?limit=1")["total"]
            print(f"server: {total:,} runs listed")
            first_ms = timed_request(lab, "nbrun/api/runs?limit=200")
            print(f"server: GET /runs first page of 200   {first_ms:7.1f} ms (median of 5)")
            last = max(0, total - 200)
            last_ms = timed_request(lab, f"nbrun/api/runs?limit=200&offset={last}")
            print(f"server: GET /runs last page of 200    {last_ms:7.1f} ms (median of 5)")
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                try:
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    t0 = time.perf_counter()
                    open_lab_page(page, lab)
                    print(f"page:   JupyterLab ready in {time.perf_counter() - t0:.2f} s")
                    page.evaluate(ARM_FIRST_RENDER_JS)
                    page.click('li[data-id="nbrun-sidebar"]')
                    first = evaluate(page, FIRST_RENDER_JS)
                    print(f"list:   time to first render (tab click -> first run row) "
                          f"{first:7.1f} ms")
                    page.wait_for_function(
                        "() => !document.querySelector('#nbrun-sidebar .jp-nbrun-row-placeholder')")
                    counts = page.evaluate(COUNT_JS)
                    print(f"list:   {counts['rows']} rows in the DOM for {counts['total']:,} runs "
                          f"({counts['fit']} fit the list's height; {counts['nodes']} elements "
                          f"in the sidebar)")
                    jump = evaluate(page, JUMP_JS)
                    print(f"scroll: jump to the bottom -> last row (#{jump['index']:,}) shows its "
                          f"run after {jump['ms']:7.1f} ms")
                    counts = page.evaluate(COUNT_JS)
                    print(f"scroll: {counts['rows']} rows in the DOM at the bottom")
                    frames = evaluate(page, SCROLL_JS, 120)
                    frames.sort()
                    print(f"scroll: top -> bottom over {len(frames) + 1} frames: frame time "
                          f"median {statistics.median(frames):.1f} ms, "
                          f"p95 {frames[int(len(frames) * 0.95)]:.1f} ms, "
                          f"max {frames[-1]:.1f} ms")
                    page.wait_for_timeout(500)
                    counts = page.evaluate(COUNT_JS)
                    print(f"scroll: {counts['rows']} rows in the DOM after scrolling")
                    name = f"run-{total // 2:05d}"
                    searched = evaluate(page, SEARCH_JS, name)
                    print(f"search: typing {name!r} -> list narrowed to 1 run in "
                          f"{searched:7.1f} ms (includes the 250 ms typing pause)")
                finally:
                    browser.close()
        finally:
            stop_lab(lab)


if __name__ == "__main__":
    main()
