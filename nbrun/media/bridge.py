"""What the sdk calls (``sdk.rich``, registered by ``nbrun/__init__.py``): turning values into
media for ``log()``, queueing them, waiting for them at ``finish()``, reading them back."""

from __future__ import annotations

import functools
from typing import Any

from ..sdk.rich import RichValue
from ..sdk.run import attach_media, channel_of, media_state
from .base import Media
from .convert import to_media
from .decode import decode as decode_stored
from .encoder import RunMedia, get_encoder


def convert(value: Any, key: str) -> Media | None:
    return to_media(value, key)


def queue(run: Any, media: dict[str, Any], step: int) -> None:
    state = media_state(run)
    if state is None:
        state = RunMedia(run)
        attach_media(run, state)
        # From now on the summary the writer stores holds, for a media key, the reference of
        # its newest value already stored (never one whose files are not committed yet).
        channel_of(run).summary = functools.partial(_stored_summary, run.summary, state)
    encoder = get_encoder()
    for key, value in media.items():
        encoder.put(state, key, step, value)


def finishing(run: Any) -> None:
    state = media_state(run)
    if state is not None:
        get_encoder().wait(state)


def decode(value: Any, run_dir: str) -> Any:
    return decode_stored(value, run_dir)


def _stored_summary(summary: Any, state: RunMedia) -> dict[str, Any]:
    values = summary.snapshot()
    if not any(isinstance(v, RichValue) for v in values.values()):
        return values
    out = {}
    for key, value in values.items():
        if isinstance(value, RichValue):
            value = state.committed.get(key)
            if value is None:
                continue
        out[key] = value
    return out
