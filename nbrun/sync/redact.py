"""Secrets kept out of what is sent to the tracking server.

``redact(config, pattern)`` returns a copy of a config in which every value whose key, at any
depth, looks like a secret is ``"<redacted>"`` (a whole sub-mapping too: ``credentials: {...}``),
and the password of any ``scheme://user:password@host`` URL among the values is hidden as well.
The local store keeps the values as they are; only what leaves the machine is redacted.

A key is tested as written and in snake_case (``accessToken``, ``access-token`` ->
``access_token``), so ``access_token``, ``accessToken``, ``OPENAI_API_KEY`` and ``db.password``
match, while words
that merely contain a secret's name do not: ``tokenizer``, ``max_tokens``, ``author``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .. import urlauth
from ..errors import UsageError

REDACTED = "<redacted>"

# A secret's name as a whole word of the key: not preceded or followed by another letter.
DEFAULT_REDACT_PATTERN = (
    r"(?<![a-z])(password|passwd|passphrase|pwd|token|secret|api_?key|access_?key|secret_?key"
    r"|private_?key|signing_?key|session_?key|credentials?|authorization|cookie"
    r"|client_?secret)(?![a-z])"
)

_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATORS = re.compile(r"[-\s]+")


@lru_cache(maxsize=16)
def compile_pattern(pattern: str | None) -> re.Pattern[str]:
    """The compiled, case-insensitive key pattern (the default when ``pattern`` is None); a
    ``UsageError`` naming the setting when it is not a usable regular expression."""
    if pattern is None:
        pattern = DEFAULT_REDACT_PATTERN
    if not isinstance(pattern, str) or not pattern:
        raise UsageError("redact_pattern must be a non-empty regular expression matched against "
                         "config keys (use '(?!)' to redact nothing)")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise UsageError(f"redact_pattern {pattern!r} is not a valid regular expression: "
                         f"{exc}") from None


def snake_case(key: str) -> str:
    """``openaiApiKey`` / ``openai-api key`` -> ``openai_api_key``."""
    text = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", key))
    return _SEPARATORS.sub("_", text).lower()


def is_secret_key(key: Any, pattern: str | None = None) -> bool:
    """Whether a config key looks like it names a secret."""
    regex = compile_pattern(pattern)
    text = str(key)
    return bool(regex.search(text) or regex.search(snake_case(text)))


def hide_url_passwords(text: str) -> str:
    """``scheme://user:password@host`` -> ``scheme://user:<redacted>@host`` anywhere in text,
    whatever characters the password holds (``/``, spaces, ``@``: up to the text's last ``@``)."""
    return urlauth.hide_passwords(text, REDACTED)


def redact(config: dict, pattern: str | None = None) -> dict:
    """A copy of ``config`` safe to send: see the module docstring. ``pattern`` is the
    ``redact_pattern`` setting (None: ``DEFAULT_REDACT_PATTERN``)."""
    regex = compile_pattern(pattern)

    def secret(key: Any) -> bool:
        text = str(key)
        return bool(regex.search(text) or regex.search(snake_case(text)))

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (REDACTED if secret(k) else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, tuple):
            return tuple(walk(v) for v in value)
        if isinstance(value, str):
            return hide_url_passwords(value)
        return value

    return walk(config)
