"""The detail view as a new user meets it (issue 13, point 5), in a real JupyterLab: "Resume in
notebook at step N" honours N, a step past the last says why Fork/Rewind are disabled, and
lineage names the parent and lists its forks."""

from __future__ import annotations

import shutil

import pytest

from .conftest import LabPage, python_child, scratch_store, write_notebook
from .writtencell import init_arguments

LINEAGE_RUNS = """
parent = nbrun.init(dir=ROOT_DIR, project="lineage", name="lineage-parent", reinit="create_new")
for step in range(10):
    parent.log({"loss": 1.0 / (step + 1)})
parent.finish()
child = nbrun.init(dir=ROOT_DIR, project="lineage", name="lineage-child", reinit="create_new",
                   fork_from=f"{parent.id}?_step=4")
child.log({"loss": 0.01})
child.finish()
"""


@pytest.fixture(scope="module")
def lineage(lab):
    with scratch_store(lab, "lineage", LINEAGE_RUNS):
        yield


def lineage_runs(lab_page: LabPage) -> tuple[str, str]:
    """The parent and child ids."""
    lab = lab_page.lab
    return lab.run_named("lineage-parent")["id"], lab.run_named("lineage-child")["id"]


def test_lineage_names_the_parent_and_the_parent_lists_its_forks(lab_page: LabPage, lineage):
    lineage_runs(lab_page)
    lab_page.open()
    lab_page.open_sidebar()
    child = lab_page.open_run("lineage-child")
    parent_link = child.locator(".jp-nbrun-parent .jp-nbrun-link")
    parent_link.wait_for(timeout=10_000)
    assert parent_link.text_content() == "lineage-parent"      # the name, not the id
    assert "at step 4" in child.locator(".jp-nbrun-parent").text_content()
    parent_link.click()
    parent = lab_page.page.locator(".jp-nbrun-detail:visible")
    parent.locator(".jp-nbrun-detail-name", has_text="lineage-parent").wait_for()
    forks = parent.locator(".jp-nbrun-forks")
    forks.wait_for(timeout=10_000)
    assert forks.locator(".jp-nbrun-link").all_text_contents() == ["lineage-child"]
    assert not lab_page.errors and not lab_page.dialogs


def test_a_step_past_the_last_says_why_fork_and_rewind_are_disabled(lab_page: LabPage, lineage):
    lineage_runs(lab_page)
    lab_page.open()
    lab_page.open_sidebar()
    parent = lab_page.open_run("lineage-parent")
    parent.locator(".jp-nbrun-step-input").fill("99")
    problem = parent.locator(".jp-nbrun-step-problem")
    problem.wait_for(timeout=10_000)
    assert "past the run's last step (9)" in problem.text_content()
    assert parent.locator(".jp-nbrun-fork").is_disabled()
    assert parent.locator(".jp-nbrun-rewind").is_disabled()
    assert "past the run's last step" in parent.locator(".jp-nbrun-fork").get_attribute("title")
    lab_page.screenshot("detail-step-past-last.png", parent)
    parent.locator(".jp-nbrun-step-input").fill("3")
    assert problem.count() == 0 and not parent.locator(".jp-nbrun-fork").is_disabled()
    assert not lab_page.errors and not lab_page.dialogs


def test_resume_in_notebook_at_step_n_honours_n(lab_page: LabPage, lineage):
    parent_id, _ = lineage_runs(lab_page)
    write_notebook(lab_page.lab.root / "lineage.ipynb", "print('ready')")
    notebook = lab_page.run_first_cell("lineage.ipynb")
    notebook.locator(".jp-OutputArea-output", has_text="ready").wait_for(timeout=60_000)
    lab_page.open_sidebar()
    parent = lab_page.open_run("lineage-parent")
    parent.locator(".jp-nbrun-step-input").fill("3")
    parent.locator(".jp-nbrun-resume").click()
    cell = notebook.locator(".jp-Cell", has_text="resume_from")
    cell.wait_for(timeout=10_000)
    text = "\n".join(cell.locator(".cm-line").all_text_contents())
    # the run's store is not the one the notebook's kernel writes to: the cell names it
    store = lab_page.lab.root / "lineage"
    assert init_arguments(text) == {"project": "lineage", "dir": str(store),
                                    "resume_from": f"{parent_id}?_step=3"}
    assert not lab_page.errors and not lab_page.dialogs


FAILED_RUN = """
def diverge(step):
    raise FloatingPointError(f"loss is nan at step {step}")

try:
    with nbrun.init(dir=ROOT_DIR, project="failing", name="diverged", reinit="create_new") as r:
        for step in range(5):
            r.log({"loss": 1.0 / (step + 1)})
        diverge(4)
except FloatingPointError:
    pass
"""


def test_a_failed_run_says_why_with_its_traceback(lab_page: LabPage, lab):
    # Issue 23, point 5: "Exit code 1" and nothing else was all a failed run said.
    with scratch_store(lab, "failing", FAILED_RUN):
        lab_page.open()
        lab_page.open_sidebar()
        detail = lab_page.open_run("diverged")
        error = detail.locator(".jp-nbrun-run-error")
        error.wait_for(timeout=10_000)
        line = error.locator("summary").text_content()
        assert line.startswith("Failed (the with block):")
        assert "FloatingPointError: loss is nan at step 4" in line
        trace = error.locator(".jp-nbrun-traceback")
        assert trace.is_visible()  # open at once for a failed run
        assert "in diverge" in trace.text_content()
        assert not lab_page.errors and not lab_page.dialogs


LIVE_RUN = """
import sys, time
import nbrun
run = nbrun.init(dir=sys.argv[1], project="live", name="still-running", mode="offline")
for step in range(3):
    run.log({"loss": 1.0 / (step + 1)})
print("READY", run.id, flush=True)
time.sleep(600)  # killed by the test
"""


def test_a_running_run_offers_fork_but_not_resume_or_rewind(lab_page: LabPage, lab):
    # Issue 23, point 6: "Resume" was offered for a run still running elsewhere, and the cell
    # it wrote was refused.
    folder = lab.root / "live"
    folder.mkdir(exist_ok=True)
    child = python_child(LIVE_RUN, str(folder))
    try:
        line = child.stdout.readline()
        assert line.startswith("READY"), line
        lab_page.open()
        lab_page.open_sidebar()
        detail = lab_page.open_run("still-running")
        resume = detail.locator(".jp-nbrun-resume")
        resume.wait_for(timeout=10_000)
        assert resume.is_disabled() and detail.locator(".jp-nbrun-rewind").is_disabled()
        assert "still running" in resume.get_attribute("title")
        assert not detail.locator(".jp-nbrun-fork").is_disabled()
        assert not lab_page.errors and not lab_page.dialogs
    finally:
        child.kill()
        child.wait()
        shutil.rmtree(folder, ignore_errors=True)
