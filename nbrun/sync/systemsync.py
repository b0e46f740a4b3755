"""A run's system metrics sent to its MLflow run under MLflow's own names (``system/...``), each
sample's number as the step and its time as the timestamp, as MLflow's own system-metrics
logging sends them, so that MLflow's System metrics tab shows them.

Progress is the number of the last sample the server accepted (``sent["system"]``), recorded
after each request. A request that reached the server but was not recorded (a killed process)
is sent again, and that costs nothing: the same key, step, timestamp and value make the same
point, which MLflow's store keeps once.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ..store import Store
from ..store import system as stored
from . import batches, mapping
from .client import Client

READ_AT_ONCE = 500  # samples read from the store per query


def send(store: Store, rid: int, client: Client, run_id: str, done: int,
         record: Callable[[int], None]) -> int:
    """Send the samples after number ``done``; ``record(seq)`` after each accepted request.
    The number of the last sample sent."""
    head = '{"run_id":' + json.dumps(run_id) + ',"metrics":['
    while True:
        samples = stored.read(store, rid, done, READ_AT_ONCE)
        if not samples:
            return done
        entries: list[str] = []
        last = done
        for seq, at, values in samples:
            points = _entries(seq, at, values)
            if entries and len(entries) + len(points) > batches.MAX_POINTS:
                client.log_batch(head + ",".join(entries) + "]}")
                record(last)
                entries = []
            entries += points
            last = seq
        if entries:
            client.log_batch(head + ",".join(entries) + "]}")
        record(last)
        done = last


def _entries(seq: int, at: float, values: dict[str, Any]) -> list[str]:
    ms = int(at * 1000)
    out = []
    for key, value in values.items():
        lit = mapping.value_literal(value)
        if lit is not None:
            out.append('{"key":' + json.dumps(mapping.mlflow_key(key)) + ',"value":' + lit
                       + f',"timestamp":{ms},"step":{seq}}}')
    return out
