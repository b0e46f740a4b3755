"""``InitSpec``: the arguments of one ``nbrun.init()`` call, as a traitlets model.

The run form binds its widgets to these traits, and the ``%%runinit`` magic reads and writes
the same model, so the form, the magic and ``init()`` agree on what each argument accepts:
the traits are the rows of ``nbrun.argument_table``, and every rule and the merge of the
settings sources come from ``nbrun.sdk.arguments``; none is written here.
"""

from __future__ import annotations

import keyword
from typing import Any, Mapping

from traitlets import Dict, HasTraits, MetaHasTraits, observe

from .. import validation as rules
from ..argument_table import ARGUMENTS as ROWS
from ..errors import UsageError, did_you_mean
from ..sdk import config as config_mod
from ..sdk import runinit_body
from ..sdk.arguments import ARGUMENTS, Checked, check_argument, check_combination, merge
from ..settings import Settings
from ..store import locate_store
from . import pycode
from .traits import StrictAny

# The arguments check_combination() relates.
_COMBINED = ("id", "resume", "resume_from", "fork_from", "config_include_keys",
             "config_exclude_keys")
# init() filters the config before checking it, so these change what "config" accepts.
_CONFIG_FILTERS = ("config_include_keys", "config_exclude_keys")


def Argument(help: str) -> StrictAny:
    """One ``init()`` argument (None: not set). Any value is held, so that a wrong one can be
    shown with its message rather than refused on assignment; ``errors`` says what is wrong."""
    return StrictAny(help=help).tag(argument=True)


# One trait per argument of the table, holding what the user gave.
_ArgumentTraits = MetaHasTraits("_ArgumentTraits", (HasTraits,),
                                {row.name: Argument(row.help) for row in ROWS})


class InitSpec(_ArgumentTraits):  # type: ignore[misc,valid-type]
    """The arguments of an ``nbrun.init()`` call, checked as ``init()`` checks them."""

    errors = Dict(read_only=True,
                  help="argument -> why init() would refuse it; empty when every argument "
                       "passes init()'s checks")

    def __init__(self, **kwargs: Any) -> None:
        _check_names(kwargs)
        self._own: dict[str, str] = {}  # argument -> message of its own rule
        super().__init__(**kwargs)
        self._recheck(ARGUMENTS)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> InitSpec:
        """The spec of ``nbrun.init(**kwargs)``; None values mean "not set"."""
        return cls(**dict(kwargs))

    @classmethod
    def from_body(cls, body: str) -> InitSpec:
        """The spec of a ``%%runinit`` body (no ``$var`` expansion); YAML and argument-name
        errors are the magic's ``RunInitError``, pointing at the line."""
        # The magic's own reader, so that a body means the same here and in the cell.
        data, _lines = runinit_body.parse_body(body)
        return cls.from_kwargs(data)

    def reset(self) -> None:
        """Every argument back to "not set" (init()'s defaults)."""
        with self.hold_trait_notifications():
            for name in ARGUMENTS:
                setattr(self, name, None)

    def update(self, kwargs: Mapping[str, Any]) -> None:
        """Set several arguments (None unsets one)."""
        _check_names(kwargs)
        with self.hold_trait_notifications():
            for name, value in kwargs.items():
                setattr(self, name, value)

    # -- converting -------------------------------------------------------------------------
    def to_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the ``init()`` call: only the arguments that are set."""
        values = ((name, getattr(self, name)) for name in ARGUMENTS)
        return {name: value for name, value in values if value is not None}

    def to_body(self) -> str:
        """The ``%%runinit`` body (YAML), in the order of init()'s signature."""
        arguments = {}
        for name, value in self.to_kwargs().items():
            try:
                arguments[name] = runinit_body.dump_body({name: plain_value(name, value)})
            except Exception as exc:  # a value YAML cannot write
                raise UsageError(f"{name}: {exc}; this value cannot be written in a "
                                 "%%runinit cell") from None
        return "".join(arguments.values())

    def to_cell(self, name: str = "run") -> str:
        """A whole ``%%runinit`` cell: the magic line (binding the run to ``name``), then the
        body."""
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError(f"name={name!r} is not a Python variable name; the run is bound "
                             "to it in the notebook")
        line = "%%runinit" if name == "run" else f"%%runinit {name}"
        return f"{line}\n{self.to_body()}"

    def to_code(self, name: str = "run") -> str:
        """The equivalent Python: ``run = nbrun.init(...)``."""
        return pycode.init_call(self.to_kwargs(), name)

    # -- checking ---------------------------------------------------------------------------
    @property
    def valid(self) -> bool:
        return not self.errors

    def validate(self) -> None:
        """Raise the ``UsageError`` of the first invalid argument (in signature order)."""
        for message in self.errors.values():
            raise UsageError(message)

    def config_keys(self) -> list[str]:
        """The top-level keys of the config as init() would read it (none when it cannot be
        read), for choosing config_include_keys and config_exclude_keys."""
        try:
            data = config_mod.load_source(self.config)
        except Exception:  # a missing file, a wrong type: the config's own error says so
            return []
        return [key for key in data if isinstance(key, str) and key]

    @observe(*ARGUMENTS)
    def _argument_changed(self, change: Any) -> None:
        names = {change.name}
        if change.name in _CONFIG_FILTERS:
            names.add("config")
        self._recheck(names)

    def _recheck(self, names: Any) -> None:
        # The config is checked through the filters, so after them.
        for name in sorted(names, key=lambda n: n == "config"):
            self._own.pop(name, None)
            value = getattr(self, name)
            if value is None:
                continue
            try:
                self._check(name, value)
            except UsageError as exc:
                self._own[name] = str(exc)
            except Exception as exc:  # a rule that failed: still a reason not to start
                self._own[name] = f"{name}: {type(exc).__name__}: {exc}"
        combined = self._combination_errors()
        errors = {name: self._own.get(name) or combined.get(name) for name in ARGUMENTS}
        self.set_trait("errors", {k: v for k, v in errors.items() if v})

    def _check(self, name: str, value: Any) -> Any:
        if name == "config":
            include, exclude = (self._valid_value(n) for n in _CONFIG_FILTERS)
            if (include is None) != (exclude is None):
                # init() builds the config through the filter, so a key left out is not checked.
                return config_mod.build(value, include, exclude)
        return check_argument(name, value)

    def _valid_value(self, name: str) -> Any:
        """The normalised value of an argument that is set and passes its own rule."""
        value = getattr(self, name)
        if value is None or name in self._own:
            return None
        try:  # (its own message may not be recorded yet while several arguments are set)
            return check_argument(name, value)
        except Exception:
            return None

    # -- combinations -----------------------------------------------------------------------
    def _combination_values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """What init() hands check_combination(), and which argument each value came from.

        init() relates the resolved id and resume: an argument, else ``settings=``, else the
        NBRUN_RUN_ID / NBRUN_RESUME variables or the settings files, merged by the same step
        as init()'s. A value from the environment or a file blames the arguments it conflicts
        with."""
        values = {name: self._valid_value(name) for name in _COMBINED}
        sources = {name: name for name in _COMBINED}
        if values["resume"] is not None:
            values["resume"] = rules.check_resume(values["resume"])[0]  # True is "auto"
        given = self._valid_value("settings")
        try:
            merged = merge(Checked({}, given, {}, None, None), self._store_root(given))
        except UsageError:  # an unknown NBRUN_ variable, a bad file: init() reports it
            merged = Settings()
        for name in ("id", "resume"):
            if values[name] is not None:
                continue
            from_settings = (getattr(given, name) if isinstance(given, Settings)
                             else given.get(name) if isinstance(given, Mapping) else None)
            values[name] = getattr(merged, name)
            if from_settings is not None:
                sources[name] = "settings"
            else:
                sources.pop(name)
        return values, sources

    def _store_root(self, given: Any) -> str | None:
        """The folder whose project settings file init() would read."""
        try:
            return locate_store(self._valid_value("dir"), given).settings_root
        except UsageError:
            return None

    def _combination_errors(self) -> dict[str, str]:
        """Each combination rule that fails, against every argument it involves.

        check_combination() raises its first failure only. An argument is involved in a
        failure when leaving it out makes that failure go. Leaving out each involved argument
        in turn then shows the failures hidden behind the first (an id that equals the
        fork's source, behind resume and fork_from given together); the first message found
        for an argument is the one init() would raise first. Six arguments at most: a few
        dozen calls of a pure function."""
        values, sources = self._combination_values()
        found: dict[str, str] = {}

        def failure(vals: dict[str, Any]) -> str | None:
            try:
                check_combination(**vals)
            except UsageError as exc:
                return str(exc)
            return None

        pending, seen = [values], set()
        while pending:
            state = pending.pop(0)
            key = frozenset(k for k, v in state.items() if v is not None)
            message = failure(state) if key not in seen else None
            seen.add(key)
            if message is None:
                continue
            involved = [k for k in key if failure({**state, k: None}) != message] or list(key)
            for name in sorted(involved, key=_COMBINED.index):
                if name in sources:
                    found.setdefault(sources[name], message)
                pending.append({**state, name: None})
        return found

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.to_kwargs().items())
        return f"InitSpec({inner})"


def _check_names(kwargs: Mapping[str, Any]) -> None:
    for key in kwargs:
        if key not in ARGUMENTS:
            raise UsageError(f"unknown argument {key!r}{did_you_mean(str(key), ARGUMENTS)}; "
                             "the arguments are those of nbrun.init()")


def plain_value(name: str, value: Any) -> Any:
    """A value as YAML can write it; other forms init() accepts become their plain
    equivalent (an argparse Namespace its dict, an nbrun.Settings its explicit keys)."""
    if name == "settings" and isinstance(value, Settings):
        return value.explicit()
    if name == "config" and not isinstance(value, (Mapping, str)) and value is not None:
        try:
            return config_mod.load_source(value)
        except UsageError:
            return value
    return value
