"""Checking and resolving ``init()``'s arguments, without touching anything: ``init()`` and the
run form (``InitSpec``) both call these, so the form refuses exactly what ``init()`` refuses.

Each argument's rule is its row of ``nbrun.argument_table``; the rules between arguments and
the merge of every source (defaults, settings files, environment, ``settings=``, keyword
arguments) are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import settings as settings_mod
from .. import validation as rules
from ..argument_table import BY_NAME, NAMES, SETTINGS, of_kind
from ..errors import UsageError
from ..settings import Settings
from . import config as config_mod

# The contract's signature, in order (a test keeps it equal to init()'s).
ARGUMENTS = NAMES
BOOLEANS = of_kind("bool")


def check_argument(name: str, value: Any) -> Any:
    """The normalised value of one argument (never None), or a ``UsageError`` naming it."""
    try:
        return BY_NAME[name].check(value)
    except UsageError as exc:
        if exc.argument is None:
            exc.argument = name
        raise


def _refuse(message: str, argument: str) -> None:
    raise UsageError(message, argument)


def check_combination(*, id: str | None = None, resume: str | None = None,
                      resume_from: str | None = None, fork_from: str | None = None,
                      config_include_keys: Any = None, config_exclude_keys: Any = None) -> None:
    """The rules between arguments (values already checked one by one)."""
    if config_include_keys is not None and config_exclude_keys is not None:
        _refuse("config_include_keys and config_exclude_keys cannot both be given; pass one of "
                "them", "config_include_keys")
    chosen = [n for n, v in (("resume", resume), ("resume_from", resume_from),
                             ("fork_from", fork_from)) if v is not None]
    if len(chosen) > 1:
        _refuse(f"{' and '.join(chosen)} cannot be used together; pass at most one of resume, "
                "resume_from and fork_from", chosen[0])
    if resume_from is not None and id is not None:
        source = rules.parse_run_moment(resume_from, "resume_from")[0]
        if id != source:
            _refuse(f"resume_from names run {source!r} but id={id!r}; resume_from rewinds that "
                    "run in place, so id must be omitted or equal to it", "resume_from")
    if fork_from is not None and id is not None:
        source = rules.parse_run_moment(fork_from, "fork_from")[0]
        if id == source:
            _refuse(f"fork_from names run {source!r} and id is the same; a fork is a new run: "
                    "omit id or pass a different one", "fork_from")
    if resume == "must" and id is None:
        _refuse("resume='must' needs the id of the run to resume: pass id= or set NBRUN_RUN_ID",
                "resume")


@dataclass
class Checked:
    """The passed arguments, each checked: settings-shaped values and the rest."""

    kwargs: dict[str, Any]  # the arguments that are also settings, as settings values
    settings: Settings | dict[str, Any] | None
    config: dict[str, Any]
    resume_from: tuple[str, int] | None
    fork_from: tuple[str, int] | None
    deprecations: list[str] = field(default_factory=list)  # what to warn about, said once


def check_arguments(passed: dict[str, Any]) -> Checked:
    """Every passed argument checked by its own rule (in signature order; the config last, as
    read through its filters, then ``settings=``); the first refusal is raised."""
    kwargs: dict[str, Any] = {}
    values: dict[str, Any] = {}
    deprecations: list[str] = []
    for name in NAMES:
        if name not in passed or name in ("config", "settings"):
            continue
        row = BY_NAME[name]
        values[name] = value = check_argument(name, passed[name])
        if row.alias_of is not None:
            deprecations.append(f"{name}= is deprecated; use {row.alias_of}=")
            if row.alias_of not in passed:
                kwargs[row.alias_of] = value
        elif row.deprecated and isinstance(value, bool):
            new = row.deprecated[value]
            deprecations.append(f"{name}={value!r} is deprecated; use {name}={new!r}")
            if new is not None:
                kwargs[name] = new
        elif row.setting is not None:
            kwargs[row.setting] = value
    include, exclude = values.get("config_include_keys"), values.get("config_exclude_keys")
    check_combination(config_include_keys=include, config_exclude_keys=exclude)
    try:
        config = config_mod.build(passed.get("config"), include, exclude)
    except UsageError as exc:
        exc.argument = exc.argument or "config"
        raise
    moments = {name: rules.parse_run_moment(passed[name], name) if name in passed else None
               for name in ("resume_from", "fork_from")}
    given = check_argument("settings", passed["settings"]) if "settings" in passed else None
    return Checked(kwargs, given, config, moments["resume_from"], moments["fork_from"],
                   deprecations)


def merge(checked: Checked, store_root: str | None) -> Settings:
    """The run's settings from every source, lowest to highest: defaults, the settings files
    of ``store_root``, ``NBRUN_*``, ``settings=``, the arguments."""
    return settings_mod.resolve(checked.settings, checked.kwargs, store_root)


def resolve(checked: Checked, store_root: str | None, *, resume_from: str | None = None,
            fork_from: str | None = None) -> Settings:
    """``merge``, then the rules between the resolved id and resume and the passed
    resume_from / fork_from."""
    s = merge(checked, store_root)
    check_combination(id=s.id, resume=s.resume, resume_from=resume_from, fork_from=fork_from)
    return s


def recorded_settings(s: Settings) -> dict[str, Any]:
    """The settings kept with the run (the table's ``recorded`` rows that are set)."""
    return {key: getattr(s, key) for key, row in SETTINGS.items()
            if row.recorded and getattr(s, key) is not None}
