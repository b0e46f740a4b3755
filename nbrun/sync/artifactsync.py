"""Sending a run's artifact versions and dataset inputs to its MLflow server run.

- A version the run logged: its files, read from the object store in chunks, as run artifacts
  under ``artifacts/<name>/v<n>/`` (references, which nbrun never fetches, are listed only),
  a manifest beside them (``artifacts/<name>/v<n>.json``: type, digest, aliases, description,
  metadata, every entry), and run tags ``nbrun.artifact.<name>.version|digest|aliases|type``
  for the newest version of the name the run logged.
- A version whose type names a model is an MLflow 3 logged model of the run instead: its files
  under the model's artifact location (as MLflow 3's ``log_model`` keeps them, not among the
  run's artifacts; the manifest names the model), READY, and an output of the run
  (``loggedmodels``).
- A ``dataset`` version the run used: a dataset input of the run (name, digest, source),
  context ``input``, which MLflow's UI shows as the data the run used.

A version is marked sent in the store (``artifactsent``) only once all of it is on the server;
one stopped anywhere before is sent again to the same names: an upload overwrites (and the
files the server already holds whole are not sent again), a logged model and a run output are
looked up before being made, and the server keeps one input per dataset and run. Nothing is
doubled, nothing is skipped.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any, Callable

from ..store import Store, artifact_reads, artifactsent, objects, syncstate
from ..store.artifactsent import Version
from . import loggedmodels, senders, transport
from .client import Client, ServerError

ROOT = "artifacts"
TAG = "nbrun.artifact."
CONTEXT_TAG = "mlflow.data.context"
LANES = 4  # files uploaded at once: their network waits overlap
PASS_VERSIONS = 20  # versions a budgeted (live) pass sends before other runs get their turn
INPUTS_PER_CALL = 100
DIGEST_CHARS = 36  # MLflow keeps at most 36 characters of a dataset's digest


def is_model(type_: str) -> bool:
    return "model" in type_.lower()  # as use_model takes them


def is_dataset(type_: str) -> bool:
    return "dataset" in type_.lower()


def version_dir(name: str, index: int) -> str:
    return f"{ROOT}/{name}/v{index}"


class ArtifactPass:
    """One pass over the pending artifact rows of a run (the caller holds its lease)."""

    def __init__(self, store: Store, rid: int, client: Client, owner: str,
                 record_error: Callable[[str], None], lease_lost: Callable[[], Exception]
                 ) -> None:
        self.store, self.rid, self.client, self.owner = store, rid, client, owner
        self.record_error = record_error
        self.lease_lost = lease_lost
        self.resuming = False

    def send(self, budget: bool) -> bool:
        """Send pending rows; True when none is left (False: stopped at the budget)."""
        state = syncstate.get(self.store, self.rid)
        assert state is not None and state.server_run_id and state.experiment_id
        self.eid, self.run = state.experiment_id, state.server_run_id
        if state.sent.get("artifacts_run") != self.run:  # a new server run: all again
            artifactsent.reset(self.store, self.rid)
            if not syncstate.update(self.store, self.rid, self.owner,
                                    sent={**state.sent, "artifacts_run": self.run}):
                raise self.lease_lost()
        done = 0
        while True:
            pending = artifactsent.pending_logged(self.store, self.rid, 1)
            if not pending:
                break
            if budget and done >= PASS_VERSIONS:
                return False
            self._started(pending[0].vid)
            note = self._refusable(self._send_logged, pending[0])
            if not artifactsent.mark_logged(self.store, self.rid, self.owner, pending[0].vid,
                                            note):
                raise self.lease_lost()
            done += 1
        while True:
            uses = artifactsent.pending_used(self.store, self.rid, INPUTS_PER_CALL)
            if not uses:
                return True
            note = self._refusable(self._send_inputs, uses)
            if not artifactsent.mark_used(self.store, self.rid, self.owner,
                                          [(u.vid, u.asked or "") for u in uses], note):
                raise self.lease_lost()

    def _started(self, vid: int) -> None:
        """Note the version under way, so that a sync stopped in its uploads is resumed with
        only the files the server does not hold whole."""
        state = syncstate.get(self.store, self.rid)
        assert state is not None
        self.resuming = state.sent.get("artifact_started") == vid
        if not self.resuming and not syncstate.update(
                self.store, self.rid, self.owner,
                sent={**state.sent, "artifact_started": vid}):
            raise self.lease_lost()

    def _refusable(self, send: Callable[[Any], dict[str, Any]], what: Any) -> dict[str, Any]:
        """``send(what)``; a 4xx (the server refuses it, and would again) is said in the run's
        sync errors and the rows are marked, so they do not hold the run back forever."""
        try:
            return send(what)
        except ServerError as exc:
            if exc.status is None or not 400 <= exc.status < 500:
                raise
            names = ", ".join(sorted({f"{v.name}:v{v.index}" for v in
                                      (what if isinstance(what, list) else [what])}))
            self.record_error(f"artifact {names} not sent: the server refused it: {exc}")
            return {"refused": str(exc)[:500]}

    # -- versions logged ----------------------------------------------------------------------
    def _send_logged(self, v: Version) -> dict[str, Any]:
        files = artifact_reads.files(self.store.conn, v.vid)
        folder = version_dir(v.name, v.index)
        note: dict[str, Any] = {"path": folder}
        info = self._logged_model(v) if is_model(v.type) else None
        if info is not None:
            root = loggedmodels.artifact_root(info)
            self._upload(files, lambda path, body: self.client.put_artifact_at(root, path,
                                                                               body), "", root)
            loggedmodels.finalize(self.client, info["model_id"])
            loggedmodels.ensure_output(self.client, self.run, info["model_id"], v.step or 0)
            note["model_id"] = info["model_id"]
        else:
            self._upload(files, self._put_run, folder + "/",
                         f"{self.eid}/{self.run}/artifacts/{folder}")
        self._put_run(folder + ".json", _manifest(v, files, note.get("model_id")))
        self._send_tags(v)
        return note

    def _logged_model(self, v: Version) -> dict[str, Any] | None:
        """The version's logged model; None from a server without logged models (before
        MLflow 3: no such endpoint), whose version goes among the run's artifacts."""
        try:
            return loggedmodels.ensure(self.client, self.eid, self.run, v.name, v.digest,
                                       self._model_tags(v), _params(v.metadata))
        except ServerError as exc:
            if exc.status != 404 or exc.error_code is not None:
                raise
            self.record_error(f"model {v.name}:v{v.index} sent as run artifacts: the server "
                              f"has no logged models (MLflow 3 has them): {exc}")
            return None

    def _put_run(self, path: str, body: Any) -> None:
        self.client.put_artifact(self.eid, self.run, path, body)

    def _upload(self, files: list[dict[str, Any]], put: Callable[[str, Any], None],
                prefix: str, root: str) -> None:
        """Send the version's stored files (a resumed version: those the server does not
        hold at their size; it publishes a file only once whole, and a path of a version only
        ever holds that version's file)."""
        stored = [f for f in files if f["ref"] is None]
        if self.resuming and stored:
            held = self.client.artifact_sizes(root)
            stored = [f for f in stored if held.get(f["path"]) != f["size"]]
        lanes = [stored[i::LANES] for i in range(min(LANES, len(stored)))]
        senders.run_together([functools.partial(self._upload_lane, lane, put, prefix)
                              for lane in lanes])

    def _upload_lane(self, files: list[dict[str, Any]], put: Callable[[str, Any], None],
                     prefix: str) -> None:
        for entry in files:
            fd = objects.open_object(self.store.path, entry["digest"])
            if fd is None:  # the store lost it: said, and the rest still goes
                self.record_error(f"artifact file {entry['path']!r} not sent: its object "
                                  f"{entry['digest'][:12]} is missing from the store")
                continue
            with os.fdopen(fd, "rb", buffering=0) as handle:
                size = os.fstat(handle.fileno()).st_size
                put(prefix + entry["path"], transport.FileBody(handle, size) if size else b"")

    def _send_tags(self, v: Version) -> None:
        """Run tags of the newest version of the name the run logged (an older one sent
        after it changes none)."""
        newest = artifactsent.newest_logged(self.store, self.rid, (v.project, v.name))
        if newest is not None and newest > v.index:
            return
        tags = {f"{TAG}{v.name}.{k}": value for k, value in self._version_tags(v).items()}
        self.client.api("POST", "runs/log-batch", {
            "run_id": self.run, "tags": [{"key": k, "value": val} for k, val in tags.items()]})

    def _version_tags(self, v: Version) -> dict[str, str]:
        return {"version": f"v{v.index}", "digest": v.digest, "aliases": ",".join(v.aliases),
                "type": v.type}

    def _model_tags(self, v: Version) -> dict[str, str]:
        return {f"{TAG}{k}": value for k, value in
                {"name": v.name, "project": v.project, **self._version_tags(v)}.items()}

    # -- versions used ------------------------------------------------------------------------
    def _send_inputs(self, uses: list[Version]) -> dict[str, Any]:
        datasets = []
        for use in uses:
            if not is_dataset(use.type):
                continue
            source_type, source = self._source(use)
            datasets.append({
                "tags": [{"key": CONTEXT_TAG, "value": "input"},
                         {"key": f"{TAG}version", "value": f"v{use.index}"},
                         {"key": f"{TAG}asked", "value": (use.asked or "")[:500]}],
                "dataset": {"name": use.name, "digest": use.digest[:DIGEST_CHARS],
                            "source_type": source_type, "source": source,
                            "profile": json.dumps({"files": use.file_count,
                                                   "bytes": use.size})}})
        if datasets:  # the server keeps one input per dataset (name, digest) and run
            self.client.api("POST", "runs/log-inputs", {"run_id": self.run,
                                                        "datasets": datasets})
        return {"inputs": len(datasets)}

    def _source(self, v: Version) -> tuple[str, str]:
        """Where the version's files are: the folder of the run that logged them on this
        server when that run is there, else nbrun's own name for the version."""
        for rid in artifactsent.logged_by(self.store, v.vid):
            state = syncstate.get(self.store, rid)
            if (state is not None and state.server_run_id and state.experiment_id
                    and state.server == self.client.base_url):
                note = artifactsent.logged_note(self.store, rid, v.vid) or {}
                where = (f"models/{note['model_id']}" if note.get("model_id") else
                         f"runs/{state.server_run_id}/artifacts/{version_dir(v.name, v.index)}")
                return "http", json.dumps({"url": f"{self.client.base_url}/#/experiments/"
                                                  f"{state.experiment_id}/{where}"})
        return "local", json.dumps({"uri": f"nbrun-artifact:{v.project}/{v.name}:v{v.index}"})


def _manifest(v: Version, files: list[dict[str, Any]], model_id: str | None) -> bytes:
    body = {"name": v.name, "project": v.project, "type": v.type, "version": f"v{v.index}",
            "digest": v.digest, "aliases": v.aliases, "description": v.description,
            "metadata": v.metadata, "size": v.size, "files": files}
    if model_id:
        body["logged_model"] = model_id
    return json.dumps(body, indent=1, ensure_ascii=False, allow_nan=True,
                      default=str).encode("utf-8", "surrogatepass")


def _params(metadata: dict[str, Any]) -> dict[str, str]:
    """A model version's metadata as its params (first level, at most 100, as text)."""
    out = {}
    for key, value in list(metadata.items())[:100]:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        out[str(key)[:250]] = text[:6000]
    return out


def pending(store: Store, rid: int) -> int:
    """Artifact lineage rows of ``rid`` not yet on its server."""
    return artifactsent.count_pending(store, rid)
