"""The REST handlers: thin tornado wrappers that run a ``Service`` method on a worker thread
(SQLite reads and writes must not block the server's event loop) and reply in JSON."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Executor
from typing import Any, Callable

import tornado.web
from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop

from ..errors import Error
from . import export
from .errors import ApiError
from .filehandler import RunFileHandler
from .jsonout import dumps
from .service import Service


class NbrunHandler(APIHandler):
    def initialize(self, service: Service, executor: Executor) -> None:
        self.service = service
        self.executor = executor

    def query(self) -> dict[str, list[bytes]]:
        return self.request.query_arguments

    async def respond(self, work: Callable[..., Any], *args: Any, status: int = 200) -> None:
        """Run ``work(*args)`` off the event loop; reply with its result as JSON, or with
        ``{"message": ...}`` and the error's status."""
        try:
            result = await IOLoop.current().run_in_executor(self.executor, work, *args)
        except ApiError as exc:
            self.reply_error(exc.status, exc.message)
            return
        except (Error, sqlite3.Error) as exc:  # e.g. a store of a newer schema, a corrupt file
            self.log.warning("nbrun: %s", exc)
            self.reply_error(500, f"the store could not be read: {exc}")
            return
        self.set_status(status)
        if status == 204:
            self.finish()
        else:
            self.finish(dumps(result))

    def reply_error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(dumps({"message": message}))


class StoresHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.respond(self.service.stores)


class CellDirHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(self.service.cell_dir, run_id, self.query())


class RunsHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.respond(self.service.list_runs, self.query())


class KeysHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.respond(self.service.keys, self.query())


class RunHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(self.service.run_detail, run_id, self.query())

    @tornado.web.authenticated
    async def patch(self, run_id: str) -> None:
        await self.respond(self.service.edit, run_id, self.query(), self.request.body)

    @tornado.web.authenticated
    async def delete(self, run_id: str) -> None:
        await self.respond(self.service.delete, run_id, self.query(), status=204)


class HistoryHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(self.service.run_history, run_id, self.query())


class CsvHandler(NbrunHandler):
    """A CSV download (``text/csv``, as an attachment named after what it holds)."""

    async def send_csv(self, filename: str, work: Callable[..., str], *args: Any) -> None:
        try:
            text = await IOLoop.current().run_in_executor(self.executor, work, *args)
        except ApiError as exc:
            self.reply_error(exc.status, exc.message)
            return
        except (Error, sqlite3.Error) as exc:
            self.log.warning("nbrun: %s", exc)
            self.reply_error(500, f"the store could not be read: {exc}")
            return
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.finish(text)


class RunsCsvHandler(CsvHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.send_csv("runs.csv", export.runs_csv, self.service, self.query())


class HistoryCsvHandler(CsvHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        # The id is checked (by locate) before it is used; the file name keeps only safe
        # characters of it.
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id)[:80]
        await self.send_csv(f"history-{safe}.csv", export.history_csv, self.service, run_id,
                            self.query())


class StateHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(self.service.run_state, run_id, self.query())

    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        await self.respond(self.service.set_state, run_id, self.query(), self.request.body)


class BadRunPathHandler(NbrunHandler):
    """Any other path under ``runs/`` names no run: ``runs/../x``, ``runs//etc/passwd``.
    The rest of it is checked as a run id so the reply says why it was refused (400)."""

    async def _refuse(self, rest: str) -> None:
        await self.respond(self.service.refuse_path, rest)

    @tornado.web.authenticated
    async def get(self, rest: str) -> None:
        await self._refuse(rest)

    @tornado.web.authenticated
    async def patch(self, rest: str) -> None:
        await self._refuse(rest)

    @tornado.web.authenticated
    async def post(self, rest: str) -> None:
        await self._refuse(rest)

    @tornado.web.authenticated
    async def delete(self, rest: str) -> None:
        await self._refuse(rest)


ID = r"(?P<run_id>[^/]+)"


def routes(service: Service, executor: Executor) -> list[tuple[str, type, dict[str, Any]]]:
    """Paths below ``<base_url>nbrun/api/``; the first that matches wins."""
    from .media import (  # they build on this module's handlers
        MediaHandler, MediaTableCsvHandler, MediaTableHandler)

    kwargs = {"service": service, "executor": executor}
    return [
        (f"runs/{ID}/files/(?P<path>.+)", RunFileHandler, kwargs),
        (f"runs/{ID}/media", MediaHandler, kwargs),
        (f"runs/{ID}/media/table", MediaTableHandler, kwargs),
        (f"runs/{ID}/media/table\\.csv", MediaTableCsvHandler, kwargs),
        ("stores", StoresHandler, kwargs),
        ("runs", RunsHandler, kwargs),
        ("keys", KeysHandler, kwargs),
        ("export/runs.csv", RunsCsvHandler, kwargs),
        (f"runs/{ID}/history", HistoryHandler, kwargs),
        (f"runs/{ID}/history\\.csv", HistoryCsvHandler, kwargs),
        (f"runs/{ID}/state", StateHandler, kwargs),
        (f"runs/{ID}/cell-dir", CellDirHandler, kwargs),
        (f"runs/{ID}", RunHandler, kwargs),
        ("runs/(?P<rest>.+)", BadRunPathHandler, kwargs),
    ]
