"""MLflow's own UI (served by a real MLflow server, driven in headless chromium) shows the media
nbrun synced: an image key as an image chart with MLflow's step slider, moving through the
steps logged, and a table as a table, image cells included."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import sync_support
from sync_support import wait_synced

import nbrun

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online
LOAD_S = 180  # MLflow's UI is a large bundle; on a loaded 2-core machine it takes its time


def _wait_request(seen: list[str], pattern: str) -> str:
    deadline = time.monotonic() + LOAD_S
    while time.monotonic() < deadline:
        found = [u for u in seen if re.search(pattern, u)]
        if found:
            return found[-1]
        time.sleep(0.25)
    raise AssertionError(f"the UI never asked for {pattern!r}; it asked for {seen}")


def test_mlflows_ui_shows_the_images_with_its_step_slider_and_the_table(online, store_dir,
                                                                        browser):
    run = nbrun.init(dir=store_dir, project="mlflow-ui-media", id="ui1")
    for step in range(3):
        run.log({"digits": nbrun.Image(np.full((28, 28, 3), 80 * step, np.uint8))}, step=step)
    run.log({"preds": nbrun.Table(columns=["n", "im"],
                                  data=[[1, nbrun.Image(np.zeros((8, 8, 3), np.uint8))]])},
            step=3)
    run.finish()
    st = wait_synced(store_dir, "ui1")
    base = st["url"].split("#")[0]
    eid, rid = st["url"].rsplit("/experiments/", 1)[1].split("/runs/")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url) if "artifact" in r.url else None)
    page = context.new_page()
    try:
        page.goto(f"{base}#/experiments/{eid}/runs/{rid}/model-metrics", timeout=LOAD_S * 1000)
        slider = page.locator("input[data-component-id="
                              "'mlflow.experiment_tracking.common.line_smooth_slider']")
        slider.wait_for(timeout=LOAD_S * 1000)
        assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", "2")
        _wait_request(asked, r"/images/digits%2Bstep%2B0%2B.*%2Bcompressed\.webp$")
        slider.fill("2")
        slider.blur()  # the slider takes a typed step when the field loses focus
        _wait_request(asked, r"/images/digits%2Bstep%2B2%2B.*%2Bcompressed\.webp$")
        handle = page.locator("[role=slider]").first
        assert handle.get_attribute("aria-valuenow") == "2"
        handle.press("ArrowLeft")  # one step back with the slider itself
        _wait_request(asked, r"/images/digits%2Bstep%2B1%2B.*%2Bcompressed\.webp$")

        page.close()
        page = context.new_page()
        page.goto(f"{base}#/experiments/{eid}/runs/{rid}/artifacts/tables/preds/step-3.json",
                  timeout=LOAD_S * 1000)
        page.get_by_text("View as table").wait_for(timeout=LOAD_S * 1000)
        page.locator("img[src^='blob:']").first.wait_for(timeout=LOAD_S * 1000)
        _wait_request(asked, r"/table_images/tables/preds/step-3/[0-9a-f]+\.webp$")
        sizes = page.evaluate("() => [...document.querySelectorAll('img[src^=\"blob:\"]')]"
                              ".map(i => [i.naturalWidth, i.naturalHeight])")
        assert sizes == [[256, 256]]  # the image cell, shown from its compressed copy
    finally:
        context.close()
