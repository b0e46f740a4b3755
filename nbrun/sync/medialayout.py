"""Where and in what form a media value of nbrun goes on an MLflow server: the layouts MLflow's
own client writes, so MLflow's UI shows them (read from MLflow's client and UI source).

- An image at a step (``MlflowClient.log_image(key=, step=)``): two artifacts in ``images/``,
  ``<key>+step+<step>+timestamp+<ms>+<uuid>.png`` and the same name ending
  ``+compressed.webp`` (a copy at most 256 pixels a side), the key's ``/`` written ``~``; and the
  run tag ``mlflow.loggedImages``, without which the UI does not look for images. The UI takes
  the key, step and time from the file name and shows a step slider per key.
- A table (``mlflow.log_table``): a JSON artifact ``{"columns": [...], "data": [[...]]}`` (pandas'
  "split" form), image cells as ``{"type": "image", "filepath", "compressed_filepath"}`` of files
  under ``table_images/<table path without .json>/``, and the table listed in the run tag
  ``mlflow.loggedArtifacts`` (a JSON list of ``{"path", "type": "table"}``), where the UI finds
  tables.
- Everything else: plain artifacts under ``media/<key>/``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import uuid
from typing import Any, Callable, Iterable

IMAGES_TAG = "mlflow.loggedImages"
TABLES_TAG = "mlflow.loggedArtifacts"
MAX_TAG_VALUE = 8000  # the server cuts longer tag values, which would leave broken JSON
THUMB_SIDE = 256  # MLflow's compressed copy fits in a 256-pixel square
_SAFE = re.compile(r"[A-Za-z0-9_\-. /]+")  # what MLflow's client takes in an image key
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. /]")
_NAMESPACE = uuid.UUID("5d0c7e5e-4a7b-4d47-9a55-2f5a5b7e0c11")
_STEP_PATH = re.compile(r"tables/(.+)/step-(-?\d+)\.json")


def safe_key(key: str) -> str:
    """``key`` as a path inside the run's artifacts: itself when MLflow's client would take it
    as an image key and it names no '.'/'..' folder, else a cleaned form ending in a hash of it
    (so two keys never share a path)."""
    parts = key.split("/")
    if _SAFE.fullmatch(key) and len(key) <= 200 and all(p.strip(" .") for p in parts):
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    clean = "/".join(p if p.strip(" .") else "_" for p in _UNSAFE.sub("_", key).split("/"))
    return f"{clean[:150]}-h{digest}"


def file_uuid(server_run: str, key: str, step: int, item: int, digest: str) -> str:
    """The uuid part of an image's name: fixed by what the image is, so sending it again
    after a kill overwrites the same files instead of adding a second image at that step."""
    return str(uuid.uuid5(_NAMESPACE, f"{server_run}\0{key}\0{step}\0{item}\0{digest}"))


def image_names(key: str, step: int, ms: int, uid: str) -> tuple[str, str]:
    """(full image, compressed copy) artifact paths of an image logged at a step."""
    base = f"images/{safe_key(key).replace('/', '~')}+step+{step}+timestamp+{ms}+{uid}"
    return base + ".png", base + "+compressed.webp"


def table_path(key: str, step: int) -> str:
    return f"tables/{safe_key(key)}/step-{step}.json"


def table_files_dir(path: str) -> str:
    """Where the image cells of table ``path`` go (as ``mlflow.log_table`` puts them)."""
    return "table_images/" + path[:-len(".json")]


def media_path(key: str, step: int, item: int, ext: str) -> str:
    suffix = f"-{item}" if item else ""
    return f"media/{safe_key(key)}/step-{step}{suffix}.{ext}"


# -- images ----------------------------------------------------------------------------------

def png_and_thumbnail(data: bytes, need_png: bool) -> tuple[bytes | None, bytes | None]:
    """(the image as PNG when ``need_png``, else None; its compressed WebP copy, None when it
    cannot be made)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        png = None
        if need_png:
            buf = io.BytesIO()
            _plain(img).save(buf, format="PNG")
            png = buf.getvalue()
        try:
            small = _plain(img)
            # Scaled to fill the 256-pixel square as MLflow's copy is (the UI shows it at its
            # size): small images grow, with whole pixels, so a 28x28 digit stays sharp.
            width, height = small.size
            scale = THUMB_SIDE / max(width, height)
            small = small.resize((max(1, int(width * scale)), max(1, int(height * scale))),
                                 Image.Resampling.NEAREST if scale > 1 else
                                 Image.Resampling.BICUBIC)
            buf = io.BytesIO()
            small.save(buf, format="WEBP")
            return png, buf.getvalue()
        except (OSError, ValueError):  # a Pillow built without WebP: the UI uses the PNG
            return png, None


def _plain(img: Any) -> Any:
    if img.mode in ("RGB", "RGBA", "L", "LA"):
        return img
    has_alpha = img.mode in ("PA", "La") or "transparency" in img.info
    return img.convert("RGBA" if has_alpha else "RGB")


# -- tables ----------------------------------------------------------------------------------

_REWRITE_TOKENS = (b"NaN", b"Infinity", b'"_type"')


def needs_rewrite(chunks: Iterable[bytes]) -> bool:
    """Whether a stored table holds what MLflow's form lacks (NaN or infinities, which are not
    JSON, or media cells); else its file is sent as it is. A token inside a string only costs
    a rewrite that changes nothing."""
    tail = b""
    for chunk in chunks:
        text = tail + chunk
        if any(token in text for token in _REWRITE_TOKENS):
            return True
        tail = text[-8:]
    return False


def table_json(stored: dict[str, Any], cell: Callable[[dict[str, Any]], Any]) -> bytes:
    """A stored table (``{"columns", "data"}``) in ``mlflow.log_table``'s form: NaN and
    infinities as null (as pandas writes them), each media cell as ``cell(descriptor)``."""
    rows = []
    for row in stored.get("data", []):
        rows.append([_cell(v, cell) for v in row])
    return json.dumps({"columns": stored.get("columns", []), "data": rows}, allow_nan=False,
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8",
                                                                         "surrogatepass")


def _cell(value: Any, cell: Callable[[dict[str, Any]], Any]) -> Any:
    if type(value) is float and (math.isnan(value) or math.isinf(value)):
        return None
    if type(value) is dict and "_type" in value:
        return cell(value)
    return value


def histogram_json(meta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "histogram", "values": meta.get("values", []),
            "bins": meta.get("bins", [])}


def merged_tables_tag(current: str | None, paths: list[str]) -> str:
    """The ``mlflow.loggedArtifacts`` value listing ``paths`` besides what it lists already
    (whoever put it there). Past the server's length limit, which would cut the JSON, older
    steps of a table key leave the list first (the newest of each key stays); the files stay
    on the server."""
    try:
        entries = json.loads(current) if current else []
    except ValueError:
        entries = []
    if not isinstance(entries, list):
        entries = []
    for path in paths:
        entry = {"path": path, "type": "table"}
        if entry not in entries:
            entries.append(entry)
    while len(json.dumps(entries)) > MAX_TAG_VALUE:
        drop = _oldest_droppable(entries)
        if drop is None:
            break
        del entries[drop]
    return json.dumps(entries)


def _oldest_droppable(entries: list[Any]) -> int | None:
    """The index of the lowest step of a table key that has a newer one listed, else of our
    oldest table; None when only entries made by others are left."""
    ours: dict[str, list[tuple[int, int]]] = {}
    for i, entry in enumerate(entries):
        found = _STEP_PATH.fullmatch(entry.get("path", "")) if isinstance(entry, dict) else None
        if found:
            ours.setdefault(found.group(1), []).append((int(found.group(2)), i))
    older = [min(steps) for steps in ours.values() if len(steps) > 1]
    if older:
        return min(older, key=lambda s: (s[0], s[1]))[1]
    remaining = sorted(i for steps in ours.values() for _, i in steps)
    return remaining[0] if len(remaining) > 1 else None


# -- plotly ----------------------------------------------------------------------------------

PLOTLY_JS = "https://cdn.plot.ly/plotly-2.35.2.min.js"


def plotly_html(figure_json: bytes) -> bytes:
    """A plotly figure's JSON as the HTML page ``mlflow.log_figure`` writes for one (plotly.js
    from its CDN), which MLflow's artifact viewer shows."""
    text = figure_json.decode("utf-8", "replace").strip() or "{}"
    # Inside <script>: no "</" may end it early, and U+2028/9 end a JavaScript line.
    safe = (text.replace("</", "<\\/").replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029"))
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<script src=\"{PLOTLY_JS}\"></script></head><body style=\"margin:0\">"
            "<div id=\"figure\" style=\"width:100%;height:100vh\"></div><script>"
            f"var figure = {safe};\nPlotly.newPlot(\"figure\", figure.data || [], "
            "figure.layout || {}, {responsive: true});</script></body></html>\n").encode()
