"""Request parameters and bodies, checked before anything is read: each bad value is a 400 with
a message naming the parameter. Value rules come from ``nbrun.validation``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .. import validation as rules
from ..errors import UsageError
from ..store import expression, fields
from ..store.fields import Field
from ..store.filters import RunFilter
from ..store.states import RUN_STATES
from ..store.sorting import DEFAULT_SORT, Sort, by_group, sort_for
from .errors import bad_request

Query = Mapping[str, Sequence[bytes]]

LIMIT_DEFAULT, LIMIT_MAX = 100, 1000
OFFSET_MAX = 10**9
POINTS_DEFAULT, POINTS_MIN, POINTS_MAX = 1000, 2, 10_000
KEYS_MAX = 200
KEY_MAX_CHARS = 1024
Q_MAX_CHARS = 256
_PATH_LIKE = (".", "..")
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def run_id(value: str) -> str:
    """A run id from the URL, checked by the contract's own rule before any look-up.

    '.' and '..' pass that rule (they are legal ids, stored under a hashed folder name) but the
    server refuses them: in a URL they are path segments, and a request naming them is a
    traversal attempt far more often than a run.
    """
    try:
        rules.check_id(value, "run id")
    except UsageError as exc:
        raise bad_request(str(exc)) from None
    if value in _PATH_LIKE:
        raise bad_request(f"run id {value!r} is a path segment, not a run id")
    return value


def _texts(query: Query, name: str) -> list[str]:
    out = []
    for raw in query.get(name, ()):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise bad_request(f"{name}: not valid UTF-8") from None
    return out


def one(query: Query, name: str) -> str | None:
    values = _texts(query, name)
    if len(values) > 1:
        raise bad_request(f"{name} is given {len(values)} times; give it once")
    return values[0] if values else None


def _int(query: Query, name: str, default: int, low: int, high: int | None) -> int:
    text = one(query, name)
    if text is None or text == "":
        return default
    if not _INTEGER.fullmatch(text):
        raise bad_request(f"{name}={text!r} is not an integer")
    value = int(text)
    if value < low or (high is not None and value > high):
        upper = f" to {high}" if high is not None else " or more"
        raise bad_request(f"{name}={value} is out of range; use {low}{upper}")
    return value


def _bool(query: Query, name: str) -> bool:
    text = one(query, name)
    if text is None:
        return False
    try:
        return rules.parse_bool_text(text, name)
    except UsageError as exc:
        raise bad_request(str(exc)) from None


def store_key(query: Query) -> str | None:
    return one(query, "store") or None


COLUMNS_MAX = 200
GROUP_COLUMNS = ("project", "group", "job_type")


@dataclass(frozen=True)
class ListQuery:
    filter: RunFilter
    sort: Sort
    offset: int
    limit: int
    store: str | None
    group: Sort | None = None  # group_by: the order of the groups, and their value
    columns: tuple[Field, ...] = ()  # config paths each row carries


def list_query(query: Query) -> ListQuery:
    try:
        project = _project(query)
        state = one(query, "state") or None
        if state is not None:
            rules.check_choice(state, "state", RUN_STATES)
        tags = rules.check_tags([t for t in _texts(query, "tag")], "tag")
        sort = sort_for(one(query, "sort") or DEFAULT_SORT)
        where = one(query, "where")
        where_filter = expression.parse(where) if where and where.strip() else None
        group_by = one(query, "group_by") or None
        group = (by_group(fields.parse(group_by, "group_by", bare="column",
                                       columns=GROUP_COLUMNS))
                 if group_by is not None else None)
        columns = _columns(query)
    except UsageError as exc:
        raise bad_request(str(exc)) from None
    q = one(query, "q") or None
    if q is not None:
        if len(q) > Q_MAX_CHARS:
            raise bad_request(f"q is {len(q)} characters long; at most {Q_MAX_CHARS}")
        q = q.strip() or None
    return ListQuery(
        filter=RunFilter(project=project, state=state, tags=tags, q=q,
                         include_hidden=_bool(query, "include_hidden"),
                         unsynced=_bool(query, "unsynced"), expression=where_filter),
        sort=sort,
        offset=_int(query, "offset", 0, 0, OFFSET_MAX),
        limit=_int(query, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX),
        store=store_key(query),
        group=group,
        columns=columns,
    )


def _project(query: Query) -> str | None:
    project = one(query, "project") or None
    if project is not None:
        rules.check_project(project)
    return project


def _columns(query: Query) -> tuple[Field, ...]:
    texts = list(dict.fromkeys(_texts(query, "columns")))
    if len(texts) > COLUMNS_MAX:
        raise UsageError(f"columns: {len(texts)} asked for; at most {COLUMNS_MAX}")
    out = []
    for text in texts:
        if not text.startswith("config."):
            raise UsageError(f"columns: {text[:80]!r} is not a config column; use "
                             "config.<path> (summary values are in every row already)")
        out.append(fields.parse(text, "columns", bare="column"))
    return tuple(out)


@dataclass(frozen=True)
class KeysQuery:
    store: str | None
    project: str | None


def keys_query(query: Query) -> KeysQuery:
    try:
        return KeysQuery(store=store_key(query), project=_project(query))
    except UsageError as exc:
        raise bad_request(str(exc)) from None


@dataclass(frozen=True)
class HistoryQuery:
    keys: tuple[str, ...] | None  # None: every key of the run
    points: int
    store: str | None
    since_step: int | None = None  # only the points after this step (live updates)
    times: bool = False  # each point's wall time too (charts on a time axis)
    stats: bool = False  # each key's last, min and max with their steps (keystats)


def history_query(query: Query) -> HistoryQuery:
    keys = _texts(query, "keys")
    if len(keys) > KEYS_MAX:
        raise bad_request(f"{len(keys)} keys asked for; at most {KEYS_MAX} per request")
    for key in keys:
        if not key or len(key) > KEY_MAX_CHARS:
            raise bad_request(f"keys: {key[:80]!r} is not a history key")
    return HistoryQuery(
        keys=tuple(dict.fromkeys(keys)) if keys else None,
        points=_int(query, "points", POINTS_DEFAULT, POINTS_MIN, POINTS_MAX),
        store=store_key(query),
        since_step=(_int(query, "since_step", -1, -1, None)
                    if one(query, "since_step") not in (None, "") else None),
        times=_bool(query, "times"),
        stats=_bool(query, "stats"),
    )


def json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the request body is not valid JSON") from None
    except RecursionError:
        raise bad_request("the request body is nested too deeply; send a flat JSON object "
                          "such as {\"tags\": [...], \"notes\": \"...\"}") from None
    if not isinstance(data, dict):
        raise bad_request("the request body must be a JSON object")
    return data


_MISSING = object()


@dataclass(frozen=True)
class Edit:
    tags: tuple[str, ...] | None
    notes: Any  # _MISSING: leave as is; None: clear


def edit_body(body: bytes) -> Edit:
    data = json_body(body)
    unknown = sorted(set(data) - {"tags", "notes"})
    if unknown:
        raise bad_request(f"cannot edit {', '.join(unknown)}; only tags and notes")
    if not data:
        raise bad_request("nothing to change: give tags and/or notes")
    try:
        tags = rules.check_tags(data["tags"], one_string=False) if "tags" in data else None
        notes = data.get("notes", _MISSING)
        if notes is not None and notes is not _MISSING:
            notes = rules.check_text(notes, "notes")
    except UsageError as exc:
        raise bad_request(str(exc)) from None
    return Edit(tags=tags, notes=notes)


def is_missing(value: Any) -> bool:
    return value is _MISSING


def state_body(body: bytes) -> str:
    data = json_body(body)
    unknown = sorted(set(data) - {"state"})
    if unknown:
        raise bad_request(f"unknown field {', '.join(unknown)}; the body is {{\"state\": ...}}")
    try:
        return rules.check_choice(data.get("state"), "state", ("crashed", "finished"))
    except UsageError as exc:
        raise bad_request(str(exc)) from None
