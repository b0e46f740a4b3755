"""Loading the extension into a running Jupyter server: config, store registry, routes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.utils import url_path_join

from .config import NbrunServerConfig
from . import artifact_handlers
from .handlers import routes
from .registry import StoreRegistry
from .service import Service

WORKERS = 4  # SQLite reads in WAL mode run in parallel; a few threads keep the loop free


def load(serverapp: Any) -> None:
    config = NbrunServerConfig(parent=serverapp)
    executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="nbrun-server")
    registry = StoreRegistry(serverapp.root_dir, config, executor)
    service = Service(registry)
    web_app = serverapp.web_app
    base = url_path_join(web_app.settings["base_url"], "nbrun", "api")
    handlers = [(url_path_join(base, path), cls, kwargs)
                for path, cls, kwargs in [*artifact_handlers.routes(service, executor),
                                          *routes(service, executor)]]
    web_app.add_handlers(".*$", handlers)
    serverapp.log.info("nbrun: server extension loaded; stores under %s (depth %d)%s",
                       registry.root_dir, config.search_depth,
                       f" and {config.store_paths}" if config.store_paths else "")
