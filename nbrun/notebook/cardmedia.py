"""What the run card shows of a run's media: per key, its newest image (or gallery) as image
bytes, a table's first rows, a histogram's bars, and a line for the other kinds. Read from what
the encoder committed (``sdk.media.latest``), never from ``log()``."""

from __future__ import annotations

import io
from typing import Any

from ..sdk.media import latest, table_head
from ..sdk.run import store_and_rid

MAX_KEYS = 12
MAX_IMAGES = 8  # of a gallery
TABLE_ROWS = 5
IMAGE_MAX_BYTES = 256 << 10  # a larger image is sent as a thumbnail
THUMB_SIDE = 320


def media_entries(run: Any) -> tuple[tuple, list[dict[str, Any]]]:
    """A signature of the newest media (unchanged while nothing new was stored) and the card's
    entries for them, in key order."""
    store, rid = store_and_rid(run)
    found = latest(run.dir, store, rid)
    signature = tuple((m["key"], m["step"], m["item"], m["file"]) for m in found)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for entry in found:
        by_key.setdefault(entry["key"], []).append(entry)
    return signature, [_entry(key, rows) for key, rows in list(by_key.items())[:MAX_KEYS]]


def _entry(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = rows[0]
    meta, kind = first["meta"], first["kind"]
    out: dict[str, Any] = {"key": key, "kind": kind, "step": first["step"], "label": ""}
    if kind == "image":
        out["images"] = [_image(row) for row in rows[:MAX_IMAGES]]
        if len(rows) > MAX_IMAGES:
            out["label"] = f"{len(rows)} images, {MAX_IMAGES} shown"
    elif kind in ("table", "chart") and first["local_path"]:
        try:
            columns, head = table_head(first["local_path"], TABLE_ROWS)
        except (OSError, ValueError, KeyError):
            columns, head = meta.get("columns", []), []
        out["columns"] = [str(c) for c in columns]
        out["rows"] = [[_cell(v) for v in row] for row in head]
        out["label"] = f"{meta.get('rows', len(head)):,} rows" + (
            f" · {meta.get('chart')} chart" if kind == "chart" else "")
    elif kind == "histogram":
        out["values"], out["bins"] = meta.get("values", []), meta.get("bins", [])
    else:
        out["label"] = _describe(kind, meta)
    return out


def _image(row: dict[str, Any]) -> dict[str, Any]:
    meta = row["meta"]
    data = b""
    path = row["local_path"]
    if path:
        try:
            with open(path, "rb") as fh:
                data = fh.read(IMAGE_MAX_BYTES + 1)
            if len(data) > IMAGE_MAX_BYTES:
                data = _thumbnail(path)
        except OSError:
            data = b""
    return {"data": data, "caption": meta.get("caption") or "",
            "width": meta.get("width"), "height": meta.get("height"),
            "format": meta.get("format", "png"), "boxes": meta.get("boxes", {})}


def _thumbnail(path: str) -> bytes:
    from PIL import Image as PILImage

    with PILImage.open(path) as img:
        img.thumbnail((THUMB_SIDE, THUMB_SIDE))
        buf = io.BytesIO()
        img.convert("RGBA").save(buf, format="PNG")
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        caption = value.get("caption")
        return f"[{value.get('_type', 'media')}{': ' + caption if caption else ''}]"
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)[:80]


def _describe(kind: str, meta: dict[str, Any]) -> str:
    if kind == "audio":
        return f"audio · {meta.get('duration', 0):.2f} s · {meta.get('sample_rate', '?')} Hz"
    if kind == "video":
        return f"video · {meta.get('format', '')} · {meta.get('frames', '?')} frames"
    return kind
