"""Config values whose key looks like a secret never leave the machine.

A minimal version: the credentials work (issue 11, point 3) owns this module and replaces its
body; the signature stays.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_PATTERN = r"(?i)(passw(or)?d|secret|token|api[_-]?key|credential|private[_-]?key)"
REDACTED = "<redacted>"


def redact(config: dict[str, Any], pattern: str | None) -> dict[str, Any]:
    """A copy of ``config`` with every value under a secret-looking key, at any depth,
    replaced by ``"<redacted>"``."""
    rx = re.compile(pattern or DEFAULT_PATTERN)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: REDACTED if rx.search(str(k)) else walk(v) for k, v in value.items()}
        return value

    return walk(config)
