"""Stores written by the first released schema are migrated in place, keeping every run."""

from __future__ import annotations

import sqlite3

import nbrun
from nbrun.store import schema


def make_v1_store(root):
    path = root / ".nbrun"
    (path / "runs").mkdir(parents=True)
    conn = sqlite3.connect(path / "nbrun.db")
    for statement in schema._V1.split(";"):  # the first released layout, verbatim
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute(
        "INSERT INTO runs (id, name, project, config, summary, state, mode, created_at, "
        "updated_at, heartbeat_at, host, pid, last_step) VALUES ('old1', 'old-run-1', 'p', "
        "'{\"lr\": 0.1}', '{\"loss\": 0.5}', 'finished', 'offline', 1, 1, 1, 'h', 1, 0)")
    conn.commit()
    conn.close()


def test_v1_store_is_migrated_and_keeps_its_runs(tmp_path):
    make_v1_store(tmp_path)
    record = nbrun.Api(tmp_path).run("old1")
    assert (record.name, record.config, record.summary) == ("old-run-1", {"lr": 0.1},
                                                            {"loss": 0.5})
    conn = sqlite3.connect(tmp_path / ".nbrun" / "nbrun.db")
    version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    assert int(version) == schema.SCHEMA_VERSION
    assert {"hidden", "cell"} <= columns
    # and the migrated store takes new runs
    run = nbrun.init(dir=tmp_path, mode="offline", project="p")
    run.log({"a": 1})
    run.finish()
    assert [r.id for r in nbrun.Api(tmp_path).runs(project="p")] == ["old1", run.id]
