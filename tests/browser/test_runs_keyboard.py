"""The runs list by keyboard alone and to a screen reader (issue 23, point 8), in a real
JupyterLab: one Tab stop for the list, reached from the sidebar's top in two keys; arrows,
Home, End and PageUp/PageDown move between rows; Enter opens, Space selects; a 2px focus ring;
each checkbox named for its run; and every text of the sidebar at 4.5:1 in Light and Dark,
a selected row and every run state included."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from .conftest import LabPage, python_child, scratch_store
from .contrast import low_contrast, switch_theme

pytestmark = pytest.mark.slow

# Five runs in every state a row shows: finished (tagged), failed, crashed (its process gone
# without finishing), and one running while the test looks (see ``live``).
RUNS = """
import os
for i in range(3):
    run = nbrun.init(dir=ROOT_DIR, project="ally", name=f"ally-{i}", reinit="create_new",
                     config={"lr": 0.1 / (i + 1)}, tags=["sweep"])
    run.log({"loss": 1.0 / (i + 1)})
    run.finish(exit_code=1 if i == 1 else None)
run = nbrun.init(dir=ROOT_DIR, project="ally", name="ally-3", reinit="create_new")
run.log({"loss": 0.5})
os._exit(0)
"""

LIVE = """
import sys, time, nbrun
run = nbrun.init(dir=sys.argv[1], project="ally", name="ally-4", reinit="create_new")
run.log({"loss": 0.25})
print("started", flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def ally(lab):
    with scratch_store(lab, "ally", RUNS) as path:
        child = python_child(LIVE, str(path))
        try:
            assert child.stdout.readline().startswith("started")
            yield path
        finally:
            child.kill()
            child.wait()


def show_runs(lab_page: LabPage):
    lab_page.open()
    # The lab opens its launcher once the layout is restored and focuses it: under load that
    # comes late, and would take the focus from the keys the test is pressing.
    page = lab_page.page
    page.locator(".jp-Launcher").first.wait_for(timeout=30_000)
    try:
        page.wait_for_function("() => !!document.activeElement.closest('.jp-Launcher')",
                               timeout=5_000)
    except PlaywrightTimeout:
        pass  # a lab that did not focus its launcher: nothing to wait for
    sidebar = lab_page.open_sidebar()
    lab_page.search("ally-")
    expect(sidebar.locator(".jp-nbrun-row-name")).to_have_count(5, timeout=15_000)
    return sidebar


def focused(page) -> dict:
    return page.evaluate("""() => {
      const el = document.activeElement;
      return {slot: el.dataset.slot ?? null, text: (el.textContent || '').trim(),
              inList: !!el.closest('.jp-nbrun-list'), tag: el.tagName,
              name: el.querySelector('.jp-nbrun-row-name')?.textContent ?? null,
              outline: [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]};
    }""")


def test_runs_list_is_one_tab_stop_moved_by_arrows(lab_page: LabPage, ally):
    page = lab_page.page
    sidebar = show_runs(lab_page)
    names = sidebar.locator(".jp-nbrun-row-name").all_text_contents()
    # Keyboard from the sidebar's top: the first Tab stop skips the filters to the list.
    sidebar.locator(".jp-nbrun-heading").click()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    now = focused(page)
    assert now["slot"] == "0" and now["name"] == names[0], now
    assert now["outline"] == ["solid", "2px"], now  # a visible ring, not 1px
    lab_page.screenshot("runs-keyboard-focus.png", sidebar)
    moves = [("ArrowDown", 1), ("ArrowDown", 2), ("End", 4), ("ArrowUp", 3), ("Home", 0),
             ("PageDown", 4), ("PageUp", 0)]
    for key, slot in moves:
        page.keyboard.press(key)
        assert focused(page)["slot"] == str(slot), (key, focused(page))
    # Up from the first row: the sortable headers, Left/Right between them, Down back.
    page.keyboard.press("ArrowUp")
    assert focused(page)["text"] == "Run"
    page.keyboard.press("ArrowRight")
    assert focused(page)["text"] == "State"
    page.keyboard.press("ArrowDown")
    assert focused(page)["slot"] == "0"
    # One Tab stop: Tab leaves the list, Shift+Tab from it reaches the toolbar above it.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert not focused(page)["inList"], focused(page)
    page.keyboard.press("Shift+Tab")
    assert focused(page)["slot"] == "1"  # the row last visited keeps the Tab stop
    page.keyboard.press("Shift+Tab")
    assert focused(page)["text"].startswith("Columns"), focused(page)
    # Space selects the focused row (twice: Compare), Enter opens it.
    page.keyboard.press("Tab")
    assert focused(page)["slot"] == "1"
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(sidebar.locator(".jp-nbrun-compare")).to_have_text("Compare (2)")
    expect(sidebar.locator('.jp-nbrun-row[aria-selected="true"]')).to_have_count(2)
    page.keyboard.press("Enter")
    detail = page.locator(".jp-nbrun-detail:visible")
    expect(detail.locator(".jp-nbrun-detail-name")).to_have_text(names[2], timeout=10_000)
    assert not lab_page.errors and not lab_page.dialogs


def test_runs_list_is_named_for_a_screen_reader(lab_page: LabPage, ally):
    sidebar = show_runs(lab_page)
    lab_page.row("ally-0").locator('input[type="checkbox"]').check()
    expect(sidebar.locator(".jp-nbrun-list")).to_match_aria_snapshot("""
      - grid "Runs":
        - row:
          - columnheader:
            - button "Run"
          - columnheader:
            - button "State"
        - row /ally-4/:
          - checkbox "Select ally-4 for comparison"
        - row /ally-0/ [selected]:
          - checkbox "Select ally-0 for comparison" [checked]
    """)
    expect(sidebar).to_match_aria_snapshot("""
      - button "Skip to the runs list"
      - toolbar "Columns and selected runs":
        - button /Columns/
        - button "Compare (1)"
    """)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_every_text_of_the_runs_list_reads_at_4_5_to_1(lab_page: LabPage, ally, theme):
    page = lab_page.page
    sidebar = show_runs(lab_page)
    lab_page.row("ally-0").locator('input[type="checkbox"]').check()
    lab_page.row("ally-2").locator('input[type="checkbox"]').check()
    expect(sidebar.locator(".jp-nbrun-badge")).to_have_text(
        ["running", "crashed", "finished", "failed", "finished"], timeout=15_000)
    try:
        if theme != "JupyterLab Light":
            switch_theme(page, theme)
        page.mouse.move(0, 0)  # no row hovered
        low, measured = low_contrast(sidebar)
        lab_page.screenshot(f"runs-contrast-{theme.split()[-1].lower()}.png", sidebar)
        assert measured > 40, measured
        # a hovered row, selected or not, reads as well
        for name in ("ally-0", "ally-1"):
            lab_page.row(name).hover()
            low += low_contrast(lab_page.row(name))[0]
        assert not low, "\n".join(map(str, low))
    finally:
        if theme != "JupyterLab Light":
            switch_theme(page, "JupyterLab Light")
    assert not lab_page.errors and not lab_page.dialogs
