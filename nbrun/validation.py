"""One implementation of each value rule of the ``init()`` contract.

``init()``, the settings resolution, the ``%%runinit`` magic and the run form all call these, so a
rule is never written twice. Each check returns the normalised value or raises ``UsageError``
naming the argument and the accepted form.
"""

from __future__ import annotations

import os
import re
from typing import Any, Sequence

from .errors import UsageError, did_you_mean

FORBIDDEN_CHARS = "/\\#?%:"
ID_MAX = 64
PROJECT_MAX = 128
TAG_MAX = 64
TEXT_MAX = 128

MODES = ("online", "offline", "disabled")
ANONYMOUS = ("never", "allow", "must")
REINIT_MODES = ("default", "return_previous", "finish_previous", "create_new")
RESUME_MODES = ("allow", "never", "must", "auto")


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_encodable(arg: str, value: str) -> str:
    """Lone surrogates (from mis-decoded bytes) have no UTF-8 form and cannot be stored."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{arg}={value!r} holds characters with no UTF-8 form (lone "
                         "surrogates); pass valid Unicode text") from None
    return value


def _no_forbidden(arg: str, value: str, what: str) -> None:
    bad = sorted({c for c in value if c in FORBIDDEN_CHARS})
    if bad:
        raise UsageError(
            f"{arg}={value!r} contains {' '.join(bad)}; a {what} may not contain any of "
            f"{' '.join(FORBIDDEN_CHARS)}"
        )


def check_name_like(arg: str, value: Any, max_len: int, what: str) -> str:
    """A non-empty string without surrounding spaces or forbidden characters."""
    if not isinstance(value, str):
        raise UsageError(f"{arg} must be a string, got {_type_name(value)} {value!r}")
    if not value:
        raise UsageError(f"{arg} must not be empty; pass a {what} of 1 to {max_len} characters")
    if len(value) > max_len:
        raise UsageError(
            f"{arg} is {len(value)} characters long; a {what} has at most {max_len} characters"
        )
    check_encodable(arg, value)
    if value != value.strip():
        raise UsageError(f"{arg}={value!r} has leading or trailing white space")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UsageError(f"{arg}={value!r} contains a control character")
    _no_forbidden(arg, value, what)
    return value


def check_id(value: Any, arg: str = "id") -> str:
    return check_name_like(arg, value, ID_MAX, "run id")


def check_project(value: Any, arg: str = "project") -> str:
    return check_name_like(arg, value, PROJECT_MAX, "project name")


def check_entity(value: Any, arg: str = "entity") -> str:
    return check_name_like(arg, value, PROJECT_MAX, "entity name")


def check_text(value: Any, arg: str, max_len: int | None = None) -> str:
    """Free text (notes, group, job_type, name)."""
    if not isinstance(value, str):
        raise UsageError(f"{arg} must be a string, got {_type_name(value)} {value!r}")
    if max_len is not None and len(value) > max_len:
        raise UsageError(f"{arg} is {len(value)} characters long; at most {max_len} are accepted")
    return check_encodable(arg, value)


def check_tags(value: Any, arg: str = "tags", one_string: bool = True) -> tuple[str, ...]:
    """A sequence of 1-to-64-character strings; duplicates are dropped, order kept. A single
    string is one tag (as the contract's tracker reads it), never its characters; with
    ``one_string=False`` (a JSON API, where a list is the only form) it is refused."""
    if isinstance(value, str):
        if not one_string:
            raise UsageError(f"{arg} must be a list of strings, got the string {value!r}; did "
                             f"you mean {arg}=[{value!r}]?")
        value = (value,)
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise UsageError(f"{arg} must be a list or tuple of strings, got {_type_name(value)}")
    out: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise UsageError(f"{arg}: each tag must be a string, got {_type_name(tag)} {tag!r}")
        if not 1 <= len(tag) <= TAG_MAX:
            raise UsageError(
                f"{arg}: tag {tag[:80]!r} is {len(tag)} characters; a tag has 1 to {TAG_MAX}"
            )
        check_encodable(arg, tag)
        if tag not in out:
            out.append(tag)
    return tuple(out)


def check_choice(value: Any, arg: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        raise UsageError(
            f"{arg}={value!r} is not accepted{hint}; use one of {', '.join(map(repr, choices))}"
        )
    return value


def check_bool(value: Any, arg: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{arg} must be True or False, got {_type_name(value)} {value!r}")
    return value


def check_reinit(value: Any) -> tuple[str, bool]:
    """The reinit mode and whether the deprecated bool form was used."""
    if isinstance(value, bool):
        return ("finish_previous" if value else "return_previous"), True
    return check_choice(value, "reinit", REINIT_MODES), False


def check_resume(value: Any) -> tuple[str | None, bool]:
    """The resume mode (None, allow, never, must, auto) and whether a bool alias was used."""
    if value is None or value is False:
        return None, value is False
    if value is True:
        return "auto", True
    return check_choice(value, "resume", RESUME_MODES), False


def check_key_list(value: Any, arg: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise UsageError(f"{arg} must be a list of config key strings, got {value!r}")
    for key in value:
        if not isinstance(key, str) or not key:
            raise UsageError(f"{arg}: each entry must be a non-empty string, got {key!r}")
    return tuple(value)


def check_dir(value: Any, arg: str = "dir") -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise UsageError(f"{arg} must be a path (str or os.PathLike), got {_type_name(value)}")
    path = os.path.abspath(os.path.expanduser(os.fspath(value)))
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{arg}={os.fspath(value)!r} is a file; pass a folder")
    # The nearest part of the path that exists must be a folder for the rest to be created.
    parent = os.path.dirname(path)
    while not os.path.exists(parent) and os.path.dirname(parent) != parent:
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise UsageError(f"{arg}={os.fspath(value)!r} cannot be a folder: {parent!r} is a file; "
                         "pass a folder, or a path whose existing part is a folder")
    return path


def check_redact_pattern(value: Any, arg: str = "redact_pattern") -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{arg} must be a non-empty regular expression matched against config "
                         "keys (use '(?!)' to redact nothing)")
    try:
        re.compile(value)
    except re.error as exc:
        raise UsageError(f"{arg} {value!r} is not a valid regular expression: {exc}") from None
    return value


def parse_bool_text(value: str, arg: str) -> bool:
    """Booleans written as text (environment variables, settings files)."""
    low = value.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{arg}={value!r} is not a boolean; use true/false, 1/0, yes/no or on/off")


SAMPLING_MIN_S, SAMPLING_MAX_S = 1.0, 86_400.0


def check_seconds(value: Any, arg: str) -> float:
    """A sampling interval in seconds: 0 (off), or from 1 s (below that sampling would cost
    more than it tells) to a day."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{arg} must be a number of seconds (0 turns it off), got "
                         f"{_type_name(value)} {value!r}")
    seconds = float(value)
    if seconds != 0 and not SAMPLING_MIN_S <= seconds <= SAMPLING_MAX_S:
        raise UsageError(f"{arg} must be 0 (off) or from {SAMPLING_MIN_S:g} to "
                         f"{SAMPLING_MAX_S:g} seconds, got {value!r}")
    return seconds


def parse_seconds_text(value: str, arg: str) -> float:
    """Seconds written as text (an environment variable)."""
    try:
        seconds = float(value.strip())
    except ValueError:
        raise UsageError(f"{arg}={value!r} is not a number of seconds (0 turns it off)"
                         ) from None
    return check_seconds(seconds, arg)


def split_tags_text(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


MAX_STEP = 2**63 - 1


def parse_run_moment(value: Any, arg: str) -> tuple[str, int]:
    """``"<run_id>?_step=<n>"`` as (run id, step): one query key ``_step`` and a non-negative
    integer written without sign, spaces or leading zeros, so every accepted string round-trips
    through ``format_run_moment``."""
    form = "the form '<run_id>?_step=<step>' with a non-negative integer step"
    if not isinstance(value, str):
        raise UsageError(f"{arg} must be a string of {form}, got {_type_name(value)} {value!r}")
    run_id, sep, query = value.partition("?")
    if not sep:
        raise UsageError(f"{arg}={value!r} has no '?_step=<step>'; use {form}")
    try:
        check_id(run_id, arg=f"{arg} (run id part)")
    except UsageError as exc:
        raise UsageError(f"{exc}; {arg} takes {form}") from None
    key, eq, number = query.partition("=")
    if key != "_step" or not eq:
        raise UsageError(f"{arg}={value!r}: the only query key accepted is _step; use {form}")
    if not number.isascii() or not number.isdigit() or (len(number) > 1 and number[0] == "0"):
        raise UsageError(f"{arg}={value!r}: step {number!r} is not a non-negative integer without "
                         f"leading zeros; use {form}")
    step = int(number)
    if step > MAX_STEP:
        raise UsageError(f"{arg}={value!r}: step is larger than {MAX_STEP}")
    return run_id, step


def format_run_moment(run_id: str, step: int) -> str:
    return f"{run_id}?_step={step}"
