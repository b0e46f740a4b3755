"""``nbrun.Settings`` and the resolution of a run's settings.

Lowest to highest: built-in defaults, the user settings file, the project settings file,
``NBRUN_*`` environment variables (read at every ``init()``; the contract tracker's own variable
for a setting, ``WANDB_PROJECT`` for ``NBRUN_PROJECT``, counts where its ``NBRUN_*`` one is not
set), ``settings=``, keyword arguments.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from traitlets import All, Bool, Float, HasTraits, MetaHasTraits, TraitError, TraitType, Unicode
from traitlets import Tuple as TTuple
from traitlets import observe, validate

from . import urlauth
from . import validation as rules
from . import yamlsafe
from .argument_table import ENV_VARS, SETTINGS, TRACKER_ENV_VARS, TRACKER_MODES, Argument
from .errors import UsageError, did_you_mean

# The store's folder, which also holds the project settings file. Defined here, the lowest
# layer that names it; ``nbrun.store.location`` finds stores by it.
STORE_DIRNAME = ".nbrun"

# Suggested when a settings key matches another tracker's spelling of the same thing.
_ALIASES = {other: key for key, row in SETTINGS.items() for other in row.others}

# Variables nbrun reads elsewhere (credentials, the settings file location).
OTHER_ENV_VARS = {"NBRUN_CONFIG_DIR", "NBRUN_API_KEY", "NBRUN_USERNAME", "NBRUN_PASSWORD",
                  "NBRUN_TOKEN"}


class _Folder(Unicode):
    """A path given as ``str`` or ``os.PathLike`` (``pathlib.Path``), kept as text."""

    def validate(self, obj: Any, value: Any) -> Any:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        return super().validate(obj, value)


class _Seconds(Float):
    """A number of seconds; an int is taken as it is (``Float`` alone refuses ints), and the
    row's rule says which numbers are accepted."""

    def validate(self, obj: Any, value: Any) -> Any:
        if isinstance(value, bool):
            self.error(obj, value)
        if isinstance(value, int):
            value = float(value)
        return super().validate(obj, value)


def _trait(row: Argument) -> TraitType:
    if row.kind == "bool":
        # silent is off unless asked for; the others are None: "not set, use the default".
        return Bool(False, help=row.help) if row.name == "silent" else \
            Bool(None, allow_none=True, help=row.help)
    if row.kind == "tags":
        return TTuple(None, allow_none=True, help=row.help)
    if row.kind == "path":
        return _Folder(None, allow_none=True, help=row.help)
    if row.kind == "seconds":
        return _Seconds(None, allow_none=True, help=row.help)
    return Unicode(None, allow_none=True, help=row.help)


# One trait per row of the argument table that has a settings key.
_SettingTraits = MetaHasTraits("_SettingTraits", (HasTraits,),
                               {key: _trait(row) for key, row in SETTINGS.items()})
# A folder is checked by init() where it runs (a Settings may be made before it exists).
_CHECKED = tuple(key for key, row in SETTINGS.items()
                 if row.check is not None and row.kind != "path")


class Settings(_SettingTraits):  # type: ignore[misc,valid-type]
    """Settings of a run. Keys share the names of ``init()`` arguments where they overlap; each
    key's rule is its argument's (see ``nbrun.argument_table``)."""

    def __init__(self, **kwargs: Any) -> None:
        self._explicit: set[str] = set()
        super().__init__()
        self.update(kwargs)

    @observe(All)
    def _remember_explicit(self, change: Any) -> None:
        self._explicit.add(change["name"])

    @validate(*_CHECKED)
    def _check(self, proposal: Any) -> Any:
        value = proposal.value
        if value is None:
            return None
        return SETTINGS[proposal.trait.name].check(value)

    @classmethod
    def keys(cls) -> list[str]:
        return sorted(cls.class_trait_names())

    def update(self, values: Mapping[str, Any], source: str = "settings") -> "Settings":
        """Set several keys; an unknown key or a bad value is a ``UsageError`` naming it."""
        known = set(self.keys())
        for key, value in values.items():
            # The init() argument a refusal blames: the key itself for a keyword argument,
            # settings= for its keys, none for the files and the environment.
            argument = {"init()": key, "settings=": "settings"}.get(source)
            if key not in known:
                hint = (f" (did you mean {_ALIASES[key]!r}?)" if key in _ALIASES
                        else did_you_mean(str(key), known))
                raise UsageError(
                    f"{source}: unknown setting {key!r}{hint}; valid settings are "
                    f"{', '.join(sorted(known))}", argument)
            if key == "tags" and isinstance(value, list):
                value = tuple(value)
            try:
                setattr(self, key, value)
            except TraitError as exc:
                raise UsageError(f"{source}: setting {key!r}={value!r} is invalid: {exc}",
                                 argument) from None
            except UsageError as exc:
                raise UsageError(f"{source}: {exc}", argument) from None
        return self

    def explicit(self) -> dict[str, Any]:
        """The keys given a value (by the constructor, ``update`` or assignment)."""
        return {k: getattr(self, k) for k in sorted(self._explicit)}

    def __repr__(self) -> str:
        shown = {k: urlauth.masked(v) if k == "base_url" and v else v
                 for k, v in self.explicit().items()}
        inner = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"Settings({inner})"


_BOOL_WORDS = {"true": True, "1": True, "false": False, "0": False}


def text_value(row: Argument, text: str, source: str) -> Any:
    """A value written as text (an environment variable, a magic flag) in its row's kind."""
    if row.kind == "bool":
        return rules.parse_bool_text(text, source)
    if row.kind in ("tags", "keys"):
        return rules.split_tags_text(text)
    if row.kind == "seconds":
        return rules.parse_seconds_text(text, source)
    if row.kind == "choice" and row.deprecated:
        # The deprecated bool forms (resume=True) written as text.
        return _BOOL_WORDS.get(text.strip().lower(), text)
    return text


def _env_value(var: str, key: str, text: str) -> Any:
    value = text_value(SETTINGS[key], text, var)
    row = SETTINGS[key]
    if isinstance(value, bool) and row.kind == "choice":
        return row.deprecated[value]
    return value


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings named by ``NBRUN_*`` variables; an unknown ``NBRUN_`` variable is refused with
    a suggestion, since a typo there would otherwise be silently ignored."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for var, text in environ.items():
        if not var.startswith("NBRUN_"):
            continue
        key = ENV_VARS.get(var)
        if key is None:
            if var not in OTHER_ENV_VARS:
                known = list(ENV_VARS) + sorted(OTHER_ENV_VARS)
                raise UsageError(
                    f"environment variable {var} is not one nbrun reads{did_you_mean(var, known)}"
                    f"; known variables: {', '.join(known)}"
                )
            continue
        if text == "" and key not in ("silent",):
            continue
        values[key] = _env_value(var, key, text)
    for var, key in TRACKER_ENV_VARS.items():
        text = environ.get(var)
        if key in values or text is None or (text == "" and key != "silent"):
            continue
        if key == "mode":
            text = TRACKER_MODES.get(text.strip().lower(), text)
        value = _env_value(var, key, text)
        # Checked here, so that a refusal names this variable rather than the NBRUN_ one.
        Settings().update({key: value}, source=f"environment variable {var}")
        values[key] = value
    return values


def env_text(key: str, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The variable that gives setting ``key`` as text, ``NBRUN_*`` before the contract
    tracker's, and its text; None when neither is set (or set empty)."""
    environ = os.environ if environ is None else environ
    row = SETTINGS[key]
    for var in (row.env, row.tracker_env):
        if var is not None and environ.get(var):
            return var, environ[var]
    return None


def check_settings_argument(value: Any) -> Any:
    """The ``settings=`` argument: an ``nbrun.Settings`` or a dict whose keys and values are
    all valid settings (a dict is returned as a plain copy)."""
    if isinstance(value, Settings):
        raw_dir = value.dir
    elif isinstance(value, Mapping):
        Settings().update(value, source="settings=")
        raw_dir, value = value.get("dir"), dict(value)
    else:
        raise UsageError(f"settings must be an nbrun.Settings or a dict, got "
                         f"{type(value).__name__}", "settings")
    if raw_dir is not None:
        rules.check_dir(raw_dir, "settings dir")
    return value


def config_dir() -> str:
    base = os.environ.get("NBRUN_CONFIG_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(xdg, "nbrun")


def read_file(path: str) -> dict[str, Any]:
    """The mapping of a settings file ({} when there is none); a UsageError naming a bad one."""
    if not os.path.isfile(path):
        return {}  # no YAML import then: keeps init() fast without a settings file
    return yamlsafe.load_mapping_file(path, "settings file")


def settings_files(store_root: str | None) -> list[str]:
    """The user settings file, then the project's (``.nbrun/settings.yaml`` of the store)."""
    files = [os.path.join(config_dir(), "settings.yaml")]
    if store_root:
        files.append(os.path.join(store_root, STORE_DIRNAME, "settings.yaml"))
    return files


def resolve(settings: "Settings | Mapping[str, Any] | None", kwargs: Mapping[str, Any],
            store_root: str | None) -> Settings:
    """Merge every source in precedence order into one ``Settings``."""
    resolved = Settings()
    for path in settings_files(store_root):
        resolved.update(read_file(path), source=f"settings file {path}")
    resolved.update(from_environment(), source="environment")
    if isinstance(settings, Settings):
        resolved.update(settings.explicit(), source="settings=")
    elif settings is not None:
        resolved.update(check_settings_argument(settings), source="settings=")
    resolved.update({k: v for k, v in kwargs.items() if v is not None}, source="init()")
    return resolved
