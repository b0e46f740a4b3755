"""The IPython extension: magics, the run card on start and on display, code capture hooks.

Everything is registered once per shell; a second ``%load_ext nbrun`` (or an ``init()`` that
loads it) changes nothing, and every later run gets the same hooks.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from ..sdk import Run, failure, notices, registry
from ..sdk.environment import in_notebook_kernel
from ..sdk.run import store_path
from . import capture
from .magics import RunMagics

_shells: dict[int, "NotebookLayer"] = {}
CARD_SETTLE_S = 2.0  # how long finish() waits for a card's last refresh (usually ms)


class NotebookLayer:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.notice = ""  # an SDK notice waiting for the next run card
        self.cards: weakref.WeakSet = weakref.WeakSet()  # the cards shown, settled on finish

    def take_notice(self, text: str) -> None:
        self.notice = text

    def register(self) -> None:
        self.shell.register_magics(RunMagics)
        self.shell.input_transformers_cleanup.append(allow_empty_runinit)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        registry.subscribe(self.on_run)
        formatter = self.shell.display_formatter.ipython_display_formatter
        formatter.for_type(Run, self.display_card)
        if in_notebook_kernel():
            # Offline on the embedded store is the normal default: its notice is a quiet line
            # in the next run card, not a red stderr box under the cell.
            notices.route(self.take_notice)

    def unregister(self) -> None:
        registry.unsubscribe(self.on_run)
        notices.route(None)
        if allow_empty_runinit in self.shell.input_transformers_cleanup:
            self.shell.input_transformers_cleanup.remove(allow_empty_runinit)
        try:
            self.shell.events.unregister("post_run_cell", self.post_run_cell)
        except ValueError:
            pass

    # -- runs ---------------------------------------------------------------------------------
    def on_run(self, event: str, run: Any) -> None:
        if not isinstance(run, Run):
            return
        if event == "start":
            if capture.wants_capture(run):
                capture.copy_notebook(run)
                capture.write_history(run, self.shell)
            if not run.settings.silent:
                self.display_card(run)
        elif event == "finish":
            for card in [c for c in self.cards if c.run_id == run.id]:
                card.settle(CARD_SETTLE_S)
            if capture.wants_capture(run):
                capture.write_history(run, self.shell)
                capture.copy_notebook(run, notice=False)  # the file may have been saved since

    def display_card(self, run: Run) -> None:
        if not in_notebook_kernel():
            print(text_summary(run), file=sys.stderr)
            return
        from IPython.display import display

        from .card import RunCard

        notice, self.notice = self.notice, ""
        card = RunCard(run, notice=notice)
        self.cards.add(card)
        display(card)

    def post_run_cell(self, result: Any) -> None:
        exc = getattr(result, "error_in_exec", None)
        error = None if exc is None else failure.describe(
            type(exc), exc, exc.__traceback__, f"cell [{result.execution_count}]")
        for run in registry.active():
            if error is not None and isinstance(run, Run):
                run.record_error(error)
            if isinstance(run, Run) and capture.wants_capture(run):
                try:
                    capture.write_history(run, self.shell)
                except OSError as exc:
                    print(f"nbrun: could not save the cell history of {run.id}: {exc}",
                          file=sys.stderr)


def allow_empty_runinit(lines: list[str]) -> list[str]:
    """IPython refuses a cell magic with an empty body; an empty ``%%runinit`` means "start
    a run with the defaults", so it gets a YAML comment as its body."""
    if lines and lines[0].lstrip().startswith("%%runinit") and not "".join(lines[1:]).strip():
        return [lines[0].rstrip("\n") + "\n", "# no arguments: the defaults of nbrun.init()\n"]
    return lines


def text_summary(run: Run) -> str:
    """The run card's one-line form for a plain terminal."""
    return (f"nbrun: run {run.name} ({run.id}) in project {run.project} is {run.state}; "
            f"data in {store_path(run)}")


def load(shell: Any) -> None:
    if id(shell) in _shells:
        return
    layer = NotebookLayer(shell)
    layer.register()
    _shells[id(shell)] = layer


def unload(shell: Any) -> None:
    layer = _shells.pop(id(shell), None)
    if layer is not None:
        layer.unregister()
