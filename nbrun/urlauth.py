"""Where the ``user:password@`` of a URL is, whatever characters the password holds.

A password pasted into ``base_url`` often holds characters that a URL would need encoded
(``/``, ``?``, ``#``, ``@``, spaces). The standard parse then takes part of the password for the
host, the port or the path, and a message built from that shows the rest. Here the user part
ends at the last ``@`` of the authority, and when the authority holds none but a later part of
the URL does, at the last ``@`` of the URL: ``http://bob:pa/ss@host`` is user ``bob``, password
``pa/ss``, server ``http://host``. Nothing of nbrun is imported: settings, the store and the sync
layer all use this one rule.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"

_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*://)")
# In free text: scheme://user: then anything up to the last @ of the text (a password may hold
# spaces, / and @; hiding too much is the safe side).
_TEXT_PASSWORD = re.compile(r"(?is)\b([a-z][a-z0-9+.\-]*://[^/\s:]*):.*@")


def split(url: str) -> tuple[str, str | None]:
    """``(url without its user part, the user part or None)``; the user part is the raw text
    between ``scheme://`` and the ``@`` that closes it."""
    text = url.strip()
    if "@" not in text:
        return text, None
    found = _SCHEME.match(text)  # without a scheme (a mistake), the user part starts the text
    head = found.group(1) if found else ""
    rest = text[len(head):] if found else text
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    at = authority.rfind("@") if "@" in authority else rest.rfind("@")
    return head + rest[at + 1:], rest[:at]


def credentials(url: str) -> tuple[str, str | None] | None:
    """``(user, password or None)`` percent-decoded from the URL's user part, or None."""
    userinfo = split(url)[1]
    if userinfo is None:
        return None
    user, colon, password = userinfo.partition(":")
    return unquote(user), (unquote(password) if colon else None)


def masked(url: str) -> str:
    """The URL for display: ``http://bob:***@host`` (a user part without ``:`` is hidden
    whole, since it is then likely a token)."""
    public, userinfo = split(url)
    if userinfo is None:
        return public
    found = _SCHEME.match(public)
    head = found.group(1) if found else ""
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:{MASK}" if colon else MASK
    return head + shown + "@" + public[len(head):]


def hide_passwords(text: str, replacement: str = MASK) -> str:
    """Every ``scheme://user:password@`` password in free text replaced."""
    if "@" not in text:
        return text
    return _TEXT_PASSWORD.sub(lambda m: f"{m.group(1)}:{replacement}@", text)
