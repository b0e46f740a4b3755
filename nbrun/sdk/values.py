"""Turning user values into what the store keeps: JSON-compatible, NumPy and paths converted."""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import UsageError
from ..validation import check_encodable
from . import rich

MAX_VALUE_BYTES = 10 * 1024 * 1024
SCALARS = frozenset((float, int, bool, str))


def _is_numpy(value: Any) -> bool:
    return type(value).__module__ == "numpy"


def numpy_to_python(value: Any) -> Any:
    """NumPy scalars and 0-d arrays to Python scalars; other arrays to nested lists."""
    if hasattr(value, "ndim") and getattr(value, "ndim", 1) == 0 and hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


CONFIG_INT_DIGITS = 4000  # JSON text of a longer int is refused by Python's own reader
_CONFIG_INT_LIMIT = 10**CONFIG_INT_DIGITS


def config_value(value: Any, path: str) -> Any:
    """A config value as JSON-compatible data; ``path`` names it in errors."""
    if value is None or type(value) in SCALARS:
        return _config_int(value, path) if type(value) is int else value
    if isinstance(value, (bool, int, float, str)):  # subclasses such as IntEnum
        return config_value(_plain_scalar(value), path)
    if _is_numpy(value):
        return config_value(numpy_to_python(value), path)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, dict):
        return config_mapping(value, path)
    if isinstance(value, (list, tuple)):
        return [config_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return config_value(_ordered(value), path)
    raise UsageError(
        f"config key {path!r}: a {type(value).__name__} cannot be stored; config values are "
        "numbers, strings, bools, None, lists, sets (stored as sorted lists) and dicts of "
        "those, NumPy scalars or arrays, paths"
    )


def _ordered(items: set | frozenset) -> list:
    """A set as a list in sorted order, so that the same set is stored the same way in every
    process (a set's own order of strings changes with hash randomisation)."""
    try:
        return sorted(items)
    except TypeError:  # mixed kinds: still one fixed order
        return sorted(items, key=repr)


def _config_int(value: int, path: str) -> int:
    if -_CONFIG_INT_LIMIT < value < _CONFIG_INT_LIMIT:
        return value
    raise UsageError(
        f"config key {path!r}: an integer of more than {CONFIG_INT_DIGITS} digits cannot be "
        f"stored; config integers have at most {CONFIG_INT_DIGITS} digits (pass a float or a "
        "string instead)")


def _plain_scalar(value: Any) -> Any:
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def config_key(key: Any, parent: str) -> str:
    where = f" under {parent!r}" if parent else ""
    if not isinstance(key, str):
        raise UsageError(f"config key {key!r}{where} must be a string, got {type(key).__name__}")
    if not key:
        raise UsageError(f"config has an empty key{where}; keys are non-empty strings")
    if "." in key:
        raise UsageError(
            f"config key {(parent + '.' if parent else '') + key!r} contains '.'; keys may not "
            "contain dots at any depth (use nested dicts instead)"
        )
    return key


def config_mapping(mapping: dict, parent: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        key = config_key(key, parent)
        path = f"{parent}.{key}" if parent else key
        out[key] = config_value(value, path)
    return out


def check_size(key: str, value: Any) -> None:
    size = len(json.dumps(value, allow_nan=True))
    if size >= MAX_VALUE_BYTES:
        raise UsageError(
            f"config key {key!r} serialises to {size / 1e6:.1f} MB; one value must be under 10 MB"
        )


# What a history value may be, once converted: exactly what the store can hold and read back
# equal. Ints are stored exactly (beyond 64 bits as JSON text), up to a size whose decimal form
# every Python accepts (the int/str conversion limit is at least 640 digits); text up to a size
# that keeps one row far from SQLite's blob limit and the summary cheap to rewrite.
LOG_INT_BITS = 2048
LOG_TEXT_MAX = 1 << 20
_INT_BOUND = 1 << LOG_INT_BITS
_ACCEPTED = ("accepted are bools, ints (up to 2048 bits), floats (NaN and inf too), strings (up "
             "to 1,048,576 characters), NumPy/0-d array scalars of those kinds, nested dicts "
             "of those, and media: nbrun.Image, Audio, Video, Html, Table, Histogram, "
             "nbrun.plot charts, matplotlib and plotly figures, PIL images, pandas DataFrames, "
             "lists of images")
_NUMPY_KINDS = "biufU"  # bool, int, uint, float, str; complex, dates, bytes, void, object refused


def storable_flat(data: dict[str, Any]) -> bool:
    """Whether every value of a flat dict is already a plain scalar the store can hold: the
    check ``log()``'s fast path relies on (cheap: no conversion, no messages)."""
    for v in data.values():
        t = type(v)
        if t is float or t is bool:
            continue
        if t is int:
            if -_INT_BOUND < v < _INT_BOUND:
                continue
            return False
        if t is str and len(v) <= LOG_TEXT_MAX:
            continue
        return False
    return True


def _refuse(key: str, value: Any, why: str = "") -> UsageError:
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return UsageError(f"log: key {key!r} has a value of type {name}{why}; {_ACCEPTED}")


def log_value(value: Any, key: str) -> Any:
    """A history value: bool, int, float or str (NumPy and 0-d array scalars converted), checked
    against what the store holds exactly; anything else is a ``UsageError``. NaN/inf stay."""
    kind = type(value)
    if kind not in SCALARS:
        value = _to_scalar(value, key)
        kind = type(value)
    if kind is int and not -_INT_BOUND < value < _INT_BOUND:
        raise UsageError(
            f"log: key {key!r} holds an int of {value.bit_length()} bits; ints up to "
            f"{LOG_INT_BITS} bits are stored exactly (log float(x) or str(x) for larger ones)")
    if kind is str and len(value) > LOG_TEXT_MAX:
        raise UsageError(
            f"log: key {key!r} holds a string of {len(value):,} characters; at most "
            f"{LOG_TEXT_MAX:,} are accepted (save longer text as a file in run.dir)")
    return value


def _to_scalar(value: Any, key: str) -> Any:
    """A plain bool/int/float/str for NumPy scalars, 0-d arrays (NumPy, torch, ...) and
    subclasses of the plain types; a ``UsageError`` for everything else."""
    if isinstance(value, (bool, int, float, str)):  # subclasses such as IntEnum, np.float64
        return _plain_scalar(value)
    ndim = getattr(value, "ndim", None)
    if ndim is None or not hasattr(value, "item"):
        raise _refuse(key, value)
    if ndim != 0:
        raise UsageError(
            f"log: key {key!r} holds an array of shape {getattr(value, 'shape', '?')}; log "
            "scalars (numbers, bools, strings, NumPy scalars), e.g. .item() or .mean()")
    dtype_kind = getattr(getattr(value, "dtype", None), "kind", None)
    if _is_numpy(value) and dtype_kind not in (None, "O") and dtype_kind not in _NUMPY_KINDS:
        raise _refuse(key, value, f" (dtype {value.dtype})")
    try:
        item = value.item()
    except Exception:  # a foreign 0-d object whose item() fails is simply not a scalar we take
        raise _refuse(key, value) from None
    if type(item) in SCALARS:
        return item
    if dtype_kind == "f":  # long double: item() gives it back; stored as float64
        return float(item)
    raise _refuse(key, value, f" holding a {type(item).__name__}")


MAX_LOG_DEPTH = 64  # nesting levels of a log() payload; far beyond any real metric name


def flatten_log(data: Any, prefix: str = "", out: dict[str, Any] | None = None,
                _path: tuple[int, ...] = (), media: list[str] | None = None) -> dict[str, Any]:
    """Validate a ``log()`` payload and flatten nested dicts with ``/``. With ``media`` (a
    list), rich values (``rich.RichValue``, and what ``log()`` turns into one) are accepted
    as they are, and their keys appended to it."""
    if out is None:
        out = {}
        if not isinstance(data, dict):
            raise UsageError(f"log: data must be a dict of key: value, got {type(data).__name__}")
    # A dict that holds itself (or is nested past any sensible depth) would otherwise end in a
    # raw RecursionError in the caller's cell.
    where = repr(prefix.rstrip("/")) if prefix else "the data"
    if id(data) in _path:
        raise UsageError(f"log: {where} holds a dict that contains itself; log a dict of "
                         "numbers, bools, strings or nested dicts without cycles")
    if len(_path) >= MAX_LOG_DEPTH:
        raise UsageError(f"log: {where} is nested more than {MAX_LOG_DEPTH} dicts deep; "
                         "flatten it (keys may hold '/')")
    path = (*_path, id(data))
    for key, value in data.items():
        if not isinstance(key, str) or not key:
            raise UsageError(f"log: keys must be non-empty strings, got {key!r}")
        full = prefix + key
        check_encodable("log key", full)
        if full == "_step":
            raise UsageError("log: the key '_step' is reserved; pass step= to set the step")
        if isinstance(value, dict):
            flatten_log(value, full + "/", out, path, media)
        elif media is None:
            out[full] = log_value(value, full)
        else:
            try:
                out[full] = log_value(value, full)
            except UsageError:  # not a scalar: a media value, or refused as before
                found = rich.convert(value, full)
                if found is None:
                    raise
                out[full] = found
                media.append(full)
    return out
