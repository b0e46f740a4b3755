"""The object store of artifacts: ``.nbrun/objects/<2 hex>/<62 hex>``, one read-only file per
content (named by its SHA-256), shared by every run and version of the store.

A file is copied into a temporary file in ``objects/tmp/`` and hashed as it is copied, the hash
being of the copy itself (``objectcopy``), so an object's content is always the one its name
says; memory stays at two 1 MB buffers at most, whatever the file's size. The temporary file is
synced and then linked into place, so an object is complete or absent, whatever kills the
process. A source that changes while it is read (its size, times or identity differ before and
after) is refused.

Objects nothing references are removed when runs are deleted (``release``, ``sweep``); a version
is committed only after checking, under the store's write lock, that its objects exist (see
``nbrun.artifacts.committing``), so removal and logging never cross.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
import uuid
from typing import Iterable

from ..errors import UsageError
from .database import Store
from .liveness import HOST, process_alive
from .objectcopy import CHUNK, copy_hashing, read_all
from .runfiles import regular_or_close

OBJECTS_DIRNAME = "objects"
TMP_DIRNAME = "tmp"
SAMPLE, SAMPLES = 64 << 10, 8  # compared before hashing a file logged again (differs)
SWEEP_MIN_AGE_S = 600.0  # an unreferenced object newer than this may be a log in progress
TMP_MAX_AGE_S = 86_400.0  # a temporary file of another host (or an unknown pid) older than this
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def objects_dir(store_path: str) -> str:
    return os.path.join(store_path, OBJECTS_DIRNAME)


def object_path(store_path: str, digest: str) -> str:
    return os.path.join(store_path, OBJECTS_DIRNAME, digest[:2], digest[2:])


def exists(store_path: str, digest: str) -> bool:
    return os.path.isfile(object_path(store_path, digest))


def is_digest(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))


def open_object(store_path: str, digest: str) -> int | None:
    """A read-only descriptor of the object (a regular file reached through no link), or None.
    The caller closes it."""
    if not is_digest(digest):
        return None
    try:
        fd = os.open(object_path(store_path, digest), os.O_RDONLY | _NOFOLLOW | _BINARY)
    except OSError:
        return None
    return regular_or_close(fd)


# -- reading sources ---------------------------------------------------------------------------
def _identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _open_source(path: str, what: str) -> tuple[int, os.stat_result]:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the open
            raise UsageError(f"{what}: {path!r} is not a regular file")
        fd = os.open(path, os.O_RDONLY | _BINARY)
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path!r} ({exc.strerror or exc})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UsageError(f"{what}: {path!r} is not a regular file")
    return fd, st


def _check_unchanged(fd: int, path: str, before: os.stat_result, read: int, what: str) -> None:
    after = os.fstat(fd)
    try:
        now = _identity(os.stat(path))
    except OSError:
        now = None
    if read != before.st_size or _identity(after) != _identity(before) or now != _identity(before):
        raise UsageError(
            f"{what}: {path!r} changed while it was being read ({before.st_size} bytes before, "
            f"{read} read); nothing was stored: log it again once it is no longer being written")


def hash_file(path: str, what: str) -> tuple[str, int]:
    """``(sha256 hex, size)`` of a file, read in 1 MB chunks; refused if it changes meanwhile."""
    fd, before = _open_source(path, what)
    try:
        hasher = hashlib.sha256()
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        total = 0
        while True:
            n = read_all(fd, buf)
            if n == 0:
                break
            hasher.update(view[:n])
            total += n
        _check_unchanged(fd, path, before, total, what)
        return hasher.hexdigest(), total
    finally:
        os.close(fd)


def differs(store_path: str, digest: str, path: str) -> bool:
    """A quick look before hashing a file to learn whether it is the object ``digest``: True
    when a few SAMPLE-byte samples (its start, its end, and evenly between) differ from the
    object's, or either cannot be read. A checkpoint saved again with new weights differs
    everywhere, so it is copied at once instead of being read once more just to find it
    changed; False proves nothing (the caller still hashes it)."""
    obj = open_object(store_path, digest)
    if obj is None:
        return True
    try:
        src = os.open(path, os.O_RDONLY | _BINARY)
    except OSError:
        os.close(obj)
        return True
    try:
        size = os.fstat(obj).st_size
        if os.fstat(src).st_size != size:
            return True
        last = max(size - SAMPLE, 0)
        for offset in sorted({last * i // (SAMPLES - 1) for i in range(SAMPLES)}):
            if os.pread(src, SAMPLE, offset) != os.pread(obj, SAMPLE, offset):
                return True
        return False
    except OSError:
        return True
    finally:
        os.close(src)
        os.close(obj)


def _tmp_dir(store_path: str) -> str:
    path = os.path.join(objects_dir(store_path), TMP_DIRNAME)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _place(store_path: str, tmp: str, digest: str) -> None:
    """Link the complete temporary file into place (first writer wins; the same content
    either way) and make the link durable."""
    final = object_path(store_path, digest)
    folder = os.path.dirname(final)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    try:
        os.link(tmp, final)
    except FileExistsError:
        pass
    except OSError as exc:  # a file system without hard links
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if not os.path.exists(final):
            os.replace(tmp, final)
    _fsync_dir(folder)


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store_file(store_path: str, path: str, what: str) -> tuple[str, int]:
    """Store the file at ``path`` as an object: ``(sha256 hex, size)``. One read of the source;
    a source that changes meanwhile is refused (``UsageError``) and nothing is placed."""
    src, before = _open_source(path, what)
    tmp = os.path.join(_tmp_dir(store_path), f"{HOST}-{os.getpid()}-{uuid.uuid4().hex}.part")
    try:
        dst = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o400)
        try:
            copy = os.open(tmp, os.O_RDONLY | _BINARY)
            try:
                digest, size = copy_hashing(src, dst, copy, before.st_size)
            finally:
                os.close(copy)
            _check_unchanged(src, path, before, size, what)
            os.fsync(dst)
        finally:
            os.close(dst)
        if exists(store_path, digest):
            refresh(store_path, digest)
        else:
            _place(store_path, tmp, digest)
        return digest, size
    finally:
        os.close(src)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def refresh(store_path: str, digest: str) -> None:
    """Mark an object as just used, so a sweep leaves it to the commit that needs it."""
    try:
        os.utime(object_path(store_path, digest))
    except OSError:
        pass


# -- removal -----------------------------------------------------------------------------------
_REFERENCED = "SELECT 1 FROM artifact_files WHERE digest=? AND ref IS NULL LIMIT 1"


def release(store: Store, digests: Iterable[str]) -> int:
    """Remove the objects among ``digests`` that no version references any more (after the
    versions holding them were deleted); how many were removed."""
    wanted = sorted({d for d in digests if is_digest(d)})
    removed = 0
    if not wanted:
        return 0
    with store.transaction() as conn:  # no version can be committed meanwhile
        for digest in wanted:
            if conn.execute(_REFERENCED, (digest,)).fetchone() is None:
                removed += _unlink(object_path(store.path, digest))
    return removed


def sweep(store: Store, min_age: float = SWEEP_MIN_AGE_S) -> int:
    """Remove unreferenced objects older than ``min_age`` (left by a process killed between
    storing its files and committing its version) and temporary files of dead processes.
    Each folder is checked in its own short transaction."""
    root = objects_dir(store.path)
    removed = _sweep_tmp(os.path.join(root, TMP_DIRNAME))
    try:
        folders = sorted(n for n in os.listdir(root) if len(n) == 2)
    except OSError:
        return removed
    now = time.time()
    for prefix in folders:
        folder = os.path.join(root, prefix)
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        old = []
        for name in names:
            try:
                if now - os.stat(os.path.join(folder, name)).st_mtime >= min_age:
                    old.append(prefix + name)
            except OSError:
                continue
        if not old:
            continue
        with store.transaction() as conn:
            for digest in old:
                if is_digest(digest) and conn.execute(_REFERENCED, (digest,)).fetchone() is None:
                    removed += _unlink(os.path.join(folder, digest[2:]))
    return removed


def _sweep_tmp(folder: str) -> int:
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    now = time.time()
    for name in names:
        path = os.path.join(folder, name)
        host, _, rest = name.rpartition("-")[0].rpartition("-")
        try:
            pid = int(rest)
        except ValueError:
            pid = -1
        try:
            age = now - os.stat(path).st_mtime
        except OSError:
            continue
        if (host == HOST and pid > 0 and not process_alive(pid, None)) or age > TMP_MAX_AGE_S:
            removed += _unlink(path)
    return removed


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except OSError:
        return 0
