"""The runs table in a real JupyterLab (issue 13, points 3 and 6): config values chosen as
columns (kept per project), a metric's header sorts by it, groups by a config key with their
counts (a group collapses on its header, kept per project), an expression filter and the
server's message for a bad one, a search that reaches config values, and the empty states
(filters matching nothing; no store under the root)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import VIEWPORT, LabPage, scratch_store, write_notebook
from .labserver import start_lab, stop_lab

pytestmark = pytest.mark.slow

# name, lr, optimizer, best_acc
TABLE = [("t-a", 0.001, "adam", 0.95), ("t-b", 0.005, "sgd", 0.70),
         ("t-c", 0.02, "adam", 0.92), ("t-d", 0.1, "sgd", 0.50)]

TABLE_RUNS = f"""
for name, lr, optimizer, acc in {TABLE!r}:
    run = nbrun.init(dir=ROOT_DIR, project="tbl", name=name, reinit="create_new",
                     config={{"lr": lr, "optimizer": optimizer, "seed": "zebra-" + name}})
    run.summary["best_acc"] = acc
    run.finish()
"""


@pytest.fixture
def table(lab_page: LabPage) -> Any:
    """The sidebar showing the project ``tbl`` of a store of its own (4 finished runs)."""
    with scratch_store(lab_page.lab, "table", TABLE_RUNS):
        lab_page.open()
        yield show_project(lab_page, "tbl")
    assert not lab_page.errors and not lab_page.dialogs


def show_project(lab_page: LabPage, project: str) -> Any:
    sidebar = lab_page.open_sidebar()
    menu = sidebar.locator(".jp-nbrun-filter-project")
    menu.locator(f'option[value="{project}"]').wait_for(state="attached", timeout=20_000)
    menu.select_option(project)
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text("4 runs")
    return sidebar


def shown_names(sidebar: Any) -> list[str]:
    """The names of the rows in the order shown (rows are placed by their index)."""
    expect(sidebar.locator(".jp-nbrun-row-placeholder")).to_have_count(0)
    return sidebar.evaluate("""(el) => [...el.querySelectorAll('.jp-nbrun-row[data-run-id]')]
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map((row) => row.querySelector('.jp-nbrun-row-name').textContent)""")


def group_order(sidebar: Any) -> list[str]:
    """Group headers (as ``#value``) and run names, top to bottom."""
    return sidebar.evaluate("""(el) => [...el.querySelectorAll(
            '.jp-nbrun-group-head, .jp-nbrun-row[data-run-id]')]
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map((e) => e.classList.contains('jp-nbrun-group-head')
             ? '#' + e.querySelector('.jp-nbrun-group-value').textContent
             : e.querySelector('.jp-nbrun-row-name').textContent)""")


def choose_column(sidebar: Any, section: str, key: str) -> None:
    sidebar.locator(".jp-nbrun-columns-toggle").click()
    option = sidebar.locator(f".jp-nbrun-columns-{section} .jp-nbrun-column-option",
                             has_text=key)
    option.locator("input").check()
    sidebar.locator(".jp-nbrun-columns-toggle").click()


def group_by(sidebar: Any, key: str) -> None:
    """Choose a grouping once the server's keys have filled the menu."""
    menu = sidebar.locator(".jp-nbrun-group-by")
    menu.locator(f'option[value="{key}"]').wait_for(state="attached")
    menu.select_option(key)


def widen_sidebar(page: Any, width: int = 760) -> None:
    """Drag the handle right of the left area so that value columns fit beside the runs."""
    sidebar = page.locator("#nbrun-sidebar").bounding_box()
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle:visible").first
    box = handle.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(sidebar["x"] + width, y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "(w) => document.querySelector('#nbrun-sidebar').getBoundingClientRect().width > w",
        arg=width - 60)


def test_column_picker_adds_a_config_column_kept_per_project(lab_page: LabPage, table):
    sidebar = table
    choose_column(sidebar, "config", "optimizer")
    for name, _, optimizer, _ in TABLE:
        cell = lab_page.row(name).locator('[data-column="config.optimizer"]')
        expect(cell).to_contain_text(optimizer)
    expect(sidebar.locator(".jp-nbrun-columns-toggle")).to_have_text("Columns (1)")
    lab_page.screenshot("runs-table-config-column.png", sidebar)

    # Chosen for this project only: all projects show none; back on it, it is there again.
    sidebar.locator(".jp-nbrun-filter-project").select_option("")
    expect(sidebar.locator(".jp-nbrun-columns-toggle")).to_have_text("Columns")
    expect(sidebar.locator('[data-column="config.optimizer"]')).to_have_count(0)
    # And kept in the workspace's state: a reload of the page shows it again.
    lab_page.page.wait_for_timeout(1500)  # the workspace is saved after a short delay
    lab_page.page.reload()
    lab_page.page.locator('li[data-id="nbrun-sidebar"]').wait_for()
    sidebar = show_project(lab_page, "tbl")
    expect(lab_page.row("t-b").locator('[data-column="config.optimizer"]')).to_contain_text("sgd")


def test_a_metric_header_sorts_by_it(lab_page: LabPage, table):
    sidebar = table
    widen_sidebar(lab_page.page)
    choose_column(sidebar, "summary", "best_acc")
    header = sidebar.locator('.jp-nbrun-sort-head[data-column="summary.best_acc"]')
    expect(header).to_have_attribute("aria-sort", "none")
    # A metric's first click sorts it the better way: best_acc highest first.
    by_acc = [name for name, *_, acc in sorted(TABLE, key=lambda r: -r[3])]
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(sidebar.locator(".jp-nbrun-row-placeholder")).to_have_count(0)
    lab_page.page.wait_for_function(
        "(names) => [...document.querySelectorAll('#nbrun-sidebar .jp-nbrun-row-name')]"
        ".map((n) => n.textContent).join() === names.join()", arg=by_acc)
    assert shown_names(sidebar) == by_acc
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    lab_page.page.wait_for_function(
        "(names) => [...document.querySelectorAll('#nbrun-sidebar .jp-nbrun-row[data-run-id]')]"
        ".sort((a, b) => a.offsetTop - b.offsetTop)"
        ".map((r) => r.querySelector('.jp-nbrun-row-name').textContent).join() === names.join()",
        arg=by_acc[::-1])
    # The other headers say they are not the order.
    expect(sidebar.locator('.jp-nbrun-sort-head[data-column="created_at"]')).to_have_attribute(
        "aria-sort", "none")
    # A config value's header sorts too.
    choose_column(sidebar, "config", "lr")
    sidebar.locator('.jp-nbrun-sort-head[data-column="config.lr"] button').click()
    expect(sidebar.locator('.jp-nbrun-sort-head[data-column="config.lr"]')).to_have_attribute(
        "aria-sort", "ascending")
    by_lr = [name for name, *_ in sorted(TABLE, key=lambda r: r[1])]
    lab_page.page.wait_for_timeout(500)
    assert shown_names(sidebar) == by_lr
    lab_page.screenshot("runs-table-sorted.png", sidebar)


def test_group_by_a_config_key_shows_each_value_and_count(lab_page: LabPage, table):
    sidebar = table
    group_by(sidebar, "config.optimizer")
    heads = sidebar.locator(".jp-nbrun-group-head")
    expect(heads).to_have_count(2)
    expect(heads.locator(".jp-nbrun-group-value")).to_have_text(["adam", "sgd"])
    expect(heads.locator(".jp-nbrun-group-count")).to_have_text(["2", "2"])
    # Each group's runs follow its header.
    order = group_order(sidebar)
    assert order[0] == "#adam" and order[3] == "#sgd", order
    assert sorted(order[1:3]) == ["t-a", "t-c"] and sorted(order[4:]) == ["t-b", "t-d"]
    lab_page.screenshot("runs-table-grouped.png", sidebar)


def test_a_group_collapses_on_its_header_and_stays_collapsed(lab_page: LabPage, table):
    sidebar = table
    group_by(sidebar, "config.optimizer")
    adam = sidebar.locator('.jp-nbrun-group-head[data-group-value="adam"]')
    expect(adam.locator(".jp-nbrun-group-count")).to_have_text("2")
    lab_page.row("t-a").wait_for()
    adam.click()
    expect(adam.locator(".jp-nbrun-group-toggle")).to_have_attribute("aria-expanded", "false")
    # Its runs are hidden, its count still shown, the other group untouched.
    expect(lab_page.row("t-a")).to_have_count(0)
    expect(lab_page.row("t-c")).to_have_count(0)
    expect(adam.locator(".jp-nbrun-group-count")).to_have_text("2")
    lab_page.row("t-b").wait_for()
    lab_page.row("t-d").wait_for()
    assert group_order(sidebar)[:2] == ["#adam", "#sgd"]

    # Kept for this project: all projects show the group open; back on it, it is collapsed.
    sidebar.locator(".jp-nbrun-filter-project").select_option("")
    all_adam = sidebar.locator('.jp-nbrun-group-head[data-group-value="adam"]')
    expect(all_adam.locator(".jp-nbrun-group-toggle")).to_have_attribute(
        "aria-expanded", "true")
    lab_page.row("t-a").wait_for()
    sidebar = show_project(lab_page, "tbl")
    expect(adam.locator(".jp-nbrun-group-toggle")).to_have_attribute("aria-expanded", "false")
    expect(lab_page.row("t-a")).to_have_count(0)

    # A second click shows the runs again.
    adam.click()
    expect(adam.locator(".jp-nbrun-group-toggle")).to_have_attribute("aria-expanded", "true")
    lab_page.row("t-a").wait_for()
    lab_page.row("t-c").wait_for()


def test_columns_order_groups_and_a_filter_together(lab_page: LabPage, table):
    """A config column, a metric's header as the order, groups by a config key and an
    expression filter all at once (README's screenshot of the runs table)."""
    sidebar = table
    widen_sidebar(lab_page.page)
    choose_column(sidebar, "config", "optimizer")
    choose_column(sidebar, "summary", "best_acc")
    header = sidebar.locator('.jp-nbrun-sort-head[data-column="summary.best_acc"]')
    header.locator("button").click()  # a metric's first click: highest first
    expect(header).to_have_attribute("aria-sort", "descending")
    group_by(sidebar, "config.optimizer")
    where = sidebar.locator(".jp-nbrun-where")
    where.fill("lr < 0.05")
    where.press("Enter")
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text("3 runs")
    heads = sidebar.locator(".jp-nbrun-group-head")
    expect(heads.locator(".jp-nbrun-group-value")).to_have_text(["adam", "sgd"])
    expect(heads.locator(".jp-nbrun-group-count")).to_have_text(["2", "1"])
    expect(sidebar.locator(".jp-nbrun-row-placeholder")).to_have_count(0)
    # Groups in the order of their value, each one's runs by best_acc, highest first.
    lab_page.page.wait_for_function(
        """(names) => [...document.querySelectorAll('#nbrun-sidebar .jp-nbrun-row[data-run-id]')]
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map((r) => r.querySelector('.jp-nbrun-row-name').textContent).join() === names.join()""",
        arg=["t-a", "t-c", "t-b"])
    assert group_order(sidebar) == ["#adam", "t-a", "t-c", "#sgd", "t-b"]
    expect(lab_page.row("t-c").locator('[data-column="config.optimizer"]')).to_contain_text(
        "adam")
    lab_page.screenshot("runs-table.png", sidebar)


def test_expression_filter_and_its_error(lab_page: LabPage, table):
    sidebar = table
    where = sidebar.locator(".jp-nbrun-where")
    where.fill("lr < 0.01")
    where.press("Enter")
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text("2 runs")
    assert sorted(shown_names(sidebar)) == ["t-a", "t-b"]
    where.fill("best_acc > 0.9 and optimizer == adam")
    where.press("Enter")
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text("2 runs")
    assert sorted(shown_names(sidebar)) == ["t-a", "t-c"]

    where.fill("lr 0.01")
    where.press("Enter")
    error = sidebar.locator(".jp-nbrun-where-error")
    expect(error).to_contain_text("where")
    expect(error).to_contain_text("<")  # it says which operators are accepted
    expect(where).to_have_attribute("aria-invalid", "true")
    assert "Could not list runs" not in sidebar.text_content()
    lab_page.screenshot("runs-table-bad-expression.png", sidebar)
    where.fill("")
    where.press("Enter")
    expect(error).to_have_count(0)
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text("4 runs")


def test_search_finds_a_run_by_a_config_value(lab_page: LabPage, table):
    sidebar = table
    lab_page.search("zebra-t-c")
    expect(sidebar.locator(".jp-nbrun-status")).to_have_text("1 run")
    assert shown_names(sidebar) == ["t-c"]


def test_filters_matching_nothing_offer_to_clear_them(lab_page: LabPage, table):
    sidebar = table
    lab_page.search("no-run-is-called-this")
    empty = sidebar.locator(".jp-nbrun-no-match")
    expect(empty).to_contain_text("No runs match")
    assert sidebar.locator(".jp-nbrun-start").count() == 0
    lab_page.screenshot("runs-table-no-match.png", sidebar)
    empty.locator(".jp-nbrun-clear-filters").click()
    expect(sidebar.locator(".jp-nbrun-search")).to_have_value("")
    # Every filter is cleared, the project too: every run of every store is listed again.
    expect(sidebar.locator(".jp-nbrun-filter-project")).to_have_value("")
    lab_page.row("t-a").wait_for()
    lab_page.row("baseline-0").wait_for()
    expect(empty).to_have_count(0)


def test_no_store_shows_how_to_start_a_run(browser, tmp_path: Path):
    """A server whose root holds no store: the sidebar says how to start a run, and its
    button writes the cells into the open notebook."""
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "first.ipynb", "")
    lab = start_lab(root, tmp_path)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        lab_page = LabPage(page=context.new_page(), lab=lab)
        lab_page.page.set_default_timeout(20_000)
        lab_page.page.on("pageerror", lambda exc: lab_page.errors.append(str(exc)))
        lab.request("api/sessions", method="POST", expect=201, body={
            "path": "first.ipynb", "name": "first.ipynb", "type": "notebook",
            "kernel": {"name": "python3"}})
        lab_page.open("/tree/first.ipynb")
        notebook = lab_page.page.locator(".jp-NotebookPanel:visible")
        notebook.locator(".jp-Cell").first.wait_for()
        sidebar = lab_page.open_sidebar()
        start = sidebar.locator(".jp-nbrun-start")
        expect(start).to_contain_text("No nbrun store here yet")
        cells = start.locator(".jp-nbrun-start-cell").all_text_contents()
        assert cells[0] == "%load_ext nbrun" and cells[1].startswith("%%runinit\n"), cells
        lab_page.screenshot("runs-table-no-store.png", sidebar)

        start.locator(".jp-nbrun-insert-start").click()
        expect(notebook.locator(".jp-Cell")).to_have_count(1 + len(cells))
        sources = notebook.locator(".jp-Cell .cm-content").all_inner_texts()
        assert sources[1] == "%load_ext nbrun", sources
        assert sources[2].startswith("%%runinit"), sources
        assert not lab_page.errors
    finally:
        context.close()
        stop_lab(lab)
