"""JSON replies. Stored summaries and configs may hold NaN or infinities (Python's json writes
them, browsers' JSON.parse rejects them) or integers too long for Python's json: those become
null."""

from __future__ import annotations

import json
import math
from typing import Any


_FLOAT_RANGE = 2**1024


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int) and not -_FLOAT_RANGE < value < _FLOAT_RANGE:
        return None  # beyond any number a browser reads (and too long for Python's json)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(value: Any) -> str:
    try:  # the common case: nothing to clean, one pass in C
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(_clean(value), allow_nan=False, separators=(",", ":"))
