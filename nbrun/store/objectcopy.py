"""Copying a file into a new object while hashing it, in bounded memory: the bytes hashed are
the bytes of the copy, so an object's content is always what its name (the digest) says.

A small file goes through one 1 MB buffer: each chunk read, hashed and written. A big one is
copied by the kernel (``copy_file_range``: no trip through this process's memory, a reflink
where the file system has them, and less CPU, measured here, than writing from a buffer) in a
helper thread, one window at a time, while the calling thread hashes each window once copied,
reading it back from the page cache; both release the GIL, so it costs about what hashing
alone does. The hash is of the copy (a file only this process writes), never of a second read
of the source, so a source changed in a way its times do not show (pages of a shared mapping
rewritten while already dirty) cannot give an object whose content differs from its digest.
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

CHUNK = 1 << 20
PIPELINE_FROM = 4 * CHUNK  # smaller files are copied in one thread
WINDOW = 32 * CHUNK  # a big file is copied this much at a time, each hashed once copied


def read_all(fd: int, buf: bytearray) -> int:
    """Fill ``buf`` from ``fd`` (short only at the end of the file)."""
    view = memoryview(buf)
    got = 0
    while got < len(buf):
        n = os.readv(fd, [view[got:]])
        if n == 0:
            break
        got += n
    return got


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        n = os.write(fd, data)
        data = data[n:]


def copy_hashing(src: int, dst: int, copy: int, size: int) -> tuple[str, int]:
    """Copy ``src`` (``size`` bytes when opened) to ``dst`` and hash what was copied, read back
    through ``copy`` (a descriptor reading ``dst``): ``(sha256 hex, bytes hashed)``."""
    hasher = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    total = 0
    if size < PIPELINE_FROM:
        while True:
            n = read_all(src, buf)
            if n == 0:
                return hasher.hexdigest(), total
            hasher.update(view[:n])
            _write_all(dst, view[:n])
            total += n
    copied: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbrun-object") as pool:
        copying = pool.submit(_copy_and_sync, src, dst, size, copied)
        ready = 0
        while True:
            if total == ready:
                step = copied.get()
                if step is None:  # the copy ended (or failed: result() raises below)
                    break
                ready = step
                continue
            n = _pread_all(copy, view[:min(CHUNK, ready - total)], total)
            if n == 0:
                raise OSError(f"the copy ended at {total} bytes of {ready}")
            hasher.update(view[:n])
            total += n
        if copying.result() != total:
            raise OSError(f"copied {copying.result()} bytes, hashed {total}")
    return hasher.hexdigest(), total


def _pread_all(fd: int, view: memoryview, offset: int) -> int:
    got = 0
    while got < len(view):
        n = os.preadv(fd, [view[got:]], offset + got)
        if n == 0:
            break
        got += n
    return got


def _copy_and_sync(src: int, dst: int, size: int, copied: "queue.SimpleQueue[int | None]"
                   ) -> int:
    """Copy, telling ``copied`` how far after each window (then None), and sync: the kernel
    copies faster than SHA-256 hashes, so the copy is synced while the hash is still being
    computed and the sync before the object is placed has nothing left to write."""
    try:
        done = _copy_range(src, dst, size, copied.put)
    finally:
        copied.put(None)
    os.fsync(dst)
    return done


def _copy_range(src: int, dst: int, size: int, report: Callable[[int], None]) -> int:
    """Copy ``size`` bytes (and any the file gained meanwhile: the change is caught later)
    from offset 0 of ``src`` to ``dst``, reporting the bytes copied after each window; the
    number copied. Falls back to reading and writing 1 MB at a time where the kernel cannot
    copy between the two files."""
    done = 0
    if hasattr(os, "copy_file_range"):
        try:
            while True:
                n = os.copy_file_range(src, dst, WINDOW, done, done)
                if n == 0:
                    return done
                done += n
                report(done)
        except OSError as exc:
            if done or exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL,
                                         errno.EOPNOTSUPP, errno.EPERM):
                raise
    view = memoryview(bytearray(CHUNK))
    while True:
        n = _pread_all(src, view, done)
        if n == 0:
            return done
        written = 0
        while written < n:
            written += os.pwrite(dst, view[written:n], done + written)
        done += n
        report(done)
