"""Every test runs in its own folder with a clean environment: no NBRUN_* variables, a private
user settings folder, and no run left active afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nbrun
from nbrun.sdk import registry

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    for var in list(os.environ):
        if var.startswith("NBRUN_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield
    for run in registry.active():
        run.finish()


@pytest.fixture
def store_dir(tmp_path) -> Path:
    """A folder for the store (``dir=``), separate from the working folder."""
    path = tmp_path / "store"
    path.mkdir()
    return path


@pytest.fixture
def api(store_dir):
    def read():
        return nbrun.Api(store_dir)
    return read


def free_port() -> int:
    """A TCP port on the loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def db_path(root) -> str:
    """The database file of the store under ``root``."""
    return os.path.join(str(root), ".nbrun", "nbrun.db")


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: no NBRUN_* variables, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBRUN_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_python(code: str, cwd: Path | None = None, env: dict | None = None,
               timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    """Run a Python program in a child process, with this checkout importable."""
    full_env = child_env(**(env or {}))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc
