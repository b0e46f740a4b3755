"""Online mode joining a run's life (see ``nbrun/sdk/plugins.py``).

``negotiate`` makes the one blocking request of ``init()`` (the credentials and experiment check),
once per process and server, ended within ``CHECK_DEADLINE_S`` whatever the server does: refused
credentials are an ``AuthenticationError`` with ``force=True``, else the run goes offline with
one notice saying why; any other fault (unreachable, no answer in time, a redirect, a refused
certificate, a broken or oversized answer) is a ``CommError`` naming the request with
``force=True``, else the run starts locally, says why, and syncs when it can.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from ..errors import AuthenticationError, CommError
from ..sdk.run import Run, set_url, store_and_rid
from . import syncer

CHECK_DEADLINE_S = 10.0  # the whole check (connect, TLS, headers, answer): the per-read
# timeout it replaces was 10 s, and a loaded server hashing a password takes seconds

# (url, anonymous, credentials, TLS verify) -> outcome
_checked: dict[tuple[str, str | None, Any, Any], str] = {}
_lock = threading.Lock()
_notices: set[str] = set()


def _notice(text: str) -> None:
    if text not in _notices:
        _notices.add(text)
        print(f"nbrun: {text}", file=sys.stderr)


def negotiate(settings: Any, mode: str, root: str) -> str:
    base_url = settings.base_url
    anonymous = settings.anonymous
    client = syncer.client_for(base_url, anonymous, settings.ca_bundle)
    key = (client.base_url, anonymous, client.creds, client.session.verify)
    with _lock:
        outcome = _checked.get(key)
        if outcome is None:
            try:
                client.check(settings.project or "Default", deadline=CHECK_DEADLINE_S)
                outcome = "ok"
            except AuthenticationError as exc:
                outcome = "auth:" + str(exc)
            except CommError as exc:
                outcome = "comm:" + str(exc)
            if not outcome.startswith("comm:"):  # an outage is looked at again next time
                _checked[key] = outcome
    if outcome.startswith("auth:"):
        if settings.force:
            raise AuthenticationError(outcome[5:])
        if not settings.silent:
            _notice(f"{outcome[5:]}; logging offline (force=True makes this an error)")
        return "offline"
    if outcome.startswith("comm:"):
        if settings.force:
            raise CommError(outcome[5:])
        if not settings.silent:
            _notice(f"{outcome[5:]}; the run starts locally and is sent to the server when it "
                    "answers")
    return mode


def start(run: Run) -> None:
    s = run.settings
    store, rid = store_and_rid(run)
    syncer.get_syncer().add(store, rid, run.id, s.base_url, s.anonymous,
                            s.redact_pattern,
                            on_url=lambda url: set_url(run, url), ca_bundle=s.ca_bundle)


def finished(run: Run) -> None:
    store, rid = store_and_rid(run)
    syncer.get_syncer().finished(store, rid)


def exiting() -> None:
    syncer.exit_wait()
