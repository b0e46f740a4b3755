"""The ``nbrun`` command: list runs, show one, list and download artifacts, send runs to the
tracking server, log in to it."""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import sys
import time
from typing import Any, Sequence

from .artifacts import command as artifact_command
from .errors import Error
from .sdk import Api, RunRecord
from .sdk.failure import headline
from .store import StoreUnavailable
from .store.states import RUN_STATES
from .sync import login
from .sync import command as sync_command
from .sync import status as sync_status


EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool ended by SIGPIPE


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _lineage_text(record: RunRecord) -> str:
    parts = []
    fork = record.lineage.get("forked_from")
    if fork:
        parts.append(f"forked from {fork['id']} at step {fork['step']}")
    for rewind in record.lineage.get("rewinds", []):
        parts.append(f"rewound at step {rewind['step']}")
    if record.resumed_count:
        times = "once" if record.resumed_count == 1 else f"{record.resumed_count} times"
        parts.append(f"resumed {times}")
    return "; ".join(parts)


def _json_safe(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as strings rather than emit invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def cmd_runs(api: Api, args: argparse.Namespace) -> int:
    records = api.runs(project=args.project, state=args.state, tags=args.tag or None,
                       include_hidden=args.all)
    if args.json:
        synced = sync_status.all_statuses(api.store)
        print(json.dumps([_json_safe({**_record_dict(r, with_config=False),
                                      "sync": synced.get(r.id)}) for r in records], indent=2))
        return 0
    if not records:
        print("no runs" + (" match" if args.project or args.state or args.tag else ""))
        return 0
    synced = sync_status.all_statuses(api.store)
    rows = [[r.id, r.name, r.project, r.state, str(r.last_step + 1), _when(r.created_at),
             sync_status.short(synced[r.id]) if r.id in synced else "-",
             ",".join(r.tags), _lineage_text(r)] for r in records]
    print(_table(rows, ["ID", "NAME", "PROJECT", "STATE", "STEPS", "CREATED", "SYNC", "TAGS",
                        "LINEAGE"]))
    return 0


def _record_dict(record: RunRecord, with_config: bool = True) -> dict[str, Any]:
    data = {
        "id": record.id, "name": record.name, "project": record.project,
        "entity": record.entity, "state": record.state, "exit_code": record.exit_code,
        "tags": list(record.tags), "notes": record.notes, "group": record.group,
        "job_type": record.job_type, "created_at": record.created_at,
        "finished_at": record.finished_at, "steps": record.last_step + 1,
        "lineage": record.lineage, "resumed_count": record.resumed_count,
        "summary": record.summary, "unstored": record.unstored,
    }
    if with_config:
        data["config"] = record.config
    return data


def cmd_show(api: Api, args: argparse.Namespace) -> int:
    record = api.run(args.run_id)
    history = record.history()[-args.steps:] if args.steps > 0 else []
    sync = sync_status.all_statuses(api.store).get(record.id)
    if args.json:
        data = _record_dict(record)
        data["sync"] = sync
        data["last_steps"] = list(history)
        data["files"] = [{"path": f.path, "size": f.size, "kind": f.kind, **f.info}
                         for f in record.files()]
        data["artifacts"] = {
            "outputs": [a.qualified_name for a in record.logged_artifacts()],
            "inputs": [{"artifact": a.qualified_name, "asked": a.asked_as}
                       for a in record.used_artifacts()]}
        print(json.dumps(_json_safe(data), indent=2))
        return 0
    print(f"{record.name}  ({record.id})")
    fields = [("project", record.project), ("entity", record.entity), ("state", record.state),
              ("exit code", record.exit_code),
              ("error" if record.state != "finished" else "last error", headline(record.error)),
              ("tags", ", ".join(record.tags)),
              ("notes", record.notes), ("group", record.group), ("job type", record.job_type),
              ("created", _when(record.created_at)), ("finished", _when(record.finished_at)),
              ("steps", record.last_step + 1), ("lineage", _lineage_text(record)),
              ("folder", record.dir)]
    if sync is not None and (sync["server_run_id"] or record.mode == "online"):
        fields += [("sync", sync["label"]), ("url", sync["url"]),
                   ("sync error", sync["last_error"])]
        if sync["refused"]:
            fields.append(("refused", f"{sync['refused']} points refused by the server"))
    for label, value in fields:
        if value not in (None, ""):
            print(f"  {label + ':':<11}{value}")
    if record.error and record.state in ("failed", "crashed"):
        print(f"\ntraceback ({record.error.get('where')}):")
        print("  " + record.error.get("traceback", "").rstrip().replace("\n", "\n  "))
    if record.unstored:
        print(f"\nwarning: {record.unstored['count']} logged value(s) could not be stored:")
        for item in record.unstored.get("items", []):
            print(f"  {item['key']} at step {item['step']}: {item['reason']}")
    for title, mapping in (("config", record.config), ("summary", record.summary)):
        print(f"\n{title}:")
        if not mapping:
            print("  (empty)")
        for key, value in mapping.items():
            print(f"  {key} = {value!r}")
    _print_files(record.files())
    _print_artifacts(record)
    print(f"\nlast {len(history)} steps:")
    if history:
        keys = sorted({k for row in history for k in row if k != "_step"})
        rows = [[str(row["_step"])] + [repr(row[k]) if k in row else "" for k in keys]
                for row in history]
        print(_table(rows, ["_step"] + keys))
    return 0


def _print_files(files: list) -> None:
    print(f"\nfiles ({len(files)}):")
    for f in files:
        about = ""
        if f.kind == "video":
            about = f"  video, episode {f.episode}, step {f.step}"
        print(f"  {f.path}  ({f.size} bytes){about}")


def _print_artifacts(record: RunRecord) -> None:
    outputs, inputs = record.logged_artifacts(), record.used_artifacts()
    if not outputs and not inputs:
        return
    print("\nartifacts:")
    for a in outputs:
        print(f"  output  {a.qualified_name}  ({a.type}, {', '.join(a.aliases) or 'no alias'})")
    for a in inputs:
        print(f"  input   {a.qualified_name}  ({a.type}, asked as {a.asked_as})")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nbrun", description="Inspect runs in an nbrun store.")
    p.add_argument("--dir", help="folder that holds .nbrun/ (default: found from here upwards)")
    sub = p.add_subparsers(dest="command", required=True)
    runs = sub.add_parser("runs", help="list runs")
    runs.add_argument("--project")
    runs.add_argument("--state", choices=RUN_STATES)
    runs.add_argument("--tag", action="append", help="only runs with this tag (repeatable)")
    runs.add_argument("--json", action="store_true", help="print JSON")
    runs.add_argument("--all", action="store_true",
                      help="include runs replaced by re-running their cell before they logged")
    runs.set_defaults(func=cmd_runs)
    show = sub.add_parser("show", help="show one run")
    show.add_argument("run_id")
    show.add_argument("--steps", type=int, default=5, help="how many last steps to print")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=cmd_show)
    sync = sync_command.add_parser(sub)
    for sp in (runs, show, sync, *artifact_command.add_parsers(sub)):
        sp.add_argument("--dir", dest="sub_dir", help=argparse.SUPPRESS)
    login.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader went away (`nbrun runs | head`): end quietly, as command-line tools do.
        # As Python's docs advise, stdout is pointed at devnull so that the flush at exit
        # does not fail again, and SIGPIPE stays ignored (`nbrun sync` writes to sockets,
        # whose errors requests reports as its own, not as this one).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace) -> int:
    api = None
    try:
        if not getattr(args, "needs_store", True):
            code = args.func(args)
        else:
            api = Api(args.sub_dir or args.dir)
            code = args.func(api, args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        raise
    except Error as exc:
        print(f"nbrun: error: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:  # the store failing after it was opened
        print(f"nbrun: error: {StoreUnavailable(api.path if api else '(unknown)', exc)}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
