"""How a run file is served, from its name alone (a fixed table, not the system's MIME
database): a known image, audio or video type inline (the sidebar plays videos), HTML and SVG
inline but sandboxed by the handler, text as ``text/plain``, anything else as a download."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote

MEDIA = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "svg": "image/svg+xml",
    "wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg",
    "mp4": "video/mp4", "webm": "video/webm",
    "html": "text/html", "htm": "text/html",
}
# Shown as plain text whatever they hold: a browser renders none of them as a page.
TEXT = frozenset({"txt", "log", "json", "jsonl", "csv", "tsv", "yaml", "yml", "md", "py",
                  "ipynb", "toml", "cfg", "ini"})
PLAIN = "text/plain; charset=utf-8"
DOWNLOAD = "application/octet-stream"


class Served(NamedTuple):
    content_type: str
    disposition: str | None  # a Content-Disposition header, None to show the file inline


def served_as(path: str) -> Served:
    """How the run file at ``path`` (``/``-separated) is sent to a browser."""
    name = path.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in MEDIA:
        return Served(MEDIA[ext], None)
    if ext in TEXT:
        return Served(PLAIN, None)
    return Served(DOWNLOAD, attachment(name))


def attachment(name: str) -> str:
    """``Content-Disposition`` for a download named ``name`` (RFC 6266: an ASCII fallback and
    the UTF-8 name)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
