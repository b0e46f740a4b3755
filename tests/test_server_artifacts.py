"""The artifact endpoints on a real Jupyter server: a run's inputs and outputs, artifact names,
versions, one version with its files and lineage, the lineage graph, the diff of two versions
and file downloads, with their errors."""

from __future__ import annotations

import os

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun

import test_server as server_tests
from test_server import key_of, raw, rest  # noqa: F401  (fixtures)

jp_asyncio_loop = server_tests.jp_asyncio_loop


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def other(tmp_path):
    return tmp_path / "other"


@pytest.fixture
def jp_server_config(store, other):
    return {"ServerApp": {"jpserver_extensions": {"nbrun.server": True}},
            "NbrunServerConfig": {"store_paths": [str(store), str(other)]}}


def write(folder, files):
    for rel, data in files.items():
        full = os.path.join(folder, *rel.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(data)
    return str(folder)


@pytest.fixture
def lineage(store, tmp_path):
    """prepare logs ds v0 (best) and v1; train uses ds:best and logs model v0; eval uses
    the model."""
    data = write(tmp_path / "inputs", {"a.csv": b"1\n", "b.csv": b"2\n"})
    prepare = nbrun.init(dir=str(store), project="p", mode="offline", name="prepare")
    first = nbrun.Artifact("ds", "dataset", metadata={"rows": 2, "source": "x"})
    first.add_dir(data)
    prepare.log_artifact(first, aliases=["best"])
    write(tmp_path / "inputs", {"a.csv": b"1\n3\n", "c.csv": b"new\n"})
    os.unlink(tmp_path / "inputs" / "b.csv")
    second = nbrun.Artifact("ds", "dataset", metadata={"rows": 3, "split": 0.1})
    second.add_dir(data)
    second.add_reference("s3://bucket/extra.parquet")
    prepare.log_artifact(second)
    prepare.log({"rows": 3})
    prepare.finish()
    train = nbrun.init(dir=str(store), project="p", mode="offline", name="train")
    train.use_artifact("ds:best")
    train.log({"loss": 0.1})
    (tmp_path / "model.pt").write_bytes(b"\x89PNG\r\n\x1a\n-not-an-image")
    train.log_model(str(tmp_path / "model.pt"), name="net", aliases=["prod"])
    train.finish()
    evaluate = nbrun.init(dir=str(store), project="p", mode="offline", name="eval")
    evaluate.use_artifact("net:prod")
    evaluate.log({"acc": 0.9})
    evaluate.finish()
    return {"prepare": prepare.id, "train": train.id, "eval": evaluate.id}


def test_a_runs_inputs_and_outputs(rest, lineage, store):
    reply = rest("runs", lineage["train"], "artifacts")
    assert reply["store"] == key_of(store) and reply["run"] == lineage["train"]
    (model,) = reply["outputs"]
    assert (model["name"], model["version"], model["type"]) == ("net", "v0", "model")
    assert model["aliases"] == ["latest", "prod"] and model["logged_by"]["id"] == lineage["train"]
    assert model["size"] == len(b"\x89PNG\r\n\x1a\n-not-an-image") and model["file_count"] == 1
    assert "vid" not in model and "aid" not in model
    (data,) = reply["inputs"]
    assert (data["name"], data["version"], data["asked"], data["via"]) == ("ds", "v0", "best",
                                                                           None)
    assert data["metadata"] == {"rows": 2, "source": "x"}
    assert rest("runs", lineage["prepare"], "artifacts")["inputs"] == []
    rest("runs", "nosuchrun", "artifacts", expect=404)
    rest("runs", "a#b", "artifacts", expect=400)


def test_artifact_names(rest, lineage, store):
    names = rest("artifacts")["artifacts"]
    assert [(n["name"], n["type"], n["versions"], n["latest"]) for n in names] == [
        ("ds", "dataset", 2, "v1"), ("net", "model", 1, "v0")]
    assert names[0]["aliases"] == {"best": "v0", "latest": "v1"}
    assert names[0]["store"] == key_of(store)
    assert [n["name"] for n in rest("artifacts", params={"type": "model"})["artifacts"]] == ["net"]
    assert rest("artifacts", params={"project": "elsewhere"})["artifacts"] == []
    rest("artifacts", params={"project": "a/b"}, expect=400)


def test_versions_of_a_name(rest, lineage):
    reply = rest("artifacts", "versions", params={"project": "p", "name": "ds"})
    assert (reply["total"], reply["type"], reply["aliases"]) == (2, "dataset",
                                                                 {"best": "v0", "latest": "v1"})
    assert [v["version"] for v in reply["versions"]] == ["v1", "v0"]
    v1, v0 = reply["versions"]
    assert v1["file_count"] == 3 and v1["size"] == len(b"1\n3\n") + len(b"new\n")
    assert v0["used_count"] == 1 and v1["used_count"] == 0
    assert v0["logged_by"]["name"] == "prepare"
    page = rest("artifacts", "versions", params={"project": "p", "name": "ds", "offset": "1",
                                                 "limit": "1"})
    assert [v["version"] for v in page["versions"]] == ["v0"]
    rest("artifacts", "versions", params={"project": "p", "name": "ds", "limit": "5000"},
         expect=400)
    rest("artifacts", "versions", params={"name": "ds"}, expect=400)
    rest("artifacts", "versions", params={"project": "p", "name": "nope"}, expect=404)


def test_one_version_with_files_and_lineage(rest, lineage):
    reply = rest("artifacts", "version", params={"project": "p", "name": "ds",
                                                 "version": "latest"})
    assert reply["version"] == "v1"
    assert [(f["path"], f["ref"]) for f in reply["files"]] == [
        ("a.csv", None), ("c.csv", None), ("extra.parquet", "s3://bucket/extra.parquet")]
    assert reply["files_total"] == 3
    assert [r["id"] for r in reply["logged"]] == [lineage["prepare"]] and reply["used"] == []
    best = rest("artifacts", "version", params={"project": "p", "name": "ds", "version": "best"})
    assert [(r["id"], r["asked"]) for r in best["used"]] == [(lineage["train"], "best")]
    by_digest = rest("artifacts", "version", params={"project": "p", "name": "ds",
                                                     "version": best["digest"]})
    assert by_digest["version"] == "v0"
    rest("artifacts", "version", params={"project": "p", "name": "ds", "version": "v9"},
         expect=404)
    rest("artifacts", "version", params={"project": "p", "name": "ds"}, expect=400)


def test_the_lineage_graph(rest, lineage):
    graph = rest("artifacts", "lineage", params={"project": "p", "name": "ds"})
    ids = {n["id"] for n in graph["nodes"]}
    assert ids == {"artifact:p/ds:v0", "artifact:p/ds:v1", f"run:{lineage['prepare']}",
                   f"run:{lineage['train']}"}
    edges = {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}
    assert edges == {(f"run:{lineage['prepare']}", "artifact:p/ds:v0", "logged"),
                     (f"run:{lineage['prepare']}", "artifact:p/ds:v1", "logged"),
                     ("artifact:p/ds:v0", f"run:{lineage['train']}", "used")}
    assert not graph["truncated"]
    wider = rest("artifacts", "lineage", params={"project": "p", "name": "ds", "version": "v0",
                                                 "hops": "3"})
    assert {n["id"] for n in wider["nodes"]} == {
        "artifact:p/ds:v0", "artifact:p/ds:v1", "artifact:p/net:v0",
        f"run:{lineage['prepare']}", f"run:{lineage['train']}", f"run:{lineage['eval']}"}
    rest("artifacts", "lineage", params={"project": "p", "name": "ds", "hops": "9"}, expect=400)


def test_the_diff_of_two_versions(rest, lineage):
    diff = rest("artifacts", "diff", params={"project": "p", "name": "ds", "a": "v0",
                                             "b": "latest"})
    files = diff["files"]
    assert [f["path"] for f in files["added"]] == ["c.csv", "extra.parquet"]
    assert [f["path"] for f in files["removed"]] == ["b.csv"]
    assert [c["path"] for c in files["changed"]] == ["a.csv"]
    assert files["counts"] == {"added": 2, "removed": 1, "changed": 1, "unchanged": 0}
    assert diff["metadata"] == {"added": {"split": 0.1}, "removed": {"source": "x"},
                                "changed": {"rows": [2, 3]}}
    assert (diff["a"]["version"], diff["b"]["version"]) == ("v0", "v1")
    rest("artifacts", "diff", params={"project": "p", "name": "ds", "a": "v0"}, expect=400)


def test_file_download(raw, lineage):
    status, body = raw("artifacts/file?project=p&name=net&version=prod&path=model.pt")
    assert status == 200 and body == b"\x89PNG\r\n\x1a\n-not-an-image"
    status, body = raw("artifacts/file?project=p&name=ds&version=v1&path=a.csv")
    assert (status, body) == (200, b"1\n3\n")
    status, body = raw("artifacts/file?project=p&name=ds&version=v1&path=nope.csv")
    assert status == 404 and "no file 'nope.csv'" in body["message"]
    status, body = raw("artifacts/file?project=p&name=ds&version=v1&path=extra.parquet")
    assert status == 409 and "reference" in body["message"]
    status, _ = raw("artifacts/file?project=p&name=ds&version=v1&path=a.csv", auth=False)
    assert status == 403


def test_file_download_headers_and_ranges(http_server_client, jp_base_url, jp_auth_header,
                                          jp_asyncio_loop, lineage):
    async def fetch(headers=None):
        return await http_server_client.fetch(
            f"{jp_base_url}nbrun/api/artifacts/file?project=p&name=ds&version=v1&path=a.csv",
            headers={**jp_auth_header, **(headers or {})}, raise_error=False)

    whole = jp_asyncio_loop.run_until_complete(fetch())
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in whole.headers["Content-Security-Policy"]
    part = jp_asyncio_loop.run_until_complete(fetch({"Range": "bytes=2-"}))
    assert part.code == 206 and part.body == b"3\n"


def test_an_artifact_in_two_stores_needs_the_store_key(rest, lineage, other, store, tmp_path):
    (tmp_path / "x").write_text("x")
    run = nbrun.init(dir=str(other), project="p", mode="offline")
    run.log_artifact(str(tmp_path / "x"), name="ds", type="dataset")
    run.log({"x": 1})
    run.finish()
    rest("artifacts", "versions", params={"project": "p", "name": "ds"}, expect=409)
    mine = rest("artifacts", "versions", params={"project": "p", "name": "ds",
                                                 "store": key_of(store)})
    assert mine["total"] == 2
    theirs = rest("artifacts", "versions", params={"project": "p", "name": "ds",
                                                   "store": key_of(other)})
    assert theirs["total"] == 1
    assert len(rest("artifacts")["artifacts"]) == 3

