"""Artifacts reach a real MLflow server exactly once through faults: answers lost after the
server did the work (a logged model made, an output and an input logged, a file stored), the
syncing process SIGKILLed in the middle of a version's uploads and `nbrun sync` afterwards, and
a sender stopped after a model's uploads but before their record. A second logged model, run
output or dataset input would show twice in MLflow's UI; a file must be there once, whole."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import child_env, db_path, run_python
from fault_proxy import Fault, FaultProxy
from mlflow_artifacts import (assert_on_server, assert_version_on_run, dataset_inputs, log_runs,
                              logged_models, model_files, output_models, server_copies, sha)
import sync_support
from sync_support import status, wait_synced

import nbrun
from nbrun.store import Store, syncstate
from nbrun.sync import runsync, syncer

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def _sync(store_dir, url: str, run_id: str) -> str:
    return run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", {run_id!r}]))
        """, env={"NBRUN_BASE_URL": url}, timeout=600).stdout


def test_lost_answers_leave_one_model_one_output_one_input(online, store_dir, tmp_path,
                                                           monkeypatch):
    # The proxy is fake only in what it injects: each request reaches the real server, which
    # does the work, and then its answer is lost, so the client cannot know it was done.
    proxy = FaultProxy(online.url)
    lost = [Fault("POST", "mlflow/logged-models", "lost"), Fault("POST", "runs/outputs", "lost"),
            Fault("POST", "runs/log-inputs", "lost"), Fault("PUT", "model.pkl", "lost"),
            Fault("PUT", "sub/big.bin", "lost")]
    proxy.faults.extend(lost)
    monkeypatch.setenv("NBRUN_BASE_URL", proxy.url)
    try:
        logged = log_runs(store_dir, tmp_path, "art-lost", None)
        wait_synced(store_dir, logged["a"])
        wait_synced(store_dir, logged["b"])
    finally:
        proxy.close()
    assert [f.injected for f in lost] == [1] * len(lost)
    assert_on_server(online, store_dir, logged)


CHILD = """
import os, sys, time, nbrun
root, folder = sys.argv[1], sys.argv[2]
run = nbrun.init(dir=root, project="art-killed", id="ak1")
art = nbrun.Artifact("many", "dataset")
art.add_dir(folder)
run.log_artifact(art)
print("logged", flush=True)
time.sleep(600)
"""


def _on_server(server_folder, server_run: str | None) -> int:
    if server_run is None:
        return 0
    folder = server_folder / "artifacts"
    return sum(1 for _ in folder.glob(f"*/{server_run}/artifacts/artifacts/many/v0/*"))


def test_syncing_process_killed_mid_upload_then_nbrun_sync(online, store_dir, tmp_path):
    files = 400
    data = tmp_path / "many"
    data.mkdir()
    local = {}
    for i in range(files):
        local[f"f{i:03d}.bin"] = (f"{i}:".encode() * 4000)[:16000]
        (data / f"f{i:03d}.bin").write_bytes(local[f"f{i:03d}.bin"])
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir), str(data)],
                            env=child_env(NBRUN_BASE_URL=online.url), stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "logged"
        deadline = time.monotonic() + 120
        while _on_server(online.folder, status(store_dir, "ak1")["server_run_id"]) < 20:
            assert time.monotonic() < deadline, "the child's syncer never sent a file"
            time.sleep(0.01)
    finally:
        proc.kill()  # SIGKILL, in the middle of the version's uploads
        proc.wait()
    server_run = status(store_dir, "ak1")["server_run_id"]
    assert _on_server(online.folder, server_run) < files  # killed mid-upload
    assert status(store_dir, "ak1")["artifacts_behind"] == 1
    whole = _settled(lambda: sum(1 for name, data in local.items()
                                 if _server_file(online.folder, server_run, name) == data))
    proxy = FaultProxy(online.url)  # injects nothing here: it counts the uploads
    try:
        out = _sync(store_dir, proxy.url, "ak1")
    finally:
        proxy.close()
    assert "ak1: synced" in out, out
    resent = [p for m, p in proxy.requests if m == "PUT" and "/artifacts/many/v0/" in p]
    assert len(resent) == files - whole  # the files the server held whole were not sent again
    assert status(store_dir, "ak1")["server_run_id"] == server_run
    assert_version_on_run(online.url, server_run, "many", "v0", local)
    copies = server_copies(online.folder)
    assert all(len(copies[sha(data)]) == 1 for data in local.values())


def _settled(count) -> int:
    """``count()`` once it stays the same for a second: the server may still be storing an
    upload whose sender was killed after its last byte."""
    last = count()
    while True:
        time.sleep(1.0)
        now = count()
        if now == last:
            return now
        last = now


def _server_file(server_folder, server_run: str, name: str) -> bytes | None:
    found = list((server_folder / "artifacts").glob(
        f"*/{server_run}/artifacts/artifacts/many/v0/{name}"))
    return found[0].read_bytes() if found else None


class Killed(BaseException):
    """Stands for SIGKILL striking between a version's uploads and their record."""


def _marked(root, run_id: str) -> int:
    conn = sqlite3.connect(db_path(root))
    try:
        return conn.execute("SELECT count(*) FROM artifact_logged l JOIN runs r ON r.rid=l.rid "
                            "WHERE r.id=? AND l.sent IS NOT NULL", (run_id,)).fetchone()[0]
    finally:
        conn.close()


def test_a_sender_stopped_after_a_model_upload_makes_no_second_model(online, store_dir,
                                                                     tmp_path, monkeypatch):
    weights = b"stopped-model" * 5000
    (tmp_path / "model.pkl").write_bytes(weights)
    run = nbrun.init(dir=str(store_dir), project="art-stopped", mode="offline", id="as1")
    model = run.log_model(str(tmp_path / "model.pkl"), name="net", aliases=["prod"])
    run.finish()
    store = Store(str(store_dir))
    rid = syncstate.rid_of(store, "as1")
    dead = syncstate.owner_id(syncstate.this_host(), 2**22 + 12347, None)  # no such process
    syncstate.claim(store, rid, dead, online.url)
    work = runsync.RunSync(store, rid, syncer.client_for(online.url, None), dead)

    def die(*args, **kwargs):
        raise Killed()

    from nbrun.store import artifactsent  # the record stopped short (here, not at import:
    # this file must run, and fail, on a checkout without artifact sync)

    real_mark = artifactsent.mark_logged
    monkeypatch.setattr(artifactsent, "mark_logged", die)
    with pytest.raises(Killed):
        work.run_pass()
    monkeypatch.setattr(artifactsent, "mark_logged", real_mark)
    server_run = status(store_dir, "as1")["server_run_id"]
    made = logged_models(online.url, server_run)
    assert len(made) == 1 and _marked(store_dir, "as1") == 0  # on the server, unrecorded
    out = _sync(store_dir, online.url, "as1")
    assert "as1: synced" in out, out
    models = logged_models(online.url, server_run)
    assert [(m.model_id, m.name, str(m.status)) for m in models] == [
        (made[0].model_id, "net", "READY")]
    assert models[0].tags["nbrun.artifact.digest"] == model.digest
    assert output_models(online.url, server_run) == [made[0].model_id]
    assert model_files(online.folder, models[0]) == {"model.pkl": weights}
    assert len(server_copies(online.folder)[sha(weights)]) == 1


def test_a_refused_input_is_said_and_does_not_hold_the_run_back(online, store_dir, tmp_path,
                                                                monkeypatch):
    # Fake only in the 400 it answers for every dataset input; all else reaches the server.
    proxy = FaultProxy(online.url)
    proxy.faults.append(Fault("POST", "runs/log-inputs", "bad400", times=1000))
    monkeypatch.setenv("NBRUN_BASE_URL", proxy.url)
    (tmp_path / "d.csv").write_text("x\n1\n")
    try:
        a = nbrun.init(dir=str(store_dir), project="art-refused", id="ar-a")
        a.log_artifact(str(tmp_path / "d.csv"), name="table", type="dataset")
        a.finish()
        b = nbrun.init(dir=str(store_dir), project="art-refused", id="ar-b")
        b.use_artifact("table:latest")
        b.finish()
        wait_synced(store_dir, "ar-a")
        st = wait_synced(store_dir, "ar-b")
    finally:
        proxy.close()
    assert any("artifact table:v0 not sent: the server refused it" in e for e in st["errors"])
    assert dataset_inputs(online.url, st["server_run_id"]) == []
    assert_version_on_run(online.url, status(store_dir, "ar-a")["server_run_id"], "table", "v0",
                          {"d.csv": b"x\n1\n"})
