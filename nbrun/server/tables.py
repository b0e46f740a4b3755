"""Paging a stored table (``media/tables/*.table.json``) for the table viewer: rows sorted by a
column and filtered by text, a page at a time. A parsed table and the row orders asked of it are
kept (tables are content-addressed, so a path's content never changes), so paging a 100,000-row
table re-reads nothing."""

from __future__ import annotations

import json
import math
import os
import stat
import threading
from collections import OrderedDict
from typing import Any, Sequence

TABLES_KEPT = 8  # parsed tables
CELLS_KEPT = 20_000_000  # ... and at most this many cells among them
ORDERS_KEPT = 32  # sorted/filtered row orders
TEXTS_KEPT = 2  # the rows' texts a filter reads, of the tables filtered last


class Unreadable(Exception):
    """The file is not a table this viewer can read."""


class TableCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: OrderedDict[tuple, tuple[list, list]] = OrderedDict()
        self._orders: OrderedDict[tuple, list[int]] = OrderedDict()
        self._row_texts: OrderedDict[tuple, list[str]] = OrderedDict()

    def page(self, path: str, offset: int, limit: int | None, sort: str | None,
             descending: bool, text: str | None, column: str | None) -> dict[str, Any]:
        """Rows ``offset`` to ``offset + limit`` (every row from ``offset`` for None)."""
        identity, columns, rows = self._table(path)
        end = None if limit is None else offset + limit
        sort, column = _named(columns, sort), _named(columns, column)
        order = self._order(identity, columns, rows, sort, descending, text, column)
        if order is None:
            chosen = rows[offset:end]
            total = len(rows)
        else:
            chosen = [rows[i] for i in order[offset:end]]
            total = len(order)
        return {"columns": columns, "rows": chosen, "total": total, "rows_stored": len(rows),
                "offset": offset, "limit": limit}

    def _table(self, path: str) -> tuple[tuple, list, list]:
        # Opened without following a link at the last step (the caller checked the folders),
        # and read only if it is a regular file.
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise Unreadable(str(exc.strerror or exc)) from None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise Unreadable("not a regular file")
            identity = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            with self._lock:
                found = self._tables.get(identity)
                if found is not None:
                    self._tables.move_to_end(identity)
                    return identity, *found
            try:
                stored = json.loads(fh.read())
                columns, rows = list(stored["columns"]), list(stored["data"])
            except (ValueError, KeyError, TypeError) as exc:
                raise Unreadable(f"not a table file ({exc})") from None
        with self._lock:
            self._tables[identity] = (columns, rows)
            while len(self._tables) > 1 and (
                    len(self._tables) > TABLES_KEPT or
                    sum(len(c) * len(r) for c, r in self._tables.values()) > CELLS_KEPT):
                self._tables.popitem(last=False)
        return identity, columns, rows

    def _texts(self, identity: tuple, columns: list, rows: list, column: Any) -> list[str]:
        """Each row's text for the filter (of ``column``, else of every cell, ``\\0`` between
        cells), made once per table and column: a filter then reads one string a row."""
        key = (identity, column)
        with self._lock:
            found = self._row_texts.get(key)
            if found is not None:
                self._row_texts.move_to_end(key)
                return found
        if column is not None:
            j = columns.index(column)
            texts = [_text(_cell(row, j)) for row in rows]
        else:
            texts = ["\0".join(_text(value) for value in row) for row in rows]
        with self._lock:
            self._row_texts[key] = texts
            while len(self._row_texts) > TEXTS_KEPT:
                self._row_texts.popitem(last=False)
        return texts

    def _order(self, identity: tuple, columns: list, rows: list, sort: str | None,
               descending: bool, text: str | None, column: str | None) -> list[int] | None:
        if sort is None and not text:
            return None
        key = (identity, sort, descending, text, column)
        with self._lock:
            found = self._orders.get(key)
            if found is not None:
                self._orders.move_to_end(key)
                return found
        order = list(range(len(rows)))
        if text:
            needle = text.lower()
            texts = self._texts(identity, columns, rows, column)
            order = [i for i in order if needle in texts[i]]
        if sort is not None:
            order = _sorted(order, rows, columns.index(sort), descending)
        with self._lock:
            self._orders[key] = order
            while len(self._orders) > ORDERS_KEPT:
                self._orders.popitem(last=False)
        return order


def _sorted(order: list[int], rows: list, j: int, descending: bool) -> list[int]:
    """``order`` by column ``j``: numbers (and bools) before text, reversed when descending
    (rows of equal cells keep their order); empty, NaN and media cells last either way. Each
    cell is read once (a 100,000-row table sorts in a tenth of a second)."""
    numbers: list[tuple[Any, int]] = []
    words: list[tuple[str, int]] = []
    missing: list[int] = []
    for i in order:
        value = _cell(rows[i], j)
        if isinstance(value, (int, float)) and value == value:  # NaN != NaN
            numbers.append((value, i))
        elif isinstance(value, str):
            words.append((value, i))
        else:
            missing.append(i)
    numbers.sort(key=_first, reverse=descending)
    words.sort(key=_first, reverse=descending)
    first, then = (words, numbers) if descending else (numbers, words)
    return [i for _, i in first] + [i for _, i in then] + missing


def _first(pair: tuple[Any, int]) -> Any:
    return pair[0]


def _text(value: Any) -> str:
    """What a filter reads of a cell, lowercased: a media cell's caption; nothing of None,
    NaN and infinities (shown empty)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, dict):
        caption = value.get("caption")
        return caption.lower() if isinstance(caption, str) else ""
    return str(value).lower()


def _named(columns: list, name: str | None) -> Any:
    """The column ``name`` (text in a URL) names: itself, or an int column's number."""
    if name is None or name in columns:
        return name
    if name.lstrip("-").isdigit() and int(name) in columns:
        return int(name)
    raise KeyError(name)


def _cell(row: Sequence[Any], j: int) -> Any:
    return row[j] if j < len(row) else None
