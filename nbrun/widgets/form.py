"""``RunForm``: every ``nbrun.init()`` argument as a control, bound to one ``InitSpec``.

Each field shows why its value would be refused, beside it; Start stays disabled until
nothing is. Start calls ``nbrun.init(**spec.to_kwargs())`` with the run card shown in the
form's output area; Finish finishes that run; "Insert cell" writes the equivalent
``%%runinit`` cell; "Copy code" shows the equivalent Python. A new form starts from the
arguments of the last run started from a form in this kernel.
"""

from __future__ import annotations

import html
import keyword
from functools import partial
from typing import Any, Callable

import ipywidgets as widgets
from traitlets import Any as AnyTrait
from traitlets import Dict, dlink, link

from ..argument_table import ARGUMENTS as ROWS
from ..argument_table import BY_NAME, Argument
from ..argument_table import SECTIONS as SECTION_TITLES
from ..errors import Error, UsageError
from ..sdk import init
from ..sdk.arguments import ARGUMENTS
from ..sdk.kernel import in_notebook_kernel, ipython_shell
from . import memory
from .catalog import StoreCatalog
from .actionbutton import ActionButton
from .controls import (
    YamlText,
    choice_control,
    css_class,
    tags_control,
    text_control,
    yaml_control,
)
from .runpicker import RunMomentPicker
from .spec import InitSpec

# The arguments of each section of the form, in signature order (the table says which).
SECTIONS = tuple((title, tuple(row.name for row in ROWS if row.section == title))
                 for title in SECTION_TITLES)

Factory = Callable[[InitSpec, StoreCatalog], widgets.Widget]


def _placeholder(row: Argument) -> dict[str, str]:
    return {"placeholder": f"default: {row.default}"} if row.default else {}


def _project(spec: InitSpec, catalog: StoreCatalog) -> widgets.Widget:
    # The projects of the store are offered, following the dir field.
    control = text_control(spec, "project", options=(), **_placeholder(BY_NAME["project"]))
    dlink((catalog, "projects"), (control, "options"), transform=tuple)
    return control


def _moment(spec: InitSpec, catalog: StoreCatalog, name: str) -> widgets.Widget:
    control = RunMomentPicker(name)
    dlink((catalog, "runs"), (control, "runs"))
    link((spec, name), (control, "value"))
    return control


def _choice_notes(row: Argument) -> dict[Any, str]:
    """How a deprecated value is labelled when a cell holds it (True: deprecated: auto)."""
    return {old: f"deprecated: {new if new is not None else 'no ' + row.name}"
            for old, new in row.deprecated.items()}


def _control(row: Argument, spec: InitSpec, catalog: StoreCatalog) -> widgets.Widget:
    """The control of one argument, by its kind."""
    name, kind = row.name, row.kind
    if name == "project":
        return _project(spec, catalog)
    if kind in ("text", "notes", "path"):
        # A folder is read once it is typed, not at each keystroke.
        extra = {"continuous_update": False} if kind == "path" else {}
        return text_control(spec, name, multiline=kind == "notes", **_placeholder(row), **extra)
    if kind == "tags":
        return tags_control(spec, name, placeholder="a tag, then Enter or comma")
    if kind == "keys":  # the keys offered are the config's, following it as it is edited
        return tags_control(spec, name, allowed=lambda _: spec.config_keys(),
                            placeholder="a config key, then Enter or comma")
    if kind == "mapping":
        return yaml_control(spec, name, rows=6 if name == "config" else 3)
    if kind == "moment":
        return _moment(spec, catalog, name)
    choices = (True, False) if kind == "bool" else row.choices
    # Up to three choices fit as buttons on one line.
    return choice_control(spec, name, choices, toggle=len(choices) <= 3,
                          notes=_choice_notes(row))


# One control per argument of the table.
FACTORIES: dict[str, Factory] = {row.name: partial(_control, row) for row in ROWS}


_ERROR_STYLE = "color: var(--jp-error-color1, #c62828)"


def _text_html(text: str, css: str) -> str:
    # Messages quote user input: escaped, so they show as text and never as markup.
    style = f' style="{_ERROR_STYLE}"' if css == "nbrun-form-error-text" else ""
    return f'<span class="{css}"{style}>{html.escape(text, quote=False)}</span>'


def _message_html(name: str, problems: dict[str, str]) -> str:
    message = problems.get(name)
    return _text_html(message, "nbrun-form-error-text") if message else ""


class RunForm(widgets.VBox):
    """The interactive ``nbrun.init()``: ``RunForm()`` (from the last values used in this
    kernel) or ``RunForm(spec)``; the started run is bound to ``name`` in the notebook."""

    run = AnyTrait(None, allow_none=True, help="the run started here, until it is finished")
    problems = Dict(help="argument -> the message shown beside it; Start needs none")
    input_errors = Dict(help="argument -> why its text is not a value yet (YAML fields)")

    def __init__(self, spec: InitSpec | None = None, *, name: str = "run", shell: Any = None,
                 **kwargs: Any) -> None:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError(f"name={name!r} is not a Python variable name")
        super().__init__(**kwargs)
        self.spec = spec if spec is not None else InitSpec.from_kwargs(memory.recall())
        self.name = name
        self.shell = shell if shell is not None else ipython_shell()
        self.catalog = StoreCatalog()
        dlink((self.spec, "dir"), (self.catalog, "dir"))
        dlink((self.spec, "settings"), (self.catalog, "settings"))
        dlink((self.spec, "project"), (self.catalog, "project"))

        self.controls: dict[str, widgets.Widget] = {}
        self.messages: dict[str, widgets.HTML] = {}
        sections = []
        for title, names in SECTIONS:
            rows = [self._field(name) for name in names if name in FACTORIES]
            heading = widgets.HTML(f"<b>{html.escape(title)}</b>")
            sections.append(widgets.VBox([heading, *rows]))

        self.start_button = self._button("Start", "nbrun-form-start", "play", "success",
                                         self.start, "nbrun.init() with these arguments")
        self.finish_button = self._button("Finish", "nbrun-form-finish", "stop", "",
                                          self.finish, "finish the run started here")
        self.insert_button = ActionButton(action="insert", description="Insert cell",
                                          tooltip="write the equivalent %%runinit cell below")
        self.insert_button.add_class("nbrun-form-insert")
        self.insert_button.on_click(self._inserted)
        self.code_button = ActionButton(action="copy", description="Copy code",
                                        tooltip="copy the equivalent Python to the clipboard")
        self.code_button.add_class("nbrun-form-code")
        self.code_button.on_click(self._copied)
        self.reset_button = self._button("Reset", "nbrun-form-reset", "undo", "", self.reset,
                                         "every argument back to init()'s default")
        self.status = widgets.HTML().add_class("nbrun-form-status")
        self.code = widgets.Textarea(disabled=True, rows=8, layout=widgets.Layout(
            width="48em", display="none")).add_class("nbrun-form-code-text")
        self.output = widgets.Output().add_class("nbrun-form-output")

        self.spec.observe(self._update_problems, "errors")
        for control in self.controls.values():
            if isinstance(control, YamlText):
                control.observe(self._update_problems, "error")
        self.spec.observe(self._update_code, list(ARGUMENTS))
        dlink((self, "problems"), (self.start_button, "disabled"), transform=bool)
        dlink((self, "input_errors"), (self.insert_button, "disabled"), transform=bool)
        dlink((self, "input_errors"), (self.code_button, "disabled"), transform=bool)
        dlink((self, "run"), (self.finish_button, "disabled"), transform=lambda r: r is None)
        for arg, message in self.messages.items():
            dlink((self, "problems"), (message, "value"), transform=partial(_message_html, arg))
        self._update_problems()
        self._update_code()

        buttons = widgets.HBox([self.start_button, self.finish_button, self.insert_button,
                                self.code_button, self.reset_button])
        self.children = [*sections, buttons, self.status, self.code, self.output]
        self.add_class("nbrun-form")

    # -- building -----------------------------------------------------------------------------
    def _field(self, name: str) -> widgets.Widget:
        control = FACTORIES[name](self.spec, self.catalog)
        control.add_class(css_class(name))
        # A Box's view fails to render with a tooltip set (ipywidgets 8 front end): a
        # composite carries its help on its first widget, the one showing the argument's name.
        described = control.children[0] if isinstance(control, widgets.Box) else control
        described.tooltip = self.spec.trait_metadata(name, "help")
        message = widgets.HTML().add_class("nbrun-form-error")
        message.add_class(f"nbrun-form-error-{name.replace('_', '-')}")
        self.controls[name] = control
        self.messages[name] = message
        return widgets.HBox([control, message]).add_class("nbrun-form-field")

    @staticmethod
    def _button(label: str, css: str, icon: str, style: str, handler: Callable[..., Any],
                tooltip: str) -> widgets.Button:
        button = widgets.Button(description=label, icon=icon, button_style=style,
                                tooltip=tooltip)
        button.add_class(css)
        button.on_click(lambda _button: handler())
        return button

    # -- state --------------------------------------------------------------------------------
    def _update_problems(self, change: Any = None) -> None:
        self.input_errors = {name: control.error for name, control in self.controls.items()
                             if isinstance(control, YamlText) and control.error}
        # Text that is not YAML yet hides the (stale) value's own message.
        self.problems = {**self.spec.errors, **self.input_errors}

    def _update_code(self, change: Any = None) -> None:
        self.code.value = self.spec.to_code(self.name)
        self.code_button.text = self.code.value
        try:
            self.insert_button.text = self.spec.to_cell(self.name)
        except UsageError:  # the click says why (insert_cell)
            self.insert_button.text = ""

    def _say(self, text: str, error: bool = False) -> None:
        self.status.value = _text_html(text, "nbrun-form-error-text" if error
                                       else "nbrun-form-note")

    # -- actions ------------------------------------------------------------------------------
    def start(self) -> Any:
        """``nbrun.init(**spec.to_kwargs())``; the run card appears in the output area. Returns
        the run, or None when init() refused (the status says why)."""
        if self.problems:
            first = next(iter(self.problems.items()))
            self._say(f"Not started: {first[0]}: {first[1]}", error=True)
            return None
        kwargs = self.spec.to_kwargs()
        if in_notebook_kernel():  # elsewhere clear_output() only prints terminal escapes
            self.output.clear_output()
        run, failure = None, None
        # The card is displayed by the notebook layer when the run starts: inside this block
        # it lands in the form's output area, also when Start is clicked in the browser
        # (whose callback has no cell to write to). init()'s notices land there too.
        with self.output:
            try:
                run = init(**kwargs)
            except Error as exc:
                failure = exc
        if failure is not None:
            self._say(f"Not started: {failure}", error=True)
            return None
        memory.remember(kwargs)
        self.run = run
        if self.shell is not None:
            self.shell.user_ns[self.name] = run
        self.catalog.refresh()
        self._say(f"Started run {run.name} ({run.id}) in project {run.project}"
                  + (f"; bound to {self.name}" if self.shell is not None else ""))
        return run

    def finish(self) -> None:
        """Finish the run started from this form."""
        run = self.run
        if run is None:
            self._say("No run was started from this form.", error=True)
            return
        run.finish()
        self.run = None
        self.catalog.refresh()
        self._say(f"Finished run {run.name} ({run.id}): {run.state}")

    def _inserted(self, done: bool | None) -> None:
        if done:
            self._say("The %%runinit cell with these arguments is written below this form's "
                      "cell.")
        else:  # no lab extension took it (classic Notebook, VS Code), or a call in a cell
            self.insert_cell()

    def insert_cell(self) -> str:
        """Write the equivalent ``%%runinit`` cell below; returns its text."""
        try:
            text = self.spec.to_cell(self.name)
        except UsageError as exc:
            self._say(f"No cell written: {exc}", error=True)
            return ""
        if self.shell is None or not hasattr(self.shell, "set_next_input"):
            self._say("No notebook to write into: use Copy code instead.", error=True)
        else:
            self.shell.set_next_input(text, replace=False)
            # Jupyter delivers the cell with the reply to a cell execution: right away when
            # this runs in a cell, else (a click in the browser) with the next cell run.
            self._say("The %%runinit cell with these arguments is written below this cell."
                      if self._in_cell() else "The %%runinit cell with these arguments is "
                      "written below the next cell you run.")
        return text

    def _in_cell(self) -> bool:
        get_parent = getattr(self.shell, "get_parent", None)
        parent = get_parent() if callable(get_parent) else None
        return (parent or {}).get("header", {}).get("msg_type") == "execute_request"

    def _copied(self, copied: bool | None) -> None:
        # The code is shown as well: it is what was copied, or what to copy by hand.
        if self.code.layout.display == "none":
            self.show_code()
        if copied:
            self._say("The nbrun.init() call is copied to the clipboard (and shown below).")
        elif copied is False:
            self._say("The browser refused the clipboard: select the code below and copy it.",
                      error=True)

    def show_code(self) -> str:
        """Show (or hide again) the equivalent ``nbrun.init(...)`` call; returns it."""
        self._update_code()
        shown = self.code.layout.display != "none"
        self.code.layout.display = "none" if shown else None
        return self.code.value

    def reset(self) -> None:
        """Every argument back to init()'s default."""
        self.spec.reset()
        self._say("Every argument is back to the default of nbrun.init().")
