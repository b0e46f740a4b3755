"""``nbrun.Table``: rows of numbers, strings, bools, None and media, stored as one JSON file
``{"columns": [...], "data": [[...], ...]}`` (media cells as their descriptors)."""

from __future__ import annotations

import json
from typing import Any, Iterator

from ..errors import UsageError
from . import arrays
from .base import Media, Stored, type_name

MAX_ROWS = 1_000_000
MAX_CELLS = 20_000_000
DEFAULT_COLUMNS = ["Input", "Output", "Expected"]
_PLAIN = frozenset((int, float, str, bool, type(None)))
_CELLS = ("cells hold numbers, strings, bools, None, NumPy scalars, or media (nbrun.Image, "
          "Audio, Video, Html, Histogram)")


class Table(Media):
    """A table logged with ``log()``; read back, its rows load from its file on first use."""

    kind = "table"

    def __init__(self, columns: list[Any] | None = None, data: Any = None,
                 rows: Any = None, dataframe: Any = None, dtype: Any = None,
                 optional: Any = True, allow_mixed_types: bool = False,
                 log_mode: str | None = "IMMUTABLE") -> None:
        # dtype/optional/allow_mixed_types/log_mode: the contract's tracker's column typing,
        # accepted for compatibility; cells are checked against what can be stored instead.
        self.path: str | None = None
        self._data: list[list[Any]] | None = []
        self._source: tuple[str, str] | None = None  # (file, run folder) of a table read back
        if dataframe is not None or _is_dataframe(data):
            self._from_dataframe(dataframe if dataframe is not None else data)
            return
        self.columns = _columns(list(columns) if columns is not None else list(DEFAULT_COLUMNS))
        rows_in = data if data is not None else rows
        if rows_in is None:
            return
        if hasattr(rows_in, "ndim") and hasattr(rows_in, "tolist"):
            arr = arrays.as_array(rows_in, "Table")
            if arr.ndim != 2:
                raise UsageError(f"Table: data is {arrays.describe(arr)}; a NumPy table is "
                                 "2-dimensional (rows x columns)")
            rows_in = arr.tolist()
        if not isinstance(rows_in, (list, tuple)):
            raise UsageError(f"Table: data is a {type_name(rows_in)}; pass a list of rows, a "
                             "2-D NumPy array or a pandas DataFrame")
        for row in rows_in:
            self.add_data(*row)

    def _from_dataframe(self, df: Any) -> None:
        if not _is_dataframe(df):
            raise UsageError(f"Table: dataframe is a {type_name(df)}, not a pandas DataFrame")
        self.columns = _columns(list(df.columns))
        if len(df) > MAX_ROWS:
            raise UsageError(f"Table: the DataFrame has {len(df):,} rows; a table holds at most "
                             f"{MAX_ROWS:,}")
        cols = [_column_values(df.iloc[:, j], name) for j, name in enumerate(self.columns)]
        self._data = [list(row) for row in zip(*cols)] if cols else [[] for _ in range(len(df))]

    # -- the contract's tracker's methods ----------------------------------------------------
    @property
    def data(self) -> list[list[Any]]:
        if self._data is None:
            self._load()
        return self._data  # type: ignore[return-value]

    @data.setter
    def data(self, rows: list[list[Any]]) -> None:
        self._data = []
        for row in rows:
            self.add_data(*row)

    def add_data(self, *data: Any) -> None:
        """Append a row: one value per column."""
        rows = self.data
        if len(data) != len(self.columns):
            raise UsageError(f"Table: row {len(rows)} has {len(data)} values but the table has "
                             f"{len(self.columns)} columns {self.columns}; rows hold one value "
                             "per column")
        if len(rows) >= MAX_ROWS or (len(rows) + 1) * len(self.columns) > MAX_CELLS:
            raise UsageError(f"Table: more than {MAX_ROWS:,} rows or {MAX_CELLS:,} cells")
        rows.append([v if type(v) in _PLAIN else _cell(v, self.columns[j], len(rows))
                     for j, v in enumerate(data)])

    def add_row(self, *row: Any) -> None:
        self.add_data(*row)

    def add_column(self, name: Any, data: Any, optional: bool = False) -> None:
        """Add a column (as many values as the table has rows)."""
        rows = self.data
        if name in self.columns:
            raise UsageError(f"Table: a column {name!r} exists already")
        _columns([*self.columns, name])
        if hasattr(data, "tolist"):
            data = data.tolist()
        values = list(data)
        if self.columns and len(values) != len(rows):
            raise UsageError(f"Table: column {name!r} has {len(values)} values but the table "
                             f"has {len(rows)} rows")
        checked = [v if type(v) in _PLAIN else _cell(v, name, i) for i, v in enumerate(values)]
        if not self.columns:
            self._data = [[v] for v in checked]
        else:
            for row, value in zip(rows, checked):
                row.append(value)
        self.columns.append(name)

    def get_column(self, name: Any, convert_to: str | None = None) -> Any:
        if name not in self.columns:
            raise UsageError(f"Table: no column {name!r}; columns are {self.columns}")
        j = self.columns.index(name)
        col = [row[j] for row in self.data]
        if convert_to == "numpy":
            return arrays.numpy().array(col)
        if convert_to is not None:
            raise UsageError("Table.get_column: convert_to is None or 'numpy'")
        return col

    def get_dataframe(self) -> Any:
        import pandas as pd

        return pd.DataFrame.from_records(self.data, columns=self.columns)

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and self.columns == other.columns and \
            self.data == other.data

    __hash__ = None  # type: ignore[assignment]

    # -- logging ------------------------------------------------------------------------------
    def frozen(self) -> "Table":
        copy = Table.__new__(Table)
        copy.path, copy._source = None, None
        copy.columns = list(self.columns)
        copy._data = [list(row) for row in self.data]
        return copy

    @property
    def nbytes(self) -> int:
        rows = self._data or []
        return 64 * len(self.columns) * len(rows) + 1024

    def cache_key(self) -> bytes | None:
        return None  # hashing a table costs about what storing it does

    def serialize(self, files: Any) -> dict[str, Any]:
        cell_files: dict[str, None] = {}
        data = []
        for row in self.data:
            if any(isinstance(v, Media) for v in row):
                row = [_stored_cell(v, files, cell_files) for v in row]
            data.append(row)
        text = json.dumps({"columns": self.columns, "data": data}, allow_nan=True,
                          separators=(",", ":"), ensure_ascii=False)
        stored = files.put(text.encode("utf-8", "surrogatepass"), "tables", "table.json")
        out: dict[str, Any] = {"_type": self.kind, **stored, "columns": self.columns,
                               "rows": len(data)}
        if cell_files:
            out["files"] = list(cell_files)
        return out

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Table":
        table = cls.__new__(cls)
        table.path = Stored.local(run_dir, descriptor)
        table.columns = list(descriptor.get("columns", []))
        table._data = None
        table._source = (table.path or "", run_dir)
        return table

    def _load(self) -> None:
        from .decode import decode

        path, run_dir = self._source or ("", "")
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
        self.columns = stored["columns"]
        self._data = [[decode(v, run_dir) if type(v) is dict else v for v in row]
                      for row in stored["data"]]

    def __repr__(self) -> str:
        rows = "?" if self._data is None else f"{len(self._data):,}"
        return f"<nbrun.Table {rows} rows x {len(self.columns)} columns>"


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas")


def _columns(columns: list[Any]) -> list[Any]:
    for name in columns:
        if type(name) not in (str, int):
            raise UsageError(f"Table: column name {name!r} is a {type_name(name)}; column names "
                             "are strings (or ints)")
    if len(set(columns)) != len(columns):
        raise UsageError(f"Table: column names repeat: {columns}")
    return columns


def _cell(value: Any, column: Any, row: int) -> Any:
    if isinstance(value, Media) and value.kind in ("image", "audio", "video", "html",
                                                    "histogram"):
        return value.frozen()
    if isinstance(value, (bool, int, float, str)):  # subclasses (IntEnum, np.float64)
        for kind in (bool, int, float, str):
            if isinstance(value, kind):
                return kind(value)
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0 and \
            value.dtype.kind in "biufU":
        return value.item()
    raise UsageError(f"Table: column {column!r}, row {row} holds a {type_name(value)}; "
                     f"{_CELLS}")


def _column_values(series: Any, name: Any) -> list[Any]:
    kind = series.dtype.kind
    if kind in "biuf" and type(series.dtype).__module__.startswith("numpy"):
        return series.tolist()
    if kind == "M":  # datetimes: ISO text (NaT as None)
        return [None if v is None else v.isoformat() for v in
                series.astype(object).where(series.notna(), None).tolist()]
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v if type(v) in _PLAIN else _cell(v, name, i) for i, v in enumerate(values)]


def _stored_cell(value: Any, files: Any, cell_files: dict[str, None]) -> Any:
    if not isinstance(value, Media):
        return value
    descriptor = value.serialize(files)
    if "path" in descriptor:
        cell_files[descriptor["path"]] = None
    for mask in descriptor.get("masks", {}).values():
        cell_files[mask["path"]] = None
    return descriptor
