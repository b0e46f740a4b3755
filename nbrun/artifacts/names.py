"""The rules for what names an artifact: its name, type, aliases, the paths of its files, its
metadata, and the ``[[entity/]project/]name[:version|alias]`` strings that ask for a version.
Each check returns the value or raises ``UsageError`` naming what is wrong and what is accepted.
The rules are the contract's tracker's: names of letters, digits, ``-``, ``_`` and ``.``; no
``/`` or ``:`` in types and aliases."""

from __future__ import annotations

import json
import math
import re
from typing import Any, NamedTuple, Sequence

from .. import validation as rules
from ..errors import UsageError
from ..store.artifact_reads import DIGEST_RE, VERSION_RE

NAME_MAX = 128
ALIAS_MAX = 128
METADATA_KEYS_MAX = 100
LATEST = "latest"
_NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")
_SEPARATORS = "/:"


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_name(value: Any, what: str = "name") -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string, got {_type_name(value)} {value!r}")
    if not value:
        raise UsageError(f"{what} must not be empty; an artifact name is 1 to {NAME_MAX} "
                         "letters, digits, '-', '_' or '.'")
    if len(value) > NAME_MAX:
        raise UsageError(f"{what} is {len(value)} characters long; an artifact name has at most "
                         f"{NAME_MAX}")
    if not _NAME_RE.fullmatch(value) or value in (".", ".."):
        bad = sorted({c for c in value if not _NAME_RE.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad) if bad else repr(value)
        raise UsageError(f"{what}={value!r} contains {shown}; an artifact name may only contain "
                         "letters, digits, '-', '_' and '.' (and is not '.' or '..')")
    return value


def default_name(run_id: str, path: str) -> str:
    """``run-<id>-<basename>`` (the contract's tracker's default), with any character a name
    may not hold replaced by ``-``: the user did not choose this name, so it must not fail."""
    raw = f"run-{run_id}-{path.rstrip('/').rsplit('/', 1)[-1]}"
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "-", raw)[:NAME_MAX]
    return cleaned.strip(".") or "artifact"


def check_type(value: Any, what: str = "type") -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string such as 'dataset' or 'model', got "
                         f"{_type_name(value)} {value!r}")
    if not value or len(value) > NAME_MAX:
        raise UsageError(f"{what} must be 1 to {NAME_MAX} characters, got {value!r}")
    bad = sorted({c for c in value if c in _SEPARATORS or ord(c) < 32})
    if bad:
        raise UsageError(f"{what}={value!r} contains {' '.join(map(repr, bad))}; an artifact "
                         "type may not contain '/', ':' or control characters")
    return rules.check_encodable(what, value)


def check_alias(value: Any, what: str = "aliases") -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what}: an alias must be a string, got {_type_name(value)} {value!r}")
    if not value or len(value) > ALIAS_MAX:
        raise UsageError(f"{what}: an alias is 1 to {ALIAS_MAX} characters, got {value!r}")
    bad = sorted({c for c in value if c in _SEPARATORS or ord(c) < 32 or c.isspace()})
    if bad:
        raise UsageError(f"{what}: alias {value!r} contains {' '.join(map(repr, bad))}; an alias "
                         "may not contain '/', ':', spaces or control characters")
    if VERSION_RE.fullmatch(value) or DIGEST_RE.fullmatch(value):
        raise UsageError(f"{what}: {value!r} names a version (v<n>) or a digest, not an alias; "
                         "pick another alias")
    return rules.check_encodable(what, value)


def check_aliases(value: Any, what: str = "aliases") -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise UsageError(f"{what} must be a list of strings (or one string), got "
                         f"{_type_name(value)} {value!r}")
    return list(dict.fromkeys(check_alias(a, what) for a in value))


def with_latest(aliases: Any, what: str = "aliases") -> list[str]:
    """The aliases a newly logged version gets: those given, and always ``latest``."""
    return list(dict.fromkeys([*check_aliases(aliases, what), LATEST]))


def check_path(value: Any, what: str) -> str:
    """A path inside an artifact: relative, ``/``-separated, no ``.``/``..`` or empty parts."""
    if not isinstance(value, str):
        value = str(value) if hasattr(value, "__fspath__") else value
    if not isinstance(value, str) or not value:
        raise UsageError(f"{what}: a path inside an artifact must be a non-empty string, got "
                         f"{value!r}")
    path = value.replace("\\", "/")
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise UsageError(f"{what}: {value!r} is not a relative path inside the artifact (no "
                         "leading '/', no empty, '.' or '..' parts)")
    if any(ord(c) < 32 for c in path):
        raise UsageError(f"{what}: {value!r} contains a control character")
    return rules.check_encodable(what, path)


def check_description(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UsageError(f"description must be a string or None, got {_type_name(value)}")


def _plain(value: Any, where: str) -> Any:
    if type(value).__module__ == "numpy":
        value = value.tolist() if hasattr(value, "tolist") else value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UsageError(f"metadata: {where} is {value}; metadata values must be finite")
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise UsageError(f"metadata: key {k!r} in {where} is not a string")
            out[k] = _plain(v, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise UsageError(f"metadata: {where} is a {_type_name(value)}; metadata holds JSON values "
                     "(numbers, strings, booleans, None, lists and dicts)")


def check_metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise UsageError("metadata: a string must hold a JSON object") from None
    if not isinstance(value, dict):
        raise UsageError(f"metadata must be a dict, got {_type_name(value)}")
    if len(value) > METADATA_KEYS_MAX:
        raise UsageError(f"metadata has {len(value)} keys; at most {METADATA_KEYS_MAX}")
    return _plain(value, "metadata")


class Wanted(NamedTuple):
    project: str | None
    name: str
    alias: str  # v<n>, an alias, or a digest


def parse(spec: Any, what: str) -> Wanted:
    """``[[entity/]project/]name[:version|alias]``; the version defaults to ``latest``."""
    if not isinstance(spec, str):
        raise UsageError(f"{what}: expected 'name:alias' (a string) or an Artifact, got "
                         f"{_type_name(spec)} {spec!r}")
    path, _, alias = spec.partition(":")
    parts = path.split("/")
    if len(parts) > 3:
        raise UsageError(f"{what}={spec!r} has {len(parts) - 1} '/'; write name:alias, "
                         "project/name:alias or entity/project/name:alias")
    project = parts[-2] if len(parts) >= 2 else None
    if project is not None:
        rules.check_project(project, what)
    name = check_name(parts[-1], what)
    if ":" in alias:
        raise UsageError(f"{what}={spec!r} has more than one ':'; write name:alias")
    if alias == "":
        alias = LATEST
    elif not (VERSION_RE.fullmatch(alias) or DIGEST_RE.fullmatch(alias)):
        check_alias(alias, what)
    return Wanted(project, name, alias)


def listed(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
