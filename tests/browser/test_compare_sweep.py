"""Compare at sweep scale (issue 23 point 4), in a real JupyterLab on a 12-run sweep (lr from
1e-4 to 1e-1, one run failed with an exception): "select all" chooses every run the filters
match and a shift-click a range of rows; compare charts first the key the list is filtered on,
groups its charts by prefix with a search and "Add chart", has one legend for the page (none
per chart, smoothed or not), a metric table whose last/min/max and steps are the store's, and
parallel coordinates that fit the panel with a log lr axis, lines coloured by the metric and
brushing on an axis. Retakes the README's screenshot of compare on the sweep."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from .contrast import SOLID_RATIO_JS
from .conftest import LabPage, scratch_store
from .labserver import ROOT
from .test_compare_theme import switch_theme

LRS = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1, 3e-4, 3e-2]

SWEEP = f"""
import math
LRS = {LRS!r}
for i, lr in enumerate(LRS):
    try:
        with nbrun.init(dir=ROOT_DIR, project="sweep", name=f"sweep-{{i:02d}}",
                        reinit="create_new", config={{"lr": lr, "batch": 32 * (1 + i % 2)}}) as run:
            for step in range(40):
                # val/loss dips at a step that depends on lr, then rises again
                best = 5 + (i * 7) % 30
                run.log({{"train/loss": 2.0 / (step + 1) + lr,
                          "train/acc": min(1.0, step / 40 + lr),
                          "train/grad_norm": 1.0 + lr * step,
                          "val/f1": 0.4 + i / 50,
                          "val/loss": 0.3 + abs(step - best) / 40 + i / 100,
                          "val/acc": 0.5 + 0.4 * math.exp(-abs(math.log10(lr) + 2.5)),
                          "lr_now": lr * (1 - step / 40)}}, step=step)
                if i == 4 and step == 25:
                    raise FloatingPointError("loss diverged")
    except FloatingPointError:
        pass
"""

# Contrast of every text of the new parts, from computed styles (as test_compare_theme).
CONTRAST = "(root) => {" + SOLID_RATIO_JS + """
  const texts = root.querySelectorAll('.jp-nbrun-metric-table th, .jp-nbrun-metric-table td,'
    + ' .jp-nbrun-run-legend li, .jp-nbrun-chart-group > summary, .jp-nbrun-pc-status,'
    + ' .jp-nbrun-add-chart, .jp-nbrun-colour-scale span');
  return [...texts].filter((el) => el.textContent.trim()).map((el) =>
    [el.className + ':' + el.textContent.trim().slice(0, 20), ratio(el)]);
}"""


@pytest.fixture(scope="module")
def sweep(lab):
    with scratch_store(lab, "sweep", SWEEP) as path:
        yield path


def expected_stats(store_dir) -> dict[str, dict]:
    """Per run name, val/loss's last, min and max and their steps, read back from the store."""
    import nbrun

    out = {}
    for record in nbrun.Api(str(store_dir)).runs(project="sweep"):
        rows = [(r["_step"], r["val/loss"]) for r in record.history(["val/loss"])
                if "val/loss" in r]
        lo = min(rows, key=lambda r: r[1])
        hi = max(rows, key=lambda r: r[1])
        out[record.name] = {"last": rows[-1][1], "last_step": rows[-1][0], "min": lo[1],
                            "min_step": lo[0], "max": hi[1], "max_step": hi[0],
                            "state": record.state}
    return out


def expect_compare_count(sidebar, text: str) -> None:
    """The Compare button's label, waited for: the click re-renders the list after it returns."""
    expect(sidebar.locator(".jp-nbrun-compare")).to_have_text(text)


def drag(page, grip, top: float, bottom: float) -> None:
    """A mouse drag along an axis' grip, from `top` to `bottom` (fractions of its height)."""
    grip.scroll_into_view_if_needed()
    box = grip.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * top)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * (top + bottom) / 2, steps=4)
    page.mouse.move(x, box["y"] + box["height"] * bottom, steps=4)
    page.mouse.up()


def test_compare_a_twelve_run_sweep(lab_page: LabPage, sweep):
    page = lab_page.page
    stats = expected_stats(sweep)
    assert len(stats) == 12 and stats["sweep-04"]["state"] == "failed"
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("sweep-")
    # the search applies after a typing pause: waited for, or it could land between the two
    # clicks below (a filter change lets go of the shift-click's starting row, by design)
    page.wait_for_function(
        "() => { const names = [...document.querySelectorAll("
        "'#nbrun-sidebar .jp-nbrun-row-name')].map((e) => e.textContent);"
        " return names.length > 0 && names.every((n) => n.startsWith('sweep-')); }")
    # filtered on a metric: compare charts it first
    sidebar.locator(".jp-nbrun-where").fill("summary.val/loss < 100")
    sidebar.locator(".jp-nbrun-where").press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#nbrun-sidebar .jp-nbrun-status')"
        ".textContent.trim() === '12 runs'")
    rows = sidebar.locator(".jp-nbrun-row")
    rows.nth(11).wait_for()

    # a shift-click chooses the rows between the one clicked before and this one
    rows.nth(2).locator('input[type="checkbox"]').click()
    rows.nth(7).locator('input[type="checkbox"]').click(modifiers=["Shift"])
    expect_compare_count(sidebar, "Compare (6)")
    chosen = [rows.nth(i).locator('input[type="checkbox"]').is_checked() for i in range(12)]
    assert chosen == [i in range(2, 8) for i in range(12)], chosen
    # a shift-click on a chosen row lets the rows from the last one clicked go
    rows.nth(5).locator('input[type="checkbox"]').click(modifiers=["Shift"])
    expect_compare_count(sidebar, "Compare (3)")

    select_all = sidebar.locator(".jp-nbrun-select-all")
    assert select_all.get_attribute("aria-label") == "Select all 12 runs the filters match"
    select_all.click()
    page.wait_for_function(
        "() => document.querySelector('#nbrun-sidebar .jp-nbrun-compare')"
        ".textContent === 'Compare (12)'")
    assert select_all.is_checked()
    sidebar.locator(".jp-nbrun-compare").click()
    view = page.locator(".jp-nbrun-compare-view:visible")
    view.locator(".jp-nbrun-metric-table td.jp-nbrun-stat-min").nth(11).wait_for()

    # charts by use, grouped by prefix: val/ first (filtered on val/loss), then train/, the
    # keys without a prefix last
    groups = view.locator(".jp-nbrun-chart-group")
    assert groups.evaluate_all("(els) => els.map((el) => el.dataset.prefix)") == [
        "val", "train", ""]
    first = groups.first.locator(".jp-nbrun-chart").first
    assert first.get_attribute("data-key") == "compare:val/loss"
    view.locator('.jp-nbrun-chart[data-key="compare:val/loss"] canvas').wait_for()

    # one legend for the page: 12 runs once, no uPlot legend under any chart
    assert view.locator(".jp-nbrun-run-legend li").count() == 12
    assert view.locator(".jp-nbrun-chart").count() == 6
    assert view.locator(".u-legend").count() == 0
    view.locator(".jp-nbrun-smoothing input").fill("0.6")
    view.locator(".jp-nbrun-legend-note").wait_for()
    assert view.locator(".u-legend").count() == 0
    assert view.locator(".jp-nbrun-run-legend li").count() == 12

    # the search narrows the charts; "Add chart" charts a key not charted, in its group
    search = view.locator(".jp-nbrun-chart-search")
    search.fill("f1")
    assert view.locator(".jp-nbrun-chart").count() == 0
    assert view.locator(".jp-nbrun-add-chart-key").input_value() == "val/f1"
    view.locator(".jp-nbrun-add-chart").click()
    view.locator('.jp-nbrun-chart-group[data-prefix="val"] .jp-nbrun-chart'
                 '[data-key="compare:val/f1"]').wait_for()
    search.fill("acc")
    assert view.locator(".jp-nbrun-chart").evaluate_all(
        "(els) => els.map((el) => el.dataset.key)") == ["compare:val/acc", "compare:train/acc"]
    search.fill("")
    assert view.locator(".jp-nbrun-chart").count() == 7

    # the metric table: every run's val/loss last, min and max with their steps, as stored
    table = view.locator(".jp-nbrun-metric-table")
    for name, want in stats.items():
        row = table.locator(f'tr[data-key="val/loss"][data-run="{name}"]')
        got = {stat: float(row.locator(f"td.jp-nbrun-stat-{stat}").get_attribute("data-value"))
               for stat in ("last", "min", "max")}
        steps = {f"{stat}_step": int(row.locator(f"td.jp-nbrun-stat-{stat}-step").text_content())
                 for stat in ("last", "min", "max")}
        assert got == pytest.approx({k: want[k] for k in ("last", "min", "max")}), name
        assert steps == {k: want[k] for k in ("last_step", "min_step", "max_step")}, name
    assert stats["sweep-04"]["last_step"] == 25  # the failed run stops where it raised

    # parallel coordinates: as wide as the panel, lr on a log axis, coloured by the metric
    plot = view.locator("svg.jp-nbrun-parallel")
    fit = plot.evaluate("(svg) => [svg.getBoundingClientRect().width,"
                        " svg.parentElement.clientWidth]")
    assert fit[0] <= fit[1] + 1 and fit[0] >= fit[1] * 0.9, fit
    lr_axis = view.locator('.jp-nbrun-pc-axis[data-key="lr"]')
    assert lr_axis.get_attribute("data-scale") == "log"
    assert lr_axis.locator(".jp-nbrun-plot-tick").all_text_contents() == [
        "0.0001", "0.001", "0.01", "0.1"]
    assert view.locator('.jp-nbrun-pc-axis[data-key="batch"]').get_attribute(
        "data-scale") == "linear"
    assert plot.get_attribute("data-colour") == "metric"
    strokes = view.locator(".jp-nbrun-pc-line").evaluate_all(
        "(els) => els.map((el) => el.getAttribute('stroke'))")
    assert len(strokes) == 12 and all(s.startswith("rgb(") for s in strokes), strokes
    assert plot.get_attribute("data-shown") == "12"

    # brushing: a drag over the lr axis' upper half keeps the runs with lr above ~3e-3
    grip = lr_axis.locator(".jp-nbrun-pc-grip")
    assert grip.get_attribute("aria-label").startswith("Brush lr")
    drag(page, grip, 0.02, 0.5)
    shown = int(plot.get_attribute("data-shown"))
    assert 0 < shown < 12, shown
    assert view.locator(".jp-nbrun-pc-line:not(.jp-mod-dimmed)").count() == shown
    assert view.locator(".jp-nbrun-pc-status").text_content() == (
        f"{shown} of 12 runs within the brushed ranges")
    view.locator(".jp-nbrun-pc-brush").wait_for()
    # the README's picture: the page's legend (it stays on top) over the brushed plot
    view.locator(".jp-nbrun-pc-block").evaluate("(el) => el.scrollIntoView({block: 'center'})")
    shot = lab_page.screenshot("compare-sweep.png", view)
    shutil.copy(shot, ROOT / "notebooks" / "screenshots" / "compare-sweep.png")

    # a click on the axis clears its brush
    grip.scroll_into_view_if_needed()
    box = grip.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.8)
    page.wait_for_function("(svg) => svg.dataset.shown === '12'", arg=plot.element_handle())
    assert view.locator(".jp-nbrun-pc-brush").count() == 0
    # by the keyboard: an arrow key on the focused axis brushes its upper half, Enter clears
    grip.focus()
    page.keyboard.press("ArrowUp")
    page.wait_for_function("(svg) => +svg.dataset.shown < 12", arg=plot.element_handle())
    page.keyboard.press("Enter")
    page.wait_for_function("(svg) => svg.dataset.shown === '12'", arg=plot.element_handle())

    light = [(t, round(r, 2)) for t, r in view.evaluate(CONTRAST) if r < 4.5]
    try:
        switch_theme(page, "JupyterLab Dark")
        dark = [(t, round(r, 2)) for t, r in view.evaluate(CONTRAST) if r < 4.5]
    finally:
        switch_theme(page, "JupyterLab Light")
    assert not light and not dark, (light, dark)
    assert not lab_page.errors and not lab_page.dialogs
