"""Where rich values (images, tables, histograms... of ``nbrun.media``) join ``log()`` and the
reading of runs, without the sdk importing the layer above it.

``nbrun/__init__.py`` registers the module that implements them (``register``), as it does
for plugins; it is imported only when a value that is not a plain scalar reaches ``log()``, or
when a stored run holds a media reference, so ``import nbrun`` and scalar runs load nothing
of it. That module defines:

- ``convert(value, key) -> RichValue | None``: the media value ``log()`` stores for ``value``
  (a media object, or a figure, PIL image, DataFrame, list of images...), None when it is
  none of those (``log()`` then refuses it as before);
- ``queue(run, media, step)``: hand the media values of a committed row to the background
  encoder;
- ``finishing(run)``: wait until every media value of the run is stored;
- ``decode(value, run_dir)``: the object a stored reference stands for.

A stored reference is a dict with a ``"_type"`` key; history and summary values logged as
scalars are never dicts, so a dict value is always one.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class RichValue:
    """Base of every media type: ``log()`` sends values of it to the background encoder
    instead of the history rows."""

    __slots__ = ()


_registered: str | None = None


def register(module: str) -> None:
    global _registered
    _registered = module


def _impl() -> ModuleType | None:
    return importlib.import_module(_registered) if _registered is not None else None


def convert(value: Any, key: str) -> RichValue | None:
    impl = _impl()
    return None if impl is None else impl.convert(value, key)


def take(row: dict[str, Any]) -> dict[str, RichValue]:
    """The rich values of ``row``, removed from it (which keeps its plain values)."""
    media = {k: v for k, v in row.items() if isinstance(v, RichValue)}
    for key in media:
        del row[key]
    return media


def queue(run: Any, media: dict[str, RichValue], step: int) -> None:
    """Hand the rich values of ``run``'s row at ``step`` (queued already) to the encoder."""
    impl = _impl()
    if media and impl is not None:
        impl.queue(run, media, step)


def finishing(run: Any) -> None:
    impl = _impl()
    if impl is not None:
        impl.finishing(run)


def decode_values(values: dict[str, Any], run_dir: str) -> dict[str, Any]:
    """``values`` (a summary, a history row) with each stored reference as its object."""
    if not any(type(v) is dict for v in values.values()):
        return values
    impl = _impl()
    if impl is None:
        return values
    return {k: impl.decode(v, run_dir) if type(v) is dict else v for k, v in values.items()}
