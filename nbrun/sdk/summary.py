"""``run.summary``: each key's last logged value, unless the key was set explicitly."""

from __future__ import annotations

from typing import Any, Callable, Iterator, MutableMapping

from . import values


class Summary(MutableMapping):
    """A live view over the values ``log()`` keeps current and the ones set by hand.

    A key set by hand keeps that value until it is deleted, even when it is logged again: the
    usual reason to set one (a best score, a final metric) is to override the last value.
    """

    def __init__(self, logged: dict[str, Any], on_change: Callable[[], None] | None = None,
                 guard: Callable[[], None] | None = None,
                 tail: Callable[[], dict[str, Any] | None] | None = None,
                 settle: Callable[[], None] | None = None) -> None:
        object.__setattr__(self, "_logged", logged)
        object.__setattr__(self, "_explicit", {})
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_guard", guard)  # raises when the summary may not change
        # The run's newest logged values not yet in ``logged`` (its open block's last row),
        # and how to move them there; log() does not update ``logged`` on every call.
        object.__setattr__(self, "_tail", tail or _nothing)
        object.__setattr__(self, "_settle", settle or _nothing)

    def snapshot(self) -> dict[str, Any]:
        tail = self._tail()
        if tail:
            return {**self._logged, **tail, **self._explicit}
        return {**self._logged, **self._explicit}

    def __getitem__(self, key: str) -> Any:
        if key in self._explicit:
            return self._explicit[key]
        tail = self._tail()
        if tail and key in tail:
            return tail[key]
        return self._logged[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if self._guard is not None:
            self._guard()
        if isinstance(value, dict):
            flat = values.flatten_log(value, key + "/")
            self._explicit.update(flat)
        else:
            self._explicit[key] = values.log_value(value, key)
        if self._on_change is not None:
            self._on_change()

    def __delitem__(self, key: str) -> None:
        if self._guard is not None:
            self._guard()
        self._settle()
        found = self._explicit.pop(key, None) is not None
        found = self._logged.pop(key, None) is not None or found
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
        return iter(self.snapshot())

    def __len__(self) -> int:
        return len(self.snapshot())

    def __repr__(self) -> str:
        return f"Summary({self.snapshot()!r})"


def _nothing() -> None:
    return None
