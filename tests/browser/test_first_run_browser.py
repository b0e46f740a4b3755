"""A new user's first minutes in a real browser: the README's main command opens the quickstart,
"Run All" runs it, and the Runs panel lists its two runs, which live in the project's store
above the folder the server serves."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

import nbrun
from test_first_run import launch_url, listed_runs, start_readme_lab

from .conftest import VIEWPORT, LabPage, is_lab_noise
from .labserver import stop_lab

pytestmark = pytest.mark.slow
RUN_ALL_S = 180  # the whole quickstart, on a loaded 2-core machine


def run_all(page: Any, notebook: Any) -> None:
    """Run → Run All Cells, sent again if the page's kernel connection, still settling, lost
    it (the first cell's prompt then stays "[ ]:")."""
    first = notebook.locator(".jp-Cell.jp-CodeCell .jp-InputPrompt").first
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        # (exactly: "Restart Kernel and Run All Cells…" would ask to restart first)
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if (first.text_content() or "").strip() not in ("", "[ ]:"):
                return
            time.sleep(0.25)
    raise AssertionError("Run All Cells did not start the quickstart")


def test_readme_main_command_shows_the_quickstart_runs_in_the_runs_panel(tmp_path, browser):
    lab, project = start_readme_lab(tmp_path)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        wrapper = LabPage(page=page, lab=lab)
        page.on("pageerror", lambda exc: None if is_lab_noise(str(exc))
                else wrapper.errors.append(str(exc)))

        # What the server opens on launch: the quickstart, in a kernel started for it.
        page.goto(launch_url(lab))
        notebook = page.locator(".jp-NotebookPanel:visible")
        expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_have_text(
            "quickstart.ipynb", timeout=60_000)
        notebook.locator(".jp-Cell").first.wait_for()
        # The notebook's own kernel starts by itself (no kernel picker): wait for it, as a
        # user waits for "Python 3 (ipykernel) | Idle", before running anything.
        expect(notebook.locator(".jp-Toolbar-kernelName")).to_have_text(
            "Python 3 (ipykernel)", timeout=60_000)
        deadline = time.monotonic() + 60
        while not [x for x in lab.request("api/sessions") if x["path"] == "quickstart.ipynb"]:
            assert time.monotonic() < deadline, "no kernel started for the quickstart"
            time.sleep(0.5)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=60_000)
        assert page.locator(".jp-Dialog").count() == 0

        run_all(page, notebook)
        last = notebook.locator(".jp-Cell.jp-CodeCell .jp-InputPrompt").last
        deadline = time.monotonic() + RUN_ALL_S
        while (last.text_content() or "").strip() in ("", "[ ]:", "[*]:"):
            assert time.monotonic() < deadline, "the quickstart did not finish"
            time.sleep(0.5)
        assert notebook.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0

        stored = nbrun.Api(project).runs(project="quickstart")
        assert len(stored) == 2 and all(r.state == "finished" for r in stored)
        assert len(listed_runs(lab, 2)) == 2

        sidebar = wrapper.open_sidebar()
        rows = sidebar.locator(".jp-nbrun-row:not(.jp-nbrun-row-placeholder)")
        expect(rows).to_have_count(2, timeout=15_000)
        names = sidebar.locator(".jp-nbrun-row-name").all_text_contents()
        assert sorted(names) == sorted(r.name for r in stored)
        expect(sidebar.locator(".jp-nbrun-status")).to_contain_text("2 runs")
        wrapper.screenshot("first-run-sidebar.png")
        assert wrapper.errors == []
    finally:
        context.close()
        stop_lab(lab)
