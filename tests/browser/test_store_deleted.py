"""A store deleted while the sidebar shows it (issue 13, point 5), in a real JupyterLab: the
sidebar says so, drops its rows and its entry in the store menu, and shows no internal
message."""

from __future__ import annotations

import shutil
import time

from .conftest import LabPage, make_runs

DOOMED_RUNS = """
run = nbrun.init(dir=ROOT_DIR + "/doomed", project="doomed", name="doomed-run")
run.log({"loss": 1.0})
run.finish()
"""


def test_a_deleted_store_is_reported_not_left_stale(lab_page: LabPage):
    page = lab_page.page
    lab = lab_page.lab
    make_runs(lab.root, DOOMED_RUNS)
    deadline = time.monotonic() + 15  # the server's store search is cached for a moment
    while not any("doomed" in s["path"] for s in lab.request("nbrun/api/stores")["stores"]):
        assert time.monotonic() < deadline, "the server did not find the new store"
        time.sleep(0.5)
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    menu = sidebar.locator(".jp-nbrun-filter-store")
    menu.locator("option", has_text="doomed").wait_for(state="attached", timeout=15_000)
    key = menu.locator("option", has_text="doomed").get_attribute("value")
    menu.select_option(key)
    lab_page.row("doomed-run").wait_for(timeout=10_000)

    shutil.rmtree(lab_page.lab.root / "doomed")
    notice = sidebar.locator(".jp-nbrun-notice")
    notice.wait_for(timeout=15_000)
    assert "doomed" in notice.text_content() and "was deleted" in notice.text_content()
    lab_page.row("doomed-run").wait_for(state="detached", timeout=10_000)
    page.wait_for_function(
        "(menu) => ![...menu.options].some((o) => o.textContent.includes('doomed'))",
        arg=menu.element_handle(), timeout=40_000)
    assert "no store with key" not in sidebar.text_content()
    assert "Could not list runs" not in sidebar.text_content()
    lab_page.search("baseline-0")
    lab_page.row("baseline-0").first.wait_for(timeout=10_000)  # the other stores still list
    lab_page.screenshot("sidebar-store-deleted.png", sidebar)
    assert not lab_page.errors and not lab_page.dialogs
