"""Stored references (history and summary values, table cells) back into media objects."""

from __future__ import annotations

from typing import Any


def decode(value: Any, run_dir: str) -> Any:
    """The object ``value`` (a dict with ``"_type"``) describes; other values as they are."""
    if type(value) is not dict:
        return value
    kind = value.get("_type")
    if kind == "image":
        from .image import Image

        return Image.from_stored(value, run_dir)
    if kind == "gallery":
        from .image import Image

        return [Image.from_stored(item, run_dir) for item in value.get("items", [])]
    if kind == "audio":
        from .audio import Audio

        return Audio.from_stored(value, run_dir)
    if kind == "video":
        from .video import Video

        return Video.from_stored(value, run_dir)
    if kind == "html":
        from .html import Html

        return Html.from_stored(value, run_dir)
    if kind == "plotly":
        from .html import Plotly

        return Plotly.from_stored(value, run_dir)
    if kind == "table":
        from .table import Table

        return Table.from_stored(value, run_dir)
    if kind == "chart":
        from .plot import Chart

        return Chart.from_stored(value, run_dir)
    if kind == "histogram":
        from .histogram import Histogram

        return Histogram.from_stored(value, run_dir)
    return value
