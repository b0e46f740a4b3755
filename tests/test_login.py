"""`nbrun login` / `nbrun logout` as a script uses them: flags, standard input, and servers that
are not there or are not MLflow. Logging in to a real basic-auth server: test_auth_server.py."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading

import pytest

from conftest import child_env, free_port
from nbrun.sync import login

PW = "pw-Login-4471"


def nbrun_cli(*args: str, stdin: str | None = "", env: dict | None = None,
              cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbrun.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=180, cwd=cwd,
                          env=child_env(**(env or {})))


def login_file(tmp_path) -> str:
    return str(tmp_path / "xdg" / "nbrun" / "credentials.json")


class _NotMlflow(http.server.BaseHTTPRequestHandler):
    """A web server that is not an MLflow tracking server."""

    def do_GET(self):
        if self.path.startswith("/html/"):
            body = b"<html><body>Welcome</body></html>"
            self.send_response(200)
        elif self.path.startswith("/moved/"):
            body = b""
            self.send_response(301)
            self.send_header("Location", "https://elsewhere.example/moved/")
        else:
            body = b"<html>Not Found</html>"
            self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def not_mlflow():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotMlflow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def assert_failed(proc, *words):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.startswith("nbrun: error: "), proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    assert PW not in proc.stdout + proc.stderr


def test_bad_flags_are_clear_errors_and_save_nothing(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    assert_failed(nbrun_cli("login"), "no server to login", "NBRUN_BASE_URL")
    assert_failed(nbrun_cli("logout"), "no server to logout")
    assert_failed(nbrun_cli("login", "localhost:5000"), "has no scheme")
    assert_failed(nbrun_cli("login", url, "--password-stdin", stdin=PW), "needs --username")
    assert_failed(nbrun_cli("login", url, "--username", "bob", "--token-stdin", stdin=PW),
                  "--username goes with a password")
    assert_failed(nbrun_cli("login", url, "--password-stdin", "--token-stdin", stdin=PW),
                  "not both")
    assert_failed(nbrun_cli("login", url, "--username", "bob", "--password-stdin", stdin="\n"),
                  "standard input is empty")
    # No terminal and nothing on the command line: no prompt that would hang a CI job.
    assert_failed(nbrun_cli("login", url, stdin=None), "no terminal", "--password-stdin")
    assert not os.path.exists(login_file(tmp_path))


def test_an_unreachable_server_is_a_comm_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    proc = nbrun_cli("login", url, "--username", "bob", "--password-stdin", stdin=PW + "\n")
    assert_failed(proc, f"cannot reach the tracking server at {url}", "ConnectionError")
    assert not os.path.exists(login_file(tmp_path))


def test_a_server_that_is_not_mlflow_is_named_as_such(tmp_path, not_mlflow):
    args = ("--username", "bob", "--password-stdin")
    assert_failed(nbrun_cli("login", not_mlflow + "/nothing", *args, stdin=PW),
                  "HTTP 404", "is it an MLflow tracking server?")
    assert_failed(nbrun_cli("login", not_mlflow + "/html", *args, stdin=PW),
                  "not JSON", "is it an MLflow tracking server?")
    assert_failed(nbrun_cli("login", not_mlflow + "/moved", *args, stdin=PW),
                  "HTTP 301", "redirect to https://elsewhere.example/moved")
    assert not os.path.exists(login_file(tmp_path))


def test_the_url_defaults_to_the_configured_server(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    proc = nbrun_cli("login", "--username", "bob", "--password-stdin", stdin=PW,
                     env={"NBRUN_BASE_URL": url})
    assert_failed(proc, f"cannot reach the tracking server at {url}")
    settings = tmp_path / "xdg" / "nbrun" / "settings.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text(f"base_url: {url}/\n")
    proc = nbrun_cli("logout")
    assert proc.returncode == 0 and f"No credentials were stored for {url}" in proc.stdout


def test_login_records_the_server_only_where_no_server_is_configured(tmp_path):
    settings = tmp_path / "xdg" / "nbrun" / "settings.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("# mine\nproject: p")
    url = f"http://bob:{PW}@127.0.0.1:5000/"
    assert "runs with mode=None now go online" in login.remember_server(url)
    assert settings.read_text() == '# mine\nproject: p\nbase_url: "http://127.0.0.1:5000"\n'
    assert login.remember_server("http://127.0.0.1:5000") is None
    note = login.remember_server("http://other.example:5000")
    assert "sets base_url to http://127.0.0.1:5000" in note and PW not in settings.read_text()
