"""How an nbrun run looks on an MLflow tracking server (the README's mapping table).

Keys MLflow refuses are mapped reversibly: the MLflow key is a cleaned-up form plus a hash of the
original, and the run carries a tag ``nbrun.key/<mlflow key>`` whose value is the original key.

Tags are what a teammate sees in the MLflow UI, so they are those MLflow's own client sets (user,
source; under ``mlflow.``, which the UI shows in its own places and never as run tags) and one
per thing nbrun knows that MLflow does not: the nbrun run id, each of the run's tags, its group
and job type. The project and entity are the experiment's name. The sync's own bookkeeping (the
key that finds a run whose create was not recorded) is under ``mlflow.`` too, out of sight.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import math
import re
from typing import Any

# What MLflow accepts in a metric, param or tag key (measured: see the server notes).
_ALLOWED = re.compile(r"[\w\-. :/]+")
_BAD = re.compile(r"[^\w\-. :/]")
MAX_KEY = 250
MAX_PARAM_VALUE = 6000  # longer values are cut by the server; the config artifact is whole
MAX_TAG_VALUE = 8000
KEY_TAG = "nbrun.key/"
SYNC_KEY_TAG = "mlflow.nbrun.syncKey"  # hidden by the UI (its mlflow. prefix)
OLD_SYNC_KEY_TAG = "nbrun.sync_key"  # where nbrun before issue 19 kept it, shown as a run tag
# Tags nbrun before issue 19 sent that are no longer sent: removed from runs it synced.
RETIRED_TAGS = ("nbrun.project", "nbrun.entity", "nbrun.tags", OLD_SYNC_KEY_TAG)
FLOAT_MAX = 1.7976931348623157e308  # how MLflow stores an infinity on every SQL backend

STATUS = {"running": "RUNNING", "finished": "FINISHED", "failed": "FAILED", "crashed": "KILLED"}


def key_ok(key: str) -> bool:
    if not key or len(key) > MAX_KEY or not _ALLOWED.fullmatch(key):
        return False
    # MLflow treats metric names as file paths: no absolute path, no '..', no empty segment.
    parts = key.split("/")
    return not key.startswith("/") and ".." not in parts and "" not in parts[1:-1] and \
        not key.endswith("/")


def mlflow_key(key: str) -> str:
    """``key`` itself when MLflow takes it, else a cleaned form ending in a hash of it."""
    if key_ok(key):
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    clean = _BAD.sub("_", key).replace("..", "_.")
    clean = "/".join(part or "_" for part in clean.split("/")).lstrip("/")[:180]
    return f"{clean}-h{digest}"


def value_literal(value: Any) -> str | None:
    """A metric value as JSON text for log-batch, or None when it is not a number. NaN goes as
    the string "NaN" (a bare NaN literal is stored as 0); an infinity as MLflow's own stand-in,
    the largest float, which the server would store in its place anyway."""
    kind = type(value)
    if kind is float:
        if value != value:
            return '"NaN"'
        if math.isinf(value):
            return repr(FLOAT_MAX if value > 0 else -FLOAT_MAX)
        return repr(value)
    if kind is int:
        return repr(float(value))
    if kind is bool:
        return "1.0" if value else "0.0"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value_literal(float(value))
    return None


def from_server(value: Any) -> float:
    """A metric value read back from the server, as nbrun logged it."""
    if value == "NaN":
        return math.nan
    value = float(value)
    if abs(value) == FLOAT_MAX:
        return math.copysign(math.inf, value)
    return value


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config as ``a.b.c`` params (config keys hold no ``.``)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, allow_nan=True)
    return text[:MAX_PARAM_VALUE]


def user_name(login: str | None) -> str:
    """Who a run is by, as MLflow's client says it: the server login's user name, else the
    account's, else "unknown"."""
    if login:
        return login
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "unknown"


def source_tags(row: Any) -> dict[str, str]:
    """``mlflow.source.type`` (the UI's icon: NOTEBOOK for a run started in a notebook, LOCAL
    for a script) and ``mlflow.source.name`` (the notebook or script, when known)."""
    notebook = row.cell is not None or (row.program or "").endswith(".ipynb")
    tags = {"mlflow.source.type": "NOTEBOOK" if notebook else "LOCAL"}
    if row.program:
        tags["mlflow.source.name"] = row.program
    return tags


def run_tags(row: Any, config_changed: list[str], user: str) -> dict[str, str]:
    """MLflow tags of a run (``row`` is the store's RunRow, ``user`` from ``user_name``)."""
    tags = {"nbrun.run_id": row.id, "mlflow.runName": row.name,
            "mlflow.note.content": row.notes or "", "mlflow.user": user, **source_tags(row)}
    for label in row.tags:  # one tag each
        tags["nbrun.tag/" + mlflow_key(label)] = label
    optional = {"nbrun.group": row.group, "nbrun.job_type": row.job_type}
    tags.update({k: v for k, v in optional.items() if v})
    fork = row.lineage.get("forked_from")
    if fork:
        tags["nbrun.forked_from"] = f"{fork['id']}?_step={fork['step']}"
    if config_changed:
        tags["nbrun.config_changed"] = json.dumps(sorted(config_changed))
    return {k: v[:MAX_TAG_VALUE] for k, v in tags.items()}
