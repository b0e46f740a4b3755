"""A password in `base_url` is never shown, whatever characters it holds (an unencoded `/`, `#`,
`?`, `@` or space, as pasted), and still reaches the server as given: in init()'s error and
notice (they land in a notebook's saved output), Settings' repr, the run's recorded settings,
`nbrun sync`'s lines and sync state, and the redaction of config values sent to the server.
The server is a real MLflow server with its basic-auth app."""

from __future__ import annotations

import pytest
import requests

import nbrun
from conftest import free_port
from mlflow_server import ADMIN, start_mlflow
from nbrun.cli import main as nbrun_main
from nbrun.sync import plugin
from nbrun.sync.redact import REDACTED, redact
from sync_support import sync_row
from test_credentials import CRED_VARS

# Each piece is distinctive, so a piece shown anywhere is caught whatever the cut.
PIECES = ("Kq7v", "Wm3x", "Zp5y", "Rt8z", "Hx2w", "Lc4u")
PASSWORDS = {
    "slash": "Kq7v/Wm3x/Zp5y",
    "hash": "Kq7v#Wm3x",
    "question": "Kq7v?Wm3x",
    "at": "Kq7v@Wm3x@Zp5y",
    "space": "Kq7v Wm3x",
    "all": "Kq7v/Wm3x#Zp5y?Rt8z@Hx2w Lc4u",
    "leading-slash": "/Kq7vWm3x",
}
USER = "carol"


def shown(text: str) -> list[str]:
    return [p for p in PIECES if p in text]


@pytest.fixture(autouse=True)
def no_credential_env(monkeypatch):
    for var in CRED_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
def test_a_password_in_base_url_is_never_shown(password, store_dir, capsys, monkeypatch):
    url = f"http://{USER}:{password}@127.0.0.1:{free_port()}"  # nothing listens there
    text = repr(nbrun.Settings(base_url=url, project="p"))
    assert not shown(text) and f"http://{USER}:***@127.0.0.1:" in text, text

    with pytest.raises(nbrun.CommError) as caught:
        nbrun.init(dir=store_dir, project="p", force=True, settings={"base_url": url})
    message = str(caught.value)
    assert not shown(message), message
    assert "cannot reach the tracking server at http://127.0.0.1:" in message

    run = nbrun.init(dir=store_dir, project="p", settings={"base_url": url})
    run.log({"loss": 0.5})
    run.finish()
    printed = capsys.readouterr()
    assert not shown(printed.out + printed.err), printed
    recorded = nbrun.Api(store_dir).run(run.id).settings["base_url"]
    assert recorded.startswith("http://127.0.0.1:") and not shown(recorded), recorded

    monkeypatch.setenv("NBRUN_BASE_URL", url)
    for args in (["sync", "--dry-run", run.id], ["sync", run.id]):
        nbrun_main(["--dir", str(store_dir), *args])
        printed = capsys.readouterr()
        assert not shown(printed.out + printed.err), printed
    row = sync_row(store_dir, run.id)
    assert not shown(str(dict(row))), dict(row)


# "#" and "?" alone were always redacted in config values; "all" holds them with the others.
REDACT_CASES = {k: v for k, v in PASSWORDS.items() if k not in ("hash", "question")}


@pytest.mark.parametrize("password", REDACT_CASES.values(), ids=REDACT_CASES.keys())
def test_url_passwords_in_config_values_are_redacted(password):
    config = {"db": f"postgresql://{USER}:{password}@db.example:5432/runs",
              "nested": [f"see https://{USER}:{password}@host/x for the data"],
              "plain": "http://host:8080/path"}
    sent = redact(config)
    assert not shown(repr(sent)), sent
    assert sent["db"] == f"postgresql://{USER}:{REDACTED}@db.example:5432/runs"
    assert sent["plain"] == "http://host:8080/path"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    srv = start_mlflow(tmp_path_factory.mktemp("mlflow-auth-secrets"), app_name="basic-auth")
    try:
        answer = requests.post(srv.url + "/api/2.0/mlflow/users/create", auth=ADMIN,
                               json={"username": USER, "password": PASSWORDS["all"]},
                               timeout=120)
        assert answer.status_code == 200, answer.text
        yield srv
    finally:
        srv.stop()


@pytest.mark.slow
def test_a_password_with_any_character_reaches_the_server_as_given(auth_server, store_dir,
                                                                  capsys, monkeypatch):
    # What is checked is the password, not the time: the auth app hashes it on every request,
    # which took 4-10 s on a loaded 2-core machine.
    monkeypatch.setattr(plugin, "CHECK_DEADLINE_S", 60.0)
    url = auth_server.url.replace("//", f"//{USER}:{PASSWORDS['all']}@")
    run = nbrun.init(dir=store_dir, project="secrets", force=True, settings={"base_url": url})
    assert run.mode == "online"  # the server took the password, so it was sent whole
    run.log({"loss": 0.5})
    run.finish()
    printed = capsys.readouterr()
    assert not shown(printed.out + printed.err), printed

    wrong = auth_server.url.replace("//", f"//{USER}:Kq7v/Wm3x@")
    with pytest.raises(nbrun.AuthenticationError) as caught:
        nbrun.init(dir=store_dir, project="secrets", force=True, settings={"base_url": wrong})
    assert f"refused user {USER!r}" in str(caught.value) and not shown(str(caught.value))
