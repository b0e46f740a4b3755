"""Where credentials come from, how the login file is kept, what a request carries, and what a
refusal means under each ``anonymous`` setting (the server side is in test_auth_server.py)."""

from __future__ import annotations

import base64
import http.server
import os
import stat
import sys
import threading

import pytest
import requests

from nbrun.errors import AuthenticationError, UsageError
from nbrun.sync import credentials as cr
from nbrun.sync.credentials import Credentials

PW = "pw-Zq81-secret"
SERVER = "http://127.0.0.1:5999"
CRED_VARS = ("NBRUN_TOKEN", "NBRUN_USERNAME", "NBRUN_PASSWORD", "MLFLOW_TRACKING_TOKEN",
             "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")


@pytest.fixture(autouse=True)
def no_credential_env(monkeypatch):
    for var in CRED_VARS:
        monkeypatch.delenv(var, raising=False)


def test_server_key_normalises_what_names_the_same_server():
    assert cr.server_key("HTTP://Host.Example:80/mlflow/") == "http://host.example/mlflow"
    assert cr.server_key("https://u:p@host:443") == "https://host"
    assert cr.server_key("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
    for bad in ("127.0.0.1:5000", "ftp://host", "http://", "http://host:99999"):
        with pytest.raises(UsageError, match="server URL"):
            cr.server_key(bad)


def test_public_url_drops_user_and_password_only():
    assert cr.public_url(f"http://bob:{PW}@127.0.0.1:5000/x/") == "http://127.0.0.1:5000/x"
    assert cr.public_url("https://host/") == "https://host"
    creds = cr.from_url("http://b%40x:p%3Aw@host")
    assert (creds.username, creds.password) == ("b@x", "p:w")
    assert cr.from_url("http://host") is None


def test_sources_in_order_url_then_environment_then_login_file(monkeypatch):
    cr.save(SERVER, Credentials(username="filed", password=PW))
    assert cr.resolve(SERVER, None) == Credentials("filed", PW, None,
                                                   f"the login file {cr.login_file()}")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "mlu")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "mlp")
    assert cr.resolve(SERVER, "never").username == "mlu"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "mltok")
    assert cr.resolve(SERVER, "allow").token == "mltok"
    monkeypatch.setenv("NBRUN_USERNAME", "nbu")
    monkeypatch.setenv("NBRUN_PASSWORD", "nbp")
    assert (cr.resolve(SERVER, None).username, cr.resolve(SERVER, None).password) == ("nbu",
                                                                                     "nbp")
    monkeypatch.setenv("NBRUN_TOKEN", "nbtok")
    assert cr.resolve(SERVER, None).token == "nbtok"
    url = SERVER.replace("//", "//urlu:urlp@")
    assert (cr.resolve(url, None).username, cr.resolve(url, None).password) == ("urlu", "urlp")
    # "must" sends nothing, whatever exists.
    assert cr.resolve(url, "must") is None


def test_login_file_is_keyed_by_server():
    cr.save("http://a.example:5000", Credentials(username="ann", password="pa"))
    cr.save("http://b.example:5000/", Credentials(token="tb"))
    assert cr.from_login_file("http://A.example:5000/").username == "ann"
    assert cr.from_login_file("http://b.example:5000").token == "tb"
    assert cr.from_login_file("http://c.example:5000") is None
    assert cr.logged_in_server() == "http://b.example:5000"
    assert cr.forget("http://b.example:5000") == ["http://b.example:5000"]
    assert cr.logged_in_server() is None
    assert cr.from_login_file("http://a.example:5000").password == "pa"
    assert cr.forget("http://b.example:5000") == []
    assert cr.forget(None) == ["http://a.example:5000"]
    assert not os.path.exists(cr.login_file())


def test_login_file_lives_in_the_user_settings_folder(tmp_path, monkeypatch):
    assert cr.login_file() == str(tmp_path / "xdg" / "nbrun" / "credentials.json")
    monkeypatch.setenv("NBRUN_CONFIG_DIR", str(tmp_path / "cfg"))
    assert cr.login_file() == str(tmp_path / "cfg" / "credentials.json")


_watch = {"on": False, "modes": [], "opens": []}


def _audit(event, args):
    # Runs before the chmod that follows the file's creation, so the mode seen here is the
    # mode the file was created with.
    if not _watch["on"]:
        return
    if event == "open" and isinstance(args[0], str) and "credentials" in args[0]:
        _watch["opens"].append((args[0], args[2]))
    if event == "os.chmod" and isinstance(args[0], int):
        _watch["modes"].append(stat.S_IMODE(os.fstat(args[0]).st_mode))


def test_login_file_is_0600_from_its_creation_even_under_umask_0(tmp_path):
    sys.addaudithook(_audit)
    old = os.umask(0)
    _watch.update(on=True, modes=[], opens=[])
    try:
        cr.save(SERVER, Credentials(username="bob", password=PW))
        cr.save("http://other:1", Credentials(token="t"))
    finally:
        _watch["on"] = False
        os.umask(old)
    assert _watch["modes"] == [0o600, 0o600]
    writes = [flags for path, flags in _watch["opens"] if flags & os.O_WRONLY]
    assert len(writes) == 2 and all(f & os.O_CREAT and f & os.O_EXCL for f in writes)
    assert stat.S_IMODE(os.stat(cr.login_file()).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(cr.login_file())).st_mode) == 0o700
    assert os.listdir(os.path.dirname(cr.login_file())) == ["credentials.json"]


def test_a_widened_login_file_is_narrowed_back(capsys):
    cr.save(SERVER, Credentials(username="bob", password=PW))
    os.chmod(cr.login_file(), 0o644)
    assert cr.resolve(SERVER, None).password == PW
    assert stat.S_IMODE(os.stat(cr.login_file()).st_mode) == 0o600
    err = capsys.readouterr().err
    assert "readable by others" in err and PW not in err


def test_a_damaged_login_file_is_a_clear_error_that_quotes_nothing(capsys):
    os.makedirs(os.path.dirname(cr.login_file()))
    with open(cr.login_file(), "w") as f:
        f.write('{"servers": {"http://x": {"password": "' + PW)
    with pytest.raises(UsageError, match="not one nbrun wrote") as info:
        cr.resolve(SERVER, None)
    assert PW not in str(info.value)
    cr.forget(None)  # `nbrun logout --all` removes it
    assert not os.path.exists(cr.login_file())


def test_credentials_never_show_their_secrets():
    for creds in (Credentials(username="bob", password=PW, source="NBRUN_USERNAME"),
                  Credentials(token=PW, source="NBRUN_TOKEN")):
        for text in (repr(creds), str(creds), cr.describe(creds)):
            assert PW not in text
    assert "no password" in cr.describe(Credentials(username="bob"))


class _Capture(http.server.BaseHTTPRequestHandler):
    """A loopback HTTP server that records the Authorization header of each request."""

    seen: list = []

    def do_GET(self):
        _Capture.seen.append(self.headers.get("Authorization"))
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", self.path[len("/redirect/"):])
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def capture():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Capture.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _send(url, creds):
    with requests.Session() as session:
        cr.apply(session, creds)
        assert PW not in repr(session.auth)
        session.get(url + "/api/2.0/mlflow/experiments/search", timeout=10)
    return _Capture.seen[-1]


def test_what_each_request_carries(capture, tmp_path, monkeypatch):
    header = _send(capture, Credentials(username="bøb", password="pässwörd-密码"))
    assert base64.b64decode(header.split()[1]).decode() == "bøb:pässwörd-密码"
    assert _send(capture, Credentials(token=PW)) == f"Bearer {PW}"
    # Nothing at all under "must", even with every source of credentials present: the
    # environment, the login file, ~/.netrc, and user:password@ in the very URL requested.
    monkeypatch.setenv("NBRUN_USERNAME", "bob")
    monkeypatch.setenv("NBRUN_PASSWORD", PW)
    cr.save(capture, Credentials(username="bob", password=PW))
    monkeypatch.setenv("HOME", str(tmp_path))
    host = capture.split("//")[1].split(":")[0]
    (tmp_path / ".netrc").write_text(f"machine {host} login bob password {PW}\n")
    (tmp_path / ".netrc").chmod(0o600)
    url_with_creds = capture.replace("//", f"//bob:{PW}@")
    assert _send(url_with_creds, cr.resolve(url_with_creds, "must")) is None
    # Redirected to a host that ~/.netrc has credentials for: still nothing.
    other = capture.replace("127.0.0.1", "localhost")
    (tmp_path / ".netrc").write_text(f"machine localhost login bob password {PW}\n")
    _send(capture + "/redirect/" + other, None)
    assert _Capture.seen[-2:] == [None, None]
    with requests.Session() as session:  # the netrc and URL are real sources for requests
        session.get(url_with_creds + "/x", timeout=10)
    assert _Capture.seen[-1] is not None


def test_refusal_rule_under_each_anonymous_setting():
    sent = Credentials(username="bob", password=PW, source="NBRUN_USERNAME")
    for status in (200, 404, 500):
        for anonymous in (None, *cr.ANONYMOUS_MODES):
            assert cr.refusal(status, None, anonymous, SERVER) is None
            assert cr.refusal(status, sent, anonymous, SERVER) is None
    cases = {
        (401, None, "must"): "anonymous='must' never sends any",
        (401, None, "allow"): "does not permit anonymous use",
        (401, None, "never"): "none are configured: run `nbrun login",
        (401, None, None): "none are configured",
        (401, sent, "never"): "refused user 'bob' from NBRUN_USERNAME (HTTP 401",
        (401, sent, "allow"): "refused user 'bob'",
        (403, sent, None): "does not permit GET x (HTTP 403)",
    }
    for (status, creds, anonymous), words in cases.items():
        error = cr.refusal(status, creds, f"{anonymous}" if anonymous else None,
                           SERVER.replace("//", f"//bob:{PW}@"), "GET x")
        assert isinstance(error, AuthenticationError)
        assert words in str(error) and PW not in str(error) and SERVER in str(error)


def test_settings_repr_hides_the_password_of_base_url():
    import nbrun

    text = repr(nbrun.Settings(base_url=f"http://bob:{PW}@127.0.0.1:5000", project="p"))
    assert PW not in text and "http://bob:***@127.0.0.1:5000" in text
