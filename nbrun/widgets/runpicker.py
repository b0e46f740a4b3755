"""The resume_from / fork_from picker: a run of the store and a step within its history.

Its ``value`` is the argument itself, ``"<run_id>?_step=<step>"`` (or None), so the form links
it to the spec directly; the (run, step) <-> string transform lives here, where the two
widgets are.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import List, observe

from ..errors import UsageError
from ..validation import format_run_moment, parse_run_moment
from .controls import DESCRIPTION_STYLE
from .traits import StrictAny

NONE = ("none",)
NONE_LABEL = "(none)"
# The largest step a browser number input holds exactly; a run not in the list (typed in a
# cell) may be at any step, so its step is bounded by this only.
UNKNOWN_LAST_STEP = 2**53 - 1


class RunMomentPicker(widgets.HBox):
    """A Dropdown of runs and a BoundedIntText step whose max is that run's last step."""

    value = StrictAny(help="'<run_id>?_step=<step>', or None")
    runs = List(help="RunChoice of each run offered (from the store catalog)")

    def __init__(self, description: str, **kwargs: Any) -> None:
        # Option values are keys: NONE, ("run", id), or ("raw", text) for a value that is
        # not '<run_id>?_step=<step>' (kept visible, with its error beside the field).
        self.run = widgets.Dropdown(options=[(NONE_LABEL, NONE)], value=NONE,
                                    description=description, style=DESCRIPTION_STYLE,
                                    layout=widgets.Layout(width="36em"))
        self.step = widgets.BoundedIntText(value=0, min=0, max=0, description="step",
                                           disabled=True,
                                           layout=widgets.Layout(width="12em"),
                                           style={"description_width": "3em"})
        self.run.add_class("nbrun-form-run")
        self.step.add_class("nbrun-form-step")
        self._showing = False
        super().__init__([self.run, self.step], **kwargs)
        self.run.observe(self._run_picked, "value")
        self.step.observe(self._step_picked, "value")

    def last_step(self, run_id: str) -> int | None:
        """The run's last logged step (-1: none), or None for a run not offered."""
        return next((r.last_step for r in self.runs if r.id == run_id), None)

    # -- the model to the widgets -------------------------------------------------------------
    @observe("value", "runs")
    def _show(self, change: Any) -> None:
        key, step = self._key(self.value)
        options = [(NONE_LABEL, NONE)] + [(r.label, ("run", r.id)) for r in self.runs]
        if all(k != key for _, k in options):
            label = (f"{key[1]} (not in this project's runs)" if key[0] == "run"
                     else f"{key[1]!r} (not a run and step)")
            options.append((label, key))
        self._showing = True  # what follows is display, not the user's choice
        try:
            if list(self.run.options) != options:
                self.run.options = options
            self.run.value = key
            if key[0] == "run":
                self.step.max = max(self._bound(key[1]), step)
                self.step.value = step
            self.step.disabled = key[0] != "run"
        finally:
            self._showing = False

    def _key(self, value: Any) -> tuple[tuple[str, ...], int]:
        if value is None:
            return NONE, 0
        try:
            run_id, step = parse_run_moment(value, "value")
        except UsageError:
            return ("raw", value), 0
        return ("run", run_id), step

    def _bound(self, run_id: str) -> int:
        last = self.last_step(run_id)
        return UNKNOWN_LAST_STEP if last is None else max(last, 0)

    # -- the widgets to the model -------------------------------------------------------------
    def _run_picked(self, change: Any) -> None:
        if self._showing or change.new is None:
            return
        key = change.new
        if key == NONE:
            self.value = None
        elif key[0] == "run":
            # A newly picked run starts at its last step: where a fork usually continues.
            bound = self._bound(key[1])
            self._showing = True
            try:
                self.step.max = bound
                self.step.value = bound if bound != UNKNOWN_LAST_STEP else 0
            finally:
                self._showing = False
            self.value = format_run_moment(key[1], self.step.value)

    def _step_picked(self, change: Any) -> None:
        if self._showing or self.run.value is None or self.run.value[0] != "run":
            return
        self.value = format_run_moment(self.run.value[1], change.new)
