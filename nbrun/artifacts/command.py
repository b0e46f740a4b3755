"""``nbrun artifacts [NAME]`` (the artifact names of a store, or the versions of one) and
``nbrun artifact get NAME[:ALIAS] --root DIR`` (download a version)."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from .. import validation as rules
from ..errors import UsageError
from ..store import artifact_reads as reads
from . import names, reading


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("vid", "aid")}


def cmd_artifacts(api: Any, args: argparse.Namespace) -> int:
    conn = api.store.conn
    project = rules.check_project(args.project) if args.project else None
    kind = names.check_type(args.type) if args.type else None
    if args.name is None:
        found = reads.names(conn, project, kind)
        if args.json:
            print(json.dumps([_public(n) for n in found], indent=2))
        elif not found:
            print("no artifacts" + (" match" if project or kind else ""))
        else:
            print(_table([[n["name"], n["project"], n["type"], str(n["versions"]),
                           n["latest"] or "-",
                           ", ".join(f"{a}={v}" for a, v in n["aliases"].items()),
                           human_size(n["size"]), _when(n["updated_at"])] for n in found],
                         ["NAME", "PROJECT", "TYPE", "VERSIONS", "LATEST", "ALIASES", "SIZE",
                          "UPDATED"]))
        return 0
    wanted = names.parse(args.name, "NAME")
    where = wanted.project or project
    any_version = reading.artifact(api.store, f"{where}/{wanted.name}" if where else wanted.name)
    aid = reads.artifact_id(conn, any_version.project, wanted.name)
    assert aid is not None
    versions = reads.versions(conn, aid)
    if kind is not None:
        versions = [v for v in versions if v["type"] == kind]
    if args.json:
        print(json.dumps([_public(v) for v in versions], indent=2))
        return 0
    print(f"{any_version.project}/{wanted.name}  ({any_version.type}, {len(versions)} versions)")
    print(_table([[v["version"], ", ".join(v["aliases"]), v["digest"][:12], str(v["file_count"]),
                   human_size(v["size"]),
                   v["logged_by"]["id"] if v["logged_by"] else "-", str(v["used_count"]),
                   _when(v["created_at"])] for v in versions],
                 ["VERSION", "ALIASES", "DIGEST", "FILES", "SIZE", "LOGGED BY", "USED BY",
                  "CREATED"]))
    return 0


def cmd_get(api: Any, args: argparse.Namespace) -> int:
    if not args.spec:
        raise UsageError("artifact get: name the version, e.g. dataset:v3 or project/model:best")
    found = reading.artifact(api.store, args.spec, args.type)
    print(found.download(args.root))
    return 0


def add_parsers(sub: Any) -> list[argparse.ArgumentParser]:
    """``artifacts`` and ``artifact get`` on the ``nbrun`` command's subparsers."""
    listing = sub.add_parser(
        "artifacts", help="list artifacts, or the versions of one",
        description="Without NAME: the artifact names of the store. With NAME (or "
                    "project/NAME): its versions, newest first, with aliases, digest, size, "
                    "the run that logged each and how many runs used it.")
    listing.add_argument("name", nargs="?", metavar="NAME")
    listing.add_argument("--project", help="only this project")
    listing.add_argument("--type", help="only this artifact type")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_artifacts)
    single = sub.add_parser("artifact", help="act on one artifact version")
    actions = single.add_subparsers(dest="action", required=True)
    get = actions.add_parser("get", help="download a version's files",
                             description="Copy the files of NAME:ALIAS (v3, latest, best...; "
                                         "project/NAME:ALIAS when several projects have the "
                                         "name) into --root; prints the folder.")
    get.add_argument("spec", metavar="NAME:ALIAS")
    get.add_argument("--root", help="folder to copy into (default ./artifacts/NAME:vN)")
    get.add_argument("--type", help="fail unless the artifact has this type")
    get.set_defaults(func=cmd_get)
    return [listing, single, get]
