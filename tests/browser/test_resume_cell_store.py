"""The sidebar's resume cell reaches the run it was written for (issue 19, point 3b), in a real
JupyterLab with real kernels: written into a notebook whose kernel writes to another store, the
cell names the run's store and resumes that very run; where the kernel's store turns out not to
hold the run, running the cell is an error, never a new, empty run under the id."""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from typing import Iterator

import pytest

import nbrun

from .conftest import LabPage, scratch_store, write_notebook
from .writtencell import init_arguments

pytestmark = pytest.mark.slow


def cell_text(cell) -> str:
    return "\n".join(cell.locator(".cm-line").all_text_contents())


@contextmanager
def kernel_notebook(lab_page: LabPage, path: str, source: str) -> Iterator:
    """The notebook at ``path`` (its first cell ``source``, run; it prints "ready"), open in
    the lab; its kernel is shut down afterwards."""
    lab = lab_page.lab
    (lab.root / path).parent.mkdir(exist_ok=True)
    write_notebook(lab.root / path, source)
    try:
        notebook = lab_page.run_first_cell(path)
        notebook.locator(".jp-OutputArea-output", has_text="ready").wait_for(timeout=60_000)
        yield notebook
    finally:
        for session in lab.request("api/sessions"):
            if session["path"] == path:
                lab.request(f"api/sessions/{session['id']}", method="DELETE", expect=204)


def write_resume_cell(lab_page: LabPage, notebook, run_name: str):
    """Click "Resume" in the run's detail view; the cell it writes into the notebook."""
    lab_page.open_sidebar()
    lab_page.open_run(run_name).locator(".jp-nbrun-resume").click()
    cell = notebook.locator(".jp-Cell", has_text="nbrun.init(")
    cell.wait_for(timeout=20_000)
    return cell


def run_cell(lab_page: LabPage, cell) -> None:
    cell.locator(".cm-content").click()
    lab_page.page.keyboard.press("Shift+Enter")


def test_a_resume_cell_names_the_store_of_its_run(lab_page: LabPage):
    lab = lab_page.lab
    made = """
        run = nbrun.init(dir=ROOT_DIR, project="cells", id="cellbase", name="cell-base-run")
        for step in range(3):
            run.log({"loss": float(step)})
        run.finish()
    """
    # The run's store is in cells-alpha/; the notebook's kernel writes to the root folder's.
    with scratch_store(lab, "cells-alpha", made) as alpha, \
            kernel_notebook(lab_page, "cells-beta/resume.ipynb",
                            "%load_ext nbrun\nprint('ready')") as notebook:
        try:
            cell = write_resume_cell(lab_page, notebook, "cell-base-run")
            text = cell_text(cell)
            assert init_arguments(text) == {
                "project": "cells", "dir": os.path.realpath(alpha), "id": "cellbase",
                "resume": "must"}

            run_cell(lab_page, cell)
            # The new cell below is in edit mode: log into the resumed run and finish it.
            lab_page.page.keyboard.insert_text(
                "run.log({'loss': 9.0})\nrun.finish()\nprint('resumed', run.resumed, run.id)")
            lab_page.page.keyboard.press("Shift+Enter")
            notebook.locator(".jp-OutputArea-output", has_text="resumed True cellbase").wait_for(
                timeout=60_000)
            history = nbrun.Api(alpha).run("cellbase").history()
            assert [(row["_step"], row["loss"]) for row in history] == [
                (0, 0.0), (1, 1.0), (2, 2.0), (3, 9.0)]
            assert "cellbase" not in nbrun.Api(lab.root).store.ids()  # the kernel's own store
            assert not (lab.root / "cells-beta" / ".nbrun").exists()
            assert not lab_page.errors and not lab_page.dialogs
        finally:
            shutil.rmtree(lab.root / "cells-beta", ignore_errors=True)


def test_a_resume_cell_of_a_run_the_kernel_cannot_see_is_an_error(lab_page: LabPage):
    lab = lab_page.lab
    made = """
        run = nbrun.init(dir=ROOT_DIR, project="cells", id="cellgone", name="cell-gone-run")
        run.log({"loss": 1.0})
        run.finish()
    """
    elsewhere = lab.root / "cells-delta"
    # The notebook lies beside the run's store, but its kernel was pointed at another one
    # after it started: the server cannot know, so the cell names no store.
    first = (f"%load_ext nbrun\nimport os\nos.environ['NBRUN_DIR'] = {str(elsewhere)!r}\n"
             "print('ready')")
    with scratch_store(lab, "cells-gamma", made) as gamma, \
            kernel_notebook(lab_page, "cells-gamma/missing.ipynb", first) as notebook:
        try:
            cell = write_resume_cell(lab_page, notebook, "cell-gone-run")
            assert cell_text(cell) == (
                'import nbrun\n\nrun = nbrun.init(project="cells", id="cellgone", resume="must")')
            run_cell(lab_page, cell)
            error = cell.locator(".jp-OutputArea-output", has_text="resume='must'")
            error.wait_for(timeout=60_000)
            message = error.text_content()
            assert "no run 'cellgone'" in message and str(elsewhere) in message
            time.sleep(1)  # a run the cell had started would be in the store by now
            started = (elsewhere / ".nbrun").exists() and nbrun.Api(elsewhere).store.ids()
            assert not started
            assert nbrun.Api(gamma).run("cellgone").state == "finished"  # left alone
        finally:
            shutil.rmtree(elsewhere, ignore_errors=True)


def test_a_fork_cell_runs_in_a_kernel_that_never_loaded_nbrun(lab_page: LabPage):
    """Issue 23.6: the written cell works in any kernel; a `%%runinit` cell failed with
    "Cell magic `%%runinit` not found" where `%load_ext nbrun` had not been run."""
    lab = lab_page.lab
    made = """
        run = nbrun.init(dir=ROOT_DIR, project="landing", id="landbase", name="land-base-run")
        for step in range(5):
            run.log({"loss": float(step)})
        run.finish()
    """
    with scratch_store(lab, "landing", made) as store, \
            kernel_notebook(lab_page, "landing/fresh.ipynb", "print('ready')") as notebook:
        lab_page.open_sidebar()
        detail = lab_page.open_run("land-base-run")
        detail.locator(".jp-nbrun-step-input").fill("2")
        detail.locator(".jp-nbrun-fork").click()
        cell = notebook.locator(".jp-Cell", has_text="fork_from")
        cell.wait_for(timeout=20_000)
        text = cell_text(cell)
        run_cell(lab_page, cell)
        # the run card of the forked run shows under the cell (the extension loaded itself)
        cell.locator(".nbrun-card").wait_for(timeout=60_000)
        assert init_arguments(text) == {"project": "landing", "fork_from": "landbase?_step=2"}
        lab_page.page.keyboard.insert_text(
            "run.log({'loss': 7.0})\nrun.finish()\nprint('forked', run.id)")
        lab_page.page.keyboard.press("Shift+Enter")
        out = notebook.locator(".jp-OutputArea-output", has_text="forked ")
        out.wait_for(timeout=60_000)
        fork_id = out.text_content().split("forked ", 1)[1].split()[0]
        assert "not found" not in (cell.text_content() or "")
        forked = nbrun.Api(store).run(fork_id)
        assert fork_id != "landbase" and forked.lineage["forked_from"]["id"] == "landbase"
        assert [(row["_step"], row["loss"]) for row in forked.history()] == [
            (0, 0.0), (1, 1.0), (2, 2.0), (3, 7.0)]
        assert not lab_page.errors and not lab_page.dialogs
