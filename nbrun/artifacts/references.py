"""References: entries that name content elsewhere instead of holding it. A ``file://`` file
(or every file of a ``file://`` folder) is checksummed, so a changed file is a new version;
any other URI (``s3://``, ``gs://``, ``http(s)://``...) is recorded as it is and never fetched:
its digest is the URI's own."""

from __future__ import annotations

import hashlib
import os
import urllib.parse
import urllib.request
from typing import Any, Iterator

from ..errors import UsageError
from ..store import objects
from . import names
from .entries import Source

MAX_OBJECTS_DEFAULT = 10_000_000


def walk_files(folder: str) -> Iterator[tuple[str, str]]:
    """``(relative posix path, full path)`` of every file under ``folder``, sorted. Links to
    files are followed; links to folders are not (a loop could never end)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                found.append((os.path.relpath(full, folder).replace(os.sep, "/"), full))
    yield from sorted(found)


def uri_digest(uri: str) -> str:
    return hashlib.sha256(uri.encode("utf-8")).hexdigest()


def entries(uri: Any, name: str | None, checksum: bool, max_objects: int | None
            ) -> list[Source]:
    if hasattr(uri, "__fspath__"):
        uri = os.fspath(uri)
    if not isinstance(uri, str) or not uri:
        raise UsageError(f"add_reference: expected a URI string such as 's3://bucket/key' or "
                         f"'file:///path', got {uri!r}")
    parts = urllib.parse.urlsplit(uri)
    if len(parts.scheme) < 2:  # none, or a Windows drive letter
        raise UsageError(f"add_reference: {uri!r} is not a URI; references are URIs such as "
                         "'s3://bucket/key', 'https://host/file' or, for a local file, "
                         "'file:///absolute/path' (add_file copies a local file instead)")
    limit = MAX_OBJECTS_DEFAULT if max_objects is None else max_objects
    if parts.scheme.lower() == "file":
        return _file_entries(uri, parts, name, checksum, limit)
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc or parts.scheme
    inside = names.check_path(name if name is not None else tail, "add_reference")
    return [Source(inside, "ref", digest=uri_digest(uri), size=None, ref=uri)]


def _file_entries(uri: str, parts: urllib.parse.SplitResult, name: str | None, checksum: bool,
                  limit: int) -> list[Source]:
    if parts.netloc not in ("", "localhost"):
        raise UsageError(f"add_reference: {uri!r} names host {parts.netloc!r}; a file:// "
                         "reference names a path on this machine (file:///path)")
    path = urllib.request.url2pathname(parts.path)
    if os.path.isfile(path):
        inside = names.check_path(name if name is not None else os.path.basename(path),
                                  "add_reference")
        return [_file_source(inside, path, checksum)]
    if not os.path.isdir(path):
        raise UsageError(f"add_reference: {uri!r} names no file or folder ({path!r} does not "
                         "exist)")
    prefix = names.check_path(name, "add_reference") + "/" if name else ""
    found = []
    for rel, full in walk_files(path):
        if len(found) >= limit:
            raise UsageError(f"add_reference: {uri!r} holds more than max_objects={limit} files")
        found.append(_file_source(prefix + rel, full, checksum))
    return found


def _file_source(inside: str, path: str, checksum: bool) -> Source:
    ref = "file://" + urllib.request.pathname2url(os.path.abspath(path))
    if checksum:
        digest, size = objects.hash_file(path, "add_reference")
    else:
        digest, size = uri_digest(ref), os.path.getsize(path)
    return Source(inside, "ref", local=os.path.abspath(path), digest=digest, size=size, ref=ref)
