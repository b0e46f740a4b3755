"""``run.define_metric()``: how a key is charted (its step metric, hidden) and summarised (min,
max, mean, best, first, last, none), with the contract tracker's arguments and merge rules.

The summaries never touch ``log()``: the background writer, which reads every queued row before
it commits it, hands the rows to ``MetricSummaries.feed`` when it takes the run's summary (see
``Summary.snapshot``), so the cost is the writer's and only keys with a definition are looked at.
A reader in the run's own process first lets the writer catch up (``pending``), so what it reads
includes everything logged before.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import UsageError
from ..store import metricdefs
from ..store.channel import Block
from ..store.series import STEP

OPS = ("min", "max", "mean", "best", "last", "first", "copy", "none")
GOALS = {"min": "minimize", "max": "maximize"}
_NUMBERS = (int, float)


@dataclass(frozen=True)
class Metric:
    """What ``define_metric`` returns: the definition now in force for ``name``."""

    name: str
    step_metric: str | None = None
    step_sync: bool | None = None
    hidden: bool | None = None
    summary: tuple[str, ...] | None = None
    goal: str | None = None  # "minimize" or "maximize"


def _check_type(arg: str, value: Any, kind: type, accepted: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise UsageError(f"define_metric: {arg} must be {accepted}, got "
                         f"{type(value).__name__} {value!r}")


def check(name: Any, step_metric: Any, step_sync: Any, hidden: Any, summary: Any, goal: Any,
          overwrite: Any) -> dict[str, Any]:
    """The arguments as a partial definition (only what was given); ``UsageError`` naming a
    bad one and what is accepted."""
    if isinstance(step_metric, Metric):
        step_metric = step_metric.name
    if not isinstance(name, str) or not name:
        raise UsageError(f"define_metric: name must be a non-empty string (a key, or a glob "
                         f"ending in '*' such as 'val/*'), got {name!r}")
    if "*" in name[:-1]:
        raise UsageError(f"define_metric: name {name!r} has '*' before its end; a glob has "
                         "one '*', at the end (e.g. 'val/*')")
    _check_type("step_metric", step_metric, str, "a key (str) or a Metric")
    for arg, value in (("step_sync", step_sync), ("hidden", hidden), ("overwrite", overwrite)):
        _check_type(arg, value, bool, "True, False or None")
    _check_type("summary", summary, str, "a comma-separated string of " + ", ".join(OPS))
    _check_type("goal", goal, str, "'minimize' or 'maximize'")
    given: dict[str, Any] = {}
    if step_metric is not None:
        if not step_metric or "*" in step_metric:
            raise UsageError(f"define_metric: step_metric must be a key without '*', got "
                             f"{step_metric!r}")
        given["step_metric"] = step_metric
    if step_sync is not None:
        given["step_sync"] = step_sync
    if hidden is not None:
        given["hidden"] = hidden
    if summary:
        ops = [op.strip().lower() for op in summary.split(",")]
        bad = [op for op in ops if op not in OPS]
        if bad:
            raise UsageError(f"define_metric: summary {summary!r} has {', '.join(map(repr, bad))}"
                             f"; use one or more of {', '.join(OPS)}, comma-separated")
        given["summary"] = list(dict.fromkeys(ops))
    if goal is not None:
        short = goal[:3].lower()
        if short not in GOALS:
            raise UsageError(f"define_metric: goal {goal!r} is not accepted; use 'minimize' or "
                             "'maximize' (for summary='best')")
        given["goal"] = GOALS[short]
    return given


def merge(old: dict[str, Any] | None, given: dict[str, Any], overwrite: bool | None
          ) -> dict[str, Any]:
    """A name's definition after another call: with ``overwrite`` the call replaces it; else
    what the call leaves out is kept, summaries add up (``none`` is set or cleared by each
    call that gives a summary), as the contract's tracker merges them; step_sync is on by
    default once a step metric is given."""
    base = {"step_metric": None, "step_sync": False, "hidden": False, "summary": [], "goal": None}
    if old and not overwrite:
        base.update(old)
    out = dict(base)
    if "step_metric" in given:
        out["step_metric"] = given["step_metric"]
    if "step_sync" in given:
        out["step_sync"] = given["step_sync"]
    elif "step_metric" in given:  # on by default with a step metric
        out["step_sync"] = True
    if "hidden" in given:
        out["hidden"] = given["hidden"]
    if "summary" in given:
        ops = [op for op in base["summary"] if op != "none"] + given["summary"]
        if "none" in given["summary"]:
            ops = ["none"]
        out["summary"] = list(dict.fromkeys(ops))
    if "goal" in given:
        out["goal"] = given["goal"]
    return out


def as_metric(name: str, definition: dict[str, Any]) -> Metric:
    return Metric(name, definition["step_metric"], definition["step_sync"],
                  definition["hidden"], tuple(definition["summary"]) or None,
                  definition["goal"])


class _Track:
    """What one key's summaries need: count, sum, min, max, first, last, and the step of its
    latest value."""

    __slots__ = ("n", "total", "low", "high", "first", "last", "step", "seen")

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.low: Any = None
        self.high: Any = None
        self.first: Any = None
        self.last: Any = None
        self.seen = False
        self.step = -1

    def add(self, values: list[Any], step: int, kind: type | None = None) -> None:
        """Count ``values`` (the latest at ``step``); ``kind`` is their one type when known
        (a block's column), which lets builtins do the work in C."""
        if not values:
            return
        if not self.seen:
            self.first, self.seen = values[0], True
        self.last, self.step = values[-1], step
        total = sum(values) if kind in _NUMBERS else math.nan
        if total == total:  # numbers only, and no NaN among them
            numbers = values
        else:
            numbers = [v for v in values if type(v) in _NUMBERS and v == v]  # NaN is left out
            if not numbers:
                return
            total = sum(numbers)
        low, high = min(numbers), max(numbers)
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)
        self.n += len(numbers)
        self.total += total

    def value(self, op: str, goal: str | None) -> Any:
        if op == "min":
            return self.low
        if op == "max":
            return self.high
        if op == "mean":
            return self.total / self.n if self.n else None
        if op == "best":  # minimize unless told otherwise, as the tracker did
            return self.high if goal == "maximize" else self.low
        if op == "first":
            return self.first
        if op == "last":
            return self.last
        return None


class MetricSummaries:
    """A run's definitions and the summaries they ask for (one per run, made by its first
    ``define_metric``)."""

    def __init__(self, queue: list, step_now: Callable[[], int],
                 persist: Callable[[dict[str, Any]], None]) -> None:
        self._queue = queue  # the run's queued rows (dicts and Blocks), read by feed()
        self._step_now = step_now
        self._persist = persist
        self._lock = threading.Lock()
        self._definitions: dict[str, dict[str, Any]] = {}
        self._rules: dict[str, dict[str, Any] | None] = {}  # key -> its summary rule, cached
        self._tracks: dict[str, _Track] = {}
        self._set_by_hand: dict[str, int] = {}  # key -> the step the next log() wrote to then
        self._fed = step_now() - 1  # rows logged before the first definition are not counted
        self._aggregates = False

    # -- definitions --------------------------------------------------------------------------
    def define(self, name: str, given: dict[str, Any], overwrite: bool | None) -> Metric:
        with self._lock:
            merged = merge(self._definitions.get(name), given, overwrite)
            self._definitions[name] = merged
            self._changed()
            stored = {k: dict(v) for k, v in self._definitions.items()}
        self._persist(stored)
        return as_metric(name, merged)

    def restore(self, definitions: dict[str, Any]) -> None:
        """The definitions a resumed, rewound or forked run had (from the store)."""
        with self._lock:
            for name, definition in definitions.items():
                self._definitions[name] = merge(None, {}, True) | dict(definition)
            self._changed()
            stored = {k: dict(v) for k, v in self._definitions.items()}
        self._persist(stored)

    def definitions(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: dict(v) for k, v in self._definitions.items()}

    def _changed(self) -> None:
        self._rules.clear()
        self._aggregates = any(d["summary"] for d in self._definitions.values())

    def _rule(self, key: str) -> dict[str, Any] | None:
        """The definition of ``key`` when it changes its summary, else None (cached)."""
        try:
            return self._rules[key]
        except KeyError:
            found = metricdefs.resolve(self._definitions, key)
            rule = found if found is not None and found["summary"] else None
            self._rules[key] = rule
            return rule

    # -- feeding (the writer's thread) --------------------------------------------------------
    def feed(self) -> None:
        """Count the queued rows not counted yet (the caller is the writer, the only thread
        that removes rows from the queue, so the queue holds still under it)."""
        with self._lock:
            if not self._aggregates:
                return
            fed = self._fed
            for item in list(self._queue):
                if type(item) is Block:
                    fed = self._feed_block(item, fed)
                    continue
                step = item.get(STEP)
                if step is None or step <= fed:
                    continue
                for key, value in item.items():  # STEP and the row's time are no keys
                    if type(key) is str and key != STEP and self._rule(key) is not None:
                        self._track(key).add([value], step)
                fed = step
            self._fed = fed

    def _feed_block(self, block: Block, fed: int) -> int:
        width, kept, start = block.width, block.kept, block.start
        rows = (len(block.vals) - kept) // width
        skip = max(0, fed + 1 - start)
        if skip >= rows:
            return fed
        last = start + rows - 1
        lo, hi = kept + skip * width, kept + rows * width
        for j, key in enumerate(block.keys):
            if self._rule(key) is not None:
                self._track(key).add(block.vals[lo + j:hi:width], last, block.types[j])
        return last

    def _track(self, key: str) -> _Track:
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = _Track()
        return track

    # -- reading ------------------------------------------------------------------------------
    def pending(self) -> bool:
        """Whether rows were logged since the last feed (a reader should let the writer run)."""
        return self._aggregates and self._step_now() - 1 > self._fed

    def apply(self, flat: dict[str, Any]) -> dict[str, Any]:
        """The summary with each defined key's summaries in place of its last value:
        ``key/min``, ``key/max``, ... (read back as ``summary[key] == {"min": .., ...}``);
        ``none`` leaves the key out. A value set by hand after the key's latest log stays."""
        with self._lock:
            if not self._tracks:
                return flat
            out = dict(flat)
            for key, track in self._tracks.items():
                rule = self._rule(key)
                if rule is None:
                    continue
                if self._set_by_hand.get(key, -1) > track.step:
                    continue
                ops = rule["summary"]
                if "copy" not in ops:
                    out.pop(key, None)
                for op in ops:
                    if op in ("none", "copy"):
                        continue
                    value = track.value(op, rule["goal"])
                    if value is not None:
                        out[f"{key}/{op}"] = value
            return out

    def set_by_hand(self, keys: list[str]) -> None:
        """Keys given a value through ``run.summary``: it stands until the key is logged again."""
        step = self._step_now()
        with self._lock:
            for key in keys:
                if self._rule(key) is not None:
                    self._set_by_hand[key] = step

    def forget(self, key: str) -> bool:
        """``del run.summary[key]``: its summaries start over with its next log."""
        with self._lock:
            self._set_by_hand.pop(key, None)
            return self._tracks.pop(key, None) is not None


def definitions_of(run: Any) -> dict[str, dict[str, Any]]:
    """The define_metric() definitions of a run (empty before its first)."""
    view = run.summary.view
    return view.definitions() if view is not None else {}


def chart_options(definitions: dict[str, Any], keys: Any) -> dict[str, dict[str, Any]]:
    """How charts show each key (its step metric, step_sync, hidden): see
    ``store.metricdefs.chart_options``."""
    return metricdefs.chart_options(definitions, keys)
