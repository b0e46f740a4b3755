"""The media endpoints: a run's media index, and pages of its stored tables.

Below ``<base_url>nbrun/api/`` (Jupyter's authentication on every request; ``store=<key>``
chooses the store when a run id is in several, as for every run endpoint):

``GET runs/<id>/media[?key=K][&kind=KIND][&since_step=N][&limit=L]``
    ``{"media": [entry...], "keys": {key: kind}, "truncated": bool}``; ``media`` in key, step,
    item order, each entry ``{"key", "step", "item", "kind", "file", "size", "meta", "time"}``:

    - ``kind``: ``image``, ``audio``, ``video``, ``html``, ``plotly``, ``table``, ``chart`` or
      ``histogram``; ``item`` numbers the images of a gallery (0 otherwise; a gallery's rows
      carry ``meta.gallery``, the number of its images);
    - ``file``: the file, relative to the run folder, served by the run-file endpoint
      ``GET runs/<id>/files/<file>`` (sandboxed; ``null`` for a histogram, held inline);
    - ``meta``: what describes it: ``sha256``; images ``width``, ``height``, ``format``,
      ``caption``, ``masks`` (``{name: {"path", "class_labels": {"id": name}}}``, each mask a
      PNG of class ids served like ``file``), ``boxes`` (``{name: {"box_data": [{"position":
      {"minX", "maxX", "minY", "maxY"} | {"middle": [x, y], "width", "height"}, "class_id",
      "box_caption"?, "scores"?, "domain"?: "pixel"}], "class_labels"}}``, fractions of the image
      unless ``domain`` is ``"pixel"``), ``classes``; audio ``sample_rate``, ``channels``,
      ``duration``; video ``width``, ``height``, ``frames``, ``fps``, ``format``; tables and
      charts ``columns``, ``rows`` and ``files`` (the media files of their cells); charts also
      ``chart`` (line, scatter, bar, histogram, line_series, confusion_matrix, roc_curve,
      pr_curve), ``fields`` (role -> column), ``title`` and ``strings``; histograms ``values``
      (the counts) and ``bins`` (their ``len(values) + 1`` edges);
    - ``time``: when it was stored (seconds since the epoch).

    ``keys`` lists every media key of the run with its latest kind (whatever the filters).
    ``since_step`` keeps steps above N (for polling a live run); ``limit`` (default and at most
    100,000) cuts the list, and ``truncated`` says so.

``GET runs/<id>/media/table?file=F[&offset=0][&limit=100][&sort=COLUMN][&order=asc|desc]
[&filter=TEXT][&filter_column=COLUMN]``
    A page of the stored table ``F`` (a ``file`` of a ``table`` or ``chart`` entry of this run):
    ``{"columns": [...], "rows": [[cell...]...], "total": rows after the filter, "rows_stored",
    "offset", "limit"}``. ``filter`` keeps rows where a cell's text (of ``filter_column``
    only, when given; a media cell's caption) contains TEXT, case-insensitively; ``sort`` orders
    them by a column (numbers before text; empty, NaN and media cells last). A media cell is its
    reference (the ``meta`` above plus ``"_type"`` and ``"path"``): an image cell's thumbnail is
    ``runs/<id>/files/<path>``. NaN and infinities are ``null``. ``limit`` is at most 1,000.

``GET runs/<id>/media/table.csv?file=F[&sort=COLUMN][&order=asc|desc][&filter=TEXT]
[&filter_column=COLUMN]``
    Every row of that table that the filter keeps, in that order, as CSV (the table viewer's
    download): a header of the columns, a media cell as its file (relative to the run folder),
    text that a spreadsheet would run as a formula guarded as in the other exports.

The history (``runs/<id>/history``, ``Api``) and the run's summary hold, for a media key, the
reference of each value: a dict with ``"_type"`` (``image``, ``audio``, ``video``, ``html``,
``plotly``, ``table``, ``chart``, ``histogram``, or ``gallery`` with ``"items"``: image
references), ``"path"``, ``"sha256"``, ``"size"`` and the ``meta`` fields above (``files``
excepted). The summary holds the newest reference already stored for each key.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import tornado.web

from ..store import mediaindex, runfiles
from ..store import history as stored_history
from . import export, params
from .errors import bad_request, not_found
from .handlers import CsvHandler, NbrunHandler
from .service import Service
from .tables import TableCache, Unreadable

KINDS = ("image", "audio", "video", "html", "plotly", "table", "chart", "histogram")
PAGE_DEFAULT, PAGE_MAX = 100, 1000
_TABLE_FILE = re.compile(r"media/tables/[0-9a-f]{32}\.table\.json")
_INTEGER = re.compile(r"[0-9]{1,18}")


def _count(query: params.Query, name: str, default: int, high: int) -> int:
    text = params.one(query, name)
    if text is None or text == "":
        return default
    if not _INTEGER.fullmatch(text) or int(text) > high:
        raise bad_request(f"{name}={text!r}: use an integer from 0 to {high:,}")
    return int(text)


def _rid(service: Service, run_id: str, query: params.Query) -> tuple[Any, int]:
    handle = service.locate(run_id, params.store_key(query))
    found = stored_history.position(handle.store, run_id)
    if found is None:
        raise not_found(f"no run {run_id!r} in store {handle.path}")
    return handle, found[0]


def media_index(service: Service, run_id: str, query: params.Query) -> dict[str, Any]:
    params.run_id(run_id)
    key = params.one(query, "key") or None
    kind = params.one(query, "kind") or None
    if kind is not None and kind not in KINDS:
        raise bad_request(f"kind={kind!r}: use one of {', '.join(KINDS)}")
    since = _count(query, "since_step", -1, 2**62) if params.one(query, "since_step") else -1
    limit = _count(query, "limit", mediaindex.MEDIA_LIST_MAX, mediaindex.MEDIA_LIST_MAX)
    handle, rid = _rid(service, run_id, query)
    rows = mediaindex.listing(handle.store, rid, key, kind, limit + 1, since_step=since)
    return {"media": rows[:limit], "keys": mediaindex.keys(handle.store, rid),
            "truncated": len(rows) > limit}


def media_table(service: Service, cache: TableCache, run_id: str, query: params.Query
                ) -> dict[str, Any]:
    offset = _count(query, "offset", 0, 10**9)
    limit = _count(query, "limit", PAGE_DEFAULT, PAGE_MAX)
    return _paged(service, cache, run_id, query, offset, limit)


def media_table_csv(service: Service, cache: TableCache, run_id: str, query: params.Query
                    ) -> str:
    page = _paged(service, cache, run_id, query, 0, None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([export.cell(str(c)) for c in page["columns"]])
    for row in page["rows"]:
        writer.writerow([export.cell(_plain(value)) for value in row])
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """A media cell (its reference) as its file; anything else as it is."""
    if isinstance(value, dict) and "_type" in value:
        return value.get("path") or value["_type"]
    return value


def _paged(service: Service, cache: TableCache, run_id: str, query: params.Query,
           offset: int, limit: int | None) -> dict[str, Any]:
    params.run_id(run_id)
    file = params.one(query, "file")
    if not file or not _TABLE_FILE.fullmatch(file):
        raise bad_request("file: give the file of a table of this run (media/tables/<digest>"
                          ".table.json, as its media entry names it)")
    sort = params.one(query, "sort") or None
    order = params.one(query, "order") or "asc"
    if order not in ("asc", "desc"):
        raise bad_request(f"order={order!r}: use asc or desc")
    text = params.one(query, "filter") or None
    column = params.one(query, "filter_column") or None
    handle, rid = _rid(service, run_id, query)
    if not mediaindex.names_file(handle.store, rid, file):
        raise not_found(f"run {run_id!r} has no table {file!r}")
    run_dir = handle.store.run_dir(run_id)
    if not runfiles.is_plain_file(run_dir, file):
        raise not_found(f"run {run_id!r} has no file {file!r}")
    try:
        return cache.page(f"{run_dir}/{file}", offset, limit, sort, order == "desc", text,
                          column)
    except KeyError as exc:
        raise bad_request(f"no column {exc.args[0]!r} in table {file!r}") from None
    except Unreadable as exc:
        raise not_found(f"table {file!r} of run {run_id!r} cannot be read: {exc}") from None


class MediaHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(media_index, self.service, run_id, self.query())


class MediaTableHandler(NbrunHandler):
    cache = TableCache()  # one per server: a parsed table serves every page of it

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(media_table, self.service, self.cache, run_id, self.query())


class MediaTableCsvHandler(CsvHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.send_csv("table.csv", media_table_csv, self.service, MediaTableHandler.cache,
                            run_id, self.query())
