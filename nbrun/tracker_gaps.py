"""The contract tracker's module-level names that nbrun does not provide, each with what to use
instead, so that code written for that tracker stops at the first such call with an error
naming it (never an ``AttributeError`` that reads like a typo, never a silent no-op).

Kept apart from ``nbrun/__init__.py`` so the list can grow without touching the public surface.
"""

from __future__ import annotations

from .errors import UnsupportedError

# name -> what to do instead (shown after "nbrun does not provide wandb.<name>")
MISSING: dict[str, str] = {
    "sweep": "run the sweep's trials yourself (a loop over configs, or Optuna/Ray Tune) with "
             "one nbrun.init(config=...) per trial; the sidebar compares them",
    "agent": "run the sweep's trials yourself with one nbrun.init(config=...) per trial",
    "controller": "run the sweep's trials yourself with one nbrun.init(config=...) per trial",
    "restore": "read a run's files with nbrun.Api().run(id).files() or use an artifact",
    "mark_preempting": "resume the run later with nbrun.init(id=..., resume='allow')",
    "link_model": "log the model with run.log_model(path, name=..., aliases=[...])",
    "link_artifact": "give the version an alias with run.log_artifact(..., aliases=[...])",
    "Object3D": "log a Table or an Html view of the point cloud",
    "Molecule": "log an Html view of the molecule",
    "Graph": "log an Html or Image of the graph",
    "Classes": "pass class labels to nbrun.Image(masks=..., boxes=...)",
    "box3d": "log a Table of the boxes",
    "setup": "nothing: nbrun needs no service process",
    "teardown": "nothing: runs finish at exit (nbrun.finish() to finish the current one)",
    "require": "nothing: nbrun has no optional features to require",
    "launch": "nothing: nbrun does not launch jobs",
}


class UnsupportedAttribute(UnsupportedError, AttributeError):
    """Also an ``AttributeError``, so ``hasattr(nbrun, name)`` stays False for these names."""


def refuse(name: str) -> UnsupportedAttribute | None:
    """The error for a tracker name nbrun does not provide, or None for an unknown name."""
    instead = MISSING.get(name)
    if instead is None:
        return None
    return UnsupportedAttribute(
        f"nbrun does not provide wandb.{name}() of the contract's tracker; instead: {instead}")
