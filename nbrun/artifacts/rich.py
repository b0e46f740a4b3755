"""Rich objects in artifacts: ``Artifact.add(obj, name)`` stores a media value (``nbrun.Table``,
``nbrun.Image``, ...) as its descriptor ``<name>.<kind>.json`` plus the files it refers to
(under ``media/``), the way a run stores it; ``get(name)`` reads it back into the object.

The media types live in a layer beside this one, reached through the sdk's rich-value hook
(``nbrun.sdk.rich``) when it is there: a value is serialized by its own ``serialize(files)``
and read back by that hook's decoder, with the artifact's download folder as the root its
file paths are relative to.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from .artifact import Artifact


def _hook() -> ModuleType | None:
    try:
        return importlib.import_module("nbrun.sdk.rich")
    except ImportError:
        return None


def _media(obj: Any, name: str) -> Any:
    if hasattr(obj, "serialize") and isinstance(getattr(obj, "kind", None), str):
        return obj
    hook = _hook()
    converted = hook.convert(obj, name) if hook is not None else None
    if converted is None:
        raise UsageError(f"add: {name!r} gets a {type(obj).__name__}; add() takes rich objects "
                         "(nbrun.Table, nbrun.Image, nbrun.Audio, nbrun.Video, nbrun.Html, "
                         "nbrun.Histogram...); use add_file or new_file for other content")
    return converted


def kind_of(obj: Any, name: str) -> str:
    return str(_media(obj, name).kind)


class _Files:
    """Where a media value's ``serialize`` puts its files: into the artifact, by content."""

    def __init__(self, artifact: "Artifact") -> None:
        self.artifact = artifact

    def put(self, data: bytes, subdir: str, ext: str) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        inside = f"media/{subdir.strip('/')}/{digest[:32]}.{ext}" if subdir else \
            f"media/{digest[:32]}.{ext}"
        if inside not in {s.path for s in self.artifact.draft_sources()}:
            self.artifact.add_bytes(data, inside)
        return {"path": inside, "sha256": digest, "size": len(data)}


def serialize(obj: Any, name: str, artifact: "Artifact") -> dict[str, Any]:
    media = _media(obj, name)
    if hasattr(media, "frozen"):
        media = media.frozen()
    return media.serialize(_Files(artifact))


def _descriptor_path(paths: list[str], name: str) -> str | None:
    if name in paths and name.endswith(".json"):
        return name
    for path in paths:
        rest = path[len(name) + 1:] if path.startswith(name + ".") else ""
        if rest.endswith(".json") and "/" not in rest and rest.count(".") == 1:
            return path
    return None


def load(artifact: "Artifact", name: str) -> Any:
    """The object stored at ``name`` (None when there is none): the version is downloaded
    (its media files are the descriptor's), then decoded."""
    files = artifact.files()
    found = _descriptor_path([f.path for f in files], name)
    if found is None:
        return None
    root = artifact.download()
    with open(os.path.join(root, *found.split("/")), encoding="utf-8") as fh:
        descriptor = json.load(fh)
    hook = _hook()
    if hook is None or not hasattr(hook, "decode_values"):
        return descriptor
    return hook.decode_values({"value": descriptor}, root)["value"]
