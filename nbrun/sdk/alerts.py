"""``run.alert()`` and ``nbrun.AlertLevel``: an alert is kept with the run (time, step, level),
held back while an alert of the same title is younger than ``wait_duration``, printed on stderr
in a script and shown on the run card in a notebook."""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections import deque
from datetime import timedelta
from enum import Enum
from typing import Any

from ..errors import UsageError
from ..store import alerts as stored
from .kernel import in_notebook_kernel


class AlertLevel(str, Enum):
    """How serious an alert is (compares equal to its name as a string)."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


DEFAULT_WAIT_S = 60.0  # the contract tracker's default wait_duration: one minute
TITLE_MAX = 64
TEXT_MAX = 1 << 16
RECENT = 50  # alerts a run keeps in memory for its card


def check(title: Any, text: Any, level: Any, wait_duration: Any) -> tuple[str, str, str, float]:
    """The arguments normalised (level as text, wait in seconds), or a ``UsageError`` naming
    the bad one and what is accepted."""
    if not isinstance(title, str) or not 1 <= len(title) <= TITLE_MAX:
        raise UsageError(f"alert: title must be a string of 1 to {TITLE_MAX} characters, got "
                         f"{title!r}"[:200])
    if not isinstance(text, str) or len(text) > TEXT_MAX:
        raise UsageError(f"alert: text must be a string of at most {TEXT_MAX:,} characters, "
                         f"got {type(text).__name__}")
    if level is None:
        level = AlertLevel.INFO
    name = level.value if isinstance(level, AlertLevel) else level
    if not isinstance(name, str) or name.upper() not in stored.LEVELS:
        raise UsageError(f"alert: level must be nbrun.AlertLevel.INFO, WARN or ERROR (or "
                         f"'INFO', 'WARN', 'ERROR'), got {level!r}")
    if wait_duration is None:
        wait = DEFAULT_WAIT_S
    elif isinstance(wait_duration, timedelta):
        wait = wait_duration.total_seconds()
    elif isinstance(wait_duration, (int, float)) and not isinstance(wait_duration, bool):
        wait = float(wait_duration)
    else:
        raise UsageError(f"alert: wait_duration must be seconds (int or float) or a "
                         f"datetime.timedelta, got {type(wait_duration).__name__}")
    if not wait >= 0:
        raise UsageError(f"alert: wait_duration must not be negative, got {wait_duration!r}")
    return title, text, name.upper(), wait


class _RunAlerts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}  # title -> time of its latest recorded alert
        self.held: dict[str, int] = {}  # title -> calls held back since then
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)


_runs: weakref.WeakKeyDictionary[Any, _RunAlerts] = weakref.WeakKeyDictionary()
_runs_lock = threading.Lock()


def _of(run: Any) -> _RunAlerts:
    with _runs_lock:
        state = _runs.get(run)
        if state is None:
            state = _runs[run] = _RunAlerts()
        return state


def record(run: Any, store: Any, rid: int, step: int | None, title: Any, text: Any,
           level: Any = None, wait_duration: Any = None) -> dict[str, Any] | None:
    """Keep an alert of ``run`` (row ``rid`` of ``store``) at ``step``: the alert as
    recorded, or None when an alert of that title is younger than ``wait_duration``."""
    title, text, level, wait = check(title, text, level, wait_duration)
    state = _of(run)
    now = time.time()
    with state.lock:
        last = state.last.get(title)
        if last is not None and now - last < wait:
            state.held[title] = state.held.get(title, 0) + 1
            return None
        state.last[title] = now
        held = state.held.pop(title, 0)
    entry = {"time": now, "step": step, "level": level, "title": title, "text": text,
             "suppressed": held}
    try:
        stored.add(store, rid, now, step, level, title, text, held)
    except Exception as exc:  # the store is down: the alert is still said, once
        print(f"nbrun: alert {title!r} of run {run.id} could not be stored ({exc})",
              file=sys.stderr)
    with state.lock:
        state.recent.append(entry)
    settings = getattr(run, "settings", None)
    if not in_notebook_kernel() and not getattr(settings, "silent", False):
        where = "" if step is None else f", step {step}"
        print(f"nbrun: {level}: {title}: {text} (run {run.name} {run.id}{where})",
              file=sys.stderr)
    return entry


def recent(run: Any) -> list[dict[str, Any]]:
    """The run's latest alerts raised in this process, oldest first (for its run card)."""
    with _runs_lock:
        state = _runs.get(run)
    if state is None:
        return []
    with state.lock:
        return list(state.recent)
