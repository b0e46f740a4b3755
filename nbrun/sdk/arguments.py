"""The rule of each ``init()`` argument and of their combinations, in one place: ``init()``,
the ``%%runinit`` magic and the run form (``InitSpec``) all check arguments here."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .. import validation as rules
from ..errors import UsageError
from ..settings import Settings
from . import config as config_mod

# The contract's signature, in order (a test keeps it equal to init()'s).
ARGUMENTS = (
    "entity", "project", "dir", "id", "name", "notes", "tags", "config", "config_exclude_keys",
    "config_include_keys", "allow_val_change", "group", "job_type", "mode", "force", "anonymous",
    "reinit", "resume", "resume_from", "fork_from", "save_code", "tensorboard",
    "sync_tensorboard", "monitor_gym", "settings",
)
BOOLEANS = ("allow_val_change", "force", "save_code", "tensorboard", "sync_tensorboard",
            "monitor_gym")


def _bool(name: str) -> Callable[[Any], bool]:
    return lambda value: rules.check_bool(value, name)


def _reinit(value: Any) -> Any:
    rules.check_reinit(value)
    return value


def _resume(value: Any) -> Any:
    rules.check_resume(value)
    return value


def _moment(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        rules.parse_run_moment(value, name)
        return value
    return check


def _settings(value: Any) -> Any:
    if isinstance(value, Settings):
        raw_dir = value.dir
    elif isinstance(value, Mapping):
        Settings().update(value, source="settings=")
        raw_dir, value = value.get("dir"), dict(value)
    else:
        raise UsageError(f"settings must be an nbrun.Settings or a dict, got "
                         f"{type(value).__name__}")
    if raw_dir is not None:
        rules.check_dir(raw_dir, "settings dir")
    return value


_RULES: dict[str, Callable[[Any], Any]] = {
    "entity": rules.check_entity,
    "project": rules.check_project,
    "dir": rules.check_dir,
    "id": rules.check_id,
    "name": lambda v: rules.check_text(v, "name", rules.TEXT_MAX),
    "notes": lambda v: rules.check_text(v, "notes"),
    "tags": rules.check_tags,
    "config": config_mod.build,
    "config_exclude_keys": lambda v: rules.check_key_list(v, "config_exclude_keys"),
    "config_include_keys": lambda v: rules.check_key_list(v, "config_include_keys"),
    "group": lambda v: rules.check_text(v, "group", rules.TEXT_MAX),
    "job_type": lambda v: rules.check_text(v, "job_type", rules.TEXT_MAX),
    "mode": lambda v: rules.check_choice(v, "mode", rules.MODES),
    "anonymous": lambda v: rules.check_choice(v, "anonymous", rules.ANONYMOUS),
    "reinit": _reinit,
    "resume": _resume,
    "resume_from": _moment("resume_from"),
    "fork_from": _moment("fork_from"),
    "settings": _settings,
    **{name: _bool(name) for name in BOOLEANS},
}


def check_argument(name: str, value: Any) -> Any:
    """The normalised value of one argument (never None), or a ``UsageError`` naming it."""
    return _RULES[name](value)


def check_combination(*, id: str | None = None, resume: str | None = None,
                      resume_from: str | None = None, fork_from: str | None = None,
                      config_include_keys: Any = None, config_exclude_keys: Any = None) -> None:
    """The rules between arguments (values already checked one by one)."""
    if config_include_keys is not None and config_exclude_keys is not None:
        raise UsageError("config_include_keys and config_exclude_keys cannot both be given; "
                         "pass one of them")
    chosen = [n for n, v in (("resume", resume), ("resume_from", resume_from),
                             ("fork_from", fork_from)) if v is not None]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together; pass at most one of "
                         "resume, resume_from and fork_from")
    if resume_from is not None and id is not None:
        source = rules.parse_run_moment(resume_from, "resume_from")[0]
        if id != source:
            raise UsageError(f"resume_from names run {source!r} but id={id!r}; resume_from "
                             "rewinds that run in place, so id must be omitted or equal to it")
    if fork_from is not None and id is not None:
        source = rules.parse_run_moment(fork_from, "fork_from")[0]
        if id == source:
            raise UsageError(f"fork_from names run {source!r} and id is the same; a fork is a "
                             "new run: omit id or pass a different one")
    if resume == "must" and id is None:
        raise UsageError("resume='must' needs the id of the run to resume: pass id= or set "
                         "NBRUN_RUN_ID")
