"""A new user's first run, as the README writes it: the main command's ``jupyter lab ...`` part
is started as written (headless: its own port and token, private Jupyter folders) in a project
whose store lies above the folder the server serves, the quickstart runs in that server's
kernel, and the sidebar's list endpoint returns the quickstart's runs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client import BlockingKernelClient

import nbrun
from browser.labserver import Lab, LabError, start_lab, stop_lab
from nbrun.server import discovery

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
QUICKSTART = "notebooks/quickstart.ipynb"
CELL_TIMEOUT_S = 120
LIST_WAIT_S = 10.0  # two store searches (cache_seconds) and then some


def setup_commands() -> list[str]:
    """The shell commands of the README's "Set-up" section (the lines of its code blocks)."""
    section = re.search(r"^## Set-up\n(.*?)(?=^## )", README.read_text(), re.M | re.S)
    assert section, "README.md has a '## Set-up' section"
    blocks = re.findall(r"^```bash\n(.*?)^```", section.group(1), re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def readme_lab_command() -> list[str]:
    """The ``jupyter lab ...`` part of the README's main command, its ``jupyter`` the one of
    this Python's environment (as after the command's ``. .venv/bin/activate``)."""
    parts = [shlex.split(part) for line in setup_commands() for part in line.split("&&")]
    labs = [argv for argv in parts if argv[:2] == ["jupyter", "lab"]]
    assert len(labs) == 1, f"one `jupyter lab` command in the README's set-up, found {labs}"
    here = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    jupyter = shutil.which("jupyter", path=here)
    assert jupyter, "the `jupyter` command is installed beside this Python"
    return [jupyter, *labs[0][1:]]


def make_project(path: Path) -> Path:
    """A fresh clone's shape: a git repository holding the notebooks, no store yet."""
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "notebooks").mkdir()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, path / "notebooks" / notebook.name)
    return path


def start_readme_lab(tmp_path: Path) -> tuple[Lab, Path]:
    """The README's ``jupyter lab ...`` in a new project; the server and the project."""
    command = readme_lab_command()
    file_to_run = next(arg for arg in command if arg.endswith(".ipynb"))
    project = make_project(tmp_path / "project")
    home = tmp_path / "jupyter-home"
    home.mkdir()
    # jupyter lab serves the folder of the file it opens: the store above it is not under it.
    served = (project / file_to_run).parent
    try:
        return start_lab(served, home, command=command, cwd=project), project
    except LabError as exc:
        pytest.fail(str(exc))


def launch_url(lab: Lab) -> str:
    """The URL the server opens in a browser on launch (its redirect file, which it writes
    with or without ``--no-browser``)."""
    runtime = Path(lab.log_path).parent / "runtime"
    found = sorted(runtime.glob("jpserver-file-to-run-*-open.html"))
    assert found, f"the server wrote no page that opens a file on launch:\n{lab.log_tail()}"
    match = re.search(r'<a href="([^"]+)"', found[0].read_text())
    assert match, found[0].read_text()
    return match.group(1).replace("&amp;", "&")


def run_in_server_kernel(lab: Lab, path: str) -> list[str]:
    """Run every code cell of the notebook at ``path`` (relative to the server's root) in a
    kernel the server starts for it, as "Run All" does; the outputs' text, cell by cell."""
    session = lab.request("api/sessions", method="POST", expect=201, body={
        "path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}})
    runtime = Path(lab.log_path).parent / "runtime"
    client = BlockingKernelClient(
        connection_file=str(runtime / f"kernel-{session['kernel']['id']}.json"))
    client.load_connection_file()
    client.start_channels(hb=False)  # a heartbeat not yet beating reads as a dead kernel
    texts: list[str] = []
    try:
        client.wait_for_ready(timeout=60)
        notebook = nbformat.read(lab.root / path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            outputs: list[dict] = []
            reply = client.execute_interactive(
                cell.source, timeout=CELL_TIMEOUT_S,
                output_hook=lambda msg, outputs=outputs: outputs.append(msg["content"]))
            content = reply["content"]
            assert content["status"] == "ok", (
                f"cell failed:\n{cell.source}\n{content.get('ename')}: "
                f"{content.get('evalue')}\n" + "\n".join(content.get("traceback", [])))
            texts.append("".join(str(o.get("text", o.get("data", {}).get("text/plain", "")))
                                 for o in outputs))
    finally:
        client.stop_channels()
        lab.request(f"api/sessions/{session['id']}", method="DELETE", expect=204)
    return texts


def listed_runs(lab: Lab, count: int) -> list[dict]:
    """The quickstart's runs in the sidebar's list, once it has ``count`` of them: the server
    serves its last store search while a new one runs, as a sidebar poll would see."""
    deadline = time.monotonic() + LIST_WAIT_S
    while True:
        listed = lab.runs(project="quickstart")
        if len(listed) >= count or time.monotonic() > deadline:
            return listed
        time.sleep(0.5)


@pytest.mark.slow
def test_readme_main_command_shows_the_quickstart_runs_in_the_sidebar(tmp_path):
    lab, project = start_readme_lab(tmp_path)
    try:
        assert lab.root == project / "notebooks"
        assert launch_url(lab).startswith(f"{lab.url}lab/tree/quickstart.ipynb?token=")
        assert lab.request("nbrun/api/stores")["stores"] == []  # no run yet, no store

        texts = run_in_server_kernel(lab, "quickstart.ipynb")

        # The runs went where init() puts them from notebooks/: the git root's store, outside
        # the folder the server serves.
        stored = nbrun.Api(project).runs(project="quickstart")
        assert len(stored) == 2 and all(r.state == "finished" for r in stored)
        assert not (project / "notebooks" / ".nbrun").exists()
        assert all(r.name in "".join(texts) for r in stored)  # the notebook printed them

        listed = listed_runs(lab, len(stored))
        assert sorted(r["id"] for r in listed) == sorted(r.id for r in stored)
        assert {r["state"] for r in listed} == {"finished"}
        stores = lab.request("nbrun/api/stores")["stores"]
        assert [s["path"] for s in stores] == [str((project / ".nbrun").resolve())]
        run = lab.request(f"nbrun/api/runs/{listed[0]['id']}?store={listed[0]['store']}")
        assert run["config"]["epochs"] == 200
    finally:
        stop_lab(lab)


def test_the_enclosing_store_is_the_one_init_picks_from_the_root(tmp_path, monkeypatch):
    project = tmp_path / "project"
    served = project / "notebooks" / "deep"
    served.mkdir(parents=True)
    (project / ".git").mkdir()
    assert discovery.enclosing_store(str(served)) is None  # no run yet: nothing to list

    monkeypatch.chdir(served)
    nbrun.init(project="p", mode="offline").finish()  # init() with no dir=, from the root
    assert discovery.enclosing_store(str(served)) == str((project / ".nbrun").resolve())

    # A nearer .nbrun/ (even one without a database yet) is where init() writes from now on,
    # so the git root's store is no longer the enclosing one.
    (project / "notebooks" / ".nbrun").mkdir()
    assert discovery.enclosing_store(str(served)) is None
    nbrun.init(project="p", mode="offline").finish()
    assert discovery.enclosing_store(str(served)) == str(
        (project / "notebooks" / ".nbrun").resolve())
