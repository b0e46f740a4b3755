"""Compare and themes as a new user meets them (issue 13, point 5), in a real JupyterLab: more
than 10 runs keep distinct colours, run names head the diff table unbroken, the Dark theme's
diff table is legible (contrast computed from computed styles), and a chart opened before a
theme switch takes the new theme's colours."""

from __future__ import annotations

import pytest

from .contrast import SOLID_RATIO_JS
from .conftest import LabPage, scratch_store

MANY_RUNS = """
for i in range(12):
    run = nbrun.init(dir=ROOT_DIR, project="palette", name=f"palette-run-{i:02d}",
                     reinit="create_new", config={"lr": 0.01 * (i + 1), "batch": 64})
    for step in range(20):
        run.log({"loss": (i + 1) / (step + 1)})
    run.finish()
"""

CONTRAST = "(root) => {" + SOLID_RATIO_JS + """
  const labels = root.querySelectorAll(
    'tr.jp-nbrun-diff th, tr.jp-nbrun-diff td, tbody th, thead .jp-nbrun-link');
  return [...labels].map((el) => [el.textContent.trim(), ratio(el)]);
}"""

LINES = """(table) => [...table.querySelectorAll('thead .jp-nbrun-link, tbody th')].map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return [el.textContent, tops.size];
})"""


def switch_theme(page, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.click()
    page.locator(".lm-Menu-itemLabel", has_text=name).first.click()
    page.wait_for_function(f"() => document.body.dataset.jpThemeName === {name!r}",
                           timeout=20_000)


@pytest.fixture(scope="module")
def palette(lab):
    with scratch_store(lab, "palette", MANY_RUNS) as path:
        yield path


def open_compare(lab_page: LabPage):
    """The compare view of the 12 palette runs."""
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("palette-run-")
    for i in range(12):
        row = lab_page.row(f"palette-run-{i:02d}")
        row.wait_for(timeout=10_000)
        row.locator('input[type="checkbox"]').check()
    sidebar.locator(".jp-nbrun-compare").click()
    view = lab_page.page.locator(".jp-nbrun-compare-view:visible")
    view.locator(".jp-nbrun-config-diff").wait_for()
    return view


def test_compare_of_twelve_runs_has_twelve_colours_and_unbroken_names(lab_page: LabPage, palette):
    view = open_compare(lab_page)
    view.locator(".jp-nbrun-show-all input").check()  # every key, not only those that differ
    table = view.locator(".jp-nbrun-config-diff")
    colours = table.locator("thead .jp-nbrun-swatch").evaluate_all(
        "(els) => els.map((el) => getComputedStyle(el).backgroundColor)")
    assert len(colours) == 12 and len(set(colours)) == 12, colours
    lines = table.evaluate(LINES)
    assert len(lines) == 12 + 2 and all(n == 1 for _, n in lines), lines  # no name broken
    assert not lab_page.errors and not lab_page.dialogs


def test_dark_theme_diff_table_is_legible(lab_page: LabPage, palette):
    page = lab_page.page
    view = open_compare(lab_page)
    table = view.locator(".jp-nbrun-config-diff")
    try:
        switch_theme(page, "JupyterLab Dark")
        ratios = table.evaluate(CONTRAST)
        assert any(text == "lr" for text, _ in ratios)
        low = [(text, round(r, 2)) for text, r in ratios if r < 4.5]
        lab_page.screenshot("compare-dark.png", view)
        assert not low, low
    finally:
        switch_theme(page, "JupyterLab Light")
    assert not lab_page.errors and not lab_page.dialogs


def test_a_chart_opened_before_a_theme_switch_takes_the_new_colours(lab_page: LabPage, palette):
    page = lab_page.page
    view = open_compare(lab_page)
    chart = view.locator('.jp-nbrun-chart[data-key="compare:loss"]')  # charted by default
    chart.locator("canvas").wait_for()
    light = page.evaluate("getComputedStyle(document.body)"
                          ".getPropertyValue('--jp-ui-font-color2').trim()")
    page.wait_for_function("([el, c]) => el.dataset.axisColor === c",
                           arg=[chart.element_handle(), light], timeout=10_000)
    try:
        switch_theme(page, "JupyterLab Dark")
        dark = page.evaluate("getComputedStyle(document.body)"
                             ".getPropertyValue('--jp-ui-font-color2').trim()")
        assert dark != light
        # the axes are drawn (on the canvas) with the colour the chart was built with
        page.wait_for_function("([el, c]) => el.dataset.axisColor === c",
                               arg=[chart.element_handle(), dark], timeout=10_000)
    finally:
        switch_theme(page, "JupyterLab Light")
    assert not lab_page.errors and not lab_page.dialogs
