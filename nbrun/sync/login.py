"""``nbrun login [URL]`` and ``nbrun logout [URL]``: credentials checked against the server,
then kept in the login file (see ``credentials``).

At a terminal, login asks for a user name and password (hidden), or a token when the user name is
left empty; scripts pass ``--username`` with ``--password-stdin``, or ``--token-stdin``. There is
deliberately no ``--password``: a password on the command line ends up in shell history and in
every process listing.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import IO, Any, Callable

from ..errors import AuthenticationError, CommError, UsageError
from ..settings import read_file as read_settings_file
from ..settings import resolve as resolve_settings
from ..settings import settings_files
from ..store.location import locate_store
from . import credentials as creds_mod
from .credentials import Credentials

CHECK_PATH = "/api/2.0/mlflow/experiments/search"
CHECK_REQUEST = "GET experiments/search"
CHECK_TIMEOUT_S = 60.0  # a loaded server hashing passwords can take seconds per request


def configured_server(store_dir: str | None = None) -> str | None:
    """The ``base_url`` of the settings (files, ``NBRUN_BASE_URL``), else the server of the
    latest login."""
    settings = resolve_settings(None, {}, locate_store(store_dir).settings_root)
    return settings.base_url or creds_mod.logged_in_server()


def _ca_bundle(store_dir: str | None) -> str | None:
    return resolve_settings(None, {}, locate_store(store_dir).settings_root).ca_bundle


def _server_or_fail(url: str | None, store_dir: str | None, verb: str) -> str:
    server = url or configured_server(store_dir)
    if not server:
        raise UsageError(f"no server to {verb}: give its URL (`nbrun {verb} http://HOST:PORT`), "
                         "or set NBRUN_BASE_URL or the base_url setting")
    creds_mod.server_key(server)  # a clear UsageError for a URL that is not one
    return server


def check(base_url: str, creds: Credentials | None, timeout: float = CHECK_TIMEOUT_S,
          ca_bundle: str | None = None) -> None:
    """One authenticated request to the server, ended within ``timeout`` s: returns when it
    accepts ``creds`` (None: no credentials at all); otherwise an ``AuthenticationError``
    (refused) or ``CommError`` (unreachable, a refused certificate, not an MLflow server)."""
    from . import transport

    server = creds_mod.public_url(base_url)
    with transport.new_session(transport.verify_option(ca_bundle)) as session:
        creds_mod.apply(session, creds)
        answer = transport.exchange(session, "GET", server, CHECK_PATH, CHECK_REQUEST,
                                    params={"max_results": 1}, deadline=timeout,
                                    cap=1 << 20)
    if answer.status == 401 and creds is not None:
        what = "the token" if creds.token else f"the password of user {creds.username!r}"
        raise AuthenticationError(f"{server} refused {what} (HTTP 401 to {CHECK_REQUEST}); "
                                  "check them and try again; nothing was saved")
    problem = creds_mod.refusal(answer.status, creds, "never", base_url, CHECK_REQUEST)
    if problem is not None:
        raise problem
    if answer.status != 200:
        hint = ""
        if 300 <= answer.status < 400:
            where = creds_mod.public_url(answer.headers.get("Location", ""))[:200]
            hint = f" (a redirect to {where}: log in to that URL instead)"
        elif answer.status in (404, 405):
            hint = " (is it an MLflow tracking server? the URL should be the server's root)"
        raise CommError(f"{server} answered {CHECK_REQUEST} with HTTP {answer.status}{hint}")
    try:
        json.loads(answer.content)
    except (ValueError, RecursionError):
        raise CommError(f"{server} answered {CHECK_REQUEST} with something that is not JSON "
                        "(is it an MLflow tracking server?)") from None


def _read_stdin(stdin: IO[str], what: str) -> str:
    text = stdin.read()
    # One trailing newline (from echo or a here-string) is not part of the secret.
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise UsageError(f"--{what}-stdin: standard input is empty; pipe the {what} in, e.g. "
                         f"`printenv MY_{what.upper()} | nbrun login URL ...`")
    return text


def ask(args: argparse.Namespace, stdin: IO[str], interactive: bool,
        prompt: Callable[[str], str] = input,
        secret_prompt: Callable[[str], str] = getpass.getpass) -> Credentials:
    """The credentials given by the flags, asking at a terminal for what is missing."""
    if args.password_stdin and args.token_stdin:
        raise UsageError("give --password-stdin or --token-stdin, not both")
    if args.token_stdin:
        if args.username:
            raise UsageError("--username goes with a password, not with --token-stdin")
        return Credentials(token=_read_stdin(stdin, "token"), source="the command line")
    username = args.username
    if args.password_stdin:
        if not username:
            # Standard input carries the password, so there is nowhere to ask for the name.
            raise UsageError("--password-stdin needs --username NAME")
        return Credentials(username=username, password=_read_stdin(stdin, "password"),
                           source="the command line")
    if not interactive:
        raise UsageError("no terminal to ask for credentials: use --username NAME with "
                         "--password-stdin, or --token-stdin")
    if not username:
        username = prompt("User name (leave empty to use a token): ").strip()
    if not username:
        token = secret_prompt("Token: ")
        if not token:
            raise UsageError("neither a user name nor a token was given")
        return Credentials(token=token, source="the command line")
    password = secret_prompt(f"Password for {username}: ")
    if not password:
        raise UsageError("no password was given")
    return Credentials(username=username, password=password, source="the command line")


def remember_server(base_url: str) -> str | None:
    """Make ``base_url`` the configured server in the user settings file when that file names
    none, so that ``mode=None`` goes online; a line for the user saying what was done."""
    path = settings_files(None)[0]
    server = creds_mod.public_url(base_url)  # a settings file never holds credentials
    try:
        current = read_settings_file(path).get("base_url")
        same = bool(current) and creds_mod.server_key(str(current)) == creds_mod.server_key(server)
    except UsageError as exc:
        return f"base_url not set: {exc}"
    if current:
        if not same:
            return (f"note: {path} sets base_url to {creds_mod.public_url(str(current))}; runs "
                    f"go there unless you pass base_url={server!r}")
        return None
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        f.seek(0)
        text = f.read()
        f.write(("" if not text or text.endswith("\n") else "\n")
                + f"base_url: {json.dumps(server)}\n")
    return f"base_url set to {server} in {path}: runs with mode=None now go online"


def cmd_login(args: argparse.Namespace) -> int:
    server = _server_or_fail(args.url, getattr(args, "dir", None), "login")
    try:
        given = ask(args, sys.stdin, sys.stdin.isatty())
    except (KeyboardInterrupt, EOFError):
        print("\nnbrun: login cancelled; nothing saved", file=sys.stderr)
        return 130
    url_creds = creds_mod.from_url(server)
    if url_creds is not None:
        print("nbrun: the user:password@ part of the URL is ignored by login; it uses the "
              "credentials given here", file=sys.stderr)
    check(server, given, ca_bundle=_ca_bundle(getattr(args, "dir", None)))
    path = creds_mod.save(server, given)
    who = "with a token" if given.token else f"as {given.username!r}"
    print(f"Logged in to {creds_mod.server_key(server)} {who}; saved in {path} "
          "(readable by you only)")
    said = remember_server(server)
    if said:
        print(said)
    shadow = creds_mod.from_environment()
    if shadow is not None:
        print(f"nbrun: note: {shadow.source} is set and takes precedence over the login file",
              file=sys.stderr)
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    if args.all:
        if args.url:
            raise UsageError("give a URL or --all, not both")
        removed = creds_mod.forget(None)
        print(f"Removed the credentials of {len(removed)} server(s)" if removed
              else "No credentials were stored")
        return 0
    server = _server_or_fail(args.url, getattr(args, "dir", None), "logout")
    removed = creds_mod.forget(server)
    key = creds_mod.server_key(server)
    print(f"Logged out of {key}" if removed else f"No credentials were stored for {key}")
    return 0


def add_parsers(sub: Any) -> None:
    """Add ``login`` and ``logout`` to the ``nbrun`` command's subparsers (the object that
    ``ArgumentParser.add_subparsers`` returns)."""
    login = sub.add_parser(
        "login", help="check credentials against a tracking server and store them",
        description="Check credentials against an MLflow tracking server, then store them in "
                    "the login file (readable by you only) for online runs.")
    login.add_argument("url", nargs="?",
                       help="server URL (default: NBRUN_BASE_URL / the base_url setting)")
    login.add_argument("--username", help="user name (a terminal asks when it is missing)")
    login.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input")
    login.add_argument("--token-stdin", action="store_true",
                       help="read a bearer token from standard input")
    login.set_defaults(func=cmd_login, needs_store=False)
    logout = sub.add_parser("logout", help="forget the stored credentials of a server")
    logout.add_argument("url", nargs="?", help="server URL (default: as for login)")
    logout.add_argument("--all", action="store_true", help="forget every stored server")
    logout.set_defaults(func=cmd_logout, needs_store=False)
