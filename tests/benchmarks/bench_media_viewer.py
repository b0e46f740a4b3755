#!/usr/bin/env python
"""Benchmark the detail view's Media section, in a real JupyterLab and headless chromium.

Run:  python tests/benchmarks/bench_media_viewer.py [--steps N] [--rows N] [--keep DIR]

Not a pytest test (no test_ names, no assertions). It logs one run with an image key at N steps
(default 1,000; each a distinct 128x128 picture with a segmentation mask and two boxes) and a
table of N rows (default 100,000; 5 columns, an image in every 1,000th row), starts
``jupyter lab`` on it, opens the run's detail view in Debian's chromium (``/usr/bin/chromium``)
and prints:

- image slider: the time from moving the slider one step to that step's image loaded and its
  mask and boxes drawn (then one frame), through every step forward (the images ahead are
  fetched while one is shown), and for 100 random jumps (mostly not fetched ahead); the media
  list and image requests made meanwhile (the list is fetched once, never per step);
- table viewer: the time from a click on "Next" (or "Last", or a header, or a filter) to that
  page's rows in the table, for 50 pages in a row and for the other moves.

The machine's load average is printed first: on a shared machine the times include waiting
for a CPU. So each measure also gives the CPU time it cost, per step or page: the page's main
thread and its renderer process (Chromium's own counters) and the Jupyter server process
(``/proc``), which do not grow with the load.

The store is built in a temporary folder (kept with ``--keep DIR``, reused if DIR has one).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for browser.labserver

from browser.labserver import (child_env, launch_chromium, open_lab_page,  # noqa: E402
                               start_lab, stop_lab)
from sidebar_views import evaluate  # noqa: E402

FILL = """
import sys
import numpy as np
import nbrun
root, steps, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
run = nbrun.init(dir=root, project="bench", name="media-bench", mode="offline")
yy, xx = np.mgrid[0:128, 0:128]
labels = {0: "background", 1: "disc", 2: "square"}
for step in range(steps):
    cx = 20 + (step * 7) % 88
    disc = (xx - cx) ** 2 + (yy - 64) ** 2 < 18 ** 2
    square = (abs(xx - 100) < 12) & (abs(yy - 30) < 12)
    mask = np.where(disc, 1, np.where(square, 2, 0)).astype(np.uint8)
    picture = np.stack([(xx + step) % 256, (yy * 2 + step) % 256,
                        np.where(disc, 255, 40)], -1).astype(np.uint8)
    boxes = {"pred": {"box_data": [
        {"position": {"middle": [cx, 64], "width": 36, "height": 36}, "domain": "pixel",
         "class_id": 1, "box_caption": f"disc {step}"},
        {"position": {"minX": 0.69, "maxX": 0.875, "minY": 0.14, "maxY": 0.33},
         "class_id": 2}], "class_labels": labels}}
    run.log({"frames": nbrun.Image(picture, caption=f"step {step}", boxes=boxes,
                                   masks={"truth": {"mask_data": mask,
                                                    "class_labels": labels}})})
table = nbrun.Table(columns=["id", "name", "score", "label", "image"])
icon = np.zeros((8, 8, 3), np.uint8)
for i in range(rows):
    table.add_data(i, f"row-{i:06d}", (i * 7919) % 100_003 / 100_003, labels[i % 3],
                   nbrun.Image(icon + (i // 1000) % 256) if i % 1000 == 0 else None)
run.log({"big": table})
run.finish()
"""

# Moves the slider of the "frames" panel to each index in turn (as an input event, which is
# what a drag or an arrow key makes) and resolves with the milliseconds until that step's
# image is loaded, its mask drawn and one frame painted.
SLIDER_JS = """
async (order) => {
  const panel = document.querySelector('.jp-nbrun-media-panel[data-key="frames"]');
  const input = panel.querySelector('input.jp-nbrun-step-range');
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const shown = (index) => {
    const slider = panel.querySelector('.jp-nbrun-step-slider');
    const img = panel.querySelector('img.jp-nbrun-media-img');
    const mask = panel.querySelector('canvas.jp-nbrun-mask');
    return input.value === String(index) && img && slider &&
      img.dataset.step === slider.dataset.step && img.complete && img.naturalWidth > 0 &&
      img.dataset.loaded === img.getAttribute('src') &&
      mask && mask.dataset.drawn === mask.dataset.url &&
      panel.querySelectorAll('.jp-nbrun-box').length === 2;
  };
  const times = [];
  for (const index of order) {
    const t0 = performance.now();
    setValue.call(input, String(index));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise(resolve => {
      const check = () => (shown(index) ? resolve() : setTimeout(check, 1));
      check();
    });
    await new Promise(resolve => requestAnimationFrame(() => resolve()));
    times.push(performance.now() - t0);
  }
  return times;
}
"""

# Clicks a control of the table viewer and resolves with the milliseconds until the page it
# asked for is in the table (the viewer's data-loading back to false, another first row).
TABLE_JS = """
async ([selector, times]) => {
  const viewer = document.querySelector(
    '.jp-nbrun-media-panel[data-key="big"] .jp-nbrun-table-viewer');
  const first = () => viewer.querySelector('tbody tr td')?.textContent;
  const out = [];
  for (let i = 0; i < times; i++) {
    const before = first();
    const t0 = performance.now();
    viewer.querySelector(selector).click();
    await new Promise(resolve => {
      const check = () => (viewer.dataset.loading === 'false' && first() !== before
        ? resolve() : setTimeout(check, 1));
      check();
    });
    await new Promise(resolve => requestAnimationFrame(() => resolve()));
    out.push(performance.now() - t0);
  }
  return out;
}
"""

FILTER_JS = """
async (text) => {
  const viewer = document.querySelector(
    '.jp-nbrun-media-panel[data-key="big"] .jp-nbrun-table-viewer');
  const input = viewer.querySelector('.jp-nbrun-table-filter');
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const t0 = performance.now();
  setValue.call(input, text);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise(resolve => {
    const check = () => (viewer.dataset.filter === text && viewer.dataset.loading === 'false'
      ? resolve() : setTimeout(check, 1));
    check();
  });
  await new Promise(resolve => requestAnimationFrame(() => resolve()));
  return [performance.now() - t0, viewer.dataset.total];
}
"""


def fill_store(root: Path, steps: int, rows: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", FILL, str(root), str(steps), str(rows)], check=True,
                   env=child_env(NBRUN_MODE="offline"))
    return time.perf_counter() - t0


def server_cpu(pid: int) -> float:
    """Seconds of CPU the process has used (user + system, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU time of the page's main thread, its renderer process and the server, around a
    measure (Chromium's Performance.getMetrics ThreadTime and ProcessTime; /proc)."""

    def __init__(self, page, server_pid: int) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.pid = server_pid

    def _read(self) -> tuple[float, float, float]:
        metrics = {m["name"]: m["value"]
                   for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["ThreadTime"], metrics["ProcessTime"], server_cpu(self.pid)

    def measure(self, work, count: int) -> tuple[object, str]:
        before = self._read()
        result = work()
        after = self._read()
        main, renderer, server = ((a - b) * 1000 / count for a, b in zip(after, before))
        return result, (f"CPU a {('step' if count > 1 else 'time')}: page main thread "
                        f"{main:.1f} ms, renderer {renderer:.1f} ms, server {server:.1f} ms")


def summary(times: list[float], budget: float) -> str:
    ordered = sorted(times)
    over = sum(t > budget for t in times)
    return (f"median {statistics.median(ordered):6.1f} ms, p95 "
            f"{ordered[int(len(ordered) * 0.95)]:6.1f} ms, max {ordered[-1]:6.1f} ms, "
            f"{over} of {len(times)} over {budget:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build (or reuse) the store in this folder and keep it")
    args = parser.parse_args()

    import random

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nbrun-bench-media-") as tmp:
        home = Path(tmp)
        root = args.keep.resolve() if args.keep else home / "root"
        root.mkdir(parents=True, exist_ok=True)
        if (root / ".nbrun" / "nbrun.db").exists():
            print(f"store: reusing {root / '.nbrun'}")
        else:
            seconds = fill_store(root, args.steps, args.rows)
            print(f"store: {args.steps:,} images (128x128, a mask and 2 boxes each) and a "
                  f"{args.rows:,}-row table logged in {seconds:.1f} s")
        lab = start_lab(root, home)
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                try:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    requests: list[str] = []
                    page.on("request", lambda r: requests.append(r.url))
                    open_lab_page(page, lab)
                    page.click('li[data-id="nbrun-sidebar"]')
                    page.locator("#nbrun-sidebar .jp-nbrun-search").fill("media-bench")
                    page.locator("#nbrun-sidebar .jp-nbrun-row-name",
                                 has_text="media-bench").first.click()
                    panel = page.locator('.jp-nbrun-media-panel[data-key="frames"]')
                    panel.locator("img.jp-nbrun-media-img").wait_for(timeout=60_000)
                    steps = int(panel.locator("input.jp-nbrun-step-range")
                                .get_attribute("max")) + 1
                    page.wait_for_timeout(1000)
                    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
                    cpu = CpuMeter(page, lab.proc.pid)
                    start = len(requests)
                    forward, cost = cpu.measure(lambda: evaluate(
                        page, SLIDER_JS, list(range(steps)), 600_000), steps)
                    during = requests[start:]
                    lists = sum("/media?" in u or u.split("?")[0].endswith("/media")
                                for u in during)
                    images = sum("/files/media/images/" in u for u in during)
                    masks = sum("/files/media/masks/" in u for u in during)
                    print(f"slider: {steps:,} steps forward, step -> image, mask and boxes "
                          f"drawn: {summary(forward, 50)}")
                    print(f"slider: {cost}")
                    print(f"slider: requests meanwhile: {lists} media list, {images} images, "
                          f"{masks} masks")
                    rng = random.Random(0)
                    jumps = [rng.randrange(steps) for _ in range(100)]
                    jumped, cost = cpu.measure(
                        lambda: evaluate(page, SLIDER_JS, jumps, 600_000), len(jumps))
                    print(f"slider: 100 random jumps (mostly not fetched ahead): "
                          f"{summary(jumped, 50)}; {cost}")

                    viewer = page.locator('.jp-nbrun-media-panel[data-key="big"] '
                                          '.jp-nbrun-table-viewer')
                    viewer.scroll_into_view_if_needed()
                    page.wait_for_function("v => v.dataset.loading === 'false'",
                                           arg=viewer.element_handle())
                    print(f"table:  {viewer.get_attribute('data-total')} rows")
                    pages, cost = cpu.measure(lambda: evaluate(
                        page, TABLE_JS, [".jp-nbrun-page-next", 50], 600_000), 50)
                    print(f"table:  50 x Next (25 rows a page): {summary(pages, 100)}; {cost}")
                    last = evaluate(page, TABLE_JS, [".jp-nbrun-page-last", 1])
                    print(f"table:  Last page: {last[0]:6.1f} ms")
                    page.locator(".jp-nbrun-page-size").select_option("100")
                    page.wait_for_function("v => v.dataset.loading === 'false'",
                                           arg=viewer.element_handle())
                    big, cost = cpu.measure(lambda: evaluate(
                        page, TABLE_JS, [".jp-nbrun-page-prev", 20], 600_000), 20)
                    print(f"table:  20 x Previous (100 rows a page): {summary(big, 100)}; "
                          f"{cost}")
                    sort, cost = cpu.measure(lambda: evaluate(
                        page, TABLE_JS, ['th[data-column="score"]', 1]), 1)
                    print(f"table:  sort by score (first time: the server orders "
                          f"{args.rows:,} rows): {sort[0]:6.1f} ms; {cost}")
                    sorted_pages, cost = cpu.measure(lambda: evaluate(
                        page, TABLE_JS, [".jp-nbrun-page-next", 20], 600_000), 20)
                    print(f"table:  20 x Next, sorted: {summary(sorted_pages, 100)}; {cost}")
                    (ms, total), cost = cpu.measure(
                        lambda: evaluate(page, FILTER_JS, "row-0421"), 1)
                    print(f"table:  filter 'row-0421' -> {total} rows in {ms:6.1f} ms "
                          f"(includes the 250 ms typing pause); {cost}")
                finally:
                    browser.close()
        finally:
            stop_lab(lab)


if __name__ == "__main__":
    main()
