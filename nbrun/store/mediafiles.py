"""Media files in a run folder, content-addressed: ``media/<kind>/<sha256 prefix>.<ext>``.

The same bytes are one file however often they are logged. A file is written under a temporary
name and renamed into place, so a name that exists always holds its whole content; the index
row naming it is committed only after (see ``mediaindex``), so a kill can leave an unnamed file
behind, never a name without its file. Files are plain files (no links out of the folder), as
the server's run-file handler requires.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from typing import NamedTuple

MEDIA_DIR = "media"
DIGEST_CHARS = 32  # 128 bits of SHA-256: collisions are not a practical concern


_OWNED = re.compile(rf"{MEDIA_DIR}/[a-z]+/"
                    rf"(?:[0-9a-f]{{{DIGEST_CHARS}}}\.[a-z0-9.]+|\.tmp-[0-9a-f]{{32}})")


def owned(rel: str) -> bool:
    """Whether ``rel`` (relative to the run folder, "/"-separated) is a file ``put`` wrote or is
    writing, as opposed to a file an integration put in ``media/`` (a gym video)."""
    return _OWNED.fullmatch(rel) is not None


class Stored(NamedTuple):
    path: str  # relative to the run folder, "/"-separated
    sha256: str  # the full digest
    size: int


def put(run_dir: str, data: bytes, subdir: str, ext: str) -> Stored:
    """Store ``data`` in the run folder once; where it is."""
    digest = hashlib.sha256(data).hexdigest()
    rel = f"{MEDIA_DIR}/{subdir}/{digest[:DIGEST_CHARS]}.{ext}"
    target = os.path.join(run_dir, *rel.split("/"))
    if not _same_file(target, len(data)):
        folder = os.path.dirname(target)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        temp = os.path.join(folder, f".tmp-{uuid.uuid4().hex}")
        try:
            with open(temp, "wb") as fh:
                fh.write(data)
            os.replace(temp, target)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
    return Stored(rel, digest, len(data))


def _same_file(path: str, size: int) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    # A regular file of that size under its digest's name: written whole by put() before.
    return os.path.isfile(path) and not os.path.islink(path) and st.st_size == size


def share(source_dir: str, target_dir: str, paths: list[str]) -> None:
    """Give ``target_dir`` (a fork's folder) the files ``paths`` of ``source_dir``: a hard
    link where the file system has them (same bytes, no copy), a copy elsewhere. The fork then
    keeps its media if its source is deleted."""
    for rel in paths:
        parts = rel.split("/")
        if parts[0] != MEDIA_DIR or any(p in ("", ".", "..") for p in parts):
            continue  # only what put() wrote
        source = os.path.join(source_dir, *parts)
        target = os.path.join(target_dir, *parts)
        if os.path.islink(source) or not os.path.isfile(source) or os.path.exists(target):
            continue
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
