"""Credentials for the tracking server: where they come from and how a request carries them.

Never printed, never written into a run; ``Credentials.__repr__`` hides the secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Credentials:
    """Basic auth (``username`` and ``password``) or a bearer ``token``."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    source: str = ""  # where they came from, for messages ("NBRUN_USERNAME", "the login file")


def from_environment() -> Credentials | None:
    """``NBRUN_TOKEN`` / ``NBRUN_USERNAME`` + ``NBRUN_PASSWORD``, else MLflow's own variables."""
    for prefix in ("NBRUN_", "MLFLOW_TRACKING_"):
        token = os.environ.get(prefix + "TOKEN")
        if token:
            return Credentials(token=token, source=prefix + "TOKEN")
        user = os.environ.get(prefix + "USERNAME")
        if user:
            return Credentials(username=user, password=os.environ.get(prefix + "PASSWORD", ""),
                               source=prefix + "USERNAME")
    return None


def resolve(base_url: str, anonymous: str | None) -> Credentials | None:
    """The credentials to send to ``base_url``: none under ``anonymous="must"``."""
    if anonymous == "must":
        return None
    return from_environment()


def apply(session: Any, creds: Credentials | None) -> None:
    """Make every request of ``session`` (a ``requests.Session``) carry ``creds``."""
    session.auth = None
    session.headers.pop("Authorization", None)
    if creds is None:
        return
    if creds.token:
        session.headers["Authorization"] = f"Bearer {creds.token}"
    elif creds.username is not None:
        session.auth = (creds.username, creds.password or "")
