"""Error classes of the ``init()`` contract."""

from __future__ import annotations

import difflib
from typing import Iterable


class Error(Exception):
    """Base class of nbrun errors; also an unknown failure during initialisation."""


class UsageError(Error):
    """An argument, environment variable or setting is invalid, or arguments conflict.

    ``argument`` names the ``init()`` argument at fault (the first one, when several conflict),
    or is None when the fault is elsewhere (an environment variable, a settings file)."""

    def __init__(self, message: str = "", argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


class ConfigError(Error):
    """A config key would change value while changes are not allowed."""


class CommError(Error):
    """The tracking server cannot be reached or answers with a server error."""


class AuthenticationError(Error):
    """The tracking server refuses the credentials."""


class UnsupportedError(UsageError):
    """A call of the contract tracker's surface that nbrun does not provide; the message names
    the call and what to use instead."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean ...?)' suffix naming the closest choices, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
