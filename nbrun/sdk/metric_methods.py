"""The run's ``define_metric`` and ``alert`` (a part of ``Run``): definitions and summaries in
``metrics``, alerts in ``alerts``."""

from __future__ import annotations

from typing import Any, Callable

from ..store import Store
from . import alerts
from .alerts import AlertLevel
from .metrics import Metric, MetricSummaries
from .metrics import check as check_metric


class MetricMethods:
    """Mixed into ``Run``."""

    _summary: Any
    _queue: list
    _step: int
    _pending: dict[str, Any] | None
    _channel: Any
    _writer: Any
    _finished: bool
    _store: Store
    _rid: int
    _refuse_if_finished: Callable[[str], None]

    def define_metric(self, name: str, step_metric: str | Metric | None = None,
                      step_sync: bool | None = None, hidden: bool | None = None,
                      summary: str | None = None, goal: str | None = None,
                      overwrite: bool | None = None) -> Metric:
        """How ``name`` (a key, or a glob ending in ``*``) is charted and summarised: against
        ``step_metric``, hidden, and with summaries ``min``, ``max``, ``mean``, ``best`` (with
        ``goal``), ``first``, ``last`` or ``none`` (comma-separated). Kept with the run."""
        given = check_metric(name, step_metric, step_sync, hidden, summary, goal, overwrite)
        self._refuse_if_finished("define_metric")
        return self._metrics().define(name, given, overwrite)

    def _metrics(self) -> MetricSummaries:
        view = self._summary.view
        if view is None:
            view = MetricSummaries(self._queue, lambda: self._step,
                                   lambda stored: self._channel.set_meta(metrics=stored))
            self._summary.attach(view, self._catch_up)
        return view

    def _catch_up(self) -> None:
        if not self._finished:
            self._writer.flush(timeout=5.0)

    def alert(self, title: str, text: str, level: AlertLevel | str = AlertLevel.INFO,
              wait_duration: float | Any = None) -> None:
        """Keep an alert with the run (its time, step and level), unless one of the same title
        was kept less than ``wait_duration`` (seconds or a timedelta; default 60 s) ago."""
        alerts.check(title, text, level, wait_duration)
        self._refuse_if_finished("alert")
        step = self._step if self._pending else self._step - 1  # the latest step logged
        alerts.record(self, self._store, self._rid, step if step >= 0 else None, title, text,
                      level, wait_duration)

