"""The detail view's charts (issue 13, point 1), in a real JupyterLab: smoothing changes the
drawn line and not the data, a log y scale, zoom and reset, and a key picker with a search."""

from __future__ import annotations

from .conftest import LabPage


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
