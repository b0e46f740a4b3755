"""A list of images logged under one key at one step (a gallery)."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .base import Media
from .image import Image

MAX_ITEMS = 1_000


class Gallery(Media):
    kind = "gallery"

    def __init__(self, images: list[Image]) -> None:
        if len(images) > MAX_ITEMS:
            raise UsageError(f"a gallery of {len(images):,} images; at most {MAX_ITEMS:,} at "
                             "one step (log a Table with an image column for more)")
        self.images = list(images)

    @property
    def nbytes(self) -> int:
        return sum(img.nbytes for img in self.images)

    def cache_key(self) -> bytes | None:
        return None

    def serialize(self, files: Any) -> dict[str, Any]:
        return {"_type": "gallery", "items": [img.serialize(files) for img in self.images]}
