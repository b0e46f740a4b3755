"""Online runs against a real MLflow server with its basic-auth app, end to end through `init()`:
refused credentials are an AuthenticationError with force=True and an offline run with one notice
without it; anonymous="must" sends none of the credentials the server would accept; secret config
values reach the server as "<redacted>"; and no password is in any file nbrun wrote (store, run
folders, saved and history notebooks, settings folder) or any line it printed. One server for the
module (about 20 s to start)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import nbformat
import pytest
import requests
from mlflow.tracking import MlflowClient

import nbrun
from conftest import run_python
from mlflow_server import ADMIN, start_mlflow
from notebook_kernel import Kernel, output_text
from nbrun.sync.redact import REDACTED
from test_credentials import CRED_VARS
from test_login import nbrun_cli

BOB = ("bob", "Bob-online-pw-5521-quux")
WRONG = "Wrong-online-pw-7730-frob"
SECRETS = (BOB[1], WRONG, ADMIN[1])
CONFIG_SECRET = "cfg-secret-8842-value"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_mlflow(tmp_path_factory.mktemp("mlflow-auth-online"), app_name="basic-auth")
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


@contextlib.contextmanager
def as_admin():
    """MLflow's own client reads its credentials from the environment: set them only while it
    reads, so that no child process of a test inherits them."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME",
                                            "MLFLOW_TRACKING_PASSWORD")}
    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = ADMIN
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def server_run(url: str, run_id: str, timeout: float = 180.0):
    """The MLflow run that carries nbrun's run id in a tag (read with MLflow's own client)."""
    client = MlflowClient(tracking_uri=url)
    deadline = time.monotonic() + timeout
    with as_admin():
        while True:
            ids = [e.experiment_id for e in client.search_experiments()]
            for found in client.search_runs(ids, max_results=1000) if ids else []:
                if run_id in found.data.tags.values():
                    return client, found
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} is not on {url} after {timeout} s")
            time.sleep(1)


INIT = """
import nbrun, sys
try:
    run = nbrun.init(project="secure", mode="online", force={force}, anonymous={anonymous!r},
                     settings={{"base_url": {url!r}}}, config={{"lr": 0.1}})
except nbrun.AuthenticationError as exc:
    print("AuthenticationError:", exc)
    sys.exit(0)
run.log({{"loss": 0.5}})
print("MODE", run.mode, run.id)
run.finish()
"""


def start_run(tmp_path, url, force, anonymous=None, env=None):
    proc = run_python(INIT.format(force=force, anonymous=anonymous, url=url),
                      cwd=tmp_path / "work", env={"XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                                                  **(env or {})}, timeout=300)
    out = proc.stdout + proc.stderr
    assert not any(s in out for s in SECRETS), out
    return proc


def test_a_wrong_password_is_an_error_with_force_and_offline_with_a_notice_without(
        server, tmp_path):
    env = {"NBRUN_USERNAME": BOB[0], "NBRUN_PASSWORD": WRONG}
    proc = start_run(tmp_path, server.url, True, env=env)
    assert proc.stdout.startswith("AuthenticationError: "), proc.stdout + proc.stderr
    assert "refused" in proc.stdout and "bob" in proc.stdout
    assert not (tmp_path / "work" / ".nbrun").exists() or not nbrun.Api(tmp_path / "work").runs()
    proc = start_run(tmp_path, server.url, False, env=env)
    assert "MODE offline" in proc.stdout, proc.stdout + proc.stderr
    notices = [line for line in proc.stderr.splitlines() if "refused" in line]
    assert len(notices) == 1 and "offline" in notices[0], proc.stderr


def test_no_credentials_where_the_server_asks_for_them(server, tmp_path):
    proc = start_run(tmp_path, server.url, True)
    assert proc.stdout.startswith("AuthenticationError: "), proc.stdout + proc.stderr
    assert "nbrun login" in proc.stdout


def test_anonymous_must_sends_none_of_the_credentials_the_server_would_accept(server, tmp_path):
    login = nbrun_cli("login", server.url, "--username", BOB[0], "--password-stdin",
                      stdin=BOB[1])
    assert login.returncode == 0, login.stderr
    url = server.url.replace("//", f"//{BOB[0]}:{BOB[1]}@")
    env = {"NBRUN_USERNAME": BOB[0], "NBRUN_PASSWORD": BOB[1]}
    proc = start_run(tmp_path, url, True, anonymous="must", env=env)
    assert proc.stdout.startswith("AuthenticationError: "), proc.stdout + proc.stderr
    assert "anonymous='must'" in proc.stdout
    proc = start_run(tmp_path, url, False, anonymous="must", env=env)
    assert "MODE offline" in proc.stdout, proc.stdout + proc.stderr


NOTEBOOK_CELLS = [
    "%load_ext nbrun",
    f"%%runinit\nproject: secure\nmode: online\nforce: true\nsave_code: true\n"
    f"config:\n  lr: 0.1\n  db:\n    password: {CONFIG_SECRET}\n  api_key: {CONFIG_SECRET}",
    "for i in range(3):\n    run.log({'loss': 1 / (i + 1)})\nprint('RUN', run.id)",
    "run.finish()",
]


def test_no_password_anywhere_nbrun_wrote_or_printed(server, tmp_path, monkeypatch):
    """A login, a script whose base_url carries user:password@, a notebook with save_code that
    takes its credentials from the login file, `nbrun sync`, `nbrun runs` and `nbrun show`."""
    printed = []
    proc = nbrun_cli("login", server.url, "--username", BOB[0], "--password-stdin",
                     stdin=BOB[1] + "\n")
    assert proc.returncode == 0, proc.stderr
    printed += [proc.stdout, proc.stderr]
    store = tmp_path / "store"
    store.mkdir()
    url_with_password = server.url.replace("//", f"//{BOB[0]}:{BOB[1]}@")
    script = run_python(f"""
        import nbrun
        run = nbrun.init(project="secure", mode="online", force=True, dir={str(store)!r},
                         settings={{"base_url": {url_with_password!r}}}, save_code=True,
                         config={{"lr": 0.2, "token": {CONFIG_SECRET!r}}})
        run.log({{"loss": 0.25}})
        print("RUN", run.id)
        run.finish()
        print("URL", run.url)
    """, cwd=tmp_path / "work", timeout=300)
    printed += [script.stdout, script.stderr]
    script_id = script.stdout.split("RUN ")[1].split()[0]

    notebook = tmp_path / "work" / "secure.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS]), notebook)
    monkeypatch.setenv("NBRUN_DIR", str(store))
    monkeypatch.setenv("NBRUN_BASE_URL", server.url)
    monkeypatch.setenv("NBRUN_NOTEBOOK_NAME", str(notebook))
    with Kernel(tmp_path / "work") as kernel:
        outputs = [output_text(kernel.run(cell)) for cell in NOTEBOOK_CELLS]
    printed += outputs
    notebook_id = outputs[2].split("RUN ")[1].split()[0]
    for var in ("NBRUN_DIR", "NBRUN_BASE_URL", "NBRUN_NOTEBOOK_NAME"):
        monkeypatch.delenv(var)

    for args in (("sync", "--all"), ("runs",), ("show", script_id), ("show", notebook_id)):
        proc = nbrun_cli("--dir", str(store), *args, env={"NBRUN_BASE_URL": server.url})
        assert proc.returncode == 0, proc.stderr
        printed += [proc.stdout, proc.stderr]

    for text in printed:
        assert not any(s in text for s in SECRETS), text
    api = nbrun.Api(store)
    for run_id in (script_id, notebook_id):
        record = api.run(run_id)
        client, found = server_run(server.url, run_id)
        params = found.data.params
        assert params["lr"] in ("0.2", "0.1")
        assert REDACTED in (params.get("token"), params.get("api_key"))
        assert CONFIG_SECRET not in json.dumps(params)
        with as_admin():
            path = client.download_artifacts(found.info.run_id, "nbrun/config.json",
                                             str(tmp_path / "downloads" / run_id))
        sent = Path(path).read_text()
        assert CONFIG_SECRET not in sent and REDACTED in sent
        assert record.config  # the local store keeps the run's own values
    saved = list(Path(api.run(notebook_id).dir).rglob("*.ipynb"))
    assert saved, "save_code kept no notebook"
    files = [p for p in tmp_path.rglob("*") if p.is_file() and "downloads" not in p.parts]
    login_file = tmp_path / "xdg" / "nbrun" / "credentials.json"
    assert login_file in files
    for path in files:
        if path == login_file:
            continue
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"a password is in {path}"
