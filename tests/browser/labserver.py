"""A JupyterLab server subprocess and Debian's headless chromium, for the browser tests and the
sidebar benchmark (no pytest here: failures are ``LabError``).

The server is ``python -m jupyterlab`` on 127.0.0.1 with a token and ``--allow-root
--no-browser``; its root folder is the folder to serve (it holds an nbrun store), and its
Jupyter config, data, runtime, settings and workspace folders are private, so that nothing of
the user's set-up leaks in. It uses nbrun as installed (``pip install -e .`` builds the lab
extension and enables the server extension), with this checkout first on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlencode

from conftest import child_env, free_port  # tests/conftest.py: shared with the other tests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_S = 90.0


class LabError(RuntimeError):
    """The server or the browser could not be started."""


def check_chromium() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise LabError(f"{CHROMIUM} is missing: the browser tests drive Debian's chromium; "
                       "install it with `apt-get install -y chromium` (.ci/run does this in CI)")
    return CHROMIUM


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium through playwright (playwright's own browser download is not used)."""
    return playwright.chromium.launch(executable_path=check_chromium(), args=CHROMIUM_FLAGS,
                                      headless=True)


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str  # ends with "/"
    token: str
    root: Path
    proc: subprocess.Popen
    log_path: Path
    _workspace: int = field(default=0)

    def request(self, path: str, method: str = "GET", body: Any = None,
                expect: int | None = 200) -> Any:
        """A REST call (``path`` relative to the base URL); the decoded JSON reply."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        if expect is not None and status != expect:
            raise AssertionError(f"{method} {path}: HTTP {status} (expected {expect}): {text}")
        return json.loads(text) if text else None

    def runs(self, **query: Any) -> list[dict]:
        return self.request("nbrun/api/runs?" + urlencode({"limit": 1000, **query}))["runs"]

    def run_named(self, name: str) -> dict:
        found = [r for r in self.runs(q=name) if r["name"] == name]
        assert len(found) == 1, f"expected one run named {name!r}, found {len(found)}"
        return found[0]

    def page_url(self, path: str = "") -> str:
        """The lab page in a fresh workspace (no layout restored from an earlier page)."""
        self._workspace += 1
        return f"{self.url}lab/workspaces/t{self._workspace}{path}?token={self.token}"

    def notebook_url(self, path: str) -> str:
        """The Notebook 7 page of the notebook at ``path`` (a server from ``start_notebook7``)."""
        return f"{self.url}notebooks/{path}?token={self.token}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def lab_environment(home: Path) -> dict[str, str]:
    """Private Jupyter folders under ``home`` (the news and update toasts off), this checkout
    importable, runs offline (kernels inherit this)."""
    settings = home / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    for name in ("config", "data", "runtime", "workspaces"):
        (home / name).mkdir(exist_ok=True)
    # This checkout's own build of the lab extension, when it has one, comes first (the user
    # data folder is searched before the installed one), so a second checkout tests its own JS.
    built = ROOT / "nbrun" / "labextension"
    if (built / "package.json").is_file():
        (home / "data" / "labextensions").mkdir(exist_ok=True)
        link = home / "data" / "labextensions" / "nbrun"
        if not link.exists():
            link.symlink_to(built, target_is_directory=True)
    return child_env(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
        # In a virtualenv jupyter searches the environment's folders before the user's,
        # which would serve the installed build rather than this checkout's.
        JUPYTER_PREFER_ENV_PATH="0",
        NBRUN_MODE="offline",
    )


def start_lab(root: Path, home: Path, command: Sequence[str] = (),
              cwd: Path | None = None) -> Lab:
    """Start the server, wait until it answers, and check that nbrun's API is there.

    ``command`` (run in ``cwd``) replaces ``python -m jupyterlab --ServerApp.root_dir=ROOT``,
    e.g. the README's ``jupyter lab ...``; ``root`` is then the folder it serves. The headless
    options (port, token, no browser) are added either way."""
    token = secrets.token_hex(16)
    port = free_port()
    log_path = home / "jupyter-lab.log"
    command = list(command) or [sys.executable, "-m", "jupyterlab",
                                f"--ServerApp.root_dir={root}"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*command, "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--ServerApp.token={token}"],
            cwd=cwd or root, env=lab_environment(home), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    lab = Lab(url=f"http://127.0.0.1:{port}/", token=token, root=root, proc=proc,
              log_path=log_path)
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if proc.poll() is not None:
            raise LabError(f"jupyter lab exited with {proc.returncode}:\n{lab.log_tail()}")
        try:
            lab.request("api/status")
            break
        except (OSError, AssertionError):
            if time.monotonic() > deadline:
                stop_lab(lab)
                raise LabError(f"jupyter lab did not answer within {SERVER_START_S:.0f} s:\n"
                               f"{lab.log_tail()}") from None
            time.sleep(0.25)
    try:
        lab.request("nbrun/api/stores")
    except AssertionError as exc:
        stop_lab(lab)
        raise LabError(f"the nbrun server extension does not answer ({exc}); `jupyter server "
                       f"extension list` must show nbrun enabled:\n{lab.log_tail()}") from None
    return lab


def start_notebook7(root: Path, home: Path) -> Lab:
    """``start_lab`` for Notebook 7 (the ``notebook`` package's server and pages) serving
    ``root``, with the same private folders and this checkout's build of the extension."""
    return start_lab(root, home, [sys.executable, "-m", "notebook",
                                  f"--ServerApp.root_dir={root}"])


def stop_lab(lab: Lab) -> None:
    """Shut the server down (and its kernels); terminate or kill it if it does not exit."""
    if lab.proc.poll() is not None:
        return
    try:
        lab.request("api/shutdown", method="POST", expect=None)
    except OSError:
        pass
    try:
        lab.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        lab.proc.terminate()
        try:
            lab.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lab.proc.kill()
            lab.proc.wait()


def open_lab_page(page: Any, lab: Lab, path: str = "") -> None:
    """Load the lab in ``page`` and wait for the shell and nbrun's sidebar tab."""
    page.goto(lab.page_url(path))
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    try:
        page.locator('li[data-id="nbrun-sidebar"]').wait_for(timeout=30_000)
    except Exception:
        raise LabError("the nbrun sidebar tab did not appear: is the lab extension installed "
                       "(`jupyter labextension list` must show nbrun enabled and OK)?") from None
