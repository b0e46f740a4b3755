"""Credentials against a real MLflow server running its basic-auth app: `nbrun login` checks them
before it saves them (0600), a wrong one is refused without being repeated, `nbrun logout`
forgets them, `anonymous="must"` sends nothing, and no password shows up anywhere nbrun writes
or prints. One server for the module (about 20 s to start)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from urllib.parse import quote

import pexpect
import pytest
import requests

from conftest import child_env, run_python
from mlflow_server import ADMIN, start_mlflow
from nbrun.errors import AuthenticationError
from nbrun.settings import resolve as resolve_settings
from nbrun.sync import credentials as cr
from nbrun.sync import login
from nbrun.sync.credentials import Credentials
from test_credentials import CRED_VARS
from test_login import nbrun_cli

BOB = ("bob", "Bob-pw-90125-xyzzy")
ODD = ("odd", "p@ss:w/rd%é-31337")  # needs percent-encoding in a URL
WRONG = "Wrong-pw-66312-plugh"
SECRETS = (BOB[1], ODD[1], WRONG, quote(ODD[1], safe=""))
SEARCH = "/api/2.0/mlflow/experiments/search"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_mlflow(tmp_path_factory.mktemp("mlflow-auth"), app_name="basic-auth")
    try:
        for user, password in (BOB, ODD):
            answer = requests.post(srv.url + "/api/2.0/mlflow/users/create", auth=ADMIN,
                                   json={"username": user, "password": password}, timeout=120)
            assert answer.status_code == 200, answer.text
        yield srv
    finally:
        srv.stop()


@pytest.fixture(autouse=True)
def no_credential_env(monkeypatch):
    for var in CRED_VARS:
        monkeypatch.delenv(var, raising=False)


def status_with(url: str, creds: Credentials | None) -> int:
    """The server's answer to one request that carries ``creds`` (and nothing else)."""
    with requests.Session() as session:
        cr.apply(session, creds)
        return session.get(cr.public_url(url) + SEARCH, params={"max_results": 1},
                           timeout=120).status_code


def mode_of(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_login_checks_against_the_server_then_saves_0600(server):
    proc = nbrun_cli("login", server.url, "--username", BOB[0], "--password-stdin",
                     stdin=BOB[1] + "\n")
    assert proc.returncode == 0, proc.stderr
    assert f"Logged in to {server.url} as 'bob'" in proc.stdout
    assert mode_of(cr.login_file()) == 0o600
    # The user settings named no server: now they do, so mode=None runs go online.
    settings = Path(cr.login_file()).with_name("settings.yaml")
    assert settings.read_text() == f'base_url: "{server.url}"\n'
    assert resolve_settings(None, {}, None).base_url == server.url
    stored = cr.resolve(server.url + "/", None)
    assert (stored.username, stored.password) == BOB
    assert cr.logged_in_server() == server.url
    assert status_with(server.url, stored) == 200
    assert status_with(server.url, None) == 401  # the server does ask


def test_a_wrong_password_is_refused_clearly_and_nothing_is_saved(server):
    with pytest.raises(AuthenticationError) as info:
        login.check(server.url, Credentials(username=BOB[0], password=WRONG))
    message = str(info.value)
    assert f"{server.url} refused the password of user 'bob' (HTTP 401" in message
    assert WRONG not in message
    proc = nbrun_cli("login", server.url, "--username", BOB[0], "--password-stdin",
                     stdin=WRONG)
    assert proc.returncode == 1 and "refused the password of user 'bob'" in proc.stderr
    assert "nothing was saved" in proc.stderr and WRONG not in proc.stdout + proc.stderr
    assert not os.path.exists(cr.login_file())
    proc = nbrun_cli("login", server.url, "--token-stdin", stdin=WRONG)
    assert proc.returncode == 1 and "refused the token" in proc.stderr
    assert not os.path.exists(cr.login_file())


def test_login_at_a_terminal_asks_without_echoing(server):
    child = pexpect.spawn(sys.executable, ["-m", "nbrun.cli", "login", server.url],
                          env=child_env(), encoding="utf-8", timeout=180)
    try:
        child.expect("User name")
        child.sendline(BOB[0])
        child.expect("Password for bob: ")
        child.sendline(BOB[1])
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert "Logged in to" in child.before and BOB[1] not in child.before
    assert cr.from_login_file(server.url).password == BOB[1]


def test_logout_forgets_the_credentials(server):
    nbrun_cli("login", server.url, "--username", BOB[0], "--password-stdin", stdin=BOB[1])
    proc = nbrun_cli("logout", env={"NBRUN_BASE_URL": server.url})
    assert proc.returncode == 0 and f"Logged out of {server.url}" in proc.stdout
    assert cr.resolve(server.url, None) is None and not os.path.exists(cr.login_file())
    error = cr.refusal(status_with(server.url, None), None, None, server.url, "GET x")
    assert "asks for credentials (HTTP 401 to GET x)" in str(error)
    assert f"nbrun login {server.url}" in str(error)


def test_anonymous_must_sends_none_of_the_credentials_that_exist(server, monkeypatch):
    """Credentials the server accepts are in the login file, the environment and the URL; under
    "must" the server still answers 401, so none of them was sent."""
    cr.save(server.url, Credentials(username=BOB[0], password=BOB[1]))
    monkeypatch.setenv("NBRUN_USERNAME", BOB[0])
    monkeypatch.setenv("NBRUN_PASSWORD", BOB[1])
    url = server.url.replace("//", f"//{BOB[0]}:{BOB[1]}@")
    for anonymous in (None, "never", "allow"):
        assert status_with(url, cr.resolve(url, anonymous)) == 200
    sent = cr.resolve(url, "must")
    assert sent is None
    status = status_with(url, sent)
    assert status == 401
    error = cr.refusal(status, sent, "must", url, "GET experiments/search")
    assert "anonymous='must' never sends any" in str(error)
    assert all(s not in str(error) for s in SECRETS)


def test_each_source_reaches_the_server_and_a_refusal_names_it(server, monkeypatch):
    odd_url = server.url.replace("//", f"//{ODD[0]}:{quote(ODD[1], safe='')}@")
    assert cr.resolve(odd_url, None).password == ODD[1]
    assert status_with(odd_url, cr.resolve(odd_url, None)) == 200
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ODD[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", ODD[1])
    assert status_with(server.url, cr.resolve(server.url, "allow")) == 200
    monkeypatch.setenv("NBRUN_USERNAME", BOB[0])
    monkeypatch.setenv("NBRUN_PASSWORD", WRONG)
    sent = cr.resolve(server.url, None)
    status = status_with(server.url, sent)
    assert status == 401
    message = str(cr.refusal(status, sent, None, server.url, "GET experiments/search"))
    assert "refused user 'bob' from NBRUN_USERNAME and NBRUN_PASSWORD (HTTP 401" in message
    assert all(s not in message for s in SECRETS)


def test_no_password_in_any_file_nbrun_wrote_or_any_line_it_printed(server, tmp_path):
    printed = []
    for args, stdin in (
        (("login", server.url, "--username", BOB[0], "--password-stdin"), WRONG),
        (("login", server.url, "--username", ODD[0], "--password-stdin"), ODD[1]),
        (("login", server.url, "--username", BOB[0], "--password-stdin"), BOB[1]),
        (("login", server.url + "/", "--username", BOB[0], "--password-stdin"), BOB[1]),
    ):
        proc = nbrun_cli(*args, stdin=stdin, env={"NBRUN_PASSWORD": BOB[1],
                                                  "NBRUN_USERNAME": BOB[0]})
        printed += [proc.stdout, proc.stderr]
    # A run in a process that has every credential at hand (login file, environment).
    proc = run_python("""
        import nbrun
        with nbrun.init(project="p", mode="offline", config={"lr": 0.1}) as run:
            run.log({"loss": 1.0})
            print(run.id, run.dir)
    """, env={"NBRUN_USERNAME": BOB[0], "NBRUN_PASSWORD": BOB[1],
              "MLFLOW_TRACKING_PASSWORD": BOB[1], "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
        cwd=tmp_path / "work")
    printed += [proc.stdout, proc.stderr]
    for var in ("runs", "show"):
        out = nbrun_cli(var, *([proc.stdout.split()[0]] if var == "show" else []),
                        cwd=tmp_path / "work")
        printed += [out.stdout, out.stderr]
    assert not any(s in text for text in printed for s in SECRETS)
    files = [p for p in Path(tmp_path).rglob("*") if p.is_file()]
    assert Path(cr.login_file()) in files and any(p.name == "nbrun.db" for p in files)
    for path in files:
        if path == Path(cr.login_file()):
            continue
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret!r} is in {path}"
    assert BOB[1].encode() in Path(cr.login_file()).read_bytes()  # the one place it belongs
