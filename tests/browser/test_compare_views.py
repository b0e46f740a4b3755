"""Charts by time and the compare view's plots (issue 13, points 1 and 2), in a real
JupyterLab: the x axis switch (step, relative time, wall time) changes the axis and where the
points are drawn, never the data; a compare of 3 runs shows only the config keys that differ
(all on demand), parallel coordinates with one line per run and a scatter with one point per
run, each in the run's colour."""

from __future__ import annotations

import re

import pytest

from .conftest import LabPage, scratch_store

# Four bursts of steps about 0.6 s apart: each burst is stored by its own commit, so a time
# axis spreads the bursts while a step axis spaces every step alike.
BURSTS = """
import time
run = nbrun.init(dir=ROOT_DIR, project="timed", name="timed-run", reinit="create_new")
for burst in range(4):
    for i in range(10):
        step = burst * 10 + i
        run.log({"loss": 1.0 / (step + 1)}, step=step)
    time.sleep(0.6 if burst < 3 else 0)
run.finish()
"""


@pytest.fixture(scope="module")
def timed(lab):
    with scratch_store(lab, "timed", BURSTS) as path:
        yield path


def attrs(chart) -> dict:
    return chart.evaluate("(el) => ({...el.dataset})")


def switch_x(page, detail, chart, axis: str, before: dict) -> dict:
    detail.locator(".jp-nbrun-x-axis select").select_option(axis)
    page.wait_for_function(
        "([el, axis, ticks]) => el.dataset.xAxis === axis && el.dataset.xReady === 'true'"
        " && el.dataset.xTicks && el.dataset.xTicks !== ticks",
        arg=[chart.element_handle(), axis, before["xTicks"]])
    return attrs(chart)


def test_x_axis_by_step_relative_and_wall_time(lab_page: LabPage, timed):
    page = lab_page.page
    asked = []  # history requests: times are asked for only on a time axis
    page.on("request", lambda r: asked.append(r.url) if "/history?" in r.url else None)
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("timed-run")
    chart = detail.locator('.jp-nbrun-chart[data-key="loss"]')
    chart.locator("canvas").wait_for()
    page.wait_for_function("(el) => el.dataset.points === '40' && el.dataset.xTicks",
                           arg=chart.element_handle())
    step = attrs(chart)
    assert step["xAxis"] == "step"
    assert all(re.fullmatch(r"\d+", t) for t in step["xTicks"].split("|")), step["xTicks"]
    assert chart.locator(".jp-nbrun-chart-caption").text_content().startswith("x: step")

    assert asked and not any("times=" in url for url in asked)
    relative = switch_x(page, detail, chart, "relative", step)
    assert "times=true" in asked[-1]
    ticks = relative["xTicks"].split("|")
    assert all(re.fullmatch(r"[\d.]+s", t) for t in ticks), ticks  # seconds since the start
    assert float(ticks[-1][:-1]) >= 1.0  # the bursts span more than a second
    # the same points (and values) drawn elsewhere: step 20 is not halfway in time
    # (the times are fetched when a time axis is chosen: the same points, with their times)
    assert relative["points"] == step["points"] == "40"
    assert relative["drawnLast"] == step["drawnLast"]
    assert relative["xDrawn"] != step["xDrawn"]
    assert "time since the run started" in chart.locator(
        ".jp-nbrun-chart-caption").text_content()
    lab_page.screenshot("detail-x-axis.png", detail.locator(".jp-nbrun-charts-section"))

    wall = switch_x(page, detail, chart, "wall", relative)
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in wall["xTicks"].split("|")), wall
    assert wall["points"] == "40" and wall["drawnLast"] == step["drawnLast"]

    back = switch_x(page, detail, chart, "step", wall)
    assert back["xTicks"] == step["xTicks"] and back["xDrawn"] == step["xDrawn"]
    assert not lab_page.errors and not lab_page.dialogs


def open_compare(lab_page: LabPage, names: list[str]):
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("baseline-")
    for name in names:
        lab_page.row(name).locator('input[type="checkbox"]').check()
    sidebar.locator(".jp-nbrun-compare").click()
    view = lab_page.page.locator(".jp-nbrun-compare-view:visible")
    view.locator(".jp-nbrun-config-diff").wait_for()
    return view


def test_compare_of_three_runs_diff_parallel_coordinates_and_scatter(lab_page: LabPage):
    names = ["baseline-0", "baseline-1", "baseline-2"]
    view = open_compare(lab_page, names)
    # conftest's runs: lr = 0.1 / (i + 1) differs; batch and optim.name are the same
    table = view.locator(".jp-nbrun-config-diff")
    rows = table.locator("tbody tr")
    rows.first.wait_for()
    assert rows.evaluate_all("(rs) => rs.map((r) => r.dataset.key)") == ["lr"]
    view.locator(".jp-nbrun-show-all input").check()
    lab_page.page.wait_for_function(
        "(t) => t.querySelectorAll('tbody tr').length === 3", arg=table.element_handle())
    assert rows.evaluate_all("(rs) => rs.map((r) => r.dataset.key)") == [
        "batch", "lr", "optim.name"]
    view.locator(".jp-nbrun-show-all input").uncheck()

    colours = table.locator("thead .jp-nbrun-swatch").evaluate_all(
        "(els) => els.map((el) => getComputedStyle(el).backgroundColor)")

    pc = view.locator(".jp-nbrun-parallel")
    # lines take the metric's colour scale unless coloured by run (issue 23 point 4)
    assert pc.get_attribute("data-colour") == "metric"
    view.locator(".jp-nbrun-pc-colour").select_option("run")
    lines = pc.locator("path.jp-nbrun-pc-line")
    assert lines.count() == 3
    assert [lines.nth(i).get_attribute("data-run") for i in range(3)] == names
    # one line per run, in the run's colour, through both axes (lr, then the metric)
    strokes = lines.evaluate_all("(ls) => ls.map((l) => getComputedStyle(l).stroke)")
    assert strokes == colours
    assert all(d.count("L") == 1 for d in lines.evaluate_all(
        "(ls) => ls.map((l) => l.getAttribute('d'))"))
    assert view.locator(".jp-nbrun-pc-metric").input_value() == "best_acc"
    axis_titles = pc.locator(".jp-nbrun-plot-title").all_text_contents()
    assert axis_titles == ["lr", "best_acc"]  # text, not only tooltips
    assert "0.1" in pc.locator('g[data-key="lr"] .jp-nbrun-plot-tick').all_text_contents()

    scatter = view.locator(".jp-nbrun-scatter")
    points = scatter.locator("circle.jp-nbrun-scatter-point")
    assert points.count() == 3
    assert view.locator(".jp-nbrun-scatter-x").input_value() == "lr"
    assert view.locator(".jp-nbrun-scatter-y").input_value() == "best_acc"
    xy = points.evaluate_all(
        "(ps) => ps.map((p) => [+p.getAttribute('cx'), +p.getAttribute('cy')])")
    # lr falls and best_acc rises from baseline-0 to baseline-2: left goes up (smaller y)
    assert xy[0][0] > xy[1][0] > xy[2][0] and xy[0][1] > xy[1][1] > xy[2][1]
    fills = points.evaluate_all("(ps) => ps.map((p) => getComputedStyle(p).fill)")
    assert fills == colours
    assert scatter.locator(".jp-nbrun-scatter-run text").all_text_contents() == names
    # another config value on x: the text values become categories
    view.locator(".jp-nbrun-scatter-x").select_option("optim.name")
    lab_page.page.wait_for_function(
        "(s) => [...s.querySelectorAll('.jp-nbrun-plot-tick')].some("
        "(t) => t.textContent === 'adam')", arg=scatter.element_handle())
    view.locator(".jp-nbrun-scatter-x").select_option("lr")
    lab_page.screenshot("compare-plots.png",
                        view.locator(".jp-nbrun-config-plots"))
    assert not lab_page.errors and not lab_page.dialogs
