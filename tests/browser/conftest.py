"""Fixtures of the sidebar's browser tests: a real JupyterLab server (``labserver.start_lab``)
whose root folder holds an nbrun store, and Debian's headless chromium driven by Python
playwright. A missing chromium fails the tests with the command that installs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from .labserver import (ROOT, Lab, LabError, check_chromium, child_env, launch_chromium,
                        open_lab_page, start_lab, stop_lab)

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1400, "height": 900}


def make_runs(root: Path, code: str) -> str:
    """Run ``code`` in a child Python process with ``nbrun`` imported and ``ROOT_DIR`` (the
    folder of the store) defined; returns its stdout."""
    prelude = f"import nbrun\nROOT_DIR = {str(root)!r}\n"
    proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          env=child_env(NBRUN_MODE="offline"), capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@contextmanager
def scratch_store(lab: Lab, folder: str, code: str) -> Iterator[Path]:
    """Runs made by ``code`` (see ``make_runs``) in a store of their own, ``<root>/<folder>``,
    removed afterwards, so the runs a test adds never crowd the lists other tests read. Yields
    once the server lists the store (its store search is cached for a moment)."""
    path = lab.root / folder
    path.mkdir(exist_ok=True)
    make_runs(path, code)
    deadline = time.monotonic() + 20
    while not any(s["path"].startswith(folder + "/") or s["path"].startswith(folder + "\\")
                  for s in lab.request("nbrun/api/stores")["stores"]):
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not find the store in {path}")
        time.sleep(0.25)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def python_child(code: str, *args: str) -> subprocess.Popen:
    """A child Python process (this checkout importable, runs offline) running ``code``."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                            env=child_env(NBRUN_MODE="offline"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def baseline_runs(prefix: str) -> str:
    """Code for ``make_runs``: five finished runs ``<prefix>-0`` .. ``<prefix>-4`` of project
    "vision", tagged baseline, each with a config, 50 steps of loss and acc, and a best_acc."""
    return f"""
for i in range(5):
    run = nbrun.init(dir=ROOT_DIR, project="vision", name=f"{prefix}-{{i}}", reinit="create_new",
                     config={{"lr": 0.1 / (i + 1), "batch": 32, "optim": {{"name": "adam"}}}},
                     tags=["baseline"])
    for step in range(50):
        run.log({{"loss": 1.0 / (step + 1 + i), "acc": step / 50.0}})
    run.summary["best_acc"] = 0.9 + i / 100
    run.finish()
"""


BASE_RUNS = baseline_runs("baseline") + """
run = nbrun.init(dir=ROOT_DIR, project="vision", name="<img src=x onerror=alert(1)>",
                 reinit="create_new", config={"note": "<script>alert(2)</script>"},
                 tags=["<b>bold</b>"], notes="<img src=y onerror=alert(3)>")
run.log({"loss": 0.5})
run.finish()
run = nbrun.init(dir=ROOT_DIR + "/other", project="elsewhere", name="other-store-run")
run.finish()
"""

# The notebook's first cell: run in the lab, it creates a run in the notebook's kernel.
NOTEBOOK_CELL = """\
import nbrun
run = nbrun.init(project="kernel-proj", name="from-kernel", config={"lr": 0.5}, mode="offline")
for step in range(5):
    run.log({"loss": 1.0 / (step + 1)})
run.finish()
print("created", run.id)
"""


def write_notebook(path: Path, source: str) -> None:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "first", "metadata": {},
                   "outputs": [], "source": source}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        return check_chromium()
    except LabError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """A JupyterLab server whose root folder holds a store with a few finished runs (one named
    like an HTML injection) and a notebook whose cell creates a run in its kernel."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "root"
    root.mkdir()
    make_runs(root, BASE_RUNS)
    write_notebook(root / "work.ipynb", NOTEBOOK_CELL)
    try:
        server = start_lab(root, home)
    except LabError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="session")
def browser(chromium_path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = launch_chromium(pw)
        try:
            yield instance
        finally:
            instance.close()


# JupyterLab's own kernel connection rejects pending subshell requests when a kernel's
# connection is replaced while the page loads (seen once in ~10 runs, in no nbrun code path);
# any other page error still fails the tests.
LAB_NOISE = ("Canceled future for create_subshell_request message before replies were done",)


def is_lab_noise(message: str) -> bool:
    return any(noise in message for noise in LAB_NOISE)


@dataclass
class LabPage:
    """A JupyterLab page, and the dialogs and errors it produced (a test forbids them)."""

    page: Any
    lab: Lab
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str = "") -> None:
        try:
            open_lab_page(self.page, self.lab, path)
        except LabError as exc:
            pytest.fail(str(exc))

    def open_sidebar(self) -> Any:
        sidebar = self.page.locator("#nbrun-sidebar")
        if not sidebar.is_visible():
            self.page.locator('li[data-id="nbrun-sidebar"]').click()
        sidebar.wait_for(state="visible")
        return sidebar

    def search(self, text: str) -> None:
        self.page.locator("#nbrun-sidebar .jp-nbrun-search").fill(text)

    def row(self, name: str) -> Any:
        return self.page.locator("#nbrun-sidebar .jp-nbrun-row").filter(
            has=self.page.locator(".jp-nbrun-row-name", has_text=name))

    def open_run(self, name: str) -> Any:
        """Search the run by name and open its detail view; the view's locator."""
        self.search(name)
        row = self.row(name).first
        row.wait_for(timeout=10_000)
        row.locator(".jp-nbrun-row-name").click()
        detail = self.page.locator(".jp-nbrun-detail:visible")
        detail.locator(".jp-nbrun-detail-name").wait_for(timeout=10_000)
        return detail

    def run_first_cell(self, path: str) -> Any:
        """Open the notebook at ``path`` (in a kernel session started beforehand, so no kernel
        picker shows), run its first cell, and return the notebook panel's locator."""
        self.lab.request("api/sessions", method="POST", expect=201, body={
            "path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}})
        self.open(f"/tree/{path}")
        notebook = self.page.locator(".jp-NotebookPanel:visible")
        notebook.locator(".jp-Cell").first.wait_for()
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                    timeout=60_000)
        prompt = notebook.locator(".jp-Cell .jp-InputPrompt").first
        for _ in range(3):
            self._no_dialog()
            notebook.locator(".jp-Cell .cm-content").first.click()
            self.page.keyboard.press("Control+Enter")
            # An execution sent while the page's kernel connection is being replaced is lost
            # (the prompt stays "[ ]"); send it again rather than wait for an answer forever.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if (prompt.text_content() or "").strip() not in ("", "[ ]:"):
                    return notebook
                time.sleep(0.25)
        return notebook

    def _no_dialog(self) -> None:
        """A JupyterLab dialog over the notebook would block the click. The kernel picker
        (seen now and then although the session is made first) is answered; any other
        dialog fails the test with its text rather than a time-out behind it."""
        dialog = self.page.locator(".jp-Dialog")
        if not (dialog.count() and dialog.first.is_visible()):
            return
        text = dialog.first.inner_text()
        if text.startswith("Select Kernel"):
            # The page asked before it saw the session made beforehand: any Python kernel
            # does for these tests, so take the dialog's choice.
            dialog.first.locator(".jp-mod-accept").click()
            dialog.first.wait_for(state="detached", timeout=10_000)
            return
        pytest.fail(f"a JupyterLab dialog covers the notebook: {text!r}")

    def screenshot(self, name: str, locator: Any = None) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        (locator or self.page).screenshot(path=str(path))
        return path


@pytest.fixture
def lab_page(lab, browser) -> Iterator[LabPage]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(20_000)
    wrapper = LabPage(page=page, lab=lab)

    def on_dialog(dialog):
        wrapper.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: None if is_lab_noise(str(exc))
            else wrapper.errors.append(str(exc)))
    try:
        yield wrapper
    finally:
        context.close()
