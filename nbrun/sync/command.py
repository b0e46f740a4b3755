"""``nbrun sync [RUN_ID ...] [--all] [--project P] [--dry-run]``: send runs logged offline or
left unsynced to the tracking server.

Safe to run twice at once or next to a live run: a run is sent by whoever holds its lease in the
store; a live run's own process keeps it (the run is skipped here), another ``nbrun sync`` is
waited for, and a holder that died is taken over after reconciling with the server.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from .. import settings as settings_mod
from ..errors import AuthenticationError, CommError, UsageError
from ..store import Store
from ..store import syncstate
from ..store.liveness import me as this_process
from . import status as status_mod
from .credentials import public_url

WAIT_FOR_OTHER_S = 600.0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("sync", help="send runs to the tracking server",
                       description="Send runs logged offline or left unsynced to the MLflow "
                                   "tracking server (NBRUN_BASE_URL or the base_url setting).")
    p.add_argument("run_ids", nargs="*", metavar="RUN_ID", help="runs to send")
    p.add_argument("--all", action="store_true", help="every run that is not fully synced")
    p.add_argument("--project", help="only runs of this project")
    p.add_argument("--dry-run", action="store_true", help="say what would be sent, send nothing")
    p.set_defaults(func=cmd_sync)
    return p


class _Progress:
    """A bar on a terminal, plain lines otherwise: the points of this sync covered so far out
    of those it set out to send (more if a live run logs meanwhile)."""

    def __init__(self, run_id: str, total: int, out: TextIO) -> None:
        self.run_id, self.total, self.out = run_id, max(total, 1), out
        self.tty = out.isatty()
        self.last = 0.0

    def __call__(self, done: int, behind: int) -> None:
        total = max(self.total, done + behind)
        now = time.monotonic()
        if self.tty:
            width = 30
            filled = int(width * done / total) if total else width
            self.out.write(f"\r  {self.run_id} [{'#' * filled}{'.' * (width - filled)}] "
                           f"{done}/{total} points")
            self.out.flush()
        elif now - self.last >= 1.0 or behind == 0:
            self.last = now
            print(f"  {self.run_id}: {done}/{total} points", file=self.out, flush=True)

    def end(self) -> None:
        if self.tty:
            self.out.write("\n")


def _server(store: Store, row: Any) -> tuple[str | None, str | None, str | None]:
    """The run's server, ``anonymous`` and ``ca_bundle``: the settings now, else the run's."""
    s = settings_mod.resolve(None, {}, store.root)
    url = s.base_url or row.settings.get("base_url")
    return (url, s.anonymous or row.settings.get("anonymous"),
            s.ca_bundle or row.settings.get("ca_bundle"))


def cmd_sync(api: Any, args: argparse.Namespace) -> int:
    store: Store = api.store
    overview = syncstate.overview(store)
    if args.run_ids:
        missing = [r for r in args.run_ids if r not in overview]
        if missing:
            raise UsageError(f"sync: no run {', '.join(map(repr, missing))} in {store.path}")
        wanted = list(args.run_ids)
    elif args.all:
        wanted = [rid for rid, e in overview.items()
                  if not status_mod.describe(e)["synced"]]
    else:
        raise UsageError("sync: name the runs to send (RUN_ID ...) or pass --all")
    rows = [r for r in (store.get(run_id) for run_id in wanted) if r is not None]
    if args.project:
        rows = [r for r in rows if r.project == args.project]
    if not rows:
        print("nothing to sync")
        return 0
    failures = 0
    me = syncstate.owner_id(*this_process())
    for row in rows:
        entry = syncstate.overview(store)[row.id]
        behind = entry["behind"]
        url, anonymous, ca_bundle = _server(store, row)
        if url is None:
            raise UsageError("sync: no tracking server is configured: set NBRUN_BASE_URL or "
                             "the base_url setting (or run `nbrun login URL`)")
        if args.dry_run:
            label = status_mod.describe(entry)["label"]
            media = f" and {entry['media_behind']} media values" if entry["media_behind"] else ""
            if entry.get("artifacts_behind"):
                media += f" and {entry['artifacts_behind']} artifact rows"
            print(f"{row.id}: {behind} points{media}, state {row.state}, now {label} -> "
                  f"{public_url(url)}")
            continue
        failures += not _sync_one(store, row, url, anonymous, me, ca_bundle)
    return 1 if failures else 0


def _sync_one(store: Store, row: Any, url: str, anonymous: str | None, me: str,
              ca_bundle: str | None = None) -> bool:
    from .runsync import LeaseLost, RunSync  # requests only when something is sent
    from .syncer import client_for

    rid = syncstate.rid_of(store, row.id)
    assert rid is not None
    deadline = time.monotonic() + WAIT_FOR_OTHER_S
    while True:
        state, orphaned = syncstate.claim(store, rid, me, public_url(url))
        if state is not None:
            break
        holder = syncstate.holder(store, rid) or ""
        if row.state == "running" and holder.split("|")[1:2] == [str(row.pid)]:
            print(f"{row.id}: still running and syncing itself (process {row.pid}); skipped")
            return True
        if time.monotonic() > deadline:
            print(f"{row.id}: another process ({holder}) is syncing it; skipped")
            return True
        time.sleep(0.5)
    # Counted now that the run is ours: a sender waited for may have sent part of it.
    behind = syncstate.backlog(store, rid, state.cursor, state.partial)
    work = RunSync(store, rid, client_for(url, anonymous, ca_bundle), me)
    work.reconcile = orphaned
    progress = _Progress(row.id, behind, sys.stdout)
    media = syncstate.status_of(store, rid) or {}
    values = f" and {media['media_behind']} media values" if media.get("media_behind") else ""
    if media.get("artifacts_behind"):
        values += f" and {media['artifacts_behind']} artifact rows"
    print(f"{row.id}: sending {behind} points{values} to {public_url(url)}", flush=True)
    try:
        work.run_pass(progress=progress)
    except (CommError, AuthenticationError, LeaseLost) as exc:
        progress.end()
        work.record_error(exc)
        print(f"{row.id}: not finished: {exc}", file=sys.stderr)
        return False
    finally:
        syncstate.release(store, rid, me)
    progress.end()
    final = status_mod.describe(syncstate.overview(store)[row.id])
    print(f"{row.id}: {final['label']}  {final['url'] or ''}".rstrip())
    return True
