"""The embedded store: one SQLite database (WAL) plus one folder per run."""

from .database import Store, StoreMissing, StoreUnavailable
from .location import find_store_root, resolve_store_root
from .records import RunRow
from .writer import Writer, get_writer

__all__ = [
    "RunRow",
    "Store",
    "StoreMissing",
    "StoreUnavailable",
    "Writer",
    "find_store_root",
    "get_writer",
    "resolve_store_root",
]
