"""``run.summary``: each key's latest value, whether logged or set by hand (the last write wins),
or the summaries ``define_metric`` asks for; nested keys read back as dicts."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, MutableMapping

from . import values


def _nothing() -> None:
    return None


class Summary(MutableMapping):
    """A live view over the values ``log()`` keeps current and the ones set by hand.

    Keys are flat (``train/loss``), as ``log()`` stores them; ``summary["train"]`` reads every
    ``train/...`` key back as a nested dict, and setting a dict stores its keys flat.
    """

    def __init__(self, logged: dict[str, Any], on_change: Callable[[], None] | None = None,
                 guard: Callable[[], None] | None = None,
                 tail: Callable[[], dict[str, Any] | None] | None = None,
                 settle: Callable[[], None] | None = None) -> None:
        object.__setattr__(self, "_logged", logged)
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_guard", guard)  # raises when the summary may not change
        # The run's newest logged values not yet in ``logged`` (its open block's last row),
        # and how to move them there; log() does not update ``logged`` on every call.
        object.__setattr__(self, "_tail", tail or _nothing)
        object.__setattr__(self, "_settle", settle or _nothing)
        object.__setattr__(self, "_view", None)  # the run's MetricSummaries, once it has one
        object.__setattr__(self, "_refresh", _nothing)

    def attach(self, view: Any, refresh: Callable[[], Any] = _nothing) -> None:
        """Summarise through ``view`` (``metrics.MetricSummaries``); ``refresh`` lets the
        writer catch up before a read (never called on the writer's thread)."""
        object.__setattr__(self, "_view", view)
        object.__setattr__(self, "_refresh", refresh)

    @property
    def view(self) -> Any:
        return self._view

    def _flat(self) -> dict[str, Any]:
        tail = self._tail()
        return {**self._logged, **tail} if tail else dict(self._logged)

    def snapshot(self) -> dict[str, Any]:
        """The summary as stored; the background writer takes it with each batch, and hands
        the view the rows it is about to commit."""
        view = self._view
        if view is None:
            return self._flat()
        view.feed()
        return view.apply(self._flat())

    def _current(self) -> dict[str, Any]:
        """The summary as read in the run's process: the writer first catches up with what
        was logged, so that define_metric's summaries include it."""
        view = self._view
        if view is None:
            return self._flat()
        if view.pending():
            self._refresh()
        return view.apply(self._flat())

    def __getitem__(self, key: str) -> Any:
        if self._view is None:
            tail = self._tail()
            if tail and key in tail:
                return tail[key]
            if key in self._logged:
                return self._logged[key]
            found = nested(self._flat(), key)
        else:
            current = self._current()
            if key in current:
                return current[key]
            found = nested(current, key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, value: Any) -> None:
        if self._guard is not None:
            self._guard()
        self._settle()  # what was logged before this write is older than it
        if isinstance(value, dict):
            flat = values.flatten_log(value, key + "/")
            _drop_tree(self._logged, key)  # a dict replaces what was under the key
            self._logged.update(flat)
            written = [key, *flat]
        else:
            self._logged[key] = values.log_value(value, key)
            written = [key]
        if self._view is not None:
            self._view.set_by_hand(written)
        if self._on_change is not None:
            self._on_change()

    def __delitem__(self, key: str) -> None:
        if self._guard is not None:
            self._guard()
        self._settle()
        found = self._logged.pop(key, _MISSING) is not _MISSING
        if self._view is not None:
            found = self._view.forget(key) or found
        if not found:
            found = _drop_tree(self._logged, key)
        if not found:
            raise KeyError(key)
        if self._on_change is not None:
            self._on_change()

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"summary has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:
        return f"Summary({self._current()!r})"


class SummaryDict(dict):
    """A stored summary (flat keys, as in the store) where ``summary["train"]`` also reads
    every ``train/...`` key back as a nested dict, as the contract tracker's summary does."""

    def __missing__(self, key: Any) -> Any:
        found = nested(self, key) if isinstance(key, str) else None
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (
            isinstance(key, str) and nested(self, key) is not None)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def nested(flat: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The ``key/...`` entries of ``flat`` as one nested dict, or None when there are none."""
    prefix = key + "/"
    below = {k[len(prefix):]: v for k, v in flat.items() if k.startswith(prefix)}
    return unflatten(below) if below else None


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a/b": 1, "c": 2}`` as ``{"a": {"b": 1}, "c": 2}``; where a key is both a value and
    a prefix (``a`` and ``a/b``), the value is kept."""
    out: dict[str, Any] = {}
    for path in sorted(flat, key=lambda p: p.count("/")):  # values before deeper keys
        parts = path.split("/")
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(parts[-1], flat[path])
    return out


def _drop_tree(flat: dict[str, Any], key: str) -> bool:
    """Remove ``key`` and every ``key/...`` entry; whether there were any."""
    prefix = key + "/"
    doomed = [k for k in flat if k == key or k.startswith(prefix)]
    for k in doomed:
        del flat[k]
    return bool(doomed)


_MISSING = object()
