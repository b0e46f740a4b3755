"""The known stores: found by a search that is reused for a few seconds, each with its
``Store`` (whose per-thread connections stay open) and its throttled crash detection."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field

from ..store import Store, search
from ..store.location import store_key
from . import discovery
from .config import NbrunServerConfig
from .errors import bad_request, gone, not_found

KEY_RE = re.compile(r"[0-9a-f]{12}")
RESCAN_FLOOR_S = 0.25  # an unknown key forces a new search at most this often
TAGS_TTL_S = 5.0  # tags set by a running notebook show up in the filter choices within this

log = logging.getLogger(__name__)


@dataclass
class StoreHandle:
    key: str
    path: str  # as shown: relative to the root folder when inside it
    store: Store
    _reaped_at: float = field(default=0.0, repr=False)
    _reap_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tags: dict[bool, tuple[tuple[int, int], float, list[str]]] = field(default_factory=dict,
                                                                          repr=False)

    def tags(self, include_hidden: bool) -> list[str]:
        """Every tag of the store, for the filter choices. Collecting them reads every run
        (~10 ms for 10,000), so the list is reused until a run is added or deleted, or for
        TAGS_TTL_S at most, so tags edited in a notebook appear too."""
        token = search.change_token(self.store)
        cached = self._tags.get(include_hidden)
        now = time.monotonic()
        if cached is not None and cached[0] == token and now - cached[1] < TAGS_TTL_S:
            return cached[2]
        found = search.all_tags(self.store, include_hidden)
        self._tags[include_hidden] = (token, now, found)
        return found

    def vanished(self) -> bool:
        """The store's database was deleted (or moved away) since it was opened; an open
        connection would go on reading the deleted file, so this looks at the path."""
        return not os.path.exists(self.store.db_path)

    def changed(self) -> None:
        """Forget cached facts after this server changed the store."""
        self._tags.clear()

    def reap_if_due(self, every: float) -> None:
        """Crash detection costs a process-table look-up per running run: do it at most every
        ``every`` seconds per store, however many requests come."""
        now = time.monotonic()
        if now - self._reaped_at < every or not self._reap_lock.acquire(blocking=False):
            return
        try:
            self._reaped_at = now
            self.store.reap()
        finally:
            self._reap_lock.release()


class StoreRegistry:
    def __init__(self, root_dir: str, config: NbrunServerConfig,
                 executor: Executor | None = None) -> None:
        self.root_dir = os.path.realpath(root_dir)
        self.config = config
        self._executor = executor
        self._handles: dict[str, StoreHandle] = {}  # every store seen, so connections persist
        self._current: list[StoreHandle] | None = None
        self._scanned_at = 0.0
        self._lock = threading.Lock()
        self._refreshing = False
        self._gone: dict[str, str] = {}  # key -> path of each store deleted while served

    # -- the search ------------------------------------------------------------------------
    def _scan(self) -> list[StoreHandle]:
        cfg = self.config
        paths = discovery.search(self.root_dir, cfg.search_depth, cfg.max_folders)
        enclosing = discovery.enclosing_store(self.root_dir) if cfg.search_upward else None
        paths += [enclosing] if enclosing else []
        paths += discovery.extra_stores(cfg.store_paths, self.root_dir)
        handles: dict[str, StoreHandle] = {}
        for path in paths:
            key = store_key(path)
            if key in handles:
                continue
            handle = self._handles.get(key)
            if handle is None:
                try:
                    store = Store(os.path.dirname(path))
                except Exception as exc:  # vanished since the search; found next time
                    log.debug("nbrun: skipping store %s: %s", path, exc)
                    continue
                handle = StoreHandle(key, discovery.display_path(path, self.root_dir), store)
            handles[key] = handle
        with self._lock:
            for handle in self._current or ():
                if handle.key not in handles and handle.vanished():
                    self._gone[handle.key] = handle.path
                    self._handles.pop(handle.key, None)
            for key in handles:  # a store made again where a deleted one was
                self._gone.pop(key, None)
            self._handles.update(handles)
            self._current = sorted(handles.values(), key=lambda h: h.path)
            self._scanned_at = time.monotonic()
            return self._current

    def _refresh_in_background(self) -> None:
        try:
            self._scan()
        except Exception:  # the next request searches again
            log.exception("nbrun: store search failed")
        finally:
            self._refreshing = False

    def stores(self) -> list[StoreHandle]:
        """The stores found, searching again when the last search is older than
        ``cache_seconds``. A stale list is served at once while a new search runs in the
        background, so a large root folder never slows a sidebar poll down."""
        with self._lock:
            current = self._current
            age = time.monotonic() - self._scanned_at
            if current is not None and any(h.vanished() for h in current):
                current = self._current = self._drop_vanished(current)
            if current is not None and age < self.config.cache_seconds:
                return current
            background = (current is not None and self._executor is not None
                          and self.config.cache_seconds > 0)
            if background:
                if not self._refreshing:
                    self._refreshing = True
                    self._executor.submit(self._refresh_in_background)
                return current
        return self._scan()

    def _drop_vanished(self, handles: list[StoreHandle]) -> list[StoreHandle]:
        kept = []
        for handle in handles:
            if handle.vanished():
                self._gone[handle.key] = handle.path
                self._handles.pop(handle.key, None)
                log.info("nbrun: store %s was deleted; no longer served", handle.path)
            else:
                kept.append(handle)
        return kept

    def gone(self) -> dict[str, str]:
        """key -> path of each store deleted while this server served it."""
        with self._lock:
            return dict(self._gone)

    def get(self, key: str) -> StoreHandle:
        """The store with this key (400 if malformed, 404 if unknown)."""
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            raise bad_request(f"store={key!r} is not a store key (12 lower-case hex digits); "
                              "GET /nbrun/api/stores lists them")
        for handle in self.stores():
            if handle.key == key:
                return handle
        # A store created since the last search is found by searching now.
        if time.monotonic() - self._scanned_at >= RESCAN_FLOOR_S:
            for handle in self._scan():
                if handle.key == key:
                    return handle
        if key in self._gone:
            raise gone(f"the store at {self._gone[key]} was deleted (or moved) while it was "
                       "shown; its runs are no longer listed")
        raise not_found(f"no store with key {key!r}; GET /nbrun/api/stores lists them")
