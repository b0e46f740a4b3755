"""A run's system metrics as the detail view's System section: the charts to draw (related
metrics share one, as the system's and the process's CPU) and each metric's points against
wall time, downsampled per metric with the history's min/max rule."""

from __future__ import annotations

import re
from typing import Any

from ..store import Store
from ..store import system as stored
from . import downsample

POINTS = 300  # per metric: the width of a sidebar chart

# (title, [(label, key or per-GPU pattern)]) in the order shown.
_CHARTS: list[tuple[str, list[tuple[str, str]]]] = [
    ("CPU (%)", [("system", "cpu_utilization_percentage"),
                 ("process", "process_cpu_utilization_percentage")]),
    ("Memory (MB)", [("system", "system_memory_usage_megabytes"),
                     ("process", "process_memory_usage_megabytes")]),
    ("Memory (%)", [("system", "system_memory_usage_percentage"),
                    ("process", "process_memory_usage_percentage")]),
    ("Disk I/O since start (MB)", [("read", "disk_read_megabytes"),
                                   ("written", "disk_write_megabytes")]),
    ("Disk space (MB)", [("used", "disk_usage_megabytes"),
                         ("available", "disk_available_megabytes")]),
    ("Disk space (%)", [("used", "disk_usage_percentage")]),
    ("Network since start (MB)", [("received", "network_receive_megabytes"),
                                  ("sent", "network_transmit_megabytes")]),
    ("GPU utilization (%)", [("GPU {}", "gpu_N_utilization_percentage")]),
    ("GPU memory (MB)", [("GPU {}", "gpu_N_memory_usage_megabytes")]),
    ("GPU memory (%)", [("GPU {}", "gpu_N_memory_usage_percentage")]),
    ("GPU temperature (\u00b0C)", [("GPU {}", "gpu_N_temperature_celsius")]),
    ("GPU power (W)", [("GPU {}", "gpu_N_power_usage_watts")]),
    ("GPU power (%)", [("GPU {}", "gpu_N_power_usage_percentage")]),
]
_PREFIX = "system/"


def _lines(title_lines: list[tuple[str, str]], keys: list[str]) -> list[dict[str, str]]:
    out = []
    for label, name in title_lines:
        if "_N_" not in name:
            if _PREFIX + name in keys:
                out.append({"key": _PREFIX + name, "label": label})
            continue
        pattern = re.compile(re.escape(_PREFIX + name).replace("_N_", r"_(\d+)_"))
        found = sorted((int(m.group(1)), key) for key in keys
                        if (m := pattern.fullmatch(key)))
        out += [{"key": key, "label": label.format(i)} for i, key in found]
    return out


def charts(keys: list[str]) -> list[dict[str, Any]]:
    """The System section's charts for these metric keys; a key no chart names gets its own."""
    out, used = [], set()
    for title, lines in _CHARTS:
        found = _lines(lines, keys)
        if found:
            out.append({"title": title, "lines": found})
            used |= {line["key"] for line in found}
    for key in sorted(set(keys) - used):
        out.append({"title": key[len(_PREFIX):] if key.startswith(_PREFIX) else key,
                    "lines": [{"key": key, "label": key}]})
    return out


def system_json(store: Store, rid: int, points: int = POINTS) -> dict[str, Any] | None:
    """``{"charts": [{"title", "lines": [{"key", "label"}]}], "series": {key: {"times":
    [...], "values": [...]}}, "samples": n}`` (times in seconds since the epoch), or None
    for a run without samples."""
    samples = stored.read(store, rid)
    if not samples:
        return None
    keys = sorted({key for _, _, values in samples for key in values})
    series = {}
    for key in keys:
        pairs = [(at, values[key]) for _, at, values in samples if key in values]
        keep = downsample.select([v for _, v in pairs], points)
        series[key] = {"times": [pairs[i][0] for i in keep],
                       "values": downsample.finite_or_none([pairs[i][1] for i in keep])}
    return {"charts": charts(keys), "series": series, "samples": len(samples)}
