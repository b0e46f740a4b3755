"""What ``log()`` stores for a value that is not a plain scalar: a media object as logged, or
the media value the contract's tracker makes of a matplotlib figure (or the pyplot module), a
plotly figure, a PIL image, a pandas DataFrame or a list of images."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .base import Media, type_name
from .gallery import Gallery
from .image import Image, is_figure, is_pil


def to_media(value: Any, key: str) -> Media | None:
    """The media value to store under ``key``, or None when ``value`` is no media at all;
    a value that looks like media but cannot be stored is a ``UsageError`` naming the key."""
    try:
        return _convert(value)
    except UsageError as exc:
        raise UsageError(f"log: key {key!r}: {exc}") from None


def _convert(value: Any) -> Media | None:
    if isinstance(value, Media):
        return value.frozen()
    module = type(value).__module__
    if is_pil(value) or is_figure(value):
        return Image(value)
    if module.startswith("plotly") and hasattr(value, "to_plotly_json"):
        from .html import Plotly

        return Plotly(value)
    if module.startswith("pandas") and type(value).__name__ == "DataFrame":
        from .table import Table

        return Table(dataframe=value)
    if isinstance(value, (list, tuple)) and value and \
            any(isinstance(v, Image) or is_pil(v) for v in value):
        items = []
        for i, item in enumerate(value):
            if isinstance(item, Image):
                items.append(item)
            elif is_pil(item):
                items.append(Image(item))
            else:
                raise UsageError(f"item {i} of the list is a {type_name(item)}; a list logged "
                                 "as a gallery holds only images (nbrun.Image or PIL images)")
        return Gallery(items)
    return None
