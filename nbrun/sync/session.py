"""``nbrun.login()``, with the contract tracker's signature: what code written for that tracker
calls before ``init()``.

With no tracking server configured (the embedded store alone) there is nothing to log in to: it
says so and returns False at once, with no request and no prompt. With a server it uses the
credentials given (``key``, a token) or found (``user:password@`` in the URL, the environment,
the login file of ``nbrun login``), checks them with one request, or asks for them at a terminal
as ``nbrun login`` does. In a notebook kernel, or anywhere without a terminal, it never waits for
input: it says what to do instead and returns False (raises with ``force=True``).
"""

from __future__ import annotations

import os
import select
import sys
from argparse import Namespace
from typing import Any, Callable

from .. import validation as rules
from ..errors import AuthenticationError, UsageError
from ..sdk import registry
from ..sdk.kernel import in_notebook_kernel
from ..settings import resolve as resolve_settings
from ..store.location import locate_store
from . import credentials as creds_mod
from . import login as login_cmd
from .credentials import Credentials


def _say(text: str, silent: bool) -> None:
    # A notebook shows stderr as an error box: there a plain line says it.
    if not silent:
        print(f"nbrun: {text}", file=sys.stdout if in_notebook_kernel() else sys.stderr)


def _check_args(key: Any, relogin: Any, host: Any, force: Any, timeout: Any, verify: Any,
                referrer: Any, anonymous: Any) -> None:
    for name, value in (("key", key), ("host", host), ("referrer", referrer)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"login: {name} must be a string or None, got "
                             f"{type(value).__name__}")
    for name, value in (("relogin", relogin), ("force", force)):
        if value is not None:
            rules.check_bool(value, f"login: {name}")
    rules.check_bool(verify, "login: verify")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout >= 0):
        raise UsageError(f"login: timeout must be a number of seconds (0 or more) or None, got "
                         f"{timeout!r}")
    if anonymous is not None:
        rules.check_choice(anonymous, "login: anonymous", rules.ANONYMOUS)
    if host is not None:
        creds_mod.server_key(host)  # a clear UsageError for a URL that is not one


def login(key: str | None = None, relogin: bool | None = None, host: str | None = None,
          force: bool | None = None, timeout: float | None = None, verify: bool = True,
          referrer: str | None = None, anonymous: str | None = None) -> bool:
    """See the module docstring; ``referrer`` (the tracker's web-login analytics) has no
    effect. True when the server takes this process's requests with what is configured."""
    _check_args(key, relogin, host, force, timeout, verify, referrer, anonymous)
    location = locate_store(None)
    settings = resolve_settings(None, {}, location.settings_root)
    silent = bool(settings.silent)
    if registry.current() is not None:
        _say("login() after init() changes nothing for the active run; call it before "
             "init()", silent)
        return False
    if settings.mode == "disabled":
        return False
    server = host or settings.base_url or creds_mod.logged_in_server()
    if not server:
        _say("no tracking server is configured, so no login is needed: runs are kept in the "
             f"local store ({os.path.join(location.root, '.nbrun')}). To send them to an MLflow "
             "tracking server, pass host= or set NBRUN_BASE_URL.", silent)
        return False
    if settings.mode == "offline" and host is None:
        _say("mode is offline, so no login is needed; runs stay in the local store", silent)
        return False
    force = settings.force if force is None else force
    anonymous = anonymous or settings.anonymous
    public = creds_mod.public_url(server)
    if key is not None:
        given: Credentials | None = Credentials(token=key, source="login(key=...)")
    elif relogin or anonymous == "must":
        given = None
    else:
        given = creds_mod.resolve(server, anonymous)
    if given is not None or (not relogin and verify):
        try:
            if verify:
                login_cmd.check(server, given, ca_bundle=settings.ca_bundle)
        except AuthenticationError:
            if given is not None:
                raise  # the credentials were refused: never silently logged in
            # no credentials, and the server asks for some: ask below
        else:
            return _logged_in(server, host, given, key is not None, silent)
    if anonymous == "must":
        return _refuse(f"{public} asks for credentials and anonymous='must' never sends any",
                       force, silent)
    if not (sys.stdin is not None and sys.stdin.isatty()) or in_notebook_kernel():
        return _refuse(
            f"{public} needs credentials and there is no terminal here to ask for them: pass "
            "key=<token>, set NBRUN_USERNAME and NBRUN_PASSWORD (or NBRUN_TOKEN), or run "
            f"`nbrun login {public}` in a terminal", force, silent)
    args = Namespace(username=None, password_stdin=False, token_stdin=False)
    try:
        asked = login_cmd.ask(args, sys.stdin, True, prompt=_timed_input(timeout))
    except TimeoutError:
        return _refuse(f"no answer within {timeout:g} s; not logged in to {public}", force,
                       silent)
    except (KeyboardInterrupt, EOFError):
        return _refuse(f"login to {public} cancelled; nothing saved", force, silent)
    if verify:
        login_cmd.check(server, asked, ca_bundle=settings.ca_bundle)
    return _logged_in(server, host, asked, True, silent)


def _refuse(text: str, force: bool | None, silent: bool) -> bool:
    if force:
        raise AuthenticationError(text)
    _say(text + "; runs stay offline until then", silent)
    return False


def _logged_in(server: str, host: str | None, creds: Credentials | None, save: bool,
               silent: bool) -> bool:
    public = creds_mod.public_url(server)
    if creds is None:
        _say(f"{public} takes requests without credentials; nothing to log in", silent)
    elif save:
        path = creds_mod.save(server, creds)
        _say(f"logged in to {creds_mod.server_key(server)} with {creds_mod.describe(creds)}; "
             f"saved in {path} (readable by you only)", silent)
    else:
        _say(f"using {creds_mod.describe(creds)} for {public}", silent)
    if host is not None:
        said = login_cmd.remember_server(host)
        configured = resolve_settings(None, {}, locate_store(None).settings_root).base_url
        if not configured or creds_mod.server_key(configured) != creds_mod.server_key(host):
            # As the tracker's login(host=) does, this process's runs go there from now on.
            os.environ["NBRUN_BASE_URL"] = public
            said = f"runs of this process go to {public} (NBRUN_BASE_URL set)"
        if said:
            _say(said, silent)
    return True


def _timed_input(timeout: float | None) -> Callable[[str], str]:
    """``input`` that gives up (``TimeoutError``) when nothing is typed within ``timeout``."""
    if timeout is None:
        return input

    def prompt(text: str) -> str:
        sys.stdout.write(text)
        sys.stdout.flush()
        ready, _, _ = select.select([sys.stdin], [], [], timeout)
        if not ready:
            sys.stdout.write("\n")
            raise TimeoutError
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    return prompt
