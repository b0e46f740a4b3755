"""A killed kernel's run card follows the run (issue 23, point 6): the kernel that fed the card
is gone, so the card asks the Jupyter server, which sees the run's process gone, and says
crashed as the sidebar does, instead of "running" for ever."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, write_notebook

pytestmark = pytest.mark.slow

# A run in the notebook's own folder, left running when the cell ends; the kernel's pid printed.
CELL = """\
import os
import nbrun
run = nbrun.init(dir=".", project="killed", name="killed-run")
for step in range(5):
    run.log({"loss": 1.0 / (step + 1)})
print("kernel", os.getpid())
"""


def test_a_killed_kernels_card_says_crashed(lab_page: LabPage):
    lab = lab_page.lab
    (lab.root / "killed").mkdir(exist_ok=True)
    write_notebook(lab.root / "killed" / "killed.ipynb", CELL)
    try:
        notebook = lab_page.run_first_cell("killed/killed.ipynb")
        out = notebook.locator(".jp-OutputArea-output", has_text="kernel ")
        out.wait_for(timeout=60_000)
        pid = int(out.text_content().split("kernel ", 1)[1].split()[0])
        card = notebook.locator(".nbrun-card")
        state = card.locator(".nbrun-card-state")
        expect(state).to_have_text("running", timeout=30_000)
        expect(card.locator(".nbrun-card-meta")).to_contain_text("step 4", timeout=30_000)
        time.sleep(1.5)  # logged a second before the kill: on disk (the store's promise)
        os.kill(pid, signal.SIGKILL)
        # The sidebar lists it crashed; the card says so too, with the step it reached.
        sidebar = lab_page.open_sidebar()
        lab_page.search("killed-run")
        expect(lab_page.row("killed-run").first).to_contain_text("crashed", timeout=30_000)
        expect(state).to_have_text("crashed", timeout=30_000)
        expect(card.locator(".nbrun-card-meta")).to_contain_text("step 4")
        lab_page.screenshot("card-killed-kernel.png", card)
        assert sidebar.is_visible()
        assert not lab_page.errors and not lab_page.dialogs
    finally:
        for session in lab.request("api/sessions"):
            if session["path"] == "killed/killed.ipynb":
                lab.request(f"api/sessions/{session['id']}", method="DELETE", expect=204)
        # the run's store is in that folder: left there, it is one store too many for the
        # tests that count the stores under the server's root (test_sidebar.py)
        shutil.rmtree(lab.root / "killed", ignore_errors=True)
