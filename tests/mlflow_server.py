"""A real MLflow tracking server in a child process, for the online-mode tests and benchmarks.

``start_mlflow(folder)`` runs ``mlflow server`` on a free loopback port with a SQLite backend
store (or any ``backend_uri``) and a proxied artifact folder, waits for ``/health`` and returns
an ``MlflowServer``; ``stop()`` ends the whole process group (the server starts workers and job
consumers of its own). ``restart()`` starts it again on the same port and database, as after an
outage. The basic-auth app (``app_name="basic-auth"``) keeps its users in ``folder/auth.db``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from conftest import free_port

START_TIMEOUT_S = 120.0  # migrations of a new database take ~20 s on a loaded 2-core machine
ADMIN = ("admin", "nbrun-admin-Pw-7319")  # the admin the auth app creates on first start


class MlflowServerError(RuntimeError):
    """The server could not be started."""


def mlflow_command() -> list[str]:
    exe = shutil.which("mlflow", path=os.path.dirname(sys.executable)) or shutil.which("mlflow")
    if exe is None:
        raise MlflowServerError("the `mlflow` command is missing: install the test extra "
                                "(`pip install -e '.[test]'`), which brings mlflow")
    return [exe]


@dataclass
class MlflowServer:
    folder: Path
    port: int
    backend_uri: str
    app_name: str | None = None
    proc: subprocess.Popen | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.folder / "mlflow-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = START_TIMEOUT_S) -> "MlflowServer":
        (self.folder / "artifacts").mkdir(parents=True, exist_ok=True)
        args = [*mlflow_command(), "server", "--backend-store-uri", self.backend_uri,
                "--artifacts-destination", str(self.folder / "artifacts"), "--serve-artifacts",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        # No job runner: MLflow's server otherwise starts it and eight job consumer processes
        # (GenAI jobs, nothing the tracking API uses), which on a 2-core machine starve the
        # server for its first minute (first writes ~4x slower) and triple its start time.
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        if self.app_name:
            args += ["--app-name", self.app_name]
            ini = self.folder / "basic_auth.ini"
            ini.write_text(
                "[mlflow]\ndefault_permission = READ\n"
                f"database_uri = sqlite:///{self.folder / 'auth.db'}\n"
                f"admin_username = {ADMIN[0]}\nadmin_password = {ADMIN[1]}\n"
                "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
            env["MLFLOW_AUTH_CONFIG_PATH"] = str(ini)
            env.setdefault("MLFLOW_FLASK_SERVER_SECRET_KEY", secrets.token_hex(16))
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(args, cwd=self.folder, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MlflowServerError(f"mlflow server exited with {self.proc.returncode}:\n"
                                        f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.25)
        self.stop()
        raise MlflowServerError(f"mlflow server did not answer /health within {timeout:.0f} s:"
                                f"\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """End the server and everything it started (SIGKILL for a crash)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def restart(self) -> "MlflowServer":
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def start_mlflow(folder: Path, app_name: str | None = None,
                 backend_uri: str | None = None, port: int | None = None) -> MlflowServer:
    folder.mkdir(parents=True, exist_ok=True)
    uri = backend_uri or f"sqlite:///{folder / 'mlflow.db'}"
    return MlflowServer(folder=folder, port=port or free_port(), backend_uri=uri,
                        app_name=app_name).start()
