"""``run.config``: the run's hyperparameters, and loading them from the accepted sources."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Mapping

from .. import yamlsafe
from ..errors import ConfigError, UsageError
from . import values

_VERSION_KEYS = ("nbrun_version", "wandb_version", "_version")


def _from_yaml_file(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        raise UsageError(f"config file {path!r} does not exist; pass a dict or the path of a YAML "
                         "file")
    data = yamlsafe.load_mapping_file(path, "config file")
    for key in _VERSION_KEYS:
        data.pop(key, None)
    wrapped = data and all(isinstance(v, dict) and "value" in v and set(v) <= {"value", "desc"}
                           for v in data.values())
    return {k: v["value"] for k, v in data.items()} if wrapped else data


def load_source(source: Any) -> dict[str, Any]:
    """A dict from any accepted ``config=`` form (not yet normalised)."""
    if source is None:
        return {}
    if isinstance(source, Config):  # another run's config
        return source.as_dict()
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, (str, os.PathLike)):
        return _from_yaml_file(os.fspath(source))
    flag_values = getattr(source, "flag_values_dict", None)
    if callable(flag_values):  # absl-style flags
        return dict(flag_values())
    if type(source).__name__ == "Namespace" and hasattr(source, "__dict__"):
        return dict(vars(source))
    raise UsageError(
        f"config must be a dict, a run's config, an argparse.Namespace, an absl-style flags "
        f"object or the path of a YAML file, got {type(source).__name__}"
    )


def filter_keys(data: dict[str, Any], include: tuple[str, ...] | None,
                exclude: tuple[str, ...] | None) -> dict[str, Any]:
    if include is not None and exclude is not None:
        raise UsageError("config_include_keys and config_exclude_keys cannot both be given; "
                         "pass one of them")
    if include is not None:
        return {k: v for k, v in data.items() if k in include}
    if exclude is not None:
        return {k: v for k, v in data.items() if k not in exclude}
    return data


def build(source: Any, include: tuple[str, ...] | None = None,
          exclude: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Load, filter and validate a config; every rule is checked before anything is stored."""
    try:
        data = values.config_mapping(filter_keys(load_source(source), include, exclude))
    except RecursionError:
        raise UsageError("config is nested too deeply or contains itself; pass plain nested "
                         "dicts and lists") from None
    for key, value in data.items():
        values.check_size(key, value)
    return data


class Config:
    """Item and attribute access to a run's config; persisted on every change."""

    def __init__(self, data: dict[str, Any] | None = None, allow_val_change: bool = False,
                 on_change: Callable[[dict[str, Any]], None] | None = None,
                 guard: Callable[[], None] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))
        object.__setattr__(self, "_allow_val_change", allow_val_change)
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_guard", guard)  # raises when the config may not change

    def _check_writable(self) -> None:
        if self._guard is not None:
            self._guard()

    # -- writing ------------------------------------------------------------------------------
    def update(self, data: Any = None, allow_val_change: bool | None = None, **kwargs: Any
               ) -> None:
        """Add keys from a dict (or any ``config=`` form); changing a value needs permission."""
        self._check_writable()
        incoming = build(data) if data is not None else {}
        if kwargs:
            incoming.update(build(kwargs))
        allow = self._allow_val_change if allow_val_change is None else allow_val_change
        if not allow:
            for key, value in incoming.items():
                if key in self._data and self._data[key] != value:
                    raise ConfigError(
                        f"config key {key!r} already holds {self._data[key]!r}; refusing to set "
                        f"{value!r} because allow_val_change is False (pass allow_val_change=True "
                        "to init() or to config.update())"
                    )
        if any(self._data.get(k, _MISSING) != v for k, v in incoming.items()):
            self._data.update(incoming)
            self._changed()

    def setdefaults(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Add only the keys not yet present; returns the resulting config."""
        self._check_writable()
        new = {k: v for k, v in build(dict(data)).items() if k not in self._data}
        if new:
            self._data.update(new)
            self._changed()
        return self.as_dict()

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        del self._data[key]
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.as_dict())

    # -- reading ------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self):
        return self._data.keys()

    def items(self):
        return self._data.items()

    def values(self):
        return self._data.values()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self._data == other._data
        return isinstance(other, Mapping) and self._data == dict(other)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"


_MISSING = object()
