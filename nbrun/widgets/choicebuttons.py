"""``ChoiceButtons``: one of a few labels as toggle buttons, named for a screen reader.

ipywidgets' ToggleButtons draws its buttons with no group name and no pressed state, so
"True" and "False" are heard without the argument they set or which one is chosen. This
view is a group labelled by the field's name whose buttons carry ``aria-pressed``, one Tab
stop with arrow keys between the buttons. ``options`` and ``value`` are labels, as for
ToggleButtons.
"""

from __future__ import annotations

import pathlib

import anywidget
import traitlets


class ChoiceButtons(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("choicebuttons.js")
    _css = pathlib.Path(__file__).with_name("fields.css")

    options = traitlets.Tuple(help="the label of each button").tag(sync=True)
    value = traitlets.Unicode(None, allow_none=True, help="the pressed label").tag(sync=True)
    description = traitlets.Unicode("", help="the group's label").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
