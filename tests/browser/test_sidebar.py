"""The runs sidebar in a real JupyterLab, driven by headless chromium: runs created by a kernel
and by other processes are listed; a run logging while the page is open shows its new points
within 3 s; the detail view shows config and charts; names and tags holding HTML stay text;
"resume in notebook" writes the right nbrun.init() cell; compare, edit and delete work."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, make_runs, python_child
from .labserver import Lab
from .writtencell import is_written_cell

pytestmark = pytest.mark.slow

XSS_NAME = "<img src=x onerror=alert(1)>"


def saved_cells(lab: Lab, path: str) -> list[dict]:
    return lab.request(f"api/contents/{path}?content=1")["content"]["cells"]


def cell_source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_sidebar_lists_runs_with_html_names_as_text(lab_page: LabPage):
    page = lab_page.page
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    rows = sidebar.locator(".jp-nbrun-row:not(.jp-nbrun-row-placeholder)")
    rows.first.wait_for()
    names = sidebar.locator(".jp-nbrun-row-name").all_text_contents()
    for i in range(5):
        assert f"baseline-{i}" in names
    assert XSS_NAME in names
    assert sidebar.locator(".jp-nbrun-status").text_content().strip().endswith("runs")
    # A summary value chosen as a column.
    sidebar.locator(".jp-nbrun-columns-toggle").click()
    sidebar.locator(".jp-nbrun-column-option", has_text="best_acc").locator("input").check()
    sidebar.locator(".jp-nbrun-columns-toggle").click()
    # (a column when the sidebar is wide enough, else a third line in each row)
    expect(sidebar.locator(".jp-nbrun-list")).to_contain_text("best_acc")
    row = lab_page.row("baseline-2")
    expect(row.locator(".jp-nbrun-num")).to_have_text("0.92")
    lab_page.screenshot("sidebar-list.png")

    # Two stores under the root folder: one can be chosen.
    stores = sidebar.locator(".jp-nbrun-filter-store")
    expect(stores.locator("option")).to_have_count(3)
    stores.select_option(label="other/.nbrun (1)")
    expect(sidebar.locator(".jp-nbrun-row-name")).to_have_text(["other-store-run"])
    stores.select_option(value="")
    expect(sidebar.locator(".jp-nbrun-status")).not_to_have_text("1 run")

    # The run named like an HTML injection: its name, tag and notes are text, everywhere.
    lab_page.search("onerror")
    row = lab_page.row("onerror")
    expect(sidebar.locator(".jp-nbrun-row:not(.jp-nbrun-row-placeholder)")).to_have_count(1)
    assert row.locator(".jp-nbrun-row-name").text_content() == XSS_NAME
    assert row.locator(".jp-nbrun-tag").text_content() == "<b>bold</b>"
    assert sidebar.locator("img, b, script").count() == 0
    detail = lab_page.open_run("onerror")
    assert detail.locator(".jp-nbrun-detail-name").text_content() == XSS_NAME
    assert detail.locator(".jp-nbrun-notes").input_value() == "<img src=y onerror=alert(3)>"
    config = detail.locator(".jp-nbrun-config")
    config.wait_for()
    assert "<script>alert(2)</script>" in config.text_content()
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    assert tab.text_content() == f"Run: {XSS_NAME}"
    assert page.locator('img[src="x"], img[src="y"]').count() == 0
    assert detail.locator("img, script").count() == 0
    page.wait_for_timeout(500)  # give an injected handler the time to fire
    assert lab_page.dialogs == []
    assert lab_page.errors == []


def test_detail_view_shows_config_summary_and_charts(lab_page: LabPage):
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("baseline-1")
    run = lab_page.lab.run_named("baseline-1")
    assert detail.locator(".jp-nbrun-fact", has_text="Id").locator("dd").text_content() == run["id"]
    config = detail.locator(".jp-nbrun-config")
    config.wait_for()
    rows = dict(zip(config.locator("th").all_text_contents(),
                    config.locator("td").all_text_contents()))
    assert rows == {"batch": "32", "lr": "0.05", "optim.name": "adam"}
    summary = detail.locator(".jp-nbrun-summary")
    assert "best_acc" in summary.locator("th").all_text_contents()
    for key in ("acc", "loss"):
        chart = detail.locator(f'.jp-nbrun-chart[data-key="{key}"]')
        chart.locator("canvas").wait_for()
        lab_page.page.wait_for_function(
            "el => el.dataset.lastStep === '49'", arg=chart.element_handle())
        assert int(chart.get_attribute("data-points")) == 50
    assert detail.locator(".jp-nbrun-last-step dd").text_content() == "49"
    lab_page.screenshot("run-detail.png")


LIVE_CHILD = """
import os, sys, time
import nbrun
root, trigger = sys.argv[1], sys.argv[2]
run = nbrun.init(dir=root, project="live", name="live-run", config={"lr": 0.1})
for step in range(20):
    run.log({"loss": 1.0 / (step + 1)})
print("READY", run.id, flush=True)
deadline = time.time() + 120
while not os.path.exists(trigger) and time.time() < deadline:
    time.sleep(0.01)
for step in range(20, 40):
    run.log({"loss": 1.0 / (step + 1)})
run.summary["marker"] = 7
while not os.path.exists(trigger + ".stop") and time.time() < deadline:
    time.sleep(0.05)
run.finish()
print("DONE", flush=True)
"""


def test_live_run_shows_new_points_within_3_seconds(lab_page: LabPage, tmp_path: Path):
    lab = lab_page.lab
    page = lab_page.page
    trigger = tmp_path / "go"
    child = python_child(LIVE_CHILD, str(lab.root), str(trigger))
    try:
        line = child.stdout.readline()
        assert line.startswith("READY"), (line, child.stderr.read() if child.poll() else "")
        run_id = line.split()[1]

        lab_page.open()
        lab_page.open_sidebar()
        lab_page.search("live-run")
        row = lab_page.row("live-run")
        row.wait_for()
        assert row.locator(".jp-nbrun-badge").text_content() == "running"
        detail = lab_page.open_run("live-run")
        chart = detail.locator('.jp-nbrun-chart[data-key="loss"]')
        chart.locator("canvas").wait_for()
        page.wait_for_function("el => el.dataset.lastStep === '19'",
                               arg=chart.element_handle(), timeout=10_000)

        # The Running panel lists the running run (refreshed by the same poll).
        page.locator('li[data-id="jp-running-sessions"]').click()
        item = page.locator(".jp-nbrun-running-item", has_text="live-run")
        item.wait_for(timeout=10_000)
        page.locator('li[data-id="nbrun-sidebar"]').click()

        history_urls: list[str] = []
        page.on("request", lambda request: history_urls.append(request.url)
                if "/history" in request.url else None)
        started = time.monotonic()
        trigger.touch()
        page.wait_for_function("el => el.dataset.lastStep === '39'",
                               arg=chart.element_handle(), timeout=3_000)
        chart_latency = time.monotonic() - started
        # Only the new points were fetched (since_step), and each step is held once.
        assert any("since_step=19" in url for url in history_urls), history_urls
        assert chart.get_attribute("data-points") == "40"
        page.wait_for_function(
            "el => el.textContent === '39'",
            arg=detail.locator(".jp-nbrun-last-step dd").element_handle(), timeout=3_000)
        assert int(chart.get_attribute("data-points")) == 40
        page.wait_for_function(
            "el => el.textContent.includes('step 39')",
            arg=row.locator(".jp-nbrun-row-step").element_handle(), timeout=3_000)
        list_latency = time.monotonic() - started
        print(f"new points: chart after {chart_latency:.2f} s, list after {list_latency:.2f} s")
        assert chart_latency < 3.0 and list_latency < 3.0
        page.wait_for_function(
            "el => el.textContent.includes('marker')",
            arg=detail.locator(".jp-nbrun-summary").element_handle(), timeout=3_000)

        Path(str(trigger) + ".stop").touch()
        assert child.wait(timeout=30) == 0, child.stderr.read()
        page.wait_for_function(
            "el => el.textContent === 'finished'",
            arg=detail.locator(".jp-nbrun-detail-title .jp-nbrun-badge").element_handle(),
            timeout=15_000)
        assert lab.request(f"nbrun/api/runs/{run_id}")["state"] == "finished"
    finally:
        Path(str(trigger) + ".stop").touch()
        trigger.touch()
        if child.poll() is None:
            try:
                child.wait(timeout=30)
            except Exception:
                child.kill()
                child.wait()


def test_kernel_run_is_listed_and_resume_writes_cell(lab_page: LabPage):
    lab = lab_page.lab
    page = lab_page.page
    notebook = lab_page.run_first_cell("work.ipynb")  # it creates a run in its kernel
    notebook.locator(".jp-OutputArea-output", has_text="created").wait_for(timeout=60_000)
    run = lab.run_named("from-kernel")

    lab_page.open_sidebar()
    detail = lab_page.open_run("from-kernel")
    assert detail.locator(".jp-nbrun-detail-name").text_content() == "from-kernel"
    detail.locator(".jp-nbrun-resume").click()
    expected = ('import nbrun\n\n'
                f'run = nbrun.init(project="kernel-proj", id="{run["id"]}", resume="must")')

    # The cell is in the notebook, below the active cell; save and read it back.
    runinit = notebook.locator(".jp-Cell", has_text='resume="must"')
    runinit.wait_for()
    notebook.locator(".jp-Cell").first.wait_for()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 15
    while True:
        try:
            cells = saved_cells(lab, "work.ipynb")
        except AssertionError:  # read while being written
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
            continue
        sources = [cell_source(c) for c in cells]
        if any(is_written_cell(s) for s in sources) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    runinit_cells = [c for c in cells if is_written_cell(cell_source(c))]
    assert len(runinit_cells) == 1, sources
    assert runinit_cells[0]["cell_type"] == "code"
    assert cell_source(runinit_cells[0]) == expected
    assert cell_source(cells[0]).startswith("import nbrun")
    lab_page.screenshot("notebook-resume-cell.png")

    # Fork at a chosen step writes fork_from with the step.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Run: from-kernel").click()
    detail = page.locator(".jp-nbrun-detail:visible")
    detail.locator(".jp-nbrun-step-input").fill("2")
    detail.locator(".jp-nbrun-fork").click()
    fork = notebook.locator(".jp-Cell", has_text="fork_from")
    fork.wait_for()
    text = "\n".join(fork.locator(".cm-line").all_text_contents())
    assert text == ('import nbrun\n\n'
                    f'run = nbrun.init(project="kernel-proj", fork_from="{run["id"]}?_step=2")')


def test_compare_highlights_config_differences(lab_page: LabPage):
    page = lab_page.page
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("baseline-")
    for name in ("baseline-0", "baseline-1", "baseline-2"):
        lab_page.row(name).locator('input[type="checkbox"]').check()
    compare = sidebar.locator(".jp-nbrun-compare")
    assert compare.text_content() == "Compare (3)"
    compare.click()
    view = page.locator(".jp-nbrun-compare-view:visible")
    table = view.locator(".jp-nbrun-config-diff")
    table.wait_for()
    assert "jp-nbrun-diff" in table.locator('tr[data-key="lr"]').get_attribute("class")
    view.locator(".jp-nbrun-show-all input").check()  # the keys that do not differ too
    assert table.locator('tr[data-key="batch"]').get_attribute("class") in (None, "")
    chart = view.locator('.jp-nbrun-chart[data-key="compare:loss"]')
    chart.locator("canvas").wait_for()
    page.wait_for_function("el => el.dataset.points === '150'", arg=chart.element_handle())
    # one legend for the page, none under each chart (issue 23 point 4)
    legend = view.locator(".jp-nbrun-run-legend li").all_text_contents()
    assert legend == ["baseline-0", "baseline-1", "baseline-2"]
    assert chart.locator(".u-legend").count() == 0
    lab_page.screenshot("compare.png")


def test_edit_tags_notes_and_delete(lab_page: LabPage):
    lab = lab_page.lab
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("baseline-3")
    run = lab.run_named("baseline-3")

    detail.locator(".jp-nbrun-tag-input").fill("reviewed")
    detail.locator(".jp-nbrun-tag-input").press("Enter")
    detail.locator(".jp-nbrun-chip", has_text="reviewed").wait_for()
    detail.locator(".jp-nbrun-notes").fill("looks good")
    detail.locator(".jp-nbrun-save-notes").click()
    page.wait_for_function("el => el.disabled", arg=detail.locator(
        ".jp-nbrun-save-notes").element_handle())
    stored = lab.request(f"nbrun/api/runs/{run['id']}")
    assert stored["tags"] == ["baseline", "reviewed"]
    assert stored["notes"] == "looks good"

    detail.locator(".jp-nbrun-delete").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    assert "baseline-3" in dialog.text_content()
    dialog.locator("button", has_text="Cancel").click()
    lab.request(f"nbrun/api/runs/{run['id']}")  # still there
    detail.locator(".jp-nbrun-delete").click()
    page.locator(".jp-Dialog button.jp-mod-warn", has_text="Delete").click()
    page.locator(".lm-TabBar-tab", has_text="Run: baseline-3").wait_for(state="detached")
    lab.request(f"nbrun/api/runs/{run['id']}", expect=404)
    lab_page.search("baseline-3")
    page.wait_for_function(
        "el => el.textContent.startsWith('0 runs')",
        arg=page.locator("#nbrun-sidebar .jp-nbrun-status").element_handle())
    assert json.dumps(lab_page.dialogs) == "[]"


UNSTORED_RUN = """
import sqlite3, os
run = nbrun.init(dir=ROOT_DIR, project="faults", name="set-aside-run", reinit="create_new")
# A real SQLite trigger refuses one key: the only way to make the store refuse a value that
# log() admits (log() admits only storable values).
conn = sqlite3.connect(os.path.join(ROOT_DIR, ".nbrun", "nbrun.db"))
conn.execute("CREATE TRIGGER poison BEFORE INSERT ON series WHEN NEW.key='bad' "
             "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
conn.commit()
for step in range(10):
    run.log({"loss": 1.0 / (step + 1), **({"bad": 1.0} if step == 4 else {})})
run.finish()
conn.execute("DROP TRIGGER poison")
conn.commit()
"""


def test_detail_view_warns_of_values_that_could_not_be_stored(lab_page: LabPage):
    make_runs(lab_page.lab.root, UNSTORED_RUN)
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("set-aside-run")
    warning = detail.locator(".jp-nbrun-unstored")
    warning.wait_for()
    text = warning.text_content()
    assert "1 logged value could not be stored" in text
    assert "bad at step 4" in text and "refused by the test" in text
    assert lab_page.page.locator(".jp-nbrun-unstored").count() == 1


def test_sync_state_badge_link_and_unsynced_filter(lab_page: LabPage):
    """Online mode in the sidebar. The sync progress is written through the store's own
    sync-state functions, as the syncer writes it: the sidebar reads only the store."""
    import nbrun
    from nbrun.store import Store, syncstate

    root = lab_page.lab.root
    for name in ("sync-done", "sync-behind"):
        run = nbrun.init(dir=str(root), mode="offline", project="synced", name=name,
                         reinit="create_new")
        for step in range(3):
            run.log({"x": float(step)})
        run.finish()
    store = Store(str(root))
    url = "http://mlflow.example:5000/#/experiments/3/runs/abc"
    for name, done in (("sync-done", True), ("sync-behind", False)):
        rid = syncstate.rid_of(store, lab_page.lab.run_named(name)["id"])
        syncstate.claim(store, rid, "h|1|", "http://mlflow.example:5000")
        syncstate.update(store, rid, None, server_run_id="abc", url=url,
                         sent={"state": ["FINISHED", 1, name]})
        if done:
            last = store.conn.execute("SELECT MAX(rowid) FROM series WHERE rid=?",
                                      (rid,)).fetchone()[0]
            syncstate.advance(store, rid, "h|1|", last, 0, 3)
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("sync-")
    expect(lab_page.row("sync-behind").locator(".jp-nbrun-sync-badge")).to_have_text("3 behind")
    expect(lab_page.row("sync-done").locator(".jp-nbrun-sync-badge")).to_have_count(0)
    lab_page.search("")
    sidebar.locator(".jp-nbrun-filter-unsynced input").check()
    expect(sidebar.locator(".jp-nbrun-row-name")).to_have_text(["sync-behind"])
    sidebar.locator(".jp-nbrun-filter-unsynced input").uncheck()
    detail = lab_page.open_run("sync-done")
    fact = detail.locator(".jp-nbrun-sync")
    expect(fact.locator(".jp-nbrun-sync-label")).to_have_text("synced")
    assert fact.locator("a").get_attribute("href") == url
