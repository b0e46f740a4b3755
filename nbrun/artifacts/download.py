"""Copying a version's files out of the object store (``download``) and checking files against
its manifest (``verify``), a chunk at a time whatever their size."""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
import uuid
import warnings
from typing import Any, Sequence

from ..errors import Error, UsageError
from ..store import objects
from . import references
from .references import walk_files

CHUNK = objects.CHUNK
ROOT_ENV = "NBRUN_ARTIFACT_DIR"


def root_for(name: str, root: str | os.PathLike | None) -> str:
    """``root``, or ``<NBRUN_ARTIFACT_DIR or ./artifacts>/<name:vN>``."""
    if root is not None:
        return os.path.abspath(os.fspath(root))
    return os.path.abspath(os.path.join(os.environ.get(ROOT_ENV) or "artifacts", name))


def _target(root: str, path: str) -> str:
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Error(f"the store lists a file at {path!r}, which is not a path inside an artifact;"
                    " the store may be damaged")
    return os.path.join(root, *parts)


def _same_content(path: str, digest: str, size: int | None) -> bool:
    try:
        if not os.path.isfile(path) or (size is not None and os.path.getsize(path) != size):
            return False
        return objects.hash_file(path, "download")[0] == digest
    except UsageError:
        return False


def _copy(src_fd: int, dest: str) -> None:
    """Write the content of ``src_fd`` to ``dest`` through a temporary file beside it, so a
    reader never sees half a file."""
    folder = os.path.dirname(dest)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(dest)}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(tmp, "wb") as out:
            buf = bytearray(CHUNK)
            view = memoryview(buf)
            with open(src_fd, "rb", buffering=0, closefd=False) as src:
                while True:
                    n = src.readinto(buf)
                    if not n:
                        break
                    out.write(view[:n])
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def ref_path(ref: str) -> str | None:
    """The local path of a ``file://`` reference, else None."""
    parts = urllib.parse.urlsplit(ref)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    return urllib.request.url2pathname(parts.path)


def materialize(store_path: str, entries: Sequence[dict[str, Any]], root: str,
                prefix: str | None, allow_missing_references: bool) -> None:
    skipped = []
    for entry in entries:
        path = entry["path"]
        if prefix and not path.startswith(prefix):
            continue
        dest = _target(root, path)
        if entry["ref"] is None:
            if _same_content(dest, entry["digest"], entry["size"]):
                continue
            fd = objects.open_object(store_path, entry["digest"])
            if fd is None:
                raise Error(f"download: the content of {path!r} ({entry['digest'][:12]}) is "
                            f"missing from the store at {store_path}; the store is damaged")
            try:
                _copy(fd, dest)
            finally:
                os.close(fd)
            continue
        local = ref_path(entry["ref"])
        if local is None:
            skipped.append(entry["ref"])
            continue
        checked = entry["digest"] != references.uri_digest(entry["ref"])
        if _same_content(dest, entry["digest"], entry["size"]) and checked:
            continue
        ok = os.path.isfile(local) and (not checked or _same_content(local, entry["digest"],
                                                                     entry["size"]))
        if not ok:
            if allow_missing_references:
                continue
            raise UsageError(f"download: the reference {entry['ref']} of {path!r} is missing or "
                             "changed since it was logged; pass allow_missing_references=True "
                             "to download the rest")
        with open(local, "rb") as src:
            _copy(src.fileno(), dest)
    if skipped:
        warnings.warn(f"download: {len(skipped)} reference(s) were not fetched (nbrun records "
                      f"references and never fetches them): {', '.join(skipped[:3])}",
                      UserWarning, stacklevel=3)


def verify(store_path: str, entries: Sequence[dict[str, Any]], name: str,
           root: str | None) -> None:
    problems: list[str] = []
    held = {e["path"]: e for e in entries if e["ref"] is None or ref_path(e["ref"])}
    if root is None:
        for path, e in held.items():
            if e["ref"] is not None:
                continue
            where = objects.object_path(store_path, e["digest"])
            if not os.path.isfile(where):
                problems.append(f"{path}: its content is missing from the store")
            elif not _same_content(where, e["digest"], e["size"]):
                problems.append(f"{path}: the stored content no longer matches its checksum")
    else:
        if not os.path.isdir(root):
            raise UsageError(f"verify: no folder at {root!r}; download the artifact there first")
        present = {rel for rel, _ in walk_files(root)}
        for rel in sorted(present - held.keys()):
            problems.append(f"{rel}: not a file of the artifact")
        for path, e in sorted(held.items()):
            full = _target(root, path)
            if path not in present:
                problems.append(f"{path}: missing")
            elif e["ref"] is not None and e["digest"] == references.uri_digest(e["ref"]):
                continue  # an unchecksummed reference: nothing to compare
            elif not _same_content(full, e["digest"], e["size"]):
                problems.append(f"{path}: its content differs from the logged one")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise Error(f"verify: {name} does not match{'' if root is None else ' ' + root}: "
                    f"{shown}{more}")
