"""The sidebar benchmark's chart parts (run by ``bench_sidebar.py``, ``--only live`` and
``--only compare``): a live chart's poll traffic with ``since_step`` against the full refetch
it replaces, and the compare view of 20 runs x 10 keys x 100,000 steps drawn from one click."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from browser.labserver import child_env, launch_chromium, open_lab_page, start_lab, stop_lab

WRITERS = 2  # child processes that fill a store


def evaluate(page, js: str, arg=None, timeout_ms: int = 60_000):
    """``page.evaluate`` of a function returning a promise, failing after ``timeout_ms``."""
    race = (f"(arg) => Promise.race([({js.strip()})(arg), new Promise((_, reject) => "
            f"setTimeout(() => reject(new Error('no answer within {timeout_ms} ms')), "
            f"{timeout_ms}))])")
    return page.evaluate(race, arg)


LIVE_WRITER = """
import sys, time, nbrun
run = nbrun.init(dir=sys.argv[1], project="live", name="live-run", mode="offline")
step = 0
# 10,000 steps logged up front, then about 200 steps a second for the measured window.
for step in range(10_000):
    run.log({"loss": 1 / (step + 1), "acc": step / 1e4, "lr": 1e-3}, step=step)
print("ready", flush=True)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    step += 1
    run.log({"loss": 1 / (step + 1), "acc": step / 1e4, "lr": 1e-3}, step=step)
    time.sleep(0.005)
run.finish()
"""


def live_traffic(seconds: float = 10.0) -> None:
    """Bytes per second a live chart of 3 keys pulls while a run logs ~200 steps/s: the
    detail view's old poll (1,000 downsampled points per key every second) next to the
    ``since_step`` poll (the points after the last step held)."""
    import json as _json
    import urllib.request

    with tempfile.TemporaryDirectory(prefix="nbrun-bench-live-") as tmp:
        home = Path(tmp)
        root = home / "root"
        root.mkdir()
        writer = subprocess.Popen([sys.executable, "-c", LIVE_WRITER, str(root),
                                   str(seconds + 3)], env=child_env(NBRUN_MODE="offline"),
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "ready"
            lab = start_lab(root, home)
            try:
                run_id = lab.request("nbrun/api/runs")["runs"][0]["id"]
                keys = "&keys=loss&keys=acc&keys=lr"
                base = f"{lab.url}nbrun/api/runs/{run_id}/history?points=1000{keys}"

                def get(url: str) -> tuple[int, dict]:
                    req = urllib.request.Request(url, headers={
                        "Authorization": f"token {lab.token}"})
                    with urllib.request.urlopen(req, timeout=30) as response:
                        body = response.read()
                    return len(body), _json.loads(body)

                full_bytes = since_bytes = timed_bytes = polls = 0
                size, held = get(base)
                last = max(s["steps"][-1] for s in held["keys"].values() if s["steps"])
                t_end = time.monotonic() + seconds
                while time.monotonic() < t_end:
                    time.sleep(1.0)
                    size, _ = get(base)  # today's poll
                    full_bytes += size
                    size, new = get(f"{base}&since_step={last}")
                    since_bytes += size
                    # a chart on a time axis: the same new points with their times
                    size, _ = get(f"{base}&since_step={last}&times=true")
                    timed_bytes += size
                    last = max([last] + [s["steps"][-1] for s in new["keys"].values()
                                         if s["steps"]])
                    polls += 1
                print(f"live:   chart of 3 keys, run logging ~200 steps/s, {polls} polls of 1 s:")
                print(f"live:   full refetch (1,000 points/key)  {full_bytes / polls:10,.0f} "
                      "bytes/s")
                print(f"live:   since_step (new points only)     {since_bytes / polls:10,.0f} "
                      f"bytes/s  ({full_bytes / max(since_bytes, 1):.1f}x less)")
                print(f"live:   since_step, on a time axis        {timed_bytes / polls:10,.0f} "
                      "bytes/s  (each point's time too)")
            finally:
                stop_lab(lab)
        finally:
            writer.kill()
            writer.wait()


COMPARE_FILL = """
import sys, nbrun
root, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + count):
    run = nbrun.init(dir=root, project="cmp", name=f"cmp-{i:02d}", mode="offline",
                     reinit="create_new", config={"lr": 1e-3 * (i + 1), "seed": i})
    for step in range(100_000):
        run.log({f"k{k}": (k + 1) / (step + 1 + i) for k in range(10)})
    run.finish()
"""

# Armed before the click on Compare: resolves with the milliseconds until the metric chart of
# every run is drawn (the chart's data-points counts the points it holds).
ARM_COMPARE_JS = """
(runs) => {
  window.__nbrunCompare = new Promise(resolve => {
    const t0 = performance.now();
    const check = () => {
      const chart = document.querySelector('.jp-nbrun-compare-view .jp-nbrun-chart');
      const canvas = chart && chart.querySelector('canvas');
      if (canvas && Number(chart.dataset.points) >= runs * 2) {
        resolve({ms: performance.now() - t0, points: Number(chart.dataset.points)});
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  });
}
"""


def compare_render(runs: int = 20) -> None:
    """Compare of 20 runs x 10 keys x 100,000 steps: from the click on Compare to the metric
    chart drawn with every run's (server-downsampled) series."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nbrun-bench-compare-") as tmp:
        home = Path(tmp)
        root = home / "root"
        root.mkdir()
        t0 = time.perf_counter()
        per = runs // WRITERS
        procs = [subprocess.Popen([sys.executable, "-c", COMPARE_FILL, str(root), str(w * per),
                                   str(per)], env=child_env(NBRUN_MODE="offline"))
                 for w in range(WRITERS)]
        for proc in procs:
            proc.wait()
        print(f"compare: {runs} runs x 10 keys x 100,000 steps written in "
              f"{time.perf_counter() - t0:.1f} s")
        lab = start_lab(root, home)
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                try:
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    open_lab_page(page, lab)
                    page.click('li[data-id="nbrun-sidebar"]')
                    page.locator("#nbrun-sidebar .jp-nbrun-search").fill("cmp-")
                    page.locator("#nbrun-sidebar .jp-nbrun-row-name",
                                 has_text="cmp-").first.wait_for(timeout=30_000)
                    compare = page.locator("#nbrun-sidebar .jp-nbrun-compare")
                    # The list is windowed: tick the rows in view, scroll on, until all 20.
                    for _ in range(40):
                        boxes = page.locator("#nbrun-sidebar .jp-nbrun-row "
                                             "input[type=checkbox]:not(:checked)")
                        while boxes.count():
                            boxes.first.check()
                        if compare.text_content() == f"Compare ({runs})":
                            break
                        page.locator("#nbrun-sidebar .jp-nbrun-list").evaluate(
                            "(el) => { el.scrollTop += el.clientHeight / 2; }")
                        page.wait_for_timeout(200)
                    page.evaluate(ARM_COMPARE_JS, runs)
                    compare.click()
                    result = evaluate(page, "() => window.__nbrunCompare")
                    print(f"compare: 20 runs, click -> metric chart drawn with "
                          f"{result['points']:,} points in {result['ms']:7.1f} ms")
                finally:
                    browser.close()
        finally:
            stop_lab(lab)
