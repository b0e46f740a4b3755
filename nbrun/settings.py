"""``nbrun.Settings`` and the resolution of a run's settings.

Lowest to highest: built-in defaults, the user settings file, the project settings file,
``NBRUN_*`` environment variables (read at every ``init()``), ``settings=``, keyword arguments.
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

from traitlets import All, Bool, HasTraits, TraitError, Unicode, observe, validate
from traitlets import Tuple as TTuple

from . import validation as rules
from . import yamlsafe
from .errors import UsageError, did_you_mean

# Suggested when a settings key matches another tracker's spelling of the same thing.
_ALIASES = {
    "run_id": "id", "run_name": "name", "run_notes": "notes", "run_tags": "tags",
    "run_group": "group", "run_job_type": "job_type", "root_dir": "dir",
}

# The password of a base_url given as scheme://user:password@host, hidden from repr().
_URL_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*):[^@/]*@")

# NBRUN_* variable -> settings key.
ENV_VARS = {
    "NBRUN_PROJECT": "project",
    "NBRUN_ENTITY": "entity",
    "NBRUN_MODE": "mode",
    "NBRUN_RUN_ID": "id",
    "NBRUN_RESUME": "resume",
    "NBRUN_NAME": "name",
    "NBRUN_NOTES": "notes",
    "NBRUN_TAGS": "tags",
    "NBRUN_RUN_GROUP": "group",
    "NBRUN_JOB_TYPE": "job_type",
    "NBRUN_DIR": "dir",
    "NBRUN_NOTEBOOK_NAME": "notebook_name",
    "NBRUN_SILENT": "silent",
    "NBRUN_BASE_URL": "base_url",
    "NBRUN_SAVE_CODE": "save_code",
    "NBRUN_ANONYMOUS": "anonymous",
    "NBRUN_FORCE": "force",
    "NBRUN_REINIT": "reinit",
    "NBRUN_ALLOW_VAL_CHANGE": "allow_val_change",
    "NBRUN_SYNC_TENSORBOARD": "sync_tensorboard",
    "NBRUN_MONITOR_GYM": "monitor_gym",
    "NBRUN_TENSORBOARD_DIR": "tensorboard_dir",
    "NBRUN_REDACT_PATTERN": "redact_pattern",
}
# Variables nbrun reads elsewhere (credentials, the settings file location).
OTHER_ENV_VARS = {"NBRUN_CONFIG_DIR", "NBRUN_API_KEY", "NBRUN_USERNAME", "NBRUN_PASSWORD",
                  "NBRUN_TOKEN"}


class _Folder(Unicode):
    """A path given as ``str`` or ``os.PathLike`` (``pathlib.Path``), kept as text."""

    def validate(self, obj: Any, value: Any) -> Any:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        return super().validate(obj, value)


class Settings(HasTraits):
    """Settings of a run. Keys share the names of ``init()`` arguments where they overlap."""

    project = Unicode(None, allow_none=True, help="project the run belongs to")
    entity = Unicode(None, allow_none=True, help="user or team owning the run")
    mode = Unicode(None, allow_none=True, help="online, offline or disabled")
    id = Unicode(None, allow_none=True, help="run id")
    name = Unicode(None, allow_none=True, help="run display name")
    notes = Unicode(None, allow_none=True, help="run notes")
    tags = TTuple(None, allow_none=True, help="run tags")
    group = Unicode(None, allow_none=True, help="run group")
    job_type = Unicode(None, allow_none=True, help="run job type")
    dir = _Folder(None, allow_none=True, help="folder under which the store .nbrun/ lives")
    resume = Unicode(None, allow_none=True, help="resume mode: allow, never, must or auto")
    reinit = Unicode(None, allow_none=True, help="reinit mode")
    anonymous = Unicode(None, allow_none=True, help="never, allow or must")
    force = Bool(None, allow_none=True, help="fail instead of falling back to offline")
    save_code = Bool(None, allow_none=True, help="save the program or notebook with the run")
    allow_val_change = Bool(None, allow_none=True, help="allow config values to change")
    sync_tensorboard = Bool(None, allow_none=True, help="mirror TensorBoard scalars")
    monitor_gym = Bool(None, allow_none=True, help="attach Gymnasium videos")
    tensorboard_dir = Unicode(None, allow_none=True,
                              help="a TensorBoard log folder to mirror (e.g. another process's)")
    notebook_name = Unicode(None, allow_none=True, help="path of the notebook file")
    silent = Bool(False, help="print no notices")
    base_url = Unicode(None, allow_none=True, help="URL of the MLflow tracking server")
    redact_pattern = Unicode(None, allow_none=True,
                             help="regular expression: config keys whose values are sent to "
                                  "the server as <redacted> (default: password, token, ...)")

    def __init__(self, **kwargs: Any) -> None:
        self._explicit: set[str] = set()
        super().__init__()
        self.update(kwargs)

    @observe(All)
    def _remember_explicit(self, change: Any) -> None:
        self._explicit.add(change["name"])

    @validate("project")
    def _check_project(self, proposal: Any) -> Any:
        return None if proposal.value is None else rules.check_project(proposal.value)

    @validate("entity")
    def _check_entity(self, proposal: Any) -> Any:
        return None if proposal.value is None else rules.check_entity(proposal.value)

    @validate("id")
    def _check_id(self, proposal: Any) -> Any:
        return None if proposal.value is None else rules.check_id(proposal.value)

    @validate("name", "group", "job_type")
    def _check_short_text(self, proposal: Any) -> Any:
        value = proposal.value
        return None if value is None else rules.check_text(value, proposal.trait.name,
                                                           rules.TEXT_MAX)

    @validate("tags")
    def _check_tags(self, proposal: Any) -> Any:
        return None if proposal.value is None else rules.check_tags(proposal.value)

    @validate("mode")
    def _check_mode(self, proposal: Any) -> Any:
        if proposal.value is not None:
            rules.check_choice(proposal.value, "mode", rules.MODES)
        return proposal.value

    @validate("anonymous")
    def _check_anonymous(self, proposal: Any) -> Any:
        if proposal.value is not None:
            rules.check_choice(proposal.value, "anonymous", rules.ANONYMOUS)
        return proposal.value

    @validate("redact_pattern")
    def _check_redact_pattern(self, proposal: Any) -> Any:
        value = proposal.value
        if value is None:
            return None
        if not value:
            raise UsageError("redact_pattern must be a non-empty regular expression matched "
                             "against config keys (use '(?!)' to redact nothing)")
        try:
            re.compile(value)
        except re.error as exc:
            raise UsageError(f"redact_pattern {value!r} is not a valid regular expression: "
                             f"{exc}") from None
        return value

    @validate("resume")
    def _check_resume(self, proposal: Any) -> Any:
        if proposal.value is not None:
            rules.check_choice(proposal.value, "resume", rules.RESUME_MODES)
        return proposal.value

    @validate("reinit")
    def _check_reinit(self, proposal: Any) -> Any:
        if proposal.value is not None:
            rules.check_choice(proposal.value, "reinit", rules.REINIT_MODES)
        return proposal.value

    @classmethod
    def keys(cls) -> list[str]:
        return sorted(cls.class_trait_names())

    def update(self, values: Mapping[str, Any], source: str = "settings") -> "Settings":
        """Set several keys; an unknown key or a bad value is a ``UsageError`` naming it."""
        known = set(self.keys())
        for key, value in values.items():
            if key not in known:
                hint = (f" (did you mean {_ALIASES[key]!r}?)" if key in _ALIASES
                        else did_you_mean(str(key), known))
                raise UsageError(
                    f"{source}: unknown setting {key!r}{hint}; valid settings are "
                    f"{', '.join(sorted(known))}"
                )
            if key == "tags" and isinstance(value, list):
                value = tuple(value)
            try:
                setattr(self, key, value)
            except TraitError as exc:
                raise UsageError(f"{source}: setting {key!r}={value!r} is invalid: {exc}") from None
            except UsageError as exc:
                raise UsageError(f"{source}: {exc}") from None
        return self

    def explicit(self) -> dict[str, Any]:
        """The keys given a value (by the constructor, ``update`` or assignment)."""
        return {k: getattr(self, k) for k in sorted(self._explicit)}

    def __repr__(self) -> str:
        shown = {k: _URL_PASSWORD.sub(r"\1:***@", v) if k == "base_url" and v else v
                 for k, v in self.explicit().items()}
        inner = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"Settings({inner})"


def _env_value(var: str, key: str, text: str) -> Any:
    trait = Settings.class_traits()[key]
    if isinstance(trait, Bool):
        return rules.parse_bool_text(text, var)
    if key == "tags":
        return tuple(rules.split_tags_text(text))
    if key == "resume" and text.strip().lower() in ("true", "1"):
        return "auto"
    return text


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
    return values


def config_dir() -> str:
    base = os.environ.get("NBRUN_CONFIG_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(xdg, "nbrun")


def read_file(path: str) -> dict[str, Any]:
    """The mapping of a settings file ({} when there is none); a UsageError naming a bad one."""
    if not os.path.isfile(path):
        return {}
    import yaml  # only when a settings file exists: keeps init() fast without one

    try:
        with open(path, encoding="utf-8") as f:
            data = yamlsafe.safe_load(f)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"settings file {path}{where} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"settings file {path} must hold a mapping of setting: value")
    return data


def settings_files(store_root: str | None) -> list[str]:
    """The user settings file, then the project's (``.nbrun/settings.yaml`` of the store)."""
    files = [os.path.join(config_dir(), "settings.yaml")]
    if store_root:
        files.append(os.path.join(store_root, ".nbrun", "settings.yaml"))
    return files


def resolve(settings: "Settings | Mapping[str, Any] | None", kwargs: Mapping[str, Any],
            store_root: str | None) -> Settings:
    """Merge every source in precedence order into one ``Settings``."""
    resolved = Settings()
    for path in settings_files(store_root):
        resolved.update(read_file(path), source=f"settings file {path}")
    resolved.update(from_environment(), source="environment")
    if settings is not None:
        if isinstance(settings, Settings):
            resolved.update(settings.explicit(), source="settings=")
        elif isinstance(settings, Mapping):
            resolved.update(settings, source="settings=")
        else:
            raise UsageError(
                f"settings must be an nbrun.Settings or a dict, got {type(settings).__name__}"
            )
    resolved.update({k: v for k, v in kwargs.items() if v is not None}, source="init()")
    return resolved
