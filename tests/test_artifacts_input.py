"""Bad input to the artifact API: each is a UsageError naming what was wrong and what is
accepted, and leaves everything stored as it was (rows and objects)."""

from __future__ import annotations

import os
import sqlite3

import pytest

import nbrun
from conftest import db_path

TABLES = ("artifacts", "artifact_versions", "artifact_files", "artifact_aliases",
          "artifact_logged", "artifact_used")


def snapshot(store_dir) -> tuple:
    conn = sqlite3.connect(db_path(store_dir))
    try:
        rows = tuple(tuple(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in TABLES)
    finally:
        conn.close()
    root = os.path.join(store_dir, ".nbrun", "objects")
    found = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
    return rows, found


@pytest.fixture
def logged(store_dir, tmp_path):
    """A run with one dataset (v0 'best', v1 'latest') and a model, still running."""
    (tmp_path / "a.txt").write_text("a")
    run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
    run.log_artifact(str(tmp_path / "a.txt"), name="ds", type="dataset", aliases=["best"])
    (tmp_path / "a.txt").write_text("b")
    run.log_artifact(str(tmp_path / "a.txt"), name="ds", type="dataset")
    yield run
    run.finish()


def refused(store_dir, call, *match: str) -> None:
    before = snapshot(store_dir)
    with pytest.raises(nbrun.UsageError) as info:
        call()
    for part in match:
        assert part in str(info.value), str(info.value)
    assert snapshot(store_dir) == before


@pytest.mark.parametrize("name, why", [
    ("my/data", "'/'"), ("data:v1", "':'"), ("with space", "' '"), ("", "must not be empty"),
    ("x" * 129, "at most 128"), ("..", "not '.' or '..'"), ("café", "'é'")])
def test_a_name_the_contract_forbids(name, why):
    with pytest.raises(nbrun.UsageError) as info:
        nbrun.Artifact(name, "dataset")
    message = str(info.value)
    assert why in message and message.startswith("name")


def test_bad_names_types_and_aliases_in_log_artifact(store_dir, tmp_path, logged):
    path = str(tmp_path / "a.txt")
    refused(store_dir, lambda: logged.log_artifact(path, name="a/b", type="dataset"),
            "name='a/b'", "'/'")
    refused(store_dir, lambda: logged.log_artifact(path, name="ok", type="da:ta"), "type",
            "':'")
    refused(store_dir, lambda: logged.log_artifact(path, name="ok", type="d", aliases=["a b"]),
            "alias 'a b'", "spaces")
    refused(store_dir, lambda: logged.log_artifact(path, name="ok", type="d", aliases=["v3"]),
            "'v3' names a version")
    refused(store_dir, lambda: logged.log_artifact(path, name="ok", type="d", aliases=[3]),
            "an alias must be a string")
    refused(store_dir, lambda: logged.log_artifact(path, name="ds", type="model"),
            "has type 'dataset'", "type 'model' cannot join it")


def test_a_missing_path(store_dir, tmp_path, logged):
    missing = str(tmp_path / "nope.bin")
    refused(store_dir, lambda: logged.log_artifact(missing, type="dataset"),
            "'" + missing + "' does not exist")
    refused(store_dir, lambda: nbrun.Artifact("x", "t").add_file(missing), "no file at")
    refused(store_dir, lambda: nbrun.Artifact("x", "t").add_dir(missing), "no folder at")
    refused(store_dir, lambda: nbrun.Artifact("x", "t").add_reference("relative/path.csv"),
            "is not a URI", "file:///")
    refused(store_dir, lambda: nbrun.Artifact("x", "t").add_reference(
        (tmp_path / "gone").as_uri()), "names no file or folder")
    refused(store_dir, lambda: logged.log_artifact(nbrun.Artifact("empty", "t")),
            "has no files")


def test_use_artifact_of_an_unknown_name_or_version(store_dir, logged):
    refused(store_dir, lambda: logged.use_artifact("dss:latest"), "no artifact 'dss'",
            "did you mean 'ds'")
    refused(store_dir, lambda: logged.use_artifact("ds:v7"), "no version or alias 'v7'",
            "best", "latest", "v1", "v0")
    refused(store_dir, lambda: logged.use_artifact("ds:gold"), "no version or alias 'gold'")
    refused(store_dir, lambda: logged.use_artifact("other/ds:latest"),
            "no artifact 'ds' in project 'other'", "'p/ds:latest'")
    refused(store_dir, lambda: logged.use_artifact("ds:latest", type="model"),
            "has type 'dataset', not 'model'")
    refused(store_dir, lambda: logged.use_artifact("a/b/c/d"), "write name:alias")
    refused(store_dir, lambda: logged.use_artifact(42), "expected 'name:alias'")
    refused(store_dir, lambda: nbrun.Api(store_dir).artifact("nothing:v0"),
            "no artifact 'nothing'")


def test_an_alias_on_a_version_that_no_longer_exists(store_dir, tmp_path):
    from nbrun.store import Store, actions

    (tmp_path / "f").write_text("f")
    run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
    version = run.log_artifact(str(tmp_path / "f"), name="gone", type="t")
    run.finish()
    assert actions.delete_run(Store(str(store_dir)), run.id) == actions.OK
    version.aliases.append("best")
    refused(store_dir, version.save, "no longer exists", "no alias can be set")


def test_bad_metadata_and_paths_inside_an_artifact(tmp_path):
    (tmp_path / "f").write_text("f")
    with pytest.raises(nbrun.UsageError, match="must be finite"):
        nbrun.Artifact("m", "t", metadata={"loss": float("nan")})
    with pytest.raises(nbrun.UsageError, match="JSON values"):
        nbrun.Artifact("m", "t", metadata={"f": object()})
    art = nbrun.Artifact("m", "t")
    for bad in ("../escape", "/abs", "a//b", "./x"):
        with pytest.raises(nbrun.UsageError, match="not a relative path inside the artifact"):
            art.add_file(str(tmp_path / "f"), name=bad)
    art.add_file(str(tmp_path / "f"), name="f")
    (tmp_path / "g").write_text("g")
    with pytest.raises(nbrun.UsageError, match="already has a file at 'f'"):
        art.add_file(str(tmp_path / "g"), name="f")


def test_a_logged_version_cannot_change_and_a_finished_run_logs_nothing(store_dir, tmp_path,
                                                                       logged):
    version = nbrun.Api(store_dir).artifact("ds:v0")
    refused(store_dir, lambda: version.add_file(str(tmp_path / "a.txt")), "is logged",
            "new_draft()")
    refused(store_dir, lambda: logged.log_artifact(version), "already logged")
    logged.finish()
    refused(store_dir, lambda: logged.log_artifact(str(tmp_path / "a.txt"), type="t"),
            "is finished")
    refused(store_dir, lambda: logged.use_artifact("ds:v0"), "is finished")
    refused(store_dir, lambda: logged.save(str(tmp_path / "a.txt")), "is finished")


def test_run_save_bad_arguments(store_dir, tmp_path, logged):
    refused(store_dir, lambda: logged.save("s3://bucket/x"), "remote URL")
    refused(store_dir, lambda: logged.save("x", policy="sometimes"), "policy='sometimes'",
            "'live', 'now' or 'end'")
    refused(store_dir, lambda: logged.save(str(tmp_path / "*.txt"), base_path="/elsewhere"),
            "is not a folder above")
