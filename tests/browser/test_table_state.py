"""Finding the best run and a view that survives a reload (issue 23, points 3 and 9): the Sort
menu lists every metric and config key; a metric's first click sorts its better way; value
headers show at any sidebar width; a row's step is never cut; filters, order and grouping come
back per project after a reload; one detail tab is reused; tabs come back with run names."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, scratch_store
from .test_runs_table import (TABLE, TABLE_RUNS, choose_column, group_by, show_project,
                              shown_names)

pytestmark = pytest.mark.slow

# The main area's current tab.
CURRENT_TAB = ".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current"

BY_ACC = [name for name, *_ in sorted(TABLE, key=lambda t: -t[3])]

LONG_RUNS = """
for name in ["long-a", "long-b"]:
    run = nbrun.init(dir=ROOT_DIR, project="steps", name=name, reinit="create_new",
                     tags=["baseline", "sweep"])
    for step in range(800):
        run.log({"loss": 1.0 / (step + 1)})
    run.finish()
"""

# How many pixels of "step 799" are hidden by the boxes around it that clip (0 when whole).
STEP_CUT = """(row) => {
  const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
  let text = '';
  const nodes = [];
  while (walker.nextNode()) { nodes.push(walker.currentNode); text += walker.currentNode.data; }
  const node = nodes.find((n) => n.data.includes('799'));
  if (!node) { return ['no step in ' + text, 999]; }
  const range = document.createRange();
  range.selectNodeContents(node);
  const right = range.getBoundingClientRect().right;
  const own = node.parentElement;
  let hidden = own.scrollWidth - own.clientWidth;
  for (let box = own; box && box !== row.parentElement; box = box.parentElement) {
    if (getComputedStyle(box).overflowX !== 'visible') {
      hidden = Math.max(hidden, right - box.getBoundingClientRect().right);
    }
  }
  return [text, hidden];
}"""


@pytest.fixture
def table(lab_page: LabPage) -> Any:
    with scratch_store(lab_page.lab, "sorting", TABLE_RUNS):
        lab_page.open()
        yield show_project(lab_page, "tbl")
    assert not lab_page.errors and not lab_page.dialogs


def set_width(page: Any, width: int) -> None:
    """Drag the left area's handle so the sidebar is ``width`` pixels wide."""
    sidebar = page.locator("#nbrun-sidebar").bounding_box()
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle:visible").first
    box = handle.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(sidebar["x"] + width, y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "(w) => Math.abs(document.querySelector('#nbrun-sidebar')"
        ".getBoundingClientRect().width - w) < 12", arg=width)


def test_sort_menu_lists_every_metric_and_config_key(lab_page: LabPage, table):
    sidebar = table
    menu = sidebar.locator(".jp-nbrun-sort")
    for value in ["-summary.best_acc", "summary.best_acc", "config.lr", "-config.lr",
                  "config.optimizer"]:
        menu.locator(f'option[value="{value}"]').wait_for(state="attached", timeout=20_000)
    menu.select_option("-summary.best_acc")
    wait_order(sidebar, BY_ACC)
    menu.select_option("config.lr")
    wait_order(sidebar, [name for name, *_ in sorted(TABLE, key=lambda t: t[1])])


def wait_order(sidebar: Any, names: list[str]) -> None:
    deadline = time.monotonic() + 15
    while shown_names(sidebar) != names:
        if time.monotonic() > deadline:
            assert shown_names(sidebar) == names
        time.sleep(0.2)


@pytest.mark.parametrize("width", [300, 420])
def test_metric_header_at_a_narrow_sidebar_sorts_best_first(lab_page: LabPage, table, width):
    sidebar = table
    set_width(lab_page.page, width)
    choose_column(sidebar, "summary", "best_acc")
    head = sidebar.locator('.jp-nbrun-list-head [data-column="summary.best_acc"] button')
    expect(head).to_be_visible()
    assert "highest first" in (head.get_attribute("title") or "")
    head.click()
    wait_order(sidebar, BY_ACC)
    expect(sidebar.locator('[data-column="summary.best_acc"][role="columnheader"]')
           ).to_have_attribute("aria-sort", "descending")
    lab_page.screenshot(f"runs-table-sort-{width}px.png", sidebar)


def test_step_count_is_never_cut(lab_page: LabPage):
    with scratch_store(lab_page.lab, "steps", LONG_RUNS):
        lab_page.open()
        sidebar = show_project_any(lab_page, "steps", "2 runs")
        for width in [250, 300, 420, 760]:
            set_width(lab_page.page, width)
            for name in ["long-a", "long-b"]:
                row = lab_page.row(name).first
                row.wait_for()
                text, hidden = row.evaluate(STEP_CUT)
                assert "step 799" in text
                assert hidden <= 0.5, f"'step 799' cut by {hidden:.0f}px at {width}px"
        assert sidebar.is_visible()
    assert not lab_page.errors and not lab_page.dialogs


def show_project_any(lab_page: LabPage, project: str, status: str) -> Any:
    sidebar = lab_page.open_sidebar()
    menu = sidebar.locator(".jp-nbrun-filter-project")
    menu.locator(f'option[value="{project}"]').wait_for(state="attached", timeout=20_000)
    menu.select_option(project)
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text(status)
    return sidebar


def workspace_holds(lab_page: LabPage, text: str) -> None:
    """Wait until the page's workspace (saved by the lab shortly after a change) holds ``text``."""
    name = lab_page.page.url.split("/workspaces/")[1].split("?")[0].split("/")[0]
    deadline = time.monotonic() + 20
    while text not in json.dumps(lab_page.lab.request(f"lab/api/workspaces/{name}")):
        assert time.monotonic() < deadline, f"the workspace never saved {text!r}"
        time.sleep(0.25)


def test_reload_keeps_filters_order_and_grouping_per_project(lab_page: LabPage, table):
    sidebar = table
    page = lab_page.page
    lab_page.search("t-")
    sidebar.locator(".jp-nbrun-sort").locator(
        'option[value="-summary.best_acc"]').wait_for(state="attached")
    sidebar.locator(".jp-nbrun-sort").select_option("-summary.best_acc")
    group_by(sidebar, "config.optimizer")
    workspace_holds(lab_page, "config.optimizer")
    sidebar = reload_with_sidebar(page)
    expect(sidebar.locator(".jp-nbrun-filter-project")).to_have_value("tbl")
    expect(sidebar.locator(".jp-nbrun-search")).to_have_value("t-")
    expect(sidebar.locator(".jp-nbrun-sort")).to_have_value("-summary.best_acc")
    expect(sidebar.locator(".jp-nbrun-group-by")).to_have_value("config.optimizer")

    # Per project: all projects keep their own order.
    sidebar.locator(".jp-nbrun-filter-project").select_option("")
    sidebar.locator(".jp-nbrun-sort").select_option("name")
    sidebar.locator(".jp-nbrun-filter-project").select_option("tbl")
    workspace_holds(lab_page, '"project": "tbl"')
    sidebar = reload_with_sidebar(page)
    expect(sidebar.locator(".jp-nbrun-filter-project")).to_have_value("tbl")


def reload_with_sidebar(page: Any) -> Any:
    """Reload the page; the sidebar, open before, comes back open with the layout."""
    page.reload()
    sidebar = page.locator("#nbrun-sidebar")
    sidebar.wait_for(state="visible", timeout=60_000)
    return sidebar


def detail_tabs(page: Any) -> Any:
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Run")


def test_opening_runs_reuses_one_detail_tab(lab_page: LabPage, table):
    page = lab_page.page
    for name, *_ in TABLE:
        lab_page.row(name).first.locator(".jp-nbrun-row-name").click()
        expect(page.locator(CURRENT_TAB)).to_contain_text(f"Run: {name}")
    expect(detail_tabs(page)).to_have_count(1)
    # Ctrl-click asks for a tab of its own.
    lab_page.row("t-a").first.locator(".jp-nbrun-row-name").click(modifiers=["Control"])
    expect(detail_tabs(page)).to_have_count(2)


def test_tabs_come_back_with_run_names(lab_page: LabPage, table):
    page = lab_page.page
    lab_page.row("t-a").first.locator(".jp-nbrun-row-name").click()
    expect(page.locator(CURRENT_TAB)).to_contain_text("Run: t-a")
    lab_page.row("t-b").first.locator(".jp-nbrun-row-name").click(modifiers=["Control"])
    expect(page.locator(CURRENT_TAB)).to_contain_text("Run: t-b")
    workspace_holds(lab_page, '"name": "t-a"')
    workspace_holds(lab_page, '"name": "t-b"')
    page.reload()
    page.wait_for_selector("#jp-main-dock-panel")
    for name in ["t-a", "t-b"]:
        expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=f"Run: {name}")
               ).to_have_count(1, timeout=30_000)


def test_column_picker_lists_only_the_shown_projects_keys(lab_page: LabPage, table):
    sidebar = table  # "All projects" was shown first: vision's runs log loss and acc
    sidebar.locator(".jp-nbrun-columns-toggle").click()
    options = sidebar.locator(".jp-nbrun-columns-summary .jp-nbrun-column-option")
    expect(options.filter(has_text="best_acc")).to_have_count(1)
    expect(options.filter(has_text="loss")).to_have_count(0)
    expect(options).to_have_count(1)


COMPARED_RUNS = """
for i, name in enumerate(["cmp-a", "cmp-b", "cmp-c"]):
    run = nbrun.init(dir=ROOT_DIR, project="cmpstate", name=name, reinit="create_new",
                     config={"lr": 0.1 / (i + 1)})
    for step in range(30):
        run.log({"loss": 1.0 / (step + 1) + i, "acc": step / 30, "grad": (-1) ** step})
    run.finish()
"""

COMPARE = ".jp-nbrun-compare-view:visible"


def compare_charts(view: Any) -> list[str]:
    return view.locator(".jp-nbrun-charts [data-key]").evaluate_all(
        "(els) => els.map((el) => el.dataset.key)")


def open_compared(lab_page: LabPage, names: list[str]) -> Any:
    for name in names:
        lab_page.row(name).first.locator('input[type="checkbox"]').check()
    lab_page.page.locator("#nbrun-sidebar .jp-nbrun-compare").click()
    view = lab_page.page.locator(COMPARE)
    view.locator(".jp-nbrun-charts [data-key]").first.wait_for(timeout=30_000)
    return view


def test_compare_keys_and_smoothing_come_back_after_a_reload(lab_page: LabPage):
    """Issue 23.9: the keys charted and the smoothing of a project's comparison are kept in
    JupyterLab's state database; the compare tab comes back with them after a reload, and the
    next comparison and the run details of the project start from them."""
    page = lab_page.page
    with scratch_store(lab_page.lab, "cmpstate", COMPARED_RUNS):
        lab_page.open()
        show_project_any(lab_page, "cmpstate", "3 runs")
        view = open_compared(lab_page, ["cmp-a", "cmp-b", "cmp-c"])
        expect(view.locator(".jp-nbrun-charts [data-key]")).to_have_count(3)
        view.locator(".jp-nbrun-keys-toggle").click()
        view.locator(".jp-nbrun-key-picker label", has_text="acc").locator("input").uncheck()
        expect(view.locator(".jp-nbrun-charts [data-key]")).to_have_count(2)
        view.locator(".jp-nbrun-smoothing input").fill("0.6")
        expect(view.locator(".jp-nbrun-smoothing-value")).to_have_text("0.60")
        workspace_holds(lab_page, '"smoothing": 0.6')
        charted = compare_charts(view)
        assert charted == ["compare:grad", "compare:loss"], charted

        page.reload()
        view = page.locator(COMPARE)
        view.locator(".jp-nbrun-charts [data-key]").first.wait_for(timeout=60_000)
        expect(view.locator(".jp-nbrun-smoothing-value")).to_have_text("0.60")
        expect(view.locator(".jp-nbrun-smoothing input")).to_have_value("0.6")
        assert compare_charts(view) == charted

        # Another comparison of the project starts from them too.
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Compare").locator(
            ".lm-TabBar-tabCloseIcon").click()
        show_project_any(lab_page, "cmpstate", "3 runs")
        view = open_compared(lab_page, ["cmp-a", "cmp-c"])
        expect(view.locator(".jp-nbrun-smoothing-value")).to_have_text("0.60")
        assert compare_charts(view) == charted
        # A run of the project opens with the project's chart view as well.
        detail = lab_page.open_run("cmp-b")
        expect(detail.locator(".jp-nbrun-smoothing-value")).to_have_text("0.60")
    assert not lab_page.errors and not lab_page.dialogs
