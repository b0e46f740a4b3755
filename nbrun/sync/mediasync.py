"""Sending a run's media to its MLflow server run, in the layouts of ``medialayout``.

Rows go in the order logged, a batch at a time: every file of the batch's rows is uploaded
(an artifact PUT overwrites, and every name is fixed by what the row is), then the run tags that
make MLflow's UI show them (``mlflow.loggedArtifacts`` merged with what the server run lists
already, never replaced), then the rows are marked sent in the store (``mediasent``). A syncer
stopped anywhere in between sends the unmarked rows again to the same names: nothing is
doubled on the server, nothing is skipped.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any, BinaryIO, Callable

from ..store import Store, mediasent, runfiles, syncstate
from ..store.mediasent import Row
from . import medialayout as layout
from . import senders, transport
from .client import Client, ServerError

BATCH_ROWS = 50  # rows whose tags and marks go in one round
LANES = 4  # rows uploaded at once: their network waits overlap (1.2-1.5x on loopback)
PASS_ROWS = 200  # rows a budgeted (live) pass sends before other runs get their turn
CHUNK = 1 << 20


class MediaPass:
    """One pass over the pending media rows of a run (the caller holds its lease)."""

    def __init__(self, store: Store, rid: int, client: Client, owner: str,
                 record_error: Callable[[str], None], lease_lost: Callable[[], Exception]
                 ) -> None:
        self.store, self.rid, self.client, self.owner = store, rid, client, owner
        self.record_error = record_error
        self.lease_lost = lease_lost

    def send(self, run_id: str, created_ms: int, budget: bool) -> bool:
        """Send pending rows; True when none is left (False: stopped at the budget)."""
        state = syncstate.get(self.store, self.rid)
        assert state is not None and state.server_run_id and state.experiment_id
        self.eid, self.run = state.experiment_id, state.server_run_id
        self.folder = self.store.run_dir(run_id)
        self.created_ms = created_ms
        if state.sent.get("media_run") != self.run:  # a new server run: send everything again
            mediasent.reset(self.store, self.rid)
            self._record_sent(media_run=self.run, images_tag=False)
        sent_rows = 0
        while True:
            rows = mediasent.pending(self.store, self.rid, BATCH_ROWS)
            if not rows:
                return True
            if budget and sent_rows >= PASS_ROWS:
                return False
            where: dict[int, str] = {}
            lanes = [rows[i::LANES] for i in range(min(LANES, len(rows)))]
            senders.run_together([functools.partial(self._send_rows, lane, where)
                                  for lane in lanes])
            done = [(row.rowid, where[row.rowid]) for row in rows]
            self._send_tags([where[r.rowid] for r in rows if r.kind in ("table", "chart")
                             and where[r.rowid]],
                            any(r.kind == "image" and where[r.rowid] for r in rows))
            if not mediasent.mark(self.store, self.rid, self.owner, done):
                raise self.lease_lost()
            sent_rows += len(rows)

    # -- bookkeeping --------------------------------------------------------------------------
    def _record_sent(self, **fields: Any) -> None:
        state = syncstate.get(self.store, self.rid)
        assert state is not None
        if not syncstate.update(self.store, self.rid, self.owner, sent={**state.sent, **fields}):
            raise self.lease_lost()

    def _send_tags(self, tables: list[str], images: bool) -> None:
        tags = []
        if tables:
            found = self.client.api("GET", "runs/get", params={"run_id": self.run})
            current = {t.get("key"): t.get("value") for t in
                       ((found.get("run") or {}).get("data") or {}).get("tags") or []
                       if isinstance(t, dict)}
            tags.append({"key": layout.TABLES_TAG,
                         "value": layout.merged_tables_tag(current.get(layout.TABLES_TAG),
                                                           tables)})
        state = syncstate.get(self.store, self.rid)
        images_tag = images and not (state is not None and state.sent.get("images_tag"))
        if images_tag:
            tags.append({"key": layout.IMAGES_TAG, "value": "True"})
        if tags:
            self.client.api("POST", "runs/log-batch", {"run_id": self.run, "tags": tags})
        if images_tag:
            self._record_sent(images_tag=True)

    # -- uploads ------------------------------------------------------------------------------
    def _put(self, path: str, data: bytes | transport.FileBody) -> None:
        self.client.put_artifact(self.eid, self.run, path, data)

    def _put_file(self, path: str, rel: str) -> bool:
        """Send the run-folder file ``rel`` as artifact ``path``, read in chunks; False when
        it is not there."""
        fd = runfiles.open_plain_file(self.folder, rel)
        if fd is None:
            return False
        with os.fdopen(fd, "rb", buffering=0) as handle:
            self._put(path, _body(handle))
        return True

    def _read(self, rel: str) -> bytes | None:
        fd = runfiles.open_plain_file(self.folder, rel)
        if fd is None:
            return None
        with os.fdopen(fd, "rb") as handle:
            return handle.read()

    def _send_rows(self, rows: list[Row], where: dict[int, str]) -> None:
        for row in rows:
            where[row.rowid] = self._send_row(row)

    def _send_row(self, row: Row) -> str:
        """Send one row's files; where it went ('' when nothing could be sent, said in the
        run's sync errors)."""
        try:
            if row.kind == "histogram":
                path = layout.media_path(row.key, row.step, row.item, "histogram.json")
                self._put(path, json.dumps(layout.histogram_json(row.meta)).encode())
                return path
            if row.file is None:
                return ""
            if row.kind == "image":
                return self._send_image(row)
            if row.kind in ("table", "chart"):
                return self._send_table(row)
            if row.kind == "plotly":
                return self._send_plotly(row)
            ext = row.file.rsplit("/", 1)[-1].split(".", 1)[-1]
            path = layout.media_path(row.key, row.step, row.item, ext)
            if not self._put_file(path, row.file):
                return self._skipped(row, "its file is missing from the run folder")
            return path
        except ServerError as exc:
            if exc.status is None or not 400 <= exc.status < 500:
                raise
            return self._skipped(row, f"the server refused it: {exc}")

    def _skipped(self, row: Row, why: str) -> str:
        self.record_error(f"{row.kind} {row.key!r} at step {row.step} not sent: {why}")
        return ""

    def _image_files(self, rel: str, meta: dict[str, Any], full: str, thumb: str
                     ) -> str | None:
        """Send an image file as ``full`` (PNG) and its compressed copy as ``thumb``; None
        when it could not be read, else why the copy is missing ('' when it is not)."""
        data = self._read(rel)
        if data is None:
            return None
        is_png = meta.get("format", rel.rsplit(".", 1)[-1]) == "png"
        try:
            png, small = layout.png_and_thumbnail(data, need_png=not is_png)
        except Exception as exc:  # Pillow cannot read it: the PNG alone, as stored
            if not is_png:
                return None
            png, small = None, None
            why = f"no compressed copy ({type(exc).__name__})"
        else:
            why = ""
        self._put(full, png if png is not None else data)
        if small is not None:
            self._put(thumb, small)
        return why

    def _send_image(self, row: Row) -> str:
        key = f"{row.key}/{row.item}" if row.meta.get("gallery") else row.key
        uid = layout.file_uuid(self.run, row.key, row.step, row.item,
                               str(row.meta.get("sha256", row.file)))
        full, thumb = layout.image_names(key, row.step, row.wall or self.created_ms, uid)
        why = self._image_files(row.file or "", row.meta, full, thumb)
        if why is None:
            return self._skipped(row, "its file is missing or not an image")
        if why:
            self.record_error(f"image {row.key!r} at step {row.step}: {why}")
        self._send_overlays(row)
        return full

    def _send_overlays(self, row: Row) -> None:
        """Masks, boxes and the caption, which MLflow's image layout has no place for: the
        masks as PNG artifacts beside a JSON description, under ``media/<key>/``."""
        keep = {k: row.meta[k] for k in ("caption", "boxes", "masks", "classes")
                if row.meta.get(k)}
        if not keep:
            return
        masks = {}
        for name, mask in (keep.get("masks") or {}).items():
            path = layout.media_path(row.key, row.step, row.item,
                                     f"mask-{layout.safe_key(str(name)).replace('/', '_')}.png")
            if self._put_file(path, mask.get("path", "")):
                masks[name] = {**mask, "path": path}
        if masks:
            keep["masks"] = masks
        self._put(layout.media_path(row.key, row.step, row.item, "image.json"),
                  json.dumps(keep, allow_nan=False).encode())

    def _send_table(self, row: Row) -> str:
        path = layout.table_path(row.key, row.step)
        rel = row.file or ""
        fd = runfiles.open_plain_file(self.folder, rel)
        if fd is None:
            return self._skipped(row, "its file is missing from the run folder")
        with os.fdopen(fd, "rb") as handle:
            rewrite = layout.needs_rewrite(iter(lambda: handle.read(CHUNK), b""))
            handle.seek(0)
            if not rewrite:
                self._put(path, _body(handle))
                return path
            try:
                stored = json.load(handle)
            except ValueError as exc:
                return self._skipped(row, f"its file is not a table ({exc})")
        cells: dict[str, Any] = {}
        body = layout.table_json(stored, lambda d: self._table_cell(path, d, cells))
        self._put(path, body)
        return path

    def _table_cell(self, table: str, desc: dict[str, Any], cells: dict[str, Any]) -> Any:
        """A media cell as ``mlflow.log_table`` writes one: its file sent once per table."""
        kind, rel = desc.get("_type"), desc.get("path")
        if kind == "histogram":
            return layout.histogram_json(desc)
        if not isinstance(rel, str) or not rel:
            return None
        if rel not in cells:
            name = f"{layout.table_files_dir(table)}/{rel.rsplit('/', 1)[-1].split('.')[0]}"
            if kind == "image":
                full, thumb = name + ".png", name + ".webp"
                why = self._image_files(rel, desc, full, thumb)
                cells[rel] = None if why is None else \
                    {"type": "image", "filepath": full,
                     **({"compressed_filepath": thumb} if not why else {})}
            else:
                target = name + "." + rel.rsplit("/", 1)[-1].split(".", 1)[-1]
                cells[rel] = {"type": kind, "filepath": target} \
                    if self._put_file(target, rel) else None
        return cells[rel]

    def _send_plotly(self, row: Row) -> str:
        data = self._read(row.file or "")
        if data is None:
            return self._skipped(row, "its file is missing from the run folder")
        path = layout.media_path(row.key, row.step, row.item, "html")
        self._put(path, layout.plotly_html(data))
        return path


def _body(handle: BinaryIO) -> bytes | transport.FileBody:
    """An open file as a request body: its size as it is now, read in chunks, rewound for
    each try."""
    size = os.fstat(handle.fileno()).st_size
    handle.seek(0)
    return transport.FileBody(handle, size) if size else b""


def pending(store: Store, rid: int) -> int:
    """Media rows of ``rid`` not yet on its server."""
    return mediasent.count_pending(store, rid)
