"""The detail view's charts (issue 13, point 1), in a real JupyterLab: smoothing changes the
drawn line and not the data, a log y scale, zoom and reset, and a key picker with a search."""

from __future__ import annotations

from .conftest import LabPage, scratch_store


def test_smoothing_log_scale_zoom_and_key_search(lab_page: LabPage):
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("baseline-0")
    chart = detail.locator('.jp-nbrun-chart[data-key="loss"]')
    chart.locator("canvas").wait_for()
    page.wait_for_function("(el) => el.dataset.points === '50'", arg=chart.element_handle())
    raw_last = float(chart.get_attribute("data-drawn-last"))
    assert raw_last == 1 / 50

    detail.locator(".jp-nbrun-smoothing input").fill("0.9")
    page.wait_for_function("(el) => el.dataset.smoothing === '0.9'", arg=chart.element_handle())
    smoothed_last = float(chart.get_attribute("data-drawn-last"))
    last = debias = 0.0
    for step in range(50):                       # TensorBoard's debiased EMA
        last = last * 0.9 + 0.1 / (step + 1)
        debias = debias * 0.9 + 0.1
    assert abs(smoothed_last - last / debias) < 1e-9 and smoothed_last > raw_last
    assert chart.get_attribute("data-points") == "50"   # the data is the same
    legend = chart.locator(".u-legend .u-label").all_text_contents()
    assert "loss" in legend and "loss (smoothed)" in legend  # raw kept (faint) behind

    assert chart.get_attribute("data-y-scale") == "linear"
    detail.locator(".jp-nbrun-log-y input").check()
    page.wait_for_function("(el) => el.dataset.yScale === 'log'", arg=chart.element_handle())
    assert chart.get_attribute("data-points") == "50"

    over = chart.locator(".u-over")
    box = over.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_function("(el) => el.dataset.zoomed === 'true'", arg=chart.element_handle())
    chart.locator(".jp-nbrun-chart-reset").click()
    page.wait_for_function("(el) => el.dataset.zoomed === 'false'", arg=chart.element_handle())

    detail.locator(".jp-nbrun-keys-toggle").click()
    detail.locator(".jp-nbrun-key-search").fill("ac")
    options = detail.locator(".jp-nbrun-key-picker .jp-nbrun-column-option")
    assert options.all_text_contents() == ["acc"]
    lab_page.screenshot("detail-charts-smoothing.png", detail)
    assert not lab_page.errors and not lab_page.dialogs


TICK_RUNS = """
run = nbrun.init(dir=ROOT_DIR, project="ticks", name="lr-schedule", reinit="create_new")
for step in range(300):
    run.log({"lr": 0.01 * 0.97 ** step, "flat": 0.01 + step * 1e-7, "big": step * 1000.0})
run.finish()
"""


def y_ticks(chart) -> list[str]:
    return chart.get_attribute("data-y-ticks").split("|")


def test_ticks_are_distinct_and_readable_and_log_keeps_the_zoom(lab_page: LabPage, lab):
    # Issue 23, point 7: a log lr axis read "0.01, 0, 0, 0", a flat one "0.01, 0.01, 0.01",
    # 300,000 was clipped to "00,000", and toggling log lost the zoom.
    page = lab_page.page
    with scratch_store(lab, "ticks", TICK_RUNS):
        lab_page.open()
        lab_page.open_sidebar()
        detail = lab_page.open_run("lr-schedule")
        charts = {key: detail.locator(f'.jp-nbrun-chart[data-key="{key}"]')
                  for key in ("lr", "flat", "big")}
        for chart in charts.values():
            page.wait_for_function("(el) => el.dataset.points === '300' && el.dataset.yTicks",
                                   arg=chart.element_handle())
        for key, chart in charts.items():
            ticks = y_ticks(chart)
            assert len(ticks) == len(set(ticks)) >= 2, (key, ticks)
        assert all(t.endswith("k") or t == "0" for t in y_ticks(charts["big"]))
        # the axis is as wide as its labels: the canvas' label area is never narrower
        assert "300k" in y_ticks(charts["big"]) or "250k" in y_ticks(charts["big"])

        lr = charts["lr"]
        over = lr.locator(".u-over")
        box = over.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        page.wait_for_function("(el) => el.dataset.zoomed === 'true'", arg=lr.element_handle())
        zoomed_x = lr.get_attribute("data-x-range")
        low, high = map(float, zoomed_x.split("|"))
        assert 0 < low < high < 299
        linear_y = lr.get_attribute("data-y-ticks")
        detail.locator(".jp-nbrun-log-y input").check()
        page.wait_for_function("([el, t]) => el.dataset.yScale === 'log' && el.dataset.yTicks "
                               "&& el.dataset.yTicks !== t", arg=[lr.element_handle(), linear_y])
        assert lr.get_attribute("data-x-range") == zoomed_x
        assert lr.get_attribute("data-zoomed") == "true"
        ticks = [t for t in y_ticks(lr) if t]  # a log axis leaves minor ticks unlabelled
        assert len(ticks) >= 2 and len(ticks) == len(set(ticks)) and "0" not in ticks, ticks
        assert not lab_page.errors and not lab_page.dialogs
