"""The sidebar's resume cells hold any run id and project: DEL, the C1 controls U+0080-U+009F
(U+0085 a line break to Python's splitlines) and U+FFFE are written as escapes, and Python reads
the cell back as the run's id and project."""

from __future__ import annotations

import time

import pytest

from .conftest import LabPage, make_runs, write_notebook
from .test_sidebar import cell_source, saved_cells
from .writtencell import init_arguments, is_written_cell

pytestmark = pytest.mark.slow

PROJECT = "esc\u0080\u0085\u009f-proj"
RUN_ID = "c1\u0099id\ufffe"


def test_resume_cell_escapes_what_yaml_refuses(lab_page: LabPage):
    lab = lab_page.lab
    make_runs(lab.root, f"""
        run = nbrun.init(dir=ROOT_DIR, project={PROJECT!r}, id={RUN_ID!r}, name="c1-escape")
        run.log({{"loss": 1.0}})
        run.finish()
    """)
    write_notebook(lab.root / "escape.ipynb", "print('ready')")
    notebook = lab_page.run_first_cell("escape.ipynb")
    notebook.locator(".jp-OutputArea-output", has_text="ready").wait_for(timeout=60_000)
    lab_page.open_sidebar()
    detail = lab_page.open_run("c1-escape")
    detail.locator(".jp-nbrun-resume").click()
    notebook.locator(".jp-Cell", has_text="nbrun.init(").wait_for()
    lab_page.page.keyboard.press("Control+s")
    deadline = time.monotonic() + 15
    sources: list[str] = []
    while time.monotonic() < deadline:
        try:
            sources = [cell_source(c) for c in saved_cells(lab, "escape.ipynb")]
        except AssertionError:  # read while being written
            sources = []
        if any(is_written_cell(s) for s in sources):
            break
        time.sleep(0.25)
    (cell,) = [s for s in sources if is_written_cell(s)]
    assert cell.isascii(), cell  # every character shown as nothing is an escape
    assert init_arguments(cell) == {"project": PROJECT, "id": RUN_ID, "resume": "must"}
