"""What the store offers the form: its projects, and the runs (with their last step) that
resume_from and fork_from can name. Read with ``nbrun.Api`` from the store ``init()`` would
write to."""

from __future__ import annotations

import os
import sqlite3
from typing import Any, NamedTuple

from traitlets import HasTraits, List, Unicode, observe

from ..errors import Error
from ..sdk import Api
from ..sdk.arguments import check_argument
from ..store import locate_store
from ..store.location import STORE_DIRNAME
from .traits import StrictAny


class RunChoice(NamedTuple):
    id: str
    label: str
    last_step: int  # -1 when nothing was logged


class StoreCatalog(HasTraits):
    """Follows the spec's ``dir``, ``settings`` and ``project`` (by ``dlink``) and lists what
    the store holds. Nothing here creates a store: a folder without one offers nothing."""

    dir = StrictAny(help="the dir argument (None: the store init() finds)")
    settings = StrictAny(help="the settings argument, whose dir comes after the dir argument")
    project = StrictAny(help="the project argument (None: runs of every project)")
    root = Unicode(help="the folder whose .nbrun/ was read")
    projects = List(help="names of the projects in the store")
    runs = List(help="RunChoice of each run of the project, newest first")

    def __init__(self, **kwargs: Any) -> None:
        self._records: list[Any] = []
        super().__init__(**kwargs)
        self.refresh()

    def refresh(self) -> None:
        """Read the store again (after a run was started or finished)."""
        self._records = self._read()
        self.projects = sorted({r.project for r in self._records})
        self.runs = self._choices()

    @observe("dir", "settings")
    def _dir_changed(self, change: Any) -> None:
        self.refresh()

    @observe("project")
    def _project_changed(self, change: Any) -> None:
        self.runs = self._choices()  # from what was read: no store access per keystroke

    def _read(self) -> list[Any]:
        try:
            given = {name: check_argument(name, value) for name, value
                     in (("dir", self.dir), ("settings", self.settings)) if value is not None}
            self.root = locate_store(**given).root
        except Error:
            return []  # the dir field (or init(), for a bad settings file) shows why
        if not os.path.isdir(os.path.join(self.root, STORE_DIRNAME)):
            return []  # never create a store just to list it
        try:
            return Api(self.root).runs()
        except (Error, sqlite3.Error, OSError):  # no database yet, or one busy or damaged
            return []

    def _choices(self) -> list[RunChoice]:
        # Without a project, init() takes the source run from any project, so all are offered.
        records = self._records
        one_project = isinstance(self.project, str)
        if one_project:
            records = [r for r in records if r.project == self.project]
        return [RunChoice(r.id, _label(r, show_project=not one_project), r.last_step)
                for r in reversed(records)]


def _label(record: Any, show_project: bool) -> str:
    steps = (f"last step {record.last_step}" if record.last_step >= 0
             else "nothing logged")
    where = f"{record.project} / " if show_project else ""
    return f"{where}{record.name} ({record.id}, {record.state}, {steps})"
