"""Stored references (history and summary values, table cells) back into media objects."""

from __future__ import annotations

import importlib
from typing import Any

# The class each stored kind reads back into, as (module, class): imported on first use, so
# reading a history of numbers never loads Pillow or NumPy.
_CLASSES = {
    "image": (".image", "Image"),
    "audio": (".audio", "Audio"),
    "video": (".video", "Video"),
    "html": (".html", "Html"),
    "plotly": (".html", "Plotly"),
    "table": (".table", "Table"),
    "chart": (".plot", "Chart"),
    "histogram": (".histogram", "Histogram"),
}


def _class(kind: str) -> Any:
    module, name = _CLASSES[kind]
    return getattr(importlib.import_module(module, __package__), name)


def decode(value: Any, run_dir: str) -> Any:
    """The object ``value`` (a dict with ``"_type"``) describes; other values as they are."""
    if type(value) is not dict:
        return value
    kind = value.get("_type")
    if kind == "gallery":
        image = _class("image")
        return [image.from_stored(item, run_dir) for item in value.get("items", [])]
    if isinstance(kind, str) and kind in _CLASSES:
        return _class(kind).from_stored(value, run_dir)
    return value
