"""The CSV exports on a real store (the service layer the handlers call): a logged key named
``step`` keeps its own column beside the step, and no tag of the runs CSV becomes a formula
when the tags cell is split on ";"."""

from __future__ import annotations

import csv
import io

import pytest

import nbrun
from nbrun.server import export
from nbrun.server.config import NbrunServerConfig
from nbrun.server.registry import StoreRegistry
from nbrun.server.service import Service

TAGS = ["baseline", '=HYPERLINK("http://evil.example","open")', "+1", "-2", "@SUM(A1)",
        "ok;=cmd()", "\tx"]


@pytest.fixture
def service(tmp_path):
    run = nbrun.init(dir=str(tmp_path), mode="offline", project="p", name="stepped",
                     tags=TAGS)
    for step in range(3):
        run.log({"step": step * 100, "loss": 1.0 / (step + 1)})
    run.finish()
    return Service(StoreRegistry(str(tmp_path), NbrunServerConfig(cache_seconds=0)))


def run_id(service):
    return service.list_runs({})["runs"][0]["id"]


def test_a_key_named_step_does_not_overwrite_the_step_column(service):
    rows = list(csv.reader(io.StringIO(export.history_csv(service, run_id(service), {}))))
    assert rows[0] == ["_step", "loss", "step"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("0", "0"), ("1", "100"), ("2", "200")]


def test_every_tag_is_guarded_once_split(service):
    rows = list(csv.DictReader(io.StringIO(export.runs_csv(service, {}))))
    parts = rows[0]["tags"].split(";")
    assert len(parts) == len(TAGS) + 1  # "ok;=cmd()" holds ";" itself
    assert not [p for p in parts if p.startswith(("=", "+", "-", "@", "\t", "\r"))], parts
    # Guarded with a leading apostrophe, as any other cell: the text is kept.
    assert [p.removeprefix("'") for p in parts] == ";".join(TAGS).split(";")
