"""The arguments of the last run started from a form in this kernel, so that a new form
starts from them.

The id is not remembered: with an explicit id, starting again replaces that run's data
(``resume=None``), which a form opened later should not do without the id being typed.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

_FORGET = ("id",)
_last: dict[str, Any] = {}


def remember(kwargs: Mapping[str, Any]) -> None:
    global _last
    _last = {k: copy.deepcopy(v) for k, v in kwargs.items() if k not in _FORGET}


def recall() -> dict[str, Any]:
    """A copy, so a form editing its values never changes the memory."""
    return copy.deepcopy(_last)


def forget() -> None:
    global _last
    _last = {}
