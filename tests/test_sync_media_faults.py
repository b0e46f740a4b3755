"""Media reach a real MLflow server exactly once through faults: the server killed mid-run and
restarted, the logging process killed mid-sync and `nbrun sync` afterwards, and a sender
stopped between its uploads and their record. Each image must be on the server once at its
step (a second copy would be a second image at that step in MLflow's UI) and each table listed
once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import child_env, db_path, run_python
from mlflow_media import artifact_paths, logged_tables, ui_images
import sync_support
from sync_support import status, wait_synced

import nbrun
from nbrun.store import Store, mediasent, syncstate
from nbrun.sync import runsync, syncer

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def _image(step: int) -> nbrun.Image:
    return nbrun.Image(np.full((16, 16, 3), step % 256, np.uint8))


def _sent_rows(root, run_id: str) -> int:
    conn = sqlite3.connect(db_path(root))
    try:
        return conn.execute("SELECT COUNT(*) FROM media m JOIN runs r ON r.rid=m.rid WHERE "
                            "r.id=? AND m.sent IS NOT NULL", (run_id,)).fetchone()[0]
    finally:
        conn.close()


def _assert_once(url: str, server_run: str, steps: int, tables: list[int]) -> None:
    images = ui_images(url, server_run)
    assert [e["step"] for e in images["img"]] == list(range(steps))  # one image per step
    assert all("compressed_filepath" in e for e in images["img"])
    assert len(artifact_paths(url, server_run, "images")) == 2 * steps
    assert logged_tables(url, server_run) == [f"tables/tab/step-{s}.json" for s in tables]


def test_media_exactly_once_through_a_server_outage(online, store_dir):
    run = nbrun.init(dir=store_dir, project="media-outage", id="mo1")
    for step in range(5):
        run.log({"img": _image(step), "tab": nbrun.Table(columns=["s"], data=[[step]])})
    deadline = time.monotonic() + 120
    while _sent_rows(store_dir, "mo1") == 0:  # the syncer is under way
        assert time.monotonic() < deadline
        time.sleep(0.05)
    online.stop(signal.SIGKILL)
    try:
        for step in range(5, 15):  # the run goes on locally
            run.log({"img": _image(step), "tab": nbrun.Table(columns=["s"], data=[[step]])})
        time.sleep(2.0)
        assert status(store_dir, "mo1")["media_behind"] > 0
    finally:
        online.start()  # same port, same database
    run.finish()
    st = wait_synced(store_dir, "mo1")
    _assert_once(online.url, st["server_run_id"], 15, list(range(15)))


CHILD = """
import sys, time, numpy as np, nbrun
run = nbrun.init(dir=sys.argv[1], project="media-killed", id="mk1")
for step in range(int(sys.argv[2])):
    values = {"img": nbrun.Image(np.full((64, 64, 3), step % 256, np.uint8))}
    if step % 50 == 0:
        values["tab"] = nbrun.Table(columns=["s"], data=[[step]])
    run.log(values)
print("logged", flush=True)
time.sleep(600)
"""


def test_logging_process_killed_mid_media_sync_then_nbrun_sync(online, store_dir):
    steps = 300
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir), str(steps)],
                            env=child_env(NBRUN_BASE_URL=online.url), stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "logged"
        deadline = time.monotonic() + 120
        while _sent_rows(store_dir, "mk1") == 0:
            assert time.monotonic() < deadline, "the child's syncer never sent a media value"
            time.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL
        proc.wait()
    assert status(store_dir, "mk1")["media_behind"] > 0  # killed mid-sync
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "mk1"]))
        """, env={"NBRUN_BASE_URL": online.url}, timeout=600).stdout
    assert "mk1: synced" in out
    _assert_once(online.url, status(store_dir, "mk1")["server_run_id"], steps,
                 list(range(0, steps, 50)))


class Killed(BaseException):
    """Stands for SIGKILL striking between a batch's uploads and their record."""


def test_a_sender_stopped_between_upload_and_record_sends_to_the_same_names(
        online, store_dir, monkeypatch):
    run = nbrun.init(dir=store_dir, project="media-killed", mode="offline", id="mk2")
    for step in range(120):
        values = {"img": _image(step)}
        if step % 40 == 0:
            values["tab"] = nbrun.Table(columns=["s"], data=[[step]])
        run.log(values)
    run.finish()
    store = Store(str(store_dir))
    rid = syncstate.rid_of(store, "mk2")
    dead = syncstate.owner_id(syncstate.this_host(), 2**22 + 12346, None)  # no such process
    syncstate.claim(store, rid, dead, online.url)
    work = runsync.RunSync(store, rid, syncer.client_for(online.url, None), dead)
    real_mark, calls = mediasent.mark, []

    def mark_then_die(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # the second batch's files and tags are on the server, unrecorded
            raise Killed()
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(mediasent, "mark", mark_then_die)
    with pytest.raises(Killed):
        work.run_pass()
    monkeypatch.setattr(mediasent, "mark", real_mark)
    server_run = status(store_dir, "mk2")["server_run_id"]
    assert 0 < _sent_rows(store_dir, "mk2") < 123
    assert len(artifact_paths(online.url, server_run, "images")) > 2 * _sent_rows(store_dir, "mk2")
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "mk2"]))
        """, env={"NBRUN_BASE_URL": online.url}, timeout=300).stdout
    assert "mk2: synced" in out
    _assert_once(online.url, server_run, 120, [0, 40, 80])
