"""What each endpoint does, as plain synchronous functions over the known stores (the handlers
run them on a worker thread). Every input is checked first; failures are ``ApiError``."""

from __future__ import annotations

import heapq
import logging
import sqlite3
import time
from typing import Any

from ..errors import Error
from ..store import actions, lineage, mediaindex, metricdefs, runfiles, search, staleness
from ..store import alerts as stored_alerts
from ..store import syncstate
from ..store import history as stored_history
from ..store.database import STALE_AFTER_S
from ..store.fields import as_json
from ..store.filters import RunFilter
from ..store.records import summary_of
from . import cellstore, history, keystats, params, system
from .errors import ApiError, bad_request, conflict, not_found
from .registry import StoreHandle, StoreRegistry

log = logging.getLogger(__name__)

KEYS_TTL_S = 5.0  # a config key added by a running notebook shows up within this


class Service:
    def __init__(self, registry: StoreRegistry) -> None:
        self.registry = registry
        # Collecting the keys walks every config (~0.2 s for 10,000 runs): kept per store and
        # project until the store changes, or for KEYS_TTL_S at most.
        self._keys: dict[tuple[str, str | None], tuple[tuple, float, dict[str, Any]]] = {}

    @property
    def reap_seconds(self) -> float:
        return self.registry.config.reap_seconds

    # -- stores ------------------------------------------------------------------------------
    def stores(self) -> dict[str, Any]:
        out = []
        for handle in self.registry.stores():
            entry: dict[str, Any] = {"key": handle.key, "path": handle.path}
            try:
                entry["runs"] = search.count_visible(handle.store)
            except Exception as exc:  # a broken store is shown with its error, not hidden
                entry["runs"] = None
                entry["error"] = str(exc)
            out.append(entry)
        return {"stores": out}

    def cell_dir(self, run_id: str, query: params.Query) -> dict[str, Any]:
        """The ``dir`` a ``%%runinit`` cell for this run must name when written into
        ``notebook`` (null: the store the notebook's kernel writes to anyway)."""
        handle = self.locate(run_id, params.store_key(query))
        return cellstore.cell_dir(handle.store.root, self.registry.root_dir,
                                  params.one(query, "notebook"))

    def _chosen(self, key: str | None) -> list[StoreHandle]:
        return [self.registry.get(key)] if key is not None else self.registry.stores()

    # -- listing -----------------------------------------------------------------------------
    def list_runs(self, query: params.Query) -> dict[str, Any]:
        lq = params.list_query(query)
        group = lq.group
        sort = lq.sort.after(group) if group is not None else lq.sort
        f = lq.filter
        chosen = self._chosen(lq.store)
        # Each store's first offset+limit runs, merged as one sorted listing; a single store
        # pages in SQL directly.
        self._refuse_ambiguous_names(chosen, f)
        offset, limit = (lq.offset, lq.limit) if len(chosen) == 1 else (0, lq.offset + lq.limit)
        handles: list[StoreHandle] = []
        keyed: list[list[tuple[tuple, int]]] = []
        total = 0
        projects: set[str] = set()
        tags: set[str] = set()
        groups: dict[tuple, int] = {}
        for handle in chosen:
            try:
                handle.reap_if_due(self.reap_seconds)
                count = search.count_runs(handle.store, f)
                store_projects = search.all_projects(handle.store)
                store_tags = handle.tags(f.include_hidden)
                rows = search.page_keys(handle.store, f, sort, offset, limit)
                counted = (search.group_counts(handle.store, f, group)
                           if group is not None else [])
            except (sqlite3.Error, Error) as exc:
                if lq.store is not None:
                    raise
                # One unreadable store (deleted meanwhile, newer schema) must not hide the
                # runs of all others; GET /stores shows its error.
                log.warning("nbrun: leaving store %s out of the listing: %s", handle.path, exc)
                continue
            total += count
            projects.update(store_projects)
            tags.update(store_tags)
            for *value, n in counted:
                groups[tuple(value)] = groups.get(tuple(value), 0) + n
            keyed.append([(row, len(handles)) for row in rows])
            handles.append(handle)
        if len(chosen) == 1:
            page = keyed[0] if keyed else []
        else:
            merged = heapq.merge(*keyed, key=lambda item: sort.key(item[0]))
            page = list(merged)[lq.offset:lq.offset + lq.limit]
        out = {"runs": self._summaries(handles, page, lq), "total": total,
               "offset": lq.offset, "limit": lq.limit, "projects": sorted(projects),
               "tags": sorted(tags), "gone": sorted(self.registry.gone().values())}
        if group is not None:
            out["groups"] = [{"value": as_json(rank, value), "count": groups[(rank, value)]}
                             for rank, value in sorted(groups, key=group.key)]
        return out

    def _refuse_ambiguous_names(self, chosen: list[StoreHandle], f: RunFilter) -> None:
        ambiguous: dict[str, None] = {}
        for handle in chosen:
            try:
                ambiguous.update(dict.fromkeys(search.ambiguous_names(handle.store, f)))
            except (sqlite3.Error, Error):
                continue  # the listing below leaves that store out and says why
        if ambiguous:
            name = next(iter(ambiguous))
            raise bad_request(
                f"where: {name!r} is both a config key and a summary key of these runs; write "
                f"config.{name} (the value the run started with) or summary.{name} (the last "
                "value logged or set)")

    def _summaries(self, handles: list[StoreHandle], page: list, lq: params.ListQuery
                   ) -> list[dict[str, Any]]:
        wanted: dict[int, list[int]] = {}
        for row, i in page:
            wanted.setdefault(i, []).append(row[-1])
        found = {i: search.summaries(handles[i].store, rids) for i, rids in wanted.items()}
        configs = ({i: search.config_values(handles[i].store, rids, lq.columns)
                    for i, rids in wanted.items()} if lq.columns else {})
        for i, by_rid in found.items():
            staleness.mark(handles[i].store, list(by_rid.values()), list(by_rid))
        out = []
        for row, i in page:
            summary = found[i].get(row[-1])
            if summary is None:  # deleted between the two queries: left out
                continue
            run = {"store": handles[i].key, **summary, "sync": _sync(handles[i].store, row[-1])}
            if lq.group is not None:
                run["group_value"] = as_json(row[0], row[1])
            if lq.columns:
                run["config"] = configs[i].get(row[-1], {})
            out.append(run)
        return out

    def keys(self, query: params.Query) -> dict[str, Any]:
        """The config paths and summary keys of the visible runs of the stores chosen."""
        kq = params.keys_query(query)
        config: set[str] = set()
        summary: set[str] = set()
        truncated = False
        for handle in self._chosen(kq.store):
            try:
                found = self._store_keys(handle, kq.project)
            except (sqlite3.Error, Error) as exc:
                if kq.store is not None:
                    raise
                log.warning("nbrun: leaving store %s out of the keys: %s", handle.path, exc)
                continue
            config.update(found["config"])
            summary.update(found["summary"])
            truncated = truncated or found.get("truncated", False)
        limit = search.KEYS_MAX
        out: dict[str, Any] = {"config": sorted(config)[:limit], "summary": sorted(summary)[:limit]}
        if truncated or len(config) > limit or len(summary) > limit:
            out["truncated"] = True
        return out

    def _store_keys(self, handle: StoreHandle, project: str | None) -> dict[str, Any]:
        token = search.content_token(handle.store)
        cached = self._keys.get((handle.key, project))
        now = time.monotonic()
        if cached is not None and cached[0] == token and now - cached[1] < KEYS_TTL_S:
            return cached[2]
        found = search.keys(handle.store, project)
        if len(self._keys) > 256:  # one entry per store and project asked for: bounded
            self._keys.clear()
        self._keys[(handle.key, project)] = (token, now, found)
        return found

    # -- one run -----------------------------------------------------------------------------
    def locate(self, run_id: str, key: str | None) -> StoreHandle:
        """The store holding ``run_id``: the given one, or the only one that has it."""
        params.run_id(run_id)
        if key is not None:
            handle = self.registry.get(key)
            if search.find_rid(handle.store, run_id) is None:
                raise not_found(f"no run {run_id!r} in store {handle.path}")
            return handle
        holders = [h for h in self.registry.stores() if self._holds(h, run_id)]
        if not holders:
            raise not_found(f"no run {run_id!r} in any store")
        if len(holders) > 1:
            raise conflict(f"run id {run_id!r} is in {len(holders)} stores "
                           f"({', '.join(h.path for h in holders)}); pass store=<key> "
                           f"({', '.join(h.key for h in holders)})")
        return holders[0]

    @staticmethod
    def _holds(handle: StoreHandle, run_id: str) -> bool:
        try:
            return search.find_rid(handle.store, run_id) is not None
        except (sqlite3.Error, Error) as exc:  # as in the listing: skip an unreadable store
            log.warning("nbrun: store %s left out of the search for a run: %s", handle.path,
                        exc)
            return False

    def run_detail(self, run_id: str, query: params.Query) -> dict[str, Any]:
        handle = self.locate(run_id, params.store_key(query))
        return self._detail(handle, run_id)

    def _detail(self, handle: StoreHandle, run_id: str) -> dict[str, Any]:
        row = handle.store.get(run_id)  # also detects a crash of this run
        if row is None:
            raise not_found(f"no run {run_id!r} in store {handle.path}")
        run_dir = handle.store.run_dir(run_id)
        listed, truncated = runfiles.list_files(run_dir)
        videos = [entry for path, entry in runfiles.media(run_dir).items()
                  if entry.get("kind") == "video" and runfiles.is_plain_file(run_dir, path)]
        keys = stored_history.history_keys(handle.store, row.rid)
        return {"store": handle.key, **summary_of(row), "config": row.config,
                "keys": keys, "files": listed,
                "media": mediaindex.keys(handle.store, row.rid),
                "files_truncated": truncated, "videos": videos, "store_path": handle.path,
                "unstored": row.unstored, "error": row.error,
                "stale": bool(staleness.stale_rids(handle.store, [row.rid])),
                "sync": _sync(handle.store, row.rid),
                "system": system.system_json(handle.store, row.rid),
                "metrics": row.metrics, "charts": metricdefs.chart_options(row.metrics, keys),
                "alerts": stored_alerts.of_run(handle.store, row.rid),
                "alerts_total": stored_alerts.count(handle.store, row.rid),
                **lineage.relatives(handle.store, run_id, row.lineage)}

    def run_history(self, run_id: str, query: params.Query) -> dict[str, Any]:
        hq = params.history_query(query)
        handle = self.locate(run_id, hq.store)
        row = stored_history.position(handle.store, run_id)
        if row is None:
            raise not_found(f"no run {run_id!r} in store {handle.path}")
        keys = hq.keys if hq.keys is not None else stored_history.history_keys(handle.store, row[0])
        chunks = stored_history.history_chunks(handle.store, row[0], keys)
        out = {"keys": {k: history.series_json(chunks[k], hq.points, hq.since_step, hq.times)
                        for k in keys},
               "last_step": row[1], "since_step": hq.since_step}
        if hq.stats:
            out["stats"] = {k: keystats.key_stats(chunks[k]) for k in keys}
        return out

    def run_file(self, run_id: str, path: str, query: params.Query) -> int:
        """An open read-only descriptor of the run's file ``path`` (a regular file inside the
        run folder, reached through no symbolic link); the caller serves it and closes it."""
        handle = self.locate(run_id, params.store_key(query))
        fd = runfiles.open_plain_file(handle.store.run_dir(run_id), path)
        if fd is None:
            raise not_found(f"run {run_id!r} has no file {path!r}")
        return fd

    def refuse_path(self, rest: str) -> None:
        """A path under runs/ that fits no route: its id part is not a run id."""
        params.run_id(rest)
        raise not_found(f"no such endpoint: runs/{rest}")

    # -- actions -----------------------------------------------------------------------------
    def edit(self, run_id: str, query: params.Query, body: bytes) -> dict[str, Any]:
        params.run_id(run_id)
        change = params.edit_body(body)
        handle = self.locate(run_id, params.store_key(query))
        kwargs: dict[str, Any] = {"tags": change.tags}
        if not params.is_missing(change.notes):
            kwargs["notes"] = change.notes
        outcome = actions.edit_run(handle.store, run_id, **kwargs)
        handle.changed()
        self._check(outcome, run_id, handle, "edit it from its notebook")
        return self._detail(handle, run_id)

    def run_state(self, run_id: str, query: params.Query) -> dict[str, Any]:
        """A run's state and last step alone: what a run card polls while its run runs (the
        card cannot learn from its kernel that the kernel was killed)."""
        handle = self.locate(run_id, params.store_key(query))
        row = handle.store.get(run_id)  # also detects a crash of this run
        if row is None:
            raise not_found(f"no run {run_id!r} in store {handle.path}")
        return {"store": handle.key, "id": row.id, "state": row.state,
                "last_step": row.last_step, "exit_code": row.exit_code}

    def set_state(self, run_id: str, query: params.Query, body: bytes) -> dict[str, Any]:
        params.run_id(run_id)
        target = params.state_body(body)
        handle = self.locate(run_id, params.store_key(query))
        outcome = actions.set_state(handle.store, run_id, target, STALE_AFTER_S)
        if outcome == actions.REFUSED:
            state = actions.state_of(handle.store, run_id)
            raise conflict(f"run {run_id!r} is {state or 'gone'}; only a run "
                           "whose process is gone, or a crashed run, can be marked "
                           f"{target}")
        self._check(outcome, run_id, handle, "it can be marked once its process is gone")
        return self._detail(handle, run_id)

    def delete(self, run_id: str, query: params.Query) -> None:
        params.run_id(run_id)
        confirm = params.one(query, "confirm")
        if confirm != run_id:
            raise bad_request(f"deleting run {run_id!r} needs confirm={run_id} (the run id "
                              "again), so that no run is deleted by a mistyped request")
        handle = self.locate(run_id, params.store_key(query))
        outcome = actions.delete_run(handle.store, run_id)
        handle.changed()
        self._check(outcome, run_id, handle,
                    "finish it before deleting it")

    @staticmethod
    def _check(outcome: str, run_id: str, handle: StoreHandle, when_running: str) -> None:
        if outcome == actions.MISSING:
            raise not_found(f"no run {run_id!r} in store {handle.path}")
        if outcome == actions.RUNNING:
            raise conflict(f"run {run_id!r} is running; {when_running}")
        if outcome != actions.OK:
            raise ApiError(500, f"unexpected outcome {outcome!r}")


def _sync(store: Any, rid: int) -> dict[str, Any] | None:
    """The run's way to its tracking server (None for a run never meant for one)."""
    status = syncstate.status_of(store, rid)
    if status is None or (status["label"] == "offline"):
        return None
    return {k: status[k] for k in ("label", "synced", "behind", "url", "last_error", "refused")}
