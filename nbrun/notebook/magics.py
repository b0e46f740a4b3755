"""``%%runinit`` and ``%nbrun``."""

from __future__ import annotations

import os
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class

from ..errors import UsageError
from ..sdk import Run, init, registry
from ..sdk.run import store_path
from ..store import store_root
from ..store.location import STORE_DIRNAME
from .runinit import RunInitCell, RunInitError, locate, parse


@magics_class
class RunMagics(Magics):
    @line_cell_magic
    def runinit(self, line: str, cell: str | None = None) -> Any:
        """Start a run from a YAML body of ``nbrun.init()`` arguments, or open the run form.

        ``%%runinit [name] [--argument value ...]``: the body is a YAML mapping
        (``project: demo``); ``$var`` and ``{expr}`` expand from the notebook; flags on the
        magic line override the body; the run is bound to ``name`` (default ``run``).

        ``%%runinit --form``: open the run form filled from the cell instead of starting.
        ``%runinit [name] [--argument value ...]`` (no body): open the run form, from the
        last values used in this kernel and the flags.
        """
        spec = parse(line, cell or "", namespace=self.shell.user_ns)
        if cell is None or "form" in spec.switches:
            return self._form(spec, from_cell=cell is not None)
        try:
            run = init(**spec.kwargs)
        except RunInitError:
            raise
        except UsageError as exc:
            raise locate(spec, exc) from None
        self.shell.user_ns[spec.name] = run

    def _form(self, cell: RunInitCell, from_cell: bool) -> Any:
        """The run form (returned, so that it is displayed as the cell's result)."""
        from ..widgets import memory
        from ..widgets.form import RunForm
        from ..widgets.spec import InitSpec

        # A cell says everything; the line magic starts from the kernel's last values.
        kwargs = cell.kwargs if from_cell else {**memory.recall(), **cell.kwargs}
        return RunForm(InitSpec.from_kwargs(kwargs), name=cell.name, shell=self.shell)

    @line_magic
    def nbrun(self, line: str) -> None:
        """Where this kernel's runs are stored, and the runs active in it."""
        runs = registry.active()
        print(f"store: {os.path.join(store_root(), STORE_DIRNAME)}")
        if not runs:
            print("no active runs in this kernel")
            return
        print(f"{len(runs)} active run(s):")
        for run in runs:
            mark = "*" if run is registry.current() else " "
            where = store_path(run) if isinstance(run, Run) else "(disabled: nothing stored)"
            print(f" {mark} {run.name}  id={run.id}  project={run.project}  state={run.state}  "
                  f"step={run.step}  {where}")
