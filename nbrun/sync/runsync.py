"""One pass of syncing one run: whatever the store holds that the server does not, sent.

The caller holds the run's lease (``syncstate.claim``). Order of a pass: the server run (found or
created), tags and params, history in batches (each recorded in the store once accepted), files,
media, artifact versions and inputs (``artifactsync``), then the run's state. A failure raises;
what was recorded stays recorded, so the next pass resumes where this one stopped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
import uuid
from typing import Any, Callable

from ..store import Store
from ..store import mediafiles, syncstate
from ..store.syncstate import SyncState
from ..store import runfiles
from . import (alerts, artifactsync, batches, mapping, mediasync, senders, systemsync,
               transport)
from .client import Client, ServerError
from .redact import redact

Progress = Callable[[int, int], None]  # (points of this pass covered so far, points pending)

WINDOW = 2  # batches in flight at once (measured: 1.45x the points/s of one at a time)
SUMMARY_FILE = "nbrun/summary.json"
CONFIG_FILE = "nbrun/config.json"


class LeaseLost(Exception):
    """Another process took the run over (this one was presumed dead)."""


class RunSync:
    def __init__(self, store: Store, rid: int, client: Client, owner: str,
                 redact_pattern: str | None = None) -> None:
        self.store = store
        self.rid = rid
        self.client = client
        self.owner = owner
        self.redact_pattern = redact_pattern
        # "Created by" in the MLflow UI, as MLflow's client says it (see mapping.user_name)
        self.user = mapping.user_name(client.creds.username if client.creds else None)
        self.reconcile = False  # set when a batch may have reached the server unrecorded
        self.more = False  # the last pass stopped at its budget with history still pending

    # -- bookkeeping --------------------------------------------------------------------------
    def _state(self) -> SyncState:
        state = syncstate.get(self.store, self.rid)
        assert state is not None
        return state

    def _lease_lost(self) -> LeaseLost:
        return LeaseLost(f"run {self.rid} is now synced by another process")

    def _update(self, **fields: Any) -> None:
        if not syncstate.update(self.store, self.rid, self.owner, **fields):
            raise LeaseLost(f"run {self.rid} is now synced by another process")

    def record_error(self, exc: BaseException | str) -> None:
        """Keep the error as the run's last error and in its list of recent errors (a batch
        the server refused stays listed after later batches succeed)."""
        state = syncstate.get(self.store, self.rid)
        if state is None:
            return
        now = time.time()
        text = str(exc)[:2000]
        errors = (state.sent.get("errors", []) + [[now, text]])[-10:]
        syncstate.update(self.store, self.rid, None, last_error=text, error_at=now,
                         sent={**state.sent, "errors": errors})

    # -- the pass -----------------------------------------------------------------------------
    def run_pass(self, progress: Progress | None = None, files: bool = True,
                 budget: int | None = None) -> bool:
        """Send what is pending; True when the run is fully on the server (nothing behind and
        its last state sent)."""
        row = syncstate.run_row(self.store, self.rid)
        if row is None:
            return True
        state = self._state()
        if state.inflight is not None:
            self.reconcile = True
        state = self._follow_rewinds(row, state)
        state = self._ensure_run(row, state)
        sent = dict(state.sent)
        self._send_meta(row, state, sent)
        self.more = False
        self._send_history(row, state, progress, budget)
        if self.more:  # the rest in a later pass: other runs of the process get their turn
            return False
        self._send_system(state)
        sent = dict(self._state().sent)
        if files or row.state != "running":
            self._send_files(row, state, sent)
        media_done = mediasync.MediaPass(self.store, self.rid, self.client, self.owner,
                                         self.record_error, self._lease_lost).send(
            row.id, int(row.created_at * 1000), budget is not None)
        artifacts_done = artifactsync.ArtifactPass(
            self.store, self.rid, self.client, self.owner, self.record_error,
            self._lease_lost).send(budget is not None)
        self.more = not media_done or not artifacts_done
        done = self._send_state(row, state, sent)
        state = self._state()
        behind = syncstate.backlog(self.store, self.rid, state.cursor, state.partial)
        if done and behind == 0 and media_done and artifacts_done:
            self._update(synced_at=time.time())
            return row.state != "running"
        return False

    def _follow_rewinds(self, row: Any, state: SyncState) -> SyncState:
        """A rewound run goes on in a new server run whose parent and step are tags; the
        history set aside is never sent to it."""
        rewinds = row.lineage.get("rewinds", [])
        if len(rewinds) <= state.generation:
            return state
        parent = None
        if state.server_run_id:
            parent = {"run": state.server_run_id, "step": rewinds[-1]["step"]}
        self._update(generation=len(rewinds), server_run_id=None, sync_key=None, url=None,
                     cursor=0, partial=0, inflight=None, points_sent=0, synced_at=None,
                     sent={"parent": parent} if parent else {})
        self.reconcile = False
        return self._state()

    def _experiment_name(self, row: Any) -> str:
        return f"{row.entity}/{row.project}" if row.entity else row.project

    def _ensure_run(self, row: Any, state: SyncState) -> SyncState:
        if state.server_run_id:
            return state
        eid = self.client.experiment_id(self._experiment_name(row))
        run_id = None
        if state.sync_key:  # a create may have reached the server before we could record it
            run_id = (self.client.find_run(eid, mapping.SYNC_KEY_TAG, state.sync_key) or
                      self.client.find_run(eid, mapping.OLD_SYNC_KEY_TAG, state.sync_key))
        else:
            self._update(sync_key=uuid.uuid4().hex, experiment_id=eid)
            state = self._state()
        if run_id is None:
            # Who and what made it, from its first moment, as MLflow's client sends them (the
            # UI's "Created by" reads the user tag, some of its views the run's user_id).
            tags = {mapping.SYNC_KEY_TAG: state.sync_key, "nbrun.run_id": row.id,
                    "mlflow.user": self.user, **mapping.source_tags(row)}
            tags.update(self._lineage_tags(row, state))
            run_id = self.client.create_run(eid, row.name, int(row.created_at * 1000),
                                            [{"key": k, "value": v} for k, v in tags.items()],
                                            key=(mapping.SYNC_KEY_TAG, state.sync_key),
                                            user_id=self.user)
        self._update(server_run_id=run_id, experiment_id=eid,
                     url=self.client.run_url(eid, run_id), server=self.client.base_url)
        return self._state()

    def _lineage_tags(self, row: Any, state: SyncState) -> dict[str, str]:
        tags: dict[str, str] = {}
        parent = state.sent.get("parent")
        if parent:  # rewound: the previous server run of this same nbrun run
            tags["nbrun.parent_run"] = parent["run"]
            tags["nbrun.parent_step"] = str(parent["step"])
        fork = row.lineage.get("forked_from")
        if fork:
            rid = syncstate.rid_of(self.store, fork["id"])
            source = syncstate.get(self.store, rid) if rid is not None else None
            if source is not None and source.server_run_id:
                tags["nbrun.parent_run"] = source.server_run_id
            tags["nbrun.parent_step"] = str(fork["step"])
        return tags

    # -- tags and params ----------------------------------------------------------------------
    def _send_meta(self, row: Any, state: SyncState, sent: dict[str, Any]) -> None:
        params_sent: dict[str, str] = sent.get("params", {})
        params = {mapping.mlflow_key(k): mapping.param_value(v) for k, v in
                  mapping.flatten(redact(row.config, self.redact_pattern)).items()}
        new = {k: v for k, v in params.items() if k not in params_sent}
        changed = sorted(set(sent.get("changed", [])) |
                         {k for k, v in params.items() if k in params_sent and params_sent[k] != v})
        tags = mapping.run_tags(row, changed, self.user)
        tags.update({mapping.KEY_TAG + k: orig for k, orig in
                     ((mapping.mlflow_key(k), k) for k in mapping.flatten(row.config))
                     if k != orig})
        tags_sent: dict[str, str] = sent.get("tags", {})
        new_tags = {k: v for k, v in tags.items() if tags_sent.get(k) != v}
        stale = [k for k in tags_sent if k not in tags]  # a tag taken off the run, or retired
        if not new and not new_tags and not stale and changed == sent.get("changed", []):
            return
        p_items, t_items = list(new.items()), list(new_tags.items())
        while p_items or t_items:
            p_part, p_items = p_items[:100], p_items[100:]
            t_part, t_items = t_items[:100], t_items[100:]
            body = {"run_id": state.server_run_id,
                    "params": [{"key": k, "value": v} for k, v in p_part],
                    "tags": [{"key": k, "value": v} for k, v in t_part]}
            self.client.api("POST", "runs/log-batch", body)
            params_sent = {**params_sent, **dict(p_part)}
            tags_sent = {**tags_sent, **dict(t_part)}
            sent = {**sent, "params": params_sent, "tags": tags_sent, "changed": changed}
            self._update(sent=sent)
        if stale:
            self._delete_tags(state, stale, sent)

    def _delete_tags(self, state: SyncState, stale: list[str], sent: dict[str, Any]) -> None:
        """Remove tags the run no longer has from the server run (a run synced by an older
        nbrun also loses its visible sync key)."""
        keys = stale + ([mapping.OLD_SYNC_KEY_TAG]
                        if any(k in mapping.RETIRED_TAGS for k in stale) else [])
        for key in keys:
            try:
                self.client.api("POST", "runs/delete-tag",
                                {"run_id": state.server_run_id, "key": key})
            except ServerError as exc:
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":  # gone already: done
                    raise
        tags_sent = {k: v for k, v in sent.get("tags", {}).items() if k not in keys}
        self._update(sent={**sent, "tags": tags_sent})

    # -- history ------------------------------------------------------------------------------
    def _send_history(self, row: Any, state: SyncState, progress: Progress | None,
                      budget: int | None = None) -> None:
        """Send history in batches, WINDOW of them in flight at once (the server stores them
        in parallel; their order does not matter to it), recording the position after each
        window. After an unclean stop the first WINDOW batches are reconciled: a dead sender
        can have had that many on their way. ``progress`` hears the points of this pass
        covered so far (sent, or left out: text, already on the server) and those left."""
        default_ms = int(row.created_at * 1000)
        cursor, partial, done = state.cursor, state.partial, 0
        keys_sent = set(state.sent.get("keys", []))
        marked = state.inflight is not None
        reconcile = WINDOW if self.reconcile else 0
        present: dict[str, set[tuple[str, int, int, str]]] = {}  # the server's, read once
        while True:
            if budget is not None:
                if budget <= 0:
                    self.more = True
                    if reconcile == 0:  # all sent is recorded: the next pass of this run
                        self.reconcile = False  # has nothing to reconcile
                        if marked:
                            self._update(inflight=None)
                    return
                budget -= 1
            window: list[batches.Batch] = []
            at = (cursor, partial)
            while len(window) < WINDOW:
                batch = batches.next_batch(syncstate.chunks_after(self.store, self.rid, at[0]),
                                           *at, default_ms)
                if batch.consumed == 0 and (batch.cursor, batch.partial) == at:
                    break
                window.append(batch)
                at = (batch.cursor, batch.partial)
            if not window:
                if marked:  # every batch sent is recorded: nothing to reconcile any more
                    self._update(inflight=None)
                self.reconcile = False
                return
            new_keys = {k: v for b in window for k, v in b.keys.items() if k not in keys_sent}
            if new_keys:  # the reverse mapping goes before the points that use it
                self.client.api("POST", "runs/log-batch", {
                    "run_id": state.server_run_id,
                    "tags": [{"key": mapping.KEY_TAG + k, "value": v}
                             for k, v in new_keys.items()]})
                keys_sent |= set(new_keys)
                self._update(sent={**self._state().sent, "keys": sorted(keys_sent)})
            if not marked and any(b.entries for b in window):
                self._update(inflight={"from": [cursor, partial]})  # once per pass
                marked = True
            for batch in window[:reconcile]:
                self._drop_present(batch, state.server_run_id, present)
            reconcile = max(0, reconcile - len(window))
            self._send_window(window, state.server_run_id)
            last = window[-1]
            sent = sum(len(b.entries) for b in window)
            if not syncstate.advance(self.store, self.rid, self.owner, last.cursor,
                                     last.partial, sent):
                raise LeaseLost(f"run {self.rid} is now synced by another process")
            cursor, partial = last.cursor, last.partial
            done += sum(b.consumed for b in window)
            if progress is not None:
                progress(done, syncstate.backlog(self.store, self.rid, cursor, partial))

    def _send_system(self, state: SyncState) -> None:
        def record(seq: int) -> None:
            self._update(sent={**self._state().sent, "system": seq})

        systemsync.send(self.store, self.rid, self.client, state.server_run_id,
                        self._state().sent.get("system", -1), record)

    def _send_window(self, window: list[batches.Batch], run_id: str) -> None:
        """Send the batches at once; the first failure is raised once all have ended (nothing
        is recorded then, and the next pass reconciles)."""
        senders.run_together([functools.partial(self._send_batch, b, run_id) for b in window])

    def _drop_present(self, batch: batches.Batch, run_id: str,
                      present: dict[str, set[tuple[str, int, int, str]]]) -> None:
        """After an unclean stop: leave out the points the server already has. ``present``
        holds each key's server history once read: the batches reconciled in one pass share
        keys, and what this pass sends after reading is not in it (it is never resent)."""
        for key in {p[0] for p in batch.points} - present.keys():
            present[key] = {(key, int(m.get("step", 0)), int(m["timestamp"]),
                             mapping.value_literal(mapping.from_server(m["value"])))
                            for m in self.client.metric_history(run_id, key)}
        batches.drop_present(batch, set().union(*(present[k] for k in
                                                  {p[0] for p in batch.points})))

    def _send_batch(self, batch: batches.Batch, run_id: str) -> None:
        """Send the batch; a 400 splits it in halves so one point the server refuses costs
        only that point (recorded as refused in the sync state), never the rest."""
        pending = [list(range(len(batch.entries)))]
        refused = 0
        while pending:
            part = pending.pop()
            if not part:
                continue
            try:
                self.client.log_batch(batch.body(run_id, [batch.entries[i] for i in part]))
            except ServerError as exc:
                if exc.status is None or not 400 <= exc.status < 500:
                    raise
                if len(part) == 1:
                    key, step = batch.points[part[0]][:2]
                    self.record_error(f"metric {key!r} at step {step} refused: {exc}")
                    refused += 1
                    continue
                self.record_error(f"{exc}; resending its {len(part)} points in two halves")
                half = len(part) // 2
                pending += [part[half:], part[:half]]
        if refused:
            sent = dict(self._state().sent)
            sent["refused"] = sent.get("refused", 0) + refused
            self._update(sent=sent)

    # -- files --------------------------------------------------------------------------------
    def _send_files(self, row: Any, state: SyncState, sent: dict[str, Any]) -> None:
        files: dict[str, Any] = dict(sent.get("files", {}))
        out: dict[str, bytes] = {
            CONFIG_FILE: _json_bytes(redact(row.config, self.redact_pattern)),
            SUMMARY_FILE: _json_bytes(row.summary),
            **alerts.artifacts(self.store, self.rid),
        }
        folder = self.store.run_dir(row.id)
        for rel, st in runfiles.regular_files(folder):
            if mediafiles.owned(rel):  # media go in MLflow's layouts (mediasync)
                continue
            if files.get(rel) != [st.st_size, st.st_mtime_ns]:
                self._put_file(state, folder, rel, files)
        for rel, data in out.items():
            mark = hashlib.sha256(data).hexdigest()
            if files.get(rel) != mark:
                self._put(state, rel, data, mark, files)

    def _put_file(self, state: SyncState, folder: str, rel: str, files: dict[str, Any]) -> None:
        """Send one file of the run folder as it is when opened, read in chunks."""
        fd = runfiles.open_plain_file(folder, rel)
        if fd is None:  # gone, or no longer a regular file of the folder
            return
        with os.fdopen(fd, "rb", buffering=0) as handle:
            st = os.fstat(fd)
            body = transport.FileBody(handle, st.st_size) if st.st_size else b""
            self._put(state, rel, body, [st.st_size, st.st_mtime_ns], files)

    def _put(self, state: SyncState, rel: str, data: Any, mark: Any,
             files: dict[str, Any]) -> None:
        self.client.put_artifact(state.experiment_id, state.server_run_id, rel, data)
        files[rel] = mark
        self._update(sent={**self._state().sent, "files": files})

    # -- state --------------------------------------------------------------------------------
    def _send_state(self, row: Any, state: SyncState, sent: dict[str, Any]) -> bool:
        status = mapping.STATUS.get(row.state, "RUNNING")
        end = int((row.finished_at or row.updated_at) * 1000) if status != "RUNNING" else None
        want = [status, end, row.name]
        if sent.get("state") != want:
            if status != "RUNNING":
                self._send_summary(row, state)
            self.client.update_run(state.server_run_id, status, end, row.name)
            self._update(sent={**self._state().sent, "state": want})
        return True

    def _send_summary(self, row: Any, state: SyncState) -> None:
        """Summary values set by hand (no history of their own) become metrics at the last
        step, so the server's latest metric values are the run's summary."""
        history = syncstate.history_keys(self.store, self.rid)
        ms = int((row.finished_at or row.updated_at) * 1000)
        entries = []
        for key, value in row.summary.items():
            lit = mapping.value_literal(value)
            if key in history or lit is None:
                continue
            entries.append('{"key":' + json.dumps(mapping.mlflow_key(key)) + ',"timestamp":'
                           f'{ms},"step":{max(row.last_step, 0)},"value":{lit}}}')
        for i in range(0, len(entries), batches.MAX_POINTS):
            part = entries[i:i + batches.MAX_POINTS]
            self.client.log_batch('{"run_id":' + json.dumps(state.server_run_id)
                                  + ',"metrics":[' + ",".join(part) + "]}")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=2, allow_nan=True, sort_keys=True).encode()
