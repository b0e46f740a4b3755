"""``TagsField``: a list of strings edited as tags, usable by keyboard alone.

ipywidgets' TagsInput hides its text input once it holds a tag (Tab then skips the field),
draws remove icons no keyboard can reach and names its input by nothing but the placeholder,
so two such fields read alike to a screen reader. This view keeps the input a Tab stop,
labels it with the field's name, and gives each tag a remove button named for it.
"""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import traitlets


class TagsField(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("tagsfield.js")
    _css = pathlib.Path(__file__).with_name("fields.css")

    value = traitlets.List(traitlets.Unicode(), help="the tags, in order").tag(sync=True)
    allowed_tags = traitlets.List(traitlets.Unicode(),
                                  help="the tags that may be added; empty: any").tag(sync=True)
    description = traitlets.Unicode("", help="the field's label").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    placeholder = traitlets.Unicode("").tag(sync=True)
    allow_duplicates = traitlets.Bool(False)

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        # "beta,gamma" committed at once (Tab, paste) is two tags, as %%runinit reads it.
        tags: list[str] = []
        for tag in proposal["value"]:
            parts = [p.strip() for p in tag.split(",")] if isinstance(tag, str) else [tag]
            tags.extend(p for p in parts if p and (self.allow_duplicates or p not in tags))
        return tags
