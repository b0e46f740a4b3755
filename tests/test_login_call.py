"""Issue 22 point 1: ``nbrun.login()`` with the contract tracker's signature. Without a server it
returns at once (no request, no prompt, no ``requests`` import) and says nothing is needed; with a
real MLflow server that asks for credentials it uses the stored login, asks at a terminal (a real
pseudo-terminal) as ``nbrun login`` does, and in a real kernel never waits for input."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest
import requests

import nbrun
from conftest import child_env, run_python
from mlflow_server import ADMIN, start_mlflow
from notebook_kernel import Kernel
from test_credentials import CRED_VARS
from test_login import nbrun_cli

BOB = ("bob", "Bob-login-call-pw-6612")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_mlflow(tmp_path_factory.mktemp("mlflow-login-call"), app_name="basic-auth")
    try:
        answer = requests.post(srv.url + "/api/2.0/mlflow/users/create", auth=ADMIN,
                               json={"username": BOB[0], "password": BOB[1]}, timeout=120)
        assert answer.status_code == 200, answer.text
        yield srv
    finally:
        srv.stop()


@pytest.fixture(autouse=True)
def no_credential_env(monkeypatch):
    for var in CRED_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NBRUN_BASE_URL", "")  # login(host=) may set it: restored afterwards


def test_without_a_server_login_returns_at_once_saying_nothing_is_needed(tmp_path):
    proc = run_python("""
        import json, sys, time
        import nbrun
        start = time.perf_counter()
        result = nbrun.login(key="a-key-for-another-tracker", relogin=None, force=None,
                             timeout=None)
        print(json.dumps({"result": result, "seconds": time.perf_counter() - start,
                          "requests": "requests" in sys.modules}))
        """, cwd=tmp_path, env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["result"] is False and out["requests"] is False and out["seconds"] < 2
    assert "no tracking server is configured, so no login is needed" in proc.stderr
    assert not (tmp_path / "xdg" / "nbrun" / "credentials.json").exists()


def test_in_a_kernel_login_never_waits_for_input(server, tmp_path):
    with Kernel(tmp_path) as kernel:
        kernel.run("import nbrun, time")
        said = kernel.text("print(nbrun.login())")
        assert "no login is needed" in said and said.strip().endswith("False")
        said = kernel.text(f"t = time.monotonic()\nok = nbrun.login(host={server.url!r})\n"
                           "print(ok, round(time.monotonic() - t))")
        assert "there is no terminal here to ask for them" in said
        assert "StdinNotImplemented" not in said and "Password" not in said
        ok, seconds = said.strip().splitlines()[-1].split()
        assert ok == "False" and int(seconds) < 30
        said = kernel.text(f"nbrun.login(host={server.url!r}, force=True)")
        assert "AuthenticationError" in said and "no terminal" in said


def test_stored_credentials_are_used_without_asking(server, tmp_path):
    saved = nbrun_cli("login", server.url, "--username", BOB[0], "--password-stdin",
                      stdin=BOB[1] + "\n")
    assert saved.returncode == 0, saved.stderr
    assert nbrun.login(host=server.url) is True
    assert nbrun.login() is True  # the server of the latest login is the configured one
    run = nbrun.init(project="p", dir=tmp_path / "store")  # mode=None: online now
    assert run.mode == "online"
    run.finish()


def test_a_key_the_server_refuses_is_an_authentication_error(server, tmp_path):
    with pytest.raises(nbrun.AuthenticationError, match="refused the token"):
        nbrun.login(key="not-a-valid-token", host=server.url)
    assert not (tmp_path / "xdg" / "nbrun" / "credentials.json").exists()


def _talk(code: str, tmp_path, answers: list[tuple[str, str]], timeout: float = 180) -> str:
    """Run ``code`` on a pseudo-terminal; each (prompt, reply) answers a prompt seen."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave,
                            stderr=slave, cwd=tmp_path, start_new_session=True,
                            env=child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg")))
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if answers and answers[0][0].encode() in seen:
                os.write(master, answers.pop(0)[1].encode())
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        proc.wait(timeout=30)
        os.close(master)
    return seen.decode(errors="replace")


def test_at_a_terminal_login_asks_as_nbrun_login_does(server, tmp_path):
    code = f"import nbrun\nprint('RESULT', nbrun.login(host={server.url!r}))\n"
    said = _talk(code, tmp_path, [("User name", BOB[0] + "\n"),
                                  (f"Password for {BOB[0]}", BOB[1] + "\n")])
    assert "RESULT True" in said, said
    assert BOB[1] not in said  # typed without echo, never printed
    stored = json.loads((tmp_path / "xdg" / "nbrun" / "credentials.json").read_text())
    assert list(stored["servers"].values())[0]["username"] == BOB[0]


def test_at_a_terminal_an_unanswered_prompt_gives_up_after_timeout(server, tmp_path):
    code = f"import nbrun\nprint('RESULT', nbrun.login(host={server.url!r}, timeout=1))\n"
    said = _talk(code, tmp_path, [])
    assert "no answer within 1 s" in said and "RESULT False" in said, said
