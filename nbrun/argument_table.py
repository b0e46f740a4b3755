"""Every ``init()`` argument and every setting, written once.

A row says what an argument is called, what kind of value it takes, the rule that checks it, the
settings key and ``NBRUN_*`` variable that may also give it, its help text and its deprecated
forms. ``Settings`` builds its traits and validators from these rows, the ``%%runinit`` magic
types its flags by ``kind``, ``InitSpec`` and the run form build one trait and one control per
argument, and the run records the settings marked ``recorded``: a new argument is one new row.

This module sits below the settings, the run engine and the notebook layer, so it imports only
the value rules; the two rules that need more are loaded when first called.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from . import validation as rules

# What a value is, which decides how text becomes it (flags, environment) and its form control:
# text, notes (multi-line text), path, choice, bool, tags, keys (config keys), mapping (YAML),
# moment ("<run_id>?_step=<step>"), seconds (a number).
KINDS = ("text", "notes", "path", "choice", "bool", "tags", "keys", "mapping", "moment",
         "seconds")

# The form's sections, in order; each argument names its own.
SECTIONS = ("The run", "Config", "Resume, rewind or fork", "Where and how")


@dataclass(frozen=True)
class Argument:
    """One ``init()`` argument, or one setting that has no argument (``argument=False``)."""

    name: str
    kind: str
    check: Callable[[Any], Any] | None  # the normalised value, or a UsageError naming it
    help: str
    setting: str | None = None  # its key in nbrun.Settings and the settings files
    env: str | None = None  # the NBRUN_* variable that sets it
    alias_of: str | None = None  # a deprecated argument: the one to use instead
    deprecated: Mapping[Any, str | None] = field(default_factory=dict)  # old value -> new one
    choices: tuple[Any, ...] = ()
    recorded: bool = False  # kept in the run's recorded settings
    default: str = ""  # what "not set" means, said to the user
    section: str = SECTIONS[-1]
    argument: bool = True
    others: tuple[str, ...] = ()  # other trackers' spellings, suggested for unknown keys
    # The contract tracker's environment variable for the same setting, read below ``env``.
    tracker_env: str | None = None


def _text(limit: int | None) -> Callable[[str], Callable[[Any], str]]:
    return lambda name: lambda value: rules.check_text(value, name, limit)


def _bool(name: str) -> Callable[[Any], bool]:
    return lambda value: rules.check_bool(value, name)


def _choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    return lambda value: rules.check_choice(value, name, choices)


def _keys(name: str) -> Callable[[Any], tuple[str, ...]]:
    return lambda value: rules.check_key_list(value, name)


def _moment(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        rules.parse_run_moment(value, name)
        return value
    return check


def _reinit(value: Any) -> Any:
    rules.check_reinit(value)
    return value


def _resume(value: Any) -> Any:
    rules.check_resume(value)
    return value


def _config(value: Any) -> dict[str, Any]:
    # Reading a config means reading YAML files and NumPy values: the run's config module
    # does it, loaded on first use so that this table stays at the bottom of the imports.
    from .sdk.config import build

    return build(value)


def _settings(value: Any) -> Any:
    from .settings import check_settings_argument  # Settings is built from this table

    return check_settings_argument(value)


_RUN, _CONFIG, _RESUME, _WHERE = SECTIONS
_NAMES_DEFAULT = "the git root's or the notebook's name"

ARGUMENTS: tuple[Argument, ...] = (
    Argument("entity", "text", rules.check_entity, "user or team the run belongs to",
             setting="entity", env="NBRUN_ENTITY", tracker_env="WANDB_ENTITY", section=_RUN),
    Argument("project", "text", rules.check_project,
             f"project of the run (default: {_NAMES_DEFAULT})", setting="project",
             env="NBRUN_PROJECT", tracker_env="WANDB_PROJECT", default=_NAMES_DEFAULT,
             section=_RUN),
    Argument("dir", "path", rules.check_dir, "folder under which the store .nbrun/ lives",
             setting="dir", env="NBRUN_DIR", tracker_env="WANDB_DIR", others=("root_dir",),
             default="NBRUN_DIR, else the nearest folder with .nbrun/"),
    Argument("id", "text", rules.check_id, "run id (default: generated)", setting="id",
             env="NBRUN_RUN_ID", tracker_env="WANDB_RUN_ID", default="generated",
             section=_RUN, others=("run_id",)),
    Argument("name", "text", _text(rules.TEXT_MAX)("name"),
             "display name (default: generated, e.g. quiet-river-7)", setting="name",
             env="NBRUN_NAME", tracker_env="WANDB_NAME", default="generated", section=_RUN,
             others=("run_name",)),
    Argument("notes", "notes", _text(None)("notes"), "free text recorded on the run",
             setting="notes", env="NBRUN_NOTES", tracker_env="WANDB_NOTES", section=_RUN,
             others=("run_notes",)),
    Argument("tags", "tags", rules.check_tags, "list of tags, each 1 to 64 characters",
             setting="tags", env="NBRUN_TAGS", tracker_env="WANDB_TAGS", section=_RUN,
             others=("run_tags",)),
    Argument("config", "mapping", _config,
             "hyperparameters: a mapping, or the path of a YAML file", section=_CONFIG),
    Argument("config_exclude_keys", "keys", _keys("config_exclude_keys"),
             "top-level config keys to leave out", section=_CONFIG),
    Argument("config_include_keys", "keys", _keys("config_include_keys"),
             "top-level config keys to keep (the others are left out)", section=_CONFIG),
    Argument("allow_val_change", "bool", _bool("allow_val_change"),
             "allow config values to change (default: True in a notebook)",
             setting="allow_val_change", env="NBRUN_ALLOW_VAL_CHANGE",
             tracker_env="WANDB_ALLOW_VAL_CHANGE", recorded=True,
             section=_CONFIG),
    Argument("group", "text", _text(rules.TEXT_MAX)("group"), "group of related runs",
             setting="group", env="NBRUN_RUN_GROUP", tracker_env="WANDB_RUN_GROUP", section=_RUN,
             others=("run_group",)),
    Argument("job_type", "text", _text(rules.TEXT_MAX)("job_type"),
             "kind of job (train, eval, ...)", setting="job_type", env="NBRUN_JOB_TYPE",
             tracker_env="WANDB_JOB_TYPE", section=_RUN, others=("run_job_type",)),
    Argument("mode", "choice", _choice("mode", rules.MODES), "online, offline or disabled",
             setting="mode", env="NBRUN_MODE", tracker_env="WANDB_MODE", choices=rules.MODES),
    Argument("force", "bool", _bool("force"),
             "fail instead of falling back to offline without credentials", setting="force",
             env="NBRUN_FORCE", tracker_env="WANDB_FORCE", recorded=True),
    Argument("anonymous", "choice", _choice("anonymous", rules.ANONYMOUS),
             "never, allow or must", setting="anonymous", env="NBRUN_ANONYMOUS",
             tracker_env="WANDB_ANONYMOUS",
             choices=rules.ANONYMOUS, recorded=True),
    Argument("reinit", "choice", _reinit, "what happens to an active run: default, "
             "return_previous, finish_previous or create_new", setting="reinit",
             env="NBRUN_REINIT", tracker_env="WANDB_REINIT", choices=rules.REINIT_MODES,
             recorded=True, section=_RESUME,
             deprecated={True: "finish_previous", False: "return_previous"}),
    Argument("resume", "choice", _resume, "allow, never, must or auto", setting="resume",
             env="NBRUN_RESUME", tracker_env="WANDB_RESUME", choices=rules.RESUME_MODES,
             recorded=True, section=_RESUME,
             deprecated={True: "auto", False: None}),
    Argument("resume_from", "moment", _moment("resume_from"),
             "rewind a run: '<run_id>?_step=<step>'", section=_RESUME),
    Argument("fork_from", "moment", _moment("fork_from"),
             "fork a run: '<run_id>?_step=<step>'", section=_RESUME),
    Argument("save_code", "bool", _bool("save_code"),
             "save the notebook and its executed cells with the run", setting="save_code",
             env="NBRUN_SAVE_CODE", tracker_env="WANDB_SAVE_CODE", recorded=True),
    Argument("tensorboard", "bool", _bool("tensorboard"), "deprecated alias of sync_tensorboard",
             alias_of="sync_tensorboard"),
    Argument("sync_tensorboard", "bool", _bool("sync_tensorboard"),
             "mirror TensorBoard scalars into the run", setting="sync_tensorboard",
             env="NBRUN_SYNC_TENSORBOARD", tracker_env="WANDB_SYNC_TENSORBOARD", recorded=True),
    Argument("monitor_gym", "bool", _bool("monitor_gym"), "attach Gymnasium videos to the run",
             setting="monitor_gym", env="NBRUN_MONITOR_GYM", recorded=True),
    Argument("settings", "mapping", _settings,
             "a mapping of nbrun settings (or an nbrun.Settings)"),
)

# Settings that no init() argument sets.
SETTINGS_ONLY: tuple[Argument, ...] = (
    Argument("tensorboard_dir", "path", None,
             "a TensorBoard log folder to mirror (e.g. another process's)",
             setting="tensorboard_dir", env="NBRUN_TENSORBOARD_DIR", argument=False),
    Argument("notebook_name", "path", None, "path of the notebook file",
             setting="notebook_name", env="NBRUN_NOTEBOOK_NAME",
             tracker_env="WANDB_NOTEBOOK_NAME", recorded=True, argument=False),
    Argument("silent", "bool", None, "print no notices", setting="silent", env="NBRUN_SILENT",
             tracker_env="WANDB_SILENT", argument=False),
    Argument("base_url", "text", None, "URL of the MLflow tracking server", setting="base_url",
             env="NBRUN_BASE_URL", recorded=True, argument=False),
    Argument("ca_bundle", "path", None,
             "CA certificates (a PEM file) that the tracking server's TLS certificate is checked "
             "against, for a server with a private or self-signed certificate",
             setting="ca_bundle", env="NBRUN_CA_BUNDLE", recorded=True, argument=False),
    Argument("redact_pattern", "text", rules.check_redact_pattern,
             "regular expression: config keys whose values are sent to the server as "
             "<redacted> (default: password, token, ...)", setting="redact_pattern",
             env="NBRUN_REDACT_PATTERN", argument=False),
    Argument("system_metrics_interval", "seconds",
             lambda value: rules.check_seconds(value, "system_metrics_interval"),
             "seconds between samples of CPU, memory, disk, network and GPU use (0: off)",
             setting="system_metrics_interval", env="NBRUN_SYSTEM_METRICS_INTERVAL",
             tracker_env="WANDB_X_STATS_SAMPLING_INTERVAL", recorded=True, argument=False,
             default="15",
             others=("x_stats_sampling_interval", "stats_sampling_interval")),
)

NAMES: tuple[str, ...] = tuple(row.name for row in ARGUMENTS)
BY_NAME: dict[str, Argument] = {row.name: row for row in ARGUMENTS}
# Settings keys -> their row (arguments first, in signature order, then the others).
SETTINGS: dict[str, Argument] = {row.setting: row for row in ARGUMENTS + SETTINGS_ONLY
                                 if row.setting is not None}
ENV_VARS: dict[str, str] = {row.env: row.setting for row in SETTINGS.values()
                            if row.env is not None}
# The contract tracker's variables, each read only when its NBRUN_* variable is not set. Its
# WANDB_BASE_URL is left out on purpose: it names that tracker's own server, not an MLflow one.
TRACKER_ENV_VARS: dict[str, str] = {row.tracker_env: row.setting for row in SETTINGS.values()
                                    if row.tracker_env is not None}
# That tracker's other spellings of a mode.
TRACKER_MODES = {"dryrun": "offline", "run": "online"}


def of_kind(*kinds: str) -> tuple[str, ...]:
    """The names of the arguments of these kinds, in signature order."""
    return tuple(row.name for row in ARGUMENTS if row.kind in kinds)
