"""A button whose work is done in the browser, in the click: copy a text to the clipboard, or
write it as a new cell below the widget's own cell.

An ipywidgets ``Button`` only tells the kernel it was clicked, and the kernel reaches neither
the browser's clipboard nor JupyterLab's notebook. This view does the work itself (browsers
allow clipboard writes only in a user gesture; a cell is inserted by nbrun's lab extension,
which takes the ``nbrun:insert-cell`` DOM event the view dispatches), then tells the kernel
whether it worked, so the form can fall back where it did not.
"""

from __future__ import annotations

import pathlib
from typing import Any, Callable

import anywidget
import traitlets

ACTIONS = ("copy", "insert")


class ActionButton(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("actionbutton.js")

    action = traitlets.Enum(ACTIONS, default_value="copy").tag(sync=True)
    text = traitlets.Unicode("", help="what a click copies or inserts").tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: list[Callable[[bool | None], None]] = []
        self.on_msg(self._message)

    def on_click(self, handler: Callable[[bool | None], None]) -> None:
        """``handler(done)`` after each click: True or False from a browser (whether the copy
        or the insertion worked), None from ``click()`` in the kernel."""
        self._handlers.append(handler)

    def click(self, done: bool | None = None) -> None:
        for handler in self._handlers:
            handler(done)

    def perform(self) -> None:
        """Do the action in every front end showing the button, as a click would."""
        self.send({"type": "perform"})

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "clicked":
            self.click(bool(content.get("done")))
        elif content.get("event") == "click":  # a plain Button's click: nothing was done
            self.click(False)
