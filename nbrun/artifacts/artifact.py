"""``nbrun.Artifact``: a draft that collects files, directories, references and rich objects,
and, once logged (``run.log_artifact``) or fetched (``run.use_artifact``, ``Api().artifact``),
one stored version with its files, aliases, metadata and lineage.

A draft records where its files are; they are read (hashed and stored once per content) when
it is logged. A logged version's files never change: ``new_draft()`` starts the next one.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import tempfile
from typing import IO, Any, Iterator

from ..errors import UsageError
from ..store import Store, objects
from ..store import artifact_reads as reads
from . import download as fetching
from . import names, references
from .entries import ArtifactFile, Source


class Artifact:
    """An artifact: ``Artifact(name, type, description=None, metadata=None)``."""

    def __init__(self, name: str, type: str, description: str | None = None,
                 metadata: dict[str, Any] | None = None, incremental: bool = False,
                 use_as: str | None = None) -> None:
        self._name = names.check_name(name)
        self._type = names.check_type(type)
        self._description = names.check_description(description)
        self._metadata = names.check_metadata(metadata)
        self._aliases: list[str] = []
        self._sources: dict[str, Source] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._store: Store | None = None
        self._version: dict[str, Any] | None = None
        self._asked: str | None = None

    # -- identity ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """``name:v<n>`` once logged (as the contract's tracker has it), else the name."""
        return f"{self._name}:{self._version['version']}" if self._version else self._name

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def collection_name(self) -> str:
        """The name without its version."""
        return self._name

    @property
    def qualified_name(self) -> str:
        return f"{self.project}/{self.name}" if self._version else self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def version(self) -> str | None:
        """``v<n>`` once logged; None for a draft."""
        return self._version["version"] if self._version else None

    @property
    def project(self) -> str | None:
        return self._version["project"] if self._version else None

    entity = property(lambda self: None, doc="always None: a store has no entities")

    @property
    def id(self) -> str | None:
        return self.digest

    @property
    def digest(self) -> str | None:
        """The SHA-256 of the version's manifest (paths, sizes, checksums); None for a draft,
        whose files are read only when it is logged."""
        return self._version["digest"] if self._version else None

    @property
    def size(self) -> int:
        if self._version:
            return self._version["size"]
        return sum(s.size or 0 for s in self._sources.values())

    @property
    def file_count(self) -> int:
        return self._version["file_count"] if self._version else len(self._sources)

    @property
    def created_at(self) -> str | None:
        if not self._version:
            return None
        when = datetime.datetime.fromtimestamp(self._version["created_at"], datetime.timezone.utc)
        return when.isoformat()

    @property
    def state(self) -> str:
        return "COMMITTED" if self._version else "PENDING"

    def is_draft(self) -> bool:
        return self._version is None

    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = names.check_description(value)

    @property
    def metadata(self) -> dict[str, Any]:
        """JSON values describing the artifact (not part of its digest); a logged version's
        changes are stored by ``save()``."""
        return self._metadata

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._metadata = names.check_metadata(value)

    @property
    def aliases(self) -> list[str]:
        """The version's aliases; a logged version's changes are stored by ``save()``."""
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = names.check_aliases(value)

    # -- building a draft --------------------------------------------------------------------
    def _draft(self, what: str) -> None:
        if self._version is not None:
            raise UsageError(f"{what}: {self.name} is logged and its files cannot change; "
                             "start the next version with artifact.new_draft()")

    def _put(self, source: Source, what: str, overwrite: bool) -> None:
        old = self._sources.get(source.path)
        if old is not None and not overwrite and old != source:
            raise UsageError(f"{what}: the artifact already has a file at {source.path!r}; pass "
                             "another name, or overwrite=True")
        self._sources[source.path] = source

    def add_file(self, local_path: str | os.PathLike, name: str | None = None,
                 is_tmp: bool | None = False, skip_cache: bool | None = False,
                 policy: str | None = "mutable", overwrite: bool = False) -> Source:
        """Add a file (read when the artifact is logged) at ``name`` (default: its base
        name)."""
        self._draft("add_file")
        path = os.fspath(local_path)
        if not os.path.isfile(path):
            raise UsageError(f"add_file: no file at {path!r}"
                             + (" (it is a folder: use add_dir)" if os.path.isdir(path) else ""))
        inside = names.check_path(name if name is not None else os.path.basename(path),
                                  "add_file")
        source = Source(inside, "file", local=os.path.abspath(path),
                        size=os.path.getsize(path))
        self._put(source, "add_file", overwrite)
        return source

    def add_dir(self, local_path: str | os.PathLike, name: str | None = None,
                skip_cache: bool | None = False, policy: str | None = "mutable",
                merge: bool = False) -> None:
        """Add every file under a folder, at ``name/<relative path>`` (default: the root)."""
        self._draft("add_dir")
        path = os.fspath(local_path)
        if not os.path.isdir(path):
            raise UsageError(f"add_dir: no folder at {path!r}")
        prefix = names.check_path(name, "add_dir") + "/" if name else ""
        found = [Source(prefix + rel, "file", local=full, size=os.path.getsize(full))
                 for rel, full in references.walk_files(path)]
        for source in found:
            self._put(source, "add_dir", merge)

    def add_reference(self, uri: Any, name: str | None = None, checksum: bool = True,
                      max_objects: int | None = None) -> list[Source]:
        """Record a reference: a ``file://`` file or folder is checksummed (and not copied);
        ``s3://``, ``gs://``, ``http(s)://`` and other URIs are recorded, never fetched."""
        self._draft("add_reference")
        if isinstance(uri, ArtifactFile):
            uri = uri.ref or uri.local_path
        found = references.entries(uri, name, checksum, max_objects)
        for source in found:
            self._put(source, "add_reference", True)
        return found

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None,
                 policy: str | None = "mutable") -> Iterator[IO]:
        """A new file of the artifact to write to; it joins the artifact when closed."""
        self._draft("new_file")
        inside = names.check_path(name, "new_file")
        if "x" in mode and inside in self._sources:
            raise UsageError(f"new_file: the artifact already has a file at {inside!r}")
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="nbrun-artifact-")
        full = os.path.join(self._tmp.name, "files", *inside.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, mode.replace("x", "w"), encoding=encoding) as fh:
            yield fh
        self._sources[inside] = Source(inside, "file", local=full, size=os.path.getsize(full))

    def add(self, obj: Any, name: str, overwrite: bool = False) -> Source:
        """Add a rich object (``nbrun.Table``, ``nbrun.Image``, ...) at ``name``; ``get(name)``
        gives it back."""
        self._draft("add")
        from . import rich

        inside = names.check_path(name, "add")
        with self.new_file(f"{inside}.{rich.kind_of(obj, inside)}.json", mode="w",
                           encoding="utf-8") as fh:
            json.dump(rich.serialize(obj, inside, self), fh, sort_keys=True)
        return self._sources[f"{inside}.{rich.kind_of(obj, inside)}.json"]

    def add_bytes(self, data: bytes, inside: str) -> str:
        """A file of the given content at ``inside`` (for ``add``'s media files)."""
        with self.new_file(inside, mode="wb") as fh:
            fh.write(data)
        return inside

    def remove(self, item: Any) -> None:
        """Remove a file, or every file under a folder, from a draft."""
        self._draft("remove")
        path = item.path if isinstance(item, (ArtifactFile, Source)) else names.check_path(
            item, "remove")
        gone = [p for p in self._sources if p == path or p.startswith(path + "/")]
        if not gone:
            raise UsageError(f"remove: the artifact has no file or folder {path!r}")
        for p in gone:
            del self._sources[p]

    def __setitem__(self, name: str, item: Any) -> None:
        self.add(item, name)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def draft_sources(self) -> list[Source]:
        """What logging this draft stores (used by ``nbrun.artifacts.committing``)."""
        return list(self._sources.values())

    # -- a logged version ---------------------------------------------------------------------
    def stored_as(self, store: Store, version: dict[str, Any], asked: str | None = None) -> None:
        """Make this the stored version ``version`` (a ``store.artifact_reads`` dict)."""
        self._store = store
        self._version = version
        self._name = version["name"]
        self._type = version["type"]
        self._description = version["description"]
        self._metadata = dict(version["metadata"])
        self._aliases = list(version["aliases"])
        self._asked = asked
        self._sources = {}
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _logged(self, what: str) -> tuple[Store, int]:
        if self._version is None or self._store is None:
            raise UsageError(f"{what}: artifact {self._name!r} is not logged yet; log it with "
                             "run.log_artifact(artifact) first")
        return self._store, self._version["vid"]

    @property
    def store_path(self) -> str | None:
        return self._store.path if self._store is not None else None

    @property
    def asked_as(self) -> str | None:
        """The version or alias this version was asked for by (None: logged here)."""
        return self._asked

    @property
    def vid(self) -> int | None:
        return self._version["vid"] if self._version else None

    def object_path(self, digest: str) -> str:
        store, _ = self._logged("object_path")
        return objects.object_path(store.path, digest)

    def _manifest(self, what: str) -> list[dict[str, Any]]:
        store, vid = self._logged(what)
        found = reads.files(store.conn, vid)
        if not found and reads.version(store.conn, vid) is None:
            raise UsageError(f"{what}: {self.qualified_name} no longer exists (the runs that "
                             "logged and used it were deleted)")
        return found

    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ArtifactFile]:
        """The version's files by path."""
        found = [ArtifactFile(self, e) for e in self._manifest("files")]
        return [f for f in found if f.path in names] if names is not None else found

    def get_entry(self, name: str) -> ArtifactFile:
        store, vid = self._logged("get_entry")
        entry = reads.file(store.conn, vid, names.check_path(name, "get_entry"))
        if entry is None:
            raise UsageError(f"get_entry: {self.name} has no file {name!r}")
        return ArtifactFile(self, entry)

    def get_path(self, name: str) -> ArtifactFile:
        """The file at ``name`` (``.download()`` it, or read ``.local_path``)."""
        return self.get_entry(name)

    def get(self, name: str) -> Any:
        """The rich object ``add(obj, name)`` stored, or None when there is none."""
        from . import rich

        return rich.load(self, name)

    def download(self, root: str | os.PathLike | None = None,
                 allow_missing_references: bool = False, skip_cache: bool | None = None,
                 path_prefix: str | None = None, multipart: bool | None = None) -> str:
        """Copy the version's files under ``root`` (default ``./artifacts/<name>:v<n>``, or
        under ``NBRUN_ARTIFACT_DIR``); returns the folder. A file already there with the same
        content is left alone; ``file://`` references are copied from where they point (when
        their checksum still matches); other references are not fetched."""
        store, _ = self._logged("download")
        target = fetching.root_for(self.name, root)
        fetching.materialize(store.path, self._manifest("download"), target, path_prefix,
                             allow_missing_references)
        return target

    def download_one(self, path: str, root: str | os.PathLike | None = None) -> str:
        store, _ = self._logged("download")
        entry = self.get_entry(path)
        target = fetching.root_for(self.name, root)
        fetching.materialize(store.path, [vars_of(entry)], target, None, False)
        return os.path.join(target, *entry.path.split("/"))

    def file(self, root: str | os.PathLike | None = None) -> str:
        """Download a one-file artifact; the file's path."""
        entries = self._manifest("file")
        if len(entries) != 1:
            raise UsageError(f"file: {self.name} holds {len(entries)} files; use download()")
        return self.download_one(entries[0]["path"], root)

    def verify(self, root: str | os.PathLike | None = None) -> None:
        """Check the files against the manifest: under ``root`` (a download: every file must be
        there with its checksum, and no other), or, without ``root``, the stored objects
        themselves. Raises ``nbrun.Error`` naming the files that differ."""
        store, _ = self._logged("verify")
        fetching.verify(store.path, self._manifest("verify"), self.name,
                        None if root is None else os.fspath(root))

    def logged_by(self) -> Any:
        """The run that logged this version first (an ``nbrun.RunRecord``), or None."""
        from . import reading

        store, vid = self._logged("logged_by")
        return reading.logged_by(store, vid)

    def used_by(self) -> list[Any]:
        """The runs that used this version (``nbrun.RunRecord``), oldest first."""
        from . import reading

        store, vid = self._logged("used_by")
        return reading.used_by(store, vid)

    def save(self) -> "Artifact":
        """Store a logged version's changed aliases, description and metadata; a draft is
        logged by the current run."""
        from . import committing

        if self._version is None:
            return committing.log_with_current_run(self)
        store, vid = self._logged("save")
        committing.save_fields(store, self)
        return self

    def wait(self, timeout: int | None = None) -> "Artifact":
        """Logging is synchronous here: the version is stored when ``log_artifact`` returns."""
        return self

    def new_draft(self) -> "Artifact":
        """A draft holding this version's files, name, type, description and metadata."""
        self._logged("new_draft")
        draft = Artifact(self._name, self._type, self._description, dict(self._metadata))
        for e in self._manifest("new_draft"):
            kind = "ref" if e["ref"] else "object"
            draft._sources[e["path"]] = Source(e["path"], kind, digest=e["digest"],
                                               size=e["size"], ref=e["ref"])
        return draft

    def __repr__(self) -> str:
        return f"<Artifact {self.qualified_name} type={self._type}>"


def vars_of(entry: ArtifactFile) -> dict[str, Any]:
    return {"path": entry.path, "digest": entry.digest, "size": entry.size, "ref": entry.ref}
