"""The run card: who the run is, where its data lives, a live chart of its scalars, the newest
value of each media key (image or gallery, table rows, histogram; see ``cardmedia``) and the
latest episode video that ``monitor_gym`` attached.

The card never touches ``log()``: a feeder thread reads what the background writer has already
committed, at most once a second, and sends the front end only the new points (thinned so each
series stays under a fixed size) as custom messages; the whole series is never sent again.
"""

from __future__ import annotations

import math
import os
import pathlib
import threading
import time
from typing import Any

import anywidget
import traitlets

from ..sdk import alerts as run_alerts
from ..sdk.failure import headline
from ..sdk.media import videos
from ..sdk.metrics import definitions_of
from ..sdk.run import history_since, store_path, sync_status
from ..store.location import store_key
from .axes import StepAxes
from .cardmedia import media_entries

MAX_POINTS = 500  # per series in the front end; past it every other point is dropped
INTERVAL_S = 1.0
VIDEO_MAX_BYTES = 20 << 20  # a longer recording is listed in the sidebar, not sent to the card
SYNC_WATCH_S = 120.0  # after the run ends, how long the card follows it reaching the server
ALERTS_SHOWN = 5


class RunCard(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("card.js")
    _css = pathlib.Path(__file__).with_name("card.css")

    name = traitlets.Unicode().tag(sync=True)
    run_id = traitlets.Unicode().tag(sync=True)
    project = traitlets.Unicode().tag(sync=True)
    state = traitlets.Unicode().tag(sync=True)
    store = traitlets.Unicode().tag(sync=True)
    # The key the Jupyter server's API names the store by: the front end asks the server how
    # the run is while it shows it running, so a killed kernel's card says crashed too.
    store_key = traitlets.Unicode("").tag(sync=True)
    # The last step logged (-1 before the first), as the sidebar's runs list and `nbrun runs`
    # count it; `run.step` is the next one.
    step = traitlets.Int(-1).tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    video = traitlets.Bytes(b"").tag(sync=True)  # the latest episode's MP4
    video_label = traitlets.Unicode("").tag(sync=True)
    notice = traitlets.Unicode("", help="a one-time SDK notice, shown as a quiet line").tag(
        sync=True)
    sync_state = traitlets.Unicode("").tag(sync=True)  # online: synced / N behind / error
    url = traitlets.Unicode("").tag(sync=True)  # online: the run's page on the server
    axes = traitlets.Dict().tag(sync=True)  # key -> its step metric (define_metric), the x axis
    alerts = traitlets.List().tag(sync=True)  # the run's latest alerts (run.alert())
    error = traitlets.Unicode("").tag(sync=True)  # why the run failed, or a cell's last error
    error_traceback = traitlets.Unicode("").tag(sync=True)
    media = traitlets.List().tag(sync=True)  # the newest value of each media key

    def __init__(self, run: Any, **kwargs: Any) -> None:
        super().__init__(name=run.name, run_id=run.id, project=run.project, state=run.state,
                         store=store_path(run), step=run.step - 1,
                         store_key=store_key(os.path.realpath(store_path(run))), **kwargs)
        self._run = run
        self._feeder = _Feeder(self)
        self.points_sent = 0  # how many points went to the front end (tests read it)
        self.messages_sent = 0
        self._feeder.start()

    def __repr__(self) -> str:  # the text/plain form where widgets do not render
        return (f"nbrun run {self.name} ({self.run_id}) in project {self.project}: {self.state}, "
                f"{_step_text(self.step)}; data in {self.store}")

    def settle(self, timeout: float) -> bool:
        """Refresh now and wait (at most ``timeout`` s) until a finished run's last state,
        points and video are sent, so that what the card shows when ``finish()`` returns is
        final: a notebook saved right after (or its next cells) never keeps an older card."""
        self._feeder.wake.set()
        return self._feeder.finished.wait(timeout)

    def refresh(self) -> None:
        """Send what was committed since the last refresh (called by the feeder thread)."""
        chunks, self._feeder.cursor = history_since(self._run, self._feeder.cursor)
        chunks = self._feeder.axes.arrange(chunks, definitions_of(self._run))
        batch = self._feeder.thin(chunks)
        status = sync_status(self._run)
        with self.hold_sync():
            self.axes = dict(self._feeder.axes.axes)
            self.alerts = run_alerts.recent(self._run)[-ALERTS_SHOWN:]
            self.step = self._run.step - 1
            self.state = self._run.state
            self.summary = _scalars(dict(self._run.summary))
            error = self._run.error
            if error:
                prefix = "" if self._run.state == "failed" else "last error: "
                self.error = prefix + headline(error)
                self.error_traceback = error.get("traceback", "")
            if status is not None:
                self.sync_state = sync_text(status)
                self.url = status["url"] or ""
        self._latest_video()
        self._latest_media()
        if batch:
            self.send({"type": "points", "series": batch, "max": MAX_POINTS})
            self.points_sent += sum(len(points) for points in batch.values())
            self.messages_sent += 1

    def _latest_video(self) -> None:
        found = videos(self._run.dir)
        if not found or found[-1]["path"] == self._feeder.video:
            return
        latest = found[-1]
        self._feeder.video = latest["path"]
        with open(latest["local_path"], "rb") as fh:
            data = fh.read(VIDEO_MAX_BYTES + 1)
        if len(data) <= VIDEO_MAX_BYTES:
            with self.hold_sync():
                self.video = data
                self.video_label = (f"episode {latest.get('episode')} · step "
                                    f"{latest.get('step')} · {latest['path']}")


    def _latest_media(self) -> None:
        signature, entries = media_entries(self._run)
        if signature != self._feeder.media:
            self._feeder.media = signature
            self.media = entries


class _Feeder(threading.Thread):
    def __init__(self, card: RunCard) -> None:
        super().__init__(name=f"nbrun-card-{card.run_id}", daemon=True)
        self.card = card
        self.cursor = 0
        self.stride: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        self.kept: dict[str, int] = {}
        self.finished = threading.Event()
        self.video: str | None = None  # path of the video shown
        self.media: tuple = ()  # what of the run's media the card shows
        self.wake = threading.Event()  # set to refresh at once instead of after INTERVAL_S
        self.axes = StepAxes()

    def thin(self, chunks: list[tuple[str, Any, Any]]) -> dict[str, list[list[Any]]]:
        """Keep every stride-th point of each series, by slicing (the cost follows the points
        kept, not the points logged); double the stride, and tell the front end to halve what
        it holds, whenever a series would pass MAX_POINTS."""
        out: dict[str, list[list[Any]]] = {}
        for key, steps, values in chunks:
            if isinstance(values, list):  # a JSON chunk: strings and bools are not charted
                pairs = [(s, v) for s, v in zip(steps, values) if type(v) in (int, float)]
                steps, values = [p[0] for p in pairs], [p[1] for p in pairs]
            seen, n = self.seen.get(key, 0), len(steps)
            stride, kept = self.stride.get(key, 1), self.kept.get(key, 0)
            points = out.setdefault(key, [])
            i = -seen % stride
            while i < n:
                if kept >= MAX_POINTS:
                    stride, kept = stride * 2, kept // 2
                    points.append(["halve"])
                    i += -(seen + i) % stride
                    continue
                picked = range(i, n, stride)[:MAX_POINTS - kept]
                points.extend([steps[j], _finite(values[j])] for j in picked)
                kept += len(picked)
                i = picked[-1] + stride
            self.seen[key], self.stride[key], self.kept[key] = seen + n, stride, kept
            if not points:
                del out[key]
        return out

    def run(self) -> None:
        ended = None
        while True:
            done = self.card._run.state != "running"
            try:
                self.card.refresh()
            except Exception:  # the kernel is shutting down or the card was closed
                return
            if done:
                self.finished.set()
                ended = ended or time.monotonic()
                # an online run's card goes on showing its way to the server for a while
                following = time.monotonic() - ended < SYNC_WATCH_S
                if self.card.sync_state in ("", "synced") or not following:
                    return
            self.wake.wait(INTERVAL_S)
            self.wake.clear()


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _scalars(summary: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in list(summary.items())[:50]:
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        if isinstance(value, (int, float, str, bool)):
            out[key] = value
    return out


def sync_text(status: dict[str, Any]) -> str:
    """``synced``, ``N points behind`` or ``not synced``, plus the last error if any."""
    text = status["label"].replace(" behind", " points behind")
    if status["last_error"]:
        text += f" · last error: {status['last_error'][:200]}"
    return text


def _step_text(step: int) -> str:
    return f"step {step}" if step >= 0 else "no steps yet"
