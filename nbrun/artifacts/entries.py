"""The entries of an artifact: what a draft will store (``Source``), and a logged version's
files as the user sees them (``ArtifactFile``: path, digest, size, reference, download)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .artifact import Artifact


@dataclass
class Source:
    """One entry of a draft. ``kind``: ``file`` (``local`` is read when the artifact is
    logged), ``object`` (content already in the store: ``digest``/``size``, from
    ``new_draft()``) or ``ref`` (``ref`` is recorded; ``digest`` is the content's for a
    checksummed ``file://`` reference, else the URI's)."""

    path: str
    kind: str
    local: str | None = None
    digest: str | None = None
    size: int | None = None
    ref: str | None = None


class ArtifactFile:
    """A file of a logged artifact version (``Artifact.files()``, ``get_path()``)."""

    def __init__(self, artifact: "Artifact", entry: dict[str, Any]) -> None:
        self._artifact = artifact
        self.path: str = entry["path"]
        self.name = self.path
        self.digest: str = entry["digest"]
        self.size: int | None = entry["size"]
        self.ref: str | None = entry["ref"]

    @property
    def local_path(self) -> str | None:
        """Where the content is on this machine (read only: it is shared by every version
        that holds it), or None for a reference."""
        return self._artifact.object_path(self.digest) if self.ref is None else None

    def download(self, root: str | os.PathLike | None = None) -> str:
        """Copy this file under ``root`` (default: the artifact's download folder); its path."""
        return self._artifact.download_one(self.path, root)

    def ref_url(self) -> str | None:
        return self.ref

    def __repr__(self) -> str:
        where = f" ref={self.ref}" if self.ref else ""
        return f"<ArtifactFile {self.path} size={self.size} sha256={self.digest[:12]}{where}>"
