"""The input widgets of the run form, each bound to one ``InitSpec`` trait.

Plain widgets are bound with ``traitlets.link`` and a transform pair where the widget's value
differs from the argument's ("" is "not set"). Three arguments need a small composite whose
``value`` trait is already in the argument's terms, so the form links it directly:
``Choice`` (a fixed set of values plus "(default)", keeping a value outside the set visible),
``YamlText`` (text that may not be YAML yet; the parse error stays in the control) and, in
``runpicker``, the (run, step) picker.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import ipywidgets as widgets
from traitlets import HasTraits, Unicode, link, observe

from ..sdk.runinit_body import dump_value, load_value
from .choicebuttons import ChoiceButtons
from .tagsfield import TagsField
from .traits import StrictAny, identical

DEFAULT_LABEL = "(default)"
DESCRIPTION_STYLE = {"description_width": "11em"}
WIDE = widgets.Layout(width="36em")


def css_class(name: str) -> str:
    """The stable CSS class of an argument's control (``nbrun-form-job-type``)."""
    return "nbrun-form-" + name.replace("_", "-")


# -- text ---------------------------------------------------------------------------------
def _text_shown(value: Any) -> str:
    # A wrong value (a number read from a cell) is shown as text; the spec keeps it as it is.
    return "" if value is None else value if isinstance(value, str) else str(value)


def _text_given(text: str) -> str | None:
    return text or None


def text_control(spec: HasTraits, name: str, *, multiline: bool = False,
                 options: Sequence[str] | None = None, **kwargs: Any) -> widgets.Widget:
    """Text, Textarea or Combobox; empty means "not set"."""
    kind = (widgets.Textarea if multiline else widgets.Combobox if options is not None
            else widgets.Text)
    extra = {"options": tuple(options)} if options is not None else {}
    widget = kind(description=name, style=DESCRIPTION_STYLE, layout=WIDE, **extra, **kwargs)
    link((spec, name), (widget, "value"), transform=(_text_shown, _text_given))
    return widget


# -- lists of strings ---------------------------------------------------------------------
def _tags_shown(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(tag) for tag in value if tag != ""]
    return []


def _tags_given(tags: list[str]) -> list[str] | None:
    return list(tags) or None


def tags_control(spec: HasTraits, name: str,
                 allowed: Callable[[Any], list[str]] | None = None,
                 placeholder: str = "") -> widgets.Widget:
    """A TagsField; an empty list means "not set". With ``allowed``, the offered tags follow
    the config (``allowed(config)``): they guide what the user types, and a value the model
    already holds (a key no longer in the config) stays, the spec reporting its error."""
    widget = TagsField(description=name, allow_duplicates=False, placeholder=placeholder)
    link((spec, name), (widget, "value"), transform=(_tags_shown, _tags_given))
    if allowed is not None:
        widgets.dlink((spec, "config"), (widget, "allowed_tags"), transform=allowed)
    return widget


# -- choices ------------------------------------------------------------------------------
class Choice(widgets.HBox):
    """One of ``choices`` or "(default)" (None), as ChoiceButtons or a Dropdown.

    ``value`` may also be outside the choices (a deprecated bool, a typo read from a cell):
    it is then shown as one more option, labelled with its repr, rather than lost."""

    value = StrictAny(help="the argument's value; None is (default)")

    def __init__(self, description: str, choices: Sequence[Any], *, toggle: bool = False,
                 notes: dict[Any, str] | None = None, **kwargs: Any) -> None:
        self._known = [(DEFAULT_LABEL, None)] + [(_label(c), c) for c in choices]
        self._notes = notes or {}
        labels = tuple(label for label, _ in self._known)
        self.picker: widgets.Dropdown | ChoiceButtons = (
            ChoiceButtons(options=labels, value=DEFAULT_LABEL, description=description)
            if toggle else widgets.Dropdown(options=labels, value=DEFAULT_LABEL,
                                            description=description, style=DESCRIPTION_STYLE))
        self._showing = False
        super().__init__([self.picker], **kwargs)
        self.picker.observe(self._picked, "value")

    @property
    def options(self) -> list[tuple[str, Any]]:
        """(label, value) of each option now offered."""
        if self._is_known(self.value):
            return list(self._known)
        return self._known + [self._extra(self.value)]

    def _is_known(self, value: Any) -> bool:
        return any(identical(v, value) for _, v in self._known)

    def _extra(self, value: Any) -> tuple[str, Any]:
        note = next((n for v, n in self._notes.items() if identical(v, value)), None)
        return (f"{value!r} ({note})" if note else repr(value)), value

    @observe("value")
    def _show(self, change: Any) -> None:
        options = self.options
        label = next(label for label, v in options if identical(v, change.new))
        self._showing = True  # changing options reselects: not the user's choice
        try:
            labels = tuple(label for label, _ in options)
            if self.picker.options != labels:
                self.picker.options = labels
            self.picker.value = label
        finally:
            self._showing = False

    def _picked(self, change: Any) -> None:
        if self._showing or change.new is None:
            return
        self.value = next(v for label, v in self.options if label == change.new)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def choice_control(spec: HasTraits, name: str, choices: Sequence[Any], **kwargs: Any) -> Choice:
    control = Choice(name, choices, **kwargs)
    link((spec, name), (control, "value"))
    return control


# -- YAML ---------------------------------------------------------------------------------
class YamlText(widgets.VBox):
    """An editable YAML text whose ``value`` is what the text holds (None when empty).

    While the text is not YAML, ``error`` says where and ``value`` keeps the last value that
    was; the form shows the error beside the field and refuses to start."""

    value = StrictAny(help="the value the text holds")
    error = Unicode("", help="why the text is not YAML; empty when it is")

    def __init__(self, description: str, *, rows: int = 4,
                 plain: Callable[[Any], Any] = lambda value: value, **kwargs: Any) -> None:
        self._plain = plain  # a value YAML has no form for (an nbrun.Settings) -> one it has
        self.text = widgets.Textarea(description=description, style=DESCRIPTION_STYLE,
                                     layout=WIDE, rows=rows, continuous_update=True,
                                     placeholder="YAML, e.g.  lr: 0.01")
        self._writing = False
        super().__init__([self.text], **kwargs)
        self.text.observe(self._read, "value")

    @observe("value")
    def _write(self, change: Any) -> None:
        if self._writing:
            return
        try:
            text, error = dump_value(self._plain(change.new)), ""
        except Exception as exc:  # a value no YAML can show (an arbitrary object)
            text, error = "", f"this value cannot be shown as YAML ({exc}): {change.new!r}"
        self._writing = True  # the text now shows the value: nothing to read back
        try:
            self.text.value = text
            self.error = error
        finally:
            self._writing = False

    def _read(self, change: Any) -> None:
        if self._writing:
            return
        try:
            value = load_value(change.new)
        except ValueError as exc:
            self.error = str(exc)
            return
        self.error = ""
        self._writing = True  # keep the user's formatting: do not rewrite the text
        try:
            self.value = value
        finally:
            self._writing = False


def yaml_control(spec: HasTraits, name: str, **kwargs: Any) -> YamlText:
    from .spec import plain_value

    control = YamlText(name, plain=lambda value: plain_value(name, value), **kwargs)
    link((spec, name), (control, "value"))
    return control
