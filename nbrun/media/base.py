"""What every media type shares: how it is stored (``serialize``, run by the background
encoder, never by ``log()``'s caller) and read back (``from_stored``), and the sink its files go
through."""

from __future__ import annotations

import hashlib
import os
from typing import Any, Protocol

from ..errors import UsageError
from ..sdk.rich import RichValue


class Files(Protocol):
    """Where ``serialize`` puts file content: stored once per run folder by its digest."""

    def put(self, data: bytes, subdir: str, ext: str) -> dict[str, Any]:
        """``{"path": relative path, "sha256": digest, "size": bytes}``."""
        ...


class Media(RichValue):
    """A value ``log()`` stores as a file (or inline) with a small descriptor in the history.

    Subclasses set ``kind`` and implement ``serialize``; the constructor validates and copies
    the data (cheap), ``serialize`` encodes it (in the background)."""

    __slots__ = ()
    kind = "media"

    def serialize(self, files: Files) -> dict[str, Any]:
        """The descriptor stored in the history: ``{"_type": kind, ...}`` (encodes and stores
        the files through ``files``). Runs on the encoder's thread."""
        raise NotImplementedError

    def frozen(self) -> "Media":
        """The value as it is now: a copy where the object can still change (a Table)."""
        return self

    @property
    def nbytes(self) -> int:
        """Memory the queued value holds, counted against the encoder's bound."""
        return 1024

    def cache_key(self) -> bytes | None:
        """A digest of everything ``serialize`` depends on, so that a value logged again is
        not encoded again; None when there is none to give."""
        return None


class Stored:
    """Helpers for values read back from a run: where a file is on this machine, and its
    content when such a value is logged again."""

    @staticmethod
    def local(run_dir: str, descriptor: dict[str, Any]) -> str | None:
        path = descriptor.get("path")
        if not isinstance(path, str) or not path:
            return None
        return os.path.join(run_dir, *path.split("/"))

    @staticmethod
    def text(path: str | None) -> str | None:
        """The text of a stored file, or None when there is none to read."""
        if path is None:
            return None
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        except OSError:
            return None

    @staticmethod
    def content(path: str | None, what: str) -> bytes:
        if path is None:
            raise UsageError(f"{what}: this value holds no data and names no file")
        with open(path, "rb") as fh:
            return fh.read()


def data_key(data: bytes | None, array: Any, *described: Any) -> bytes | None:
    """A digest of a value's bytes or array and what else its encoding depends on (``None``
    when it holds neither)."""
    if data is None and array is None:
        return None
    digest = hashlib.sha256(data if data is not None else array.data)
    digest.update(repr(described).encode())
    return digest.digest()


def check_caption(caption: Any, what: str) -> str | None:
    if caption is None or isinstance(caption, str):
        return caption
    raise UsageError(f"{what}: caption must be a string or None, got {type(caption).__name__}")


def type_name(value: Any) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def read_source(path: Any, what: str, extensions: tuple[str, ...]) -> tuple[bytes, str]:
    """The bytes of a media file named by the user (copied now: the file may change after
    ``log()``) and its extension, lower case."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in extensions:
        raise UsageError(f"{what}: {path!r} has the extension {ext or '(none)'!r}; accepted "
                         f"files end in {', '.join('.' + e for e in extensions)}")
    try:
        with open(path, "rb") as fh:
            return fh.read(), ext
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path!r} ({exc.strerror or exc})") from None
