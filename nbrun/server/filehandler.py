"""Serving one file of a run folder (a video for the sidebar's ``<video>``): its content type
from its name, and HTTP ``Range`` requests (a browser seeks and streams video with them), by
tornado's ``StaticFileHandler`` rooted at the run's folder for each request."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Executor
from typing import Any

import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from tornado.ioloop import IOLoop

from ..errors import Error
from .errors import ApiError
from .jsonout import dumps
from .service import Service


class RunFileHandler(JupyterHandler, tornado.web.StaticFileHandler):
    def initialize(self, service: Service, executor: Executor) -> None:  # type: ignore[override]
        super().initialize(path="/")
        self.service = service
        self.executor = executor

    async def _serve(self, run_id: str, path: str, include_body: bool) -> None:
        try:
            self.root = await IOLoop.current().run_in_executor(
                self.executor, self.service.run_file, run_id, path, self.request.query_arguments)
        except ApiError as exc:
            self._reply_error(exc.status, exc.message)
            return
        except (Error, sqlite3.Error) as exc:
            self._reply_error(500, f"the store could not be read: {exc}")
            return
        await super().get(path, include_body=include_body)

    def _reply_error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(dumps({"message": message}))

    @tornado.web.authenticated
    async def get(self, run_id: str, path: str,  # type: ignore[override]
                  include_body: bool = True) -> None:
        await self._serve(run_id, path, include_body)

    @tornado.web.authenticated
    async def head(self, run_id: str, path: str) -> None:  # type: ignore[override]
        await self._serve(run_id, path, False)

    def get_login_url(self) -> str:
        # As in Jupyter's API handlers: a request without credentials is refused (403), not
        # sent to a login page.
        if not self.current_user:
            raise tornado.web.HTTPError(403)
        return super().get_login_url()

    def compute_etag(self) -> Any:
        return None  # a video is immutable, but a file rewritten in place must not be cached

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-cache")
