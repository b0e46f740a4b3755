"""Credentials for the tracking server: where they come from, how a request carries them, and
what a refusal means under the ``anonymous`` setting.

Sources, first found wins (``resolve``):

1. ``user:password@`` in ``base_url`` itself (the most specific: it names this one server);
2. the environment: ``NBRUN_TOKEN``, ``NBRUN_USERNAME``/``NBRUN_PASSWORD``, then MLflow's own
   ``MLFLOW_TRACKING_TOKEN``, ``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``;
3. the login file written by ``nbrun login`` (``login_file()``), keyed by server URL.

The environment beats the file as in nbrun's settings (environment over files) and in MLflow's own
client, so a CI job or a one-off shell can override a stored login without touching it.

For a client: build every request URL, message and recorded URL (``run.url`` too) from
``public_url(base_url)``, never from ``base_url`` (it may carry ``user:password@``); attach
credentials only with ``apply(session, resolve(base_url, anonymous))``; turn a 401/403 into the
error of ``refusal(...)``, whose text also serves as the offline notice.

Secrets are never printed, never written into a run and never part of an error message:
``Credentials`` hides them from ``repr``, ``describe()`` names only the user and the source, and
the login file is created readable by its owner only (0600) before any byte is written to it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .. import urlauth
from ..errors import AuthenticationError, UsageError
from ..settings import config_dir

LOGIN_FILE_NAME = "credentials.json"
FILE_MODE = 0o600
ANONYMOUS_MODES = ("never", "allow", "must")


@dataclass(frozen=True)
class Credentials:
    """Basic auth (``username`` and ``password``) or a bearer ``token``."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    source: str = ""  # where they came from, for messages ("NBRUN_USERNAME", "the login file")

    def __str__(self) -> str:
        return describe(self)


def describe(creds: Credentials | None) -> str:
    """Words for messages: who and from where, never the secret itself."""
    if creds is None:
        return "no credentials"
    where = f" from {creds.source}" if creds.source else ""
    if creds.token:
        return f"the token{where}"
    missing = " (no password given)" if not creds.password else ""
    return f"user {creds.username!r}{where}{missing}"


# ---- server URLs --------------------------------------------------------------------------

def public_url(base_url: str) -> str:
    """``base_url`` without any ``user:password@`` (whatever characters the password holds, see
    ``nbrun.urlauth``): the only form to send requests to, to show or to record. A client must
    build its request URLs from this, never from ``base_url``."""
    return urlauth.split(base_url)[0].rstrip("/")


def server_key(base_url: str) -> str:
    """The login file's key for a server: scheme, host and path, lower-cased host, no
    credentials, no default port, no trailing slash (``http://Host:80/x/`` -> ``http://host/x``)."""
    text = public_url(base_url)
    if "://" not in text:
        raise UsageError(f"server URL {public_url(text)!r} has no scheme: use http://HOST:PORT "
                         "or https://HOST")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"server URL {public_url(text)!r} is not an http:// or https:// URL "
                         "with a host")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"server URL {public_url(text)!r} has an invalid port") from None
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host += f":{port}"
    return urlunsplit((scheme, host, parts.path.rstrip("/"), "", ""))


def from_url(base_url: str) -> Credentials | None:
    """``user:password@`` (percent-decoded) in ``base_url``, if any."""
    found = urlauth.credentials(base_url)
    if found is None:
        return None
    return Credentials(username=found[0], password=found[1],
                       source="the user:password@ part of base_url")


# ---- the environment ----------------------------------------------------------------------

def from_environment() -> Credentials | None:
    """``NBRUN_TOKEN`` / ``NBRUN_USERNAME`` + ``NBRUN_PASSWORD``, else MLflow's own variables."""
    for prefix in ("NBRUN_", "MLFLOW_TRACKING_"):
        token = os.environ.get(prefix + "TOKEN")
        if token:
            return Credentials(token=token, source=prefix + "TOKEN")
        user = os.environ.get(prefix + "USERNAME")
        if user:
            return Credentials(username=user, password=os.environ.get(prefix + "PASSWORD"),
                               source=prefix + "USERNAME and " + prefix + "PASSWORD")
    return None


# ---- the login file -----------------------------------------------------------------------

def login_file() -> str:
    """Where ``nbrun login`` keeps credentials: the user settings folder (``NBRUN_CONFIG_DIR``,
    else ``$XDG_CONFIG_HOME/nbrun``, else ``~/.config/nbrun``)."""
    return os.path.join(config_dir(), LOGIN_FILE_NAME)


def _read_login_file() -> dict[str, Any]:
    path = login_file()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return {"servers": {}}
    except OSError as exc:
        raise UsageError(f"cannot read the login file {path}: {exc.strerror}") from None
    with os.fdopen(fd, encoding="utf-8") as f:
        mode = os.fstat(f.fileno()).st_mode & 0o777
        if mode & 0o077:
            # Someone widened it; narrow it back rather than keep secrets others can read.
            os.fchmod(f.fileno(), FILE_MODE)
            print(f"nbrun: the login file {path} was readable by others (mode {mode:o}); "
                  "made it 600 (owner only)", file=sys.stderr)
        try:
            data = json.load(f)
        except (ValueError, UnicodeDecodeError):
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
        # The parser's message could quote the file, so it is not passed on.
        raise UsageError(f"the login file {path} is not one nbrun wrote (not a JSON object with "
                         "'servers'); remove it with `nbrun logout --all` and log in again")
    return data


def _write_login_file(data: dict[str, Any]) -> str:
    """Replace the login file atomically; the new file is 0600 from its creation on."""
    path = login_file()
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    tmp = os.path.join(folder, f".{LOGIN_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask can only narrow the mode; make it exact
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def from_login_file(base_url: str) -> Credentials | None:
    """The credentials ``nbrun login`` stored for the server of ``base_url``."""
    entry = _read_login_file()["servers"].get(server_key(base_url))
    if not isinstance(entry, dict):
        return None
    source = f"the login file {login_file()}"
    if entry.get("token"):
        return Credentials(token=str(entry["token"]), source=source)
    if entry.get("username"):
        return Credentials(username=str(entry["username"]),
                           password=str(entry.get("password") or ""), source=source)
    return None


def logged_in_server() -> str | None:
    """The server of the latest ``nbrun login`` (a configured server when no ``base_url`` is
    set), or None. Reads nothing but the login file."""
    if not os.path.exists(login_file()):
        return None
    server = _read_login_file().get("default")
    return server if isinstance(server, str) else None


def save(base_url: str, creds: Credentials) -> str:
    """Store ``creds`` for the server of ``base_url`` and make it the default server; the path
    of the login file."""
    if not creds.token and not creds.username:
        raise UsageError("nothing to save: give a user name and password, or a token")
    data = _read_login_file()
    key = server_key(base_url)
    entry = ({"token": creds.token} if creds.token
             else {"username": creds.username, "password": creds.password or ""})
    data["servers"][key] = entry
    data["default"] = key
    data["version"] = 1
    return _write_login_file(data)


def forget(base_url: str | None) -> list[str]:
    """Remove the stored credentials of one server (or all of them when ``base_url`` is None);
    the servers removed. The file goes away when no server is left in it."""
    path = login_file()
    if not os.path.exists(path):
        return []
    if base_url is None:  # everything, even from a file too damaged to read
        try:
            servers = list(_read_login_file()["servers"])
        except UsageError:
            servers = []
        os.unlink(path)
        return servers
    data = _read_login_file()
    keys = [server_key(base_url)]
    removed = [k for k in keys if data["servers"].pop(k, None) is not None]
    if data.get("default") in removed or data.get("default") not in data["servers"]:
        data.pop("default", None)
    if not data["servers"]:
        os.unlink(path)
    elif removed:
        _write_login_file(data)
    return removed


# ---- choosing and sending -----------------------------------------------------------------

def resolve(base_url: str, anonymous: str | None) -> Credentials | None:
    """The credentials to send to ``base_url``: none at all under ``anonymous="must"``, else the
    first found in the URL, the environment, the login file (see the module docstring)."""
    if anonymous == "must":
        return None
    return from_url(base_url) or from_environment() or from_login_file(base_url)


class _Basic:
    """HTTP basic auth, UTF-8 encoded (as the MLflow server decodes it); repr hides it."""

    def __init__(self, username: str, password: str) -> None:
        raw = f"{username}:{password}".encode()
        self._header = "Basic " + base64.b64encode(raw).decode("ascii")

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "<basic auth>"


class _Bearer:
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "<bearer token>"


class _NoAuth:
    """Sends no ``Authorization`` header at all. Being a (truthy) auth, it also keeps requests
    from taking credentials out of ``~/.netrc`` or a ``user:password@`` URL by itself."""

    def __call__(self, request: Any) -> Any:
        request.headers.pop("Authorization", None)
        return request

    def __repr__(self) -> str:
        return "<no auth>"

    @staticmethod
    def on_redirect(prepared: Any, response: Any) -> None:
        prepared.headers.pop("Authorization", None)


def apply(session: Any, creds: Credentials | None) -> None:
    """Make every request of ``session`` (a ``requests.Session``) carry ``creds``, and nothing
    else: with ``None`` no request carries an ``Authorization`` header."""
    session.headers.pop("Authorization", None)
    if creds is None:
        session.auth = _NoAuth()
        # On a redirect requests would look the new host up in ~/.netrc; send nothing there too.
        session.rebuild_auth = _NoAuth.on_redirect
    elif creds.token:
        session.auth = _Bearer(creds.token)
    else:
        session.auth = _Basic(creds.username or "", creds.password or "")


# ---- what a refusal means -------------------------------------------------------------------

def refusal(status: int, sent: Credentials | None, anonymous: str | None, base_url: str,
            request: str = "the request") -> AuthenticationError | None:
    """The ``AuthenticationError`` that the server's answer ``status`` to ``request`` (sent with
    ``sent``, which is what ``resolve(base_url, anonymous)`` returned) means, or None when the
    answer is no refusal (anything but 401 and 403).

    The rule of ``anonymous`` (None means ``"never"``):

    - ``"never"``: credentials found are sent; a server that asks for credentials (401) when none
      are configured, or refuses those sent, is an error;
    - ``"allow"``: credentials found are sent; without any, the run goes on anonymously where the
      server answers without asking; a 401 is an error as under ``"never"``;
    - ``"must"``: nothing is ever sent, even when credentials exist; a 401 is an error, since
      the server does not permit anonymous use.

    Init raises the error with ``force=True`` and otherwise falls back to offline with its text
    as the notice; the message never holds a secret.
    """
    if status not in (401, 403):
        return None
    server = public_url(base_url)
    mode = anonymous or "never"
    if status == 403 and sent is not None:
        return AuthenticationError(
            f"{server} accepted {describe(sent)} but does not permit {request} (HTTP 403); ask "
            "the server's admin for permission or log in as another user")
    if sent is None and mode == "must":
        return AuthenticationError(
            f"{server} asks for credentials (HTTP {status} to {request}) and anonymous='must' "
            "never sends any; use anonymous='allow' or 'never' with credentials "
            f"(`nbrun login {server}`, or NBRUN_USERNAME and NBRUN_PASSWORD, or NBRUN_TOKEN)")
    if sent is None:
        why = (" and does not permit anonymous use (anonymous='allow')" if mode == "allow"
               else "")
        return AuthenticationError(
            f"{server} asks for credentials (HTTP {status} to {request}){why}, and none are "
            f"configured: run `nbrun login {server}`, or set NBRUN_USERNAME and NBRUN_PASSWORD "
            "(or NBRUN_TOKEN)")
    return AuthenticationError(
        f"{server} refused {describe(sent)} (HTTP {status} to {request}); check them, or "
        f"log in again with `nbrun login {server}`")
