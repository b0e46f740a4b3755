"""The embedded store: one SQLite database (WAL) plus one folder per run."""

from .database import Store, StoreMissing, StoreUnavailable
from .location import StoreLocation, find_store_root, locate_store, store_root
from .records import RunRow
from .writer import Writer, get_writer

__all__ = [
    "RunRow",
    "Store",
    "StoreMissing",
    "StoreLocation",
    "StoreUnavailable",
    "Writer",
    "find_store_root",
    "get_writer",
    "locate_store",
    "store_root",
]
