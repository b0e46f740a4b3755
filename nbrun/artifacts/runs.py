"""What ``Run.log_artifact``, ``use_artifact``, ``log_model`` and ``use_model`` do (the run's
methods delegate here, so that the sdk never imports this layer up front)."""

from __future__ import annotations

import os
from typing import Any

from ..errors import UsageError
from . import committing, names
from .artifact import Artifact


def log_artifact(run: Any, artifact_or_path: Any, name: str | None = None,
                 type: str | None = None, aliases: Any = None, tags: Any = None) -> Artifact:
    what = "log_artifact"
    if isinstance(artifact_or_path, Artifact):
        artifact = artifact_or_path
        if name is not None or type is not None:
            raise UsageError(f"{what}: name= and type= go with a path; an Artifact has its own "
                             f"({artifact.collection_name!r}, {artifact.type!r})")
    else:
        artifact = from_path(run, artifact_or_path, name, type or "unspecified", what)
    return committing.commit(run, artifact, aliases, "logged", what)


def from_path(run: Any, target: Any, name: str | None, type: str, what: str) -> Artifact:
    """A draft of one file, a folder's files, or one reference (a URI)."""
    if hasattr(target, "__fspath__"):
        target = os.fspath(target)
    if not isinstance(target, str) or not target:
        raise UsageError(f"{what}: expected an Artifact, a path or a URI, got "
                         f"{type_name(target)} {target!r}")
    if name is not None:
        name = names.check_name(name, "name")
    is_uri = "://" in target
    if not is_uri and not os.path.exists(target):
        raise UsageError(f"{what}: {target!r} does not exist; pass a file, a folder, a URI such "
                         "as 's3://bucket/key', or an nbrun.Artifact")
    artifact = Artifact(name or names.default_name(run.id, target), type)
    if is_uri:
        artifact.add_reference(target)
    elif os.path.isfile(target):
        artifact.add_file(target)
    elif os.path.isdir(target):
        artifact.add_dir(target)
    else:
        raise UsageError(f"{what}: {target!r} is neither a file nor a folder")
    return artifact


def type_name(value: Any) -> str:
    return type(value).__name__


def use_artifact(run: Any, artifact_or_name: Any, type: str | None = None, aliases: Any = None,
                 use_as: str | None = None) -> Artifact:
    return committing.use(run, artifact_or_name, type, aliases, "use_artifact")


def log_model(run: Any, path: Any, name: str | None = None, aliases: Any = None) -> Artifact:
    artifact = from_path(run, path, name, "model", "log_model")
    return committing.commit(run, artifact, aliases, "logged", "log_model")


def use_model(run: Any, name: Any) -> str:
    """Use a model version and download it; the path of its file when it holds one, else
    the folder."""
    artifact = committing.use(run, name, None, None, "use_model")
    if "model" not in artifact.type.lower():
        raise UsageError(f"use_model: {artifact.qualified_name} has type {artifact.type!r}; "
                         "use_model takes artifacts whose type contains 'model' (use "
                         "use_artifact for others)")
    root = artifact.download()
    found = os.listdir(root)
    return os.path.join(root, found[0]) if len(found) == 1 else root
