"""``nbrun.Html`` (a page, shown in a sandboxed frame) and ``nbrun.Plotly`` (a plotly figure,
kept as its JSON so a viewer can draw it interactively)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from ..errors import UsageError
from .base import Media, Stored, type_name

MAX_TEXT = 64 << 20


class Html(Media):
    """HTML logged with ``log()``: text, a path to an ``.html`` file, or a readable object."""

    kind = "html"

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        # ``inject`` (the contract's tracker adds its stylesheet) is accepted and has no
        # effect: the page is stored as given.
        self.path: str | None = None
        if hasattr(data, "read"):
            data = data.read()
        elif isinstance(data, os.PathLike) or (
                isinstance(data, str) and not data_is_not_path and data.endswith(".html")
                and os.path.isfile(data)):
            try:
                with open(data, encoding="utf-8") as fh:
                    data = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"Html: cannot read {os.fspath(data)!r} as UTF-8 text "
                                 f"({exc})") from None
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        if not isinstance(data, str):
            raise UsageError(f"Html: a {type_name(data)} is not HTML; pass a string, a path "
                             "to an .html file or a file object")
        if len(data) > MAX_TEXT:
            raise UsageError(f"Html: {len(data):,} characters; at most {MAX_TEXT:,}")
        self.html: str | None = data

    @property
    def nbytes(self) -> int:
        return len(self.html or "") * 2

    def cache_key(self) -> bytes | None:
        return hashlib.sha256((self.html or "").encode("utf-8", "surrogatepass")).digest()

    def serialize(self, files: Any) -> dict[str, Any]:
        stored = files.put((self.html or "").encode("utf-8", "surrogatepass"), "html", "html")
        return {"_type": "html", **stored}

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Html":
        page = cls.__new__(cls)
        page.path = Stored.local(run_dir, descriptor)
        page.html = Stored.text(page.path)
        return page

    def __repr__(self) -> str:
        return f"<nbrun.Html {len(self.html or ''):,} characters>"


class Plotly(Media):
    """A plotly figure, stored as its JSON (``plotly.io.to_json``)."""

    kind = "plotly"

    def __init__(self, val: Any) -> None:
        self.path: str | None = None
        if isinstance(val, str):
            self.json: str | None = val
            return
        to_json = getattr(val, "to_json", None)
        if not type(val).__module__.startswith("plotly") or to_json is None:
            raise UsageError(f"Plotly: a {type_name(val)} is not a plotly figure")
        self.json = to_json()  # the figure as it is now

    @property
    def nbytes(self) -> int:
        return len(self.json or "")

    def cache_key(self) -> bytes | None:
        return hashlib.sha256((self.json or "").encode()).digest()

    def serialize(self, files: Any) -> dict[str, Any]:
        stored = files.put((self.json or "").encode(), "plotly", "plotly.json")
        return {"_type": "plotly", **stored}

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Plotly":
        fig = cls.__new__(cls)
        fig.path = Stored.local(run_dir, descriptor)
        fig.json = Stored.text(fig.path)
        return fig

    def to_figure(self) -> Any:
        """The plotly figure again (needs plotly)."""
        import plotly.io

        return plotly.io.from_json(self.json)
