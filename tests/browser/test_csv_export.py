"""CSV export (issue 13, point 5), in a real JupyterLab: the runs the sidebar's filters match,
with config and summary columns, and one run's whole history, downloaded as files."""

from __future__ import annotations

import csv
import io

from .conftest import LabPage, baseline_runs, scratch_store

# Runs of this test's own store: other tests edit and delete the shared store's runs.
EXPORT_RUNS = baseline_runs("export")


def download(page, button) -> str:
    with page.expect_download(timeout=20_000) as info:
        button.click()
    return open(info.value.path(), encoding="utf-8").read()


def test_runs_table_and_one_runs_history_export_to_csv(lab_page: LabPage):
    with scratch_store(lab_page.lab, "export", EXPORT_RUNS):
        check_exports(lab_page)


def check_exports(lab_page: LabPage) -> None:
    page = lab_page.page
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("export-")
    lab_page.row("export-4").wait_for(timeout=10_000)
    page.wait_for_function("() => document.querySelectorAll("
                           "'#nbrun-sidebar .jp-nbrun-row').length === 5", timeout=10_000)
    rows = list(csv.DictReader(io.StringIO(download(page, sidebar.locator(
        ".jp-nbrun-export-csv")))))
    assert sorted(r["name"] for r in rows) == [f"export-{i}" for i in range(5)]
    first = next(r for r in rows if r["name"] == "export-0")
    assert first["project"] == "vision" and first["state"] == "finished"
    assert first["tags"] == "baseline" and first["last_step"] == "49"
    assert float(first["config.lr"]) == 0.1 and first["config.optim.name"] == "adam"
    assert float(first["summary.best_acc"]) == 0.9

    detail = lab_page.open_run("export-0")
    text = download(page, detail.locator(".jp-nbrun-export-history"))
    history = list(csv.DictReader(io.StringIO(text)))
    assert list(history[0]) == ["_step", "loss", "acc"] or set(history[0]) == {
        "_step", "loss", "acc"}
    assert [int(r["_step"]) for r in history] == list(range(50))     # every step, in order
    assert float(history[0]["loss"]) == 1.0 and float(history[49]["acc"]) == 49 / 50
    assert not lab_page.errors and not lab_page.dialogs
