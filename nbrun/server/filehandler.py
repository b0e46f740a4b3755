"""Serving one file of a run folder (a video for the sidebar's ``<video>``, an image, a log):
from the descriptor the service opened without following any link (never from the path again,
which could have been swapped for a link meanwhile), with HTTP ``Range`` requests (a browser
seeks and streams video with them), and sandboxed so that nothing in it runs as Jupyter's
origin."""

from __future__ import annotations

import re
import sqlite3
from concurrent.futures import Executor
from typing import BinaryIO, Callable

import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from tornado.ioloop import IOLoop
from tornado.iostream import StreamClosedError

from ..errors import Error
from .errors import ApiError
from .filetypes import served_as
from .jsonout import dumps
from .service import Service

CHUNK = 64 * 1024
UNSATISFIABLE = (-1, -1)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` (end exclusive) that a ``Range`` header asks of ``size`` bytes;
    ``UNSATISFIABLE`` for a range past the end; None to send the whole file (no header, or
    one this handler does not serve a part for: several ranges, another unit, last < first)."""
    found = _RANGE.fullmatch((header or "").strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.groups()
    if first == "":  # the last n bytes
        n = int(last)
        return (max(size - n, 0), size) if n > 0 and size > 0 else UNSATISFIABLE
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(int(last) + 1, size) if last else size


class RunFileHandler(JupyterHandler):
    def initialize(self, service: Service, executor: Executor) -> None:
        self.service = service
        self.executor = executor

    @property
    def content_security_policy(self) -> str:
        # As Jupyter's own /files/ handler does (it adds "sandbox allow-scripts"), and without
        # scripts at all: an HTML or SVG run file gets a unique origin, so it can read no
        # cookie and call no API of this server.
        return super().content_security_policy + "; sandbox"

    @tornado.web.authenticated
    async def get(self, run_id: str, path: str) -> None:
        await self._serve(run_id, path, include_body=True)

    @tornado.web.authenticated
    async def head(self, run_id: str, path: str) -> None:
        await self._serve(run_id, path, include_body=False)

    def get_login_url(self) -> str:
        # As in Jupyter's API handlers: a request without credentials is refused (403), not
        # sent to a login page.
        if not self.current_user:
            raise tornado.web.HTTPError(403)
        return super().get_login_url()

    def compute_etag(self) -> None:
        return None  # a file rewritten in place must not be answered "not modified"

    async def _serve(self, run_id: str, path: str, include_body: bool) -> None:
        query = self.request.query_arguments
        await self.serve_opened(lambda: (self.service.run_file(run_id, path, query), path),
                                include_body)

    async def serve_opened(self, opener: Callable[[], tuple[int, str]], include_body: bool
                           ) -> None:
        """Serve what ``opener`` (run on a worker thread) opens: ``(descriptor, path)``, the
        path giving the content type."""
        try:
            fd, path = await IOLoop.current().run_in_executor(self.executor, opener)
        except ApiError as exc:
            self._reply_error(exc.status, exc.message)
            return
        except (Error, sqlite3.Error) as exc:
            self._reply_error(500, f"the store could not be read: {exc}")
            return
        with open(fd, "rb") as fh:
            await self._send(fh, path, include_body)

    async def _send(self, fh: BinaryIO, path: str, include_body: bool) -> None:
        size = fh.seek(0, 2)
        served = served_as(path)
        self.set_header("Content-Type", served.content_type)
        self.set_header("X-Content-Type-Options", "nosniff")  # even if settings say otherwise
        if served.disposition is not None:
            self.set_header("Content-Disposition", served.disposition)
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("Cache-Control", "no-cache")
        span = byte_range(self.request.headers.get("Range"), size)
        if span == UNSATISFIABLE:
            self.set_status(416)
            self.set_header("Content-Type", "text/plain")
            self.set_header("Content-Range", f"bytes */{size}")
            self.finish()
            return
        start, end = span or (0, size)
        if (start, end) != (0, size):
            self.set_status(206)
            self.set_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        self.set_header("Content-Length", end - start)
        if include_body:
            fh.seek(start)
            left = end - start
            try:
                while left > 0:
                    chunk = fh.read(min(CHUNK, left))
                    if not chunk:  # cut short meanwhile: the connection ends early
                        break
                    left -= len(chunk)
                    self.write(chunk)
                    await self.flush()
            except StreamClosedError:
                return  # the browser stopped reading (a seek, a closed tab)
        self.finish()

    def _reply_error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(dumps({"message": message}))
