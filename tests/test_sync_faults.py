"""Online mode through faults, each with a real MLflow server: the server down at init and
started later, the server killed (SIGKILL) mid-run and restarted on the same database, the
logging process killed mid-sync and `nbrun sync` afterwards, `nbrun sync` twice at once next to a
live run, and bad answers from the server. After each, every point is on the server exactly once
(every metric history counted and compared)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest
from mlflow.tracking import MlflowClient

from conftest import child_env, run_python
from fault_proxy import Fault, FaultProxy
import sync_support
from sync_support import (assert_history_exactly_once, status, sync_row,
                          wait_synced)

import nbrun
from nbrun.store import Store, syncstate
from nbrun.sync import runsync, syncer

pytestmark = pytest.mark.slow


# The session's server, and the environment that makes runs online (sync_support.py).
server, online = sync_support.server, sync_support.online


def _log(run, n, start=0):
    for step in range(start, start + n):
        run.log({"a": float(step), "b": step * 0.5})


def test_server_down_at_init_then_started(online, store_dir, capfd, monkeypatch):
    # init() checks a server once per process, and earlier tests found this one up: naming it
    # `localhost` makes it a server this process has not checked yet.
    monkeypatch.setenv("NBRUN_BASE_URL", online.url.replace("127.0.0.1", "localhost"))
    online.stop()
    try:
        run = nbrun.init(dir=store_dir, project="outage")
        assert "cannot reach the tracking server" in capfd.readouterr().err
        assert run.mode == "online"
        _log(run, 1500)
        run.finish()
        deadline = time.monotonic() + 60
        while not status(store_dir, run.id)["last_error"]:  # retried with backoff, then noted
            assert time.monotonic() < deadline
            time.sleep(0.1)
        st = status(store_dir, run.id)
        assert not st["synced"] and "cannot reach the tracking server" in st["last_error"]
    finally:
        online.start()
    wait_synced(store_dir, run.id)
    assert assert_history_exactly_once(online.url, store_dir, run.id) == 3000


def test_server_killed_mid_run_and_restarted(online, store_dir):
    run = nbrun.init(dir=store_dir, project="outage")
    _log(run, 2000)
    deadline = time.monotonic() + 120
    while status(store_dir, run.id)["points_sent"] == 0:  # the syncer is under way
        assert time.monotonic() < deadline
        time.sleep(0.05)
    online.stop(signal.SIGKILL)
    try:
        _log(run, 2000, start=2000)  # the run goes on locally
        time.sleep(1.5)
        assert status(store_dir, run.id)["behind"] > 0
    finally:
        online.start()  # same port, same database
    run.finish()
    wait_synced(store_dir, run.id)
    assert assert_history_exactly_once(online.url, store_dir, run.id) == 8000


CHILD = """
import os, sys, time, nbrun
run = nbrun.init(dir=sys.argv[1], project="killed", id="k1")
for step in range(int(sys.argv[2])):
    run.log({"a": float(step), "b": step * 0.5})
print("logged", flush=True)
time.sleep(600)
"""


def test_logging_process_killed_mid_sync_then_nbrun_sync(online, store_dir):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir), "4000"],
                            env=child_env(NBRUN_BASE_URL=online.url), stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "logged"
        deadline = time.monotonic() + 120
        while True:
            row = sync_row(store_dir, "k1")
            if row is not None and row["points_sent"] > 0:
                break
            assert time.monotonic() < deadline, "the child's syncer never sent anything"
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    assert status(store_dir, "k1")["behind"] > 0  # killed mid-sync
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "k1"]))
        """, env={"NBRUN_BASE_URL": online.url}, timeout=300).stdout
    assert "k1: synced" in out
    assert assert_history_exactly_once(online.url, store_dir, "k1") == 8000
    info = MlflowClient(online.url).get_run(status(store_dir, "k1")["server_run_id"]).info
    assert info.status == "KILLED" and info.end_time is not None


class Killed(BaseException):
    """Stands for SIGKILL striking between a batch's send and its record."""


def test_kill_between_send_and_record_reconciles_with_the_server(online, store_dir, monkeypatch):
    run = nbrun.init(dir=store_dir, project="killed", mode="offline", id="k2")
    _log(run, 2500)
    run.finish()
    store = Store(str(store_dir))
    rid = syncstate.rid_of(store, "k2")
    dead = syncstate.owner_id(syncstate.this_host(), 2**22 + 12345, None)  # no such process
    syncstate.claim(store, rid, dead, online.url)
    work = runsync.RunSync(store, rid, syncer.client_for(online.url, None), dead)
    real_advance, calls = syncstate.advance, []

    def advance_then_die(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # batches 3 and 4 reached the server; their record never happens
            raise Killed()
        return real_advance(*args, **kwargs)

    monkeypatch.setattr(syncstate, "advance", advance_then_die)
    with pytest.raises(Killed):
        work.run_pass()
    monkeypatch.setattr(syncstate, "advance", real_advance)
    row = sync_row(store_dir, "k2")
    assert row["inflight"] is not None and row["points_sent"] == 2000
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "k2"]))
        """, env={"NBRUN_BASE_URL": online.url}, timeout=300).stdout
    assert "k2: synced" in out
    assert sync_row(store_dir, "k2")["points_sent"] == 3000  # the 2000 already there: not resent
    assert assert_history_exactly_once(online.url, store_dir, "k2") == 5000


LIVE = """
import sys, time, nbrun
run = nbrun.init(dir=sys.argv[1], project="concurrent", id="live1")
for step in range(3000):
    run.log({"a": float(step)})
    if step % 300 == 0:
        time.sleep(0.5)
run.finish()
"""


def test_nbrun_sync_twice_at_once_next_to_a_live_run(online, store_dir):
    run = nbrun.init(dir=store_dir, project="concurrent", mode="offline", id="off2")
    _log(run, 3000)
    run.finish()
    live = subprocess.Popen([sys.executable, "-c", LIVE, str(store_dir)],
                            env=child_env(NBRUN_BASE_URL=online.url))
    code = textwrap.dedent(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "--all"]))
        """)
    time.sleep(3)
    syncs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              env=child_env(NBRUN_BASE_URL=online.url)) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in syncs]
    assert [p.returncode for p in syncs] == [0, 0], outs
    assert live.wait(timeout=300) == 0
    wait_synced(store_dir, "live1")
    wait_synced(store_dir, "off2")
    assert assert_history_exactly_once(online.url, store_dir, "off2") == 6000
    assert assert_history_exactly_once(online.url, store_dir, "live1") == 3000
    client = MlflowClient(online.url)
    for run_id in ("off2", "live1"):  # one server run per nbrun run, however many senders
        eid = client.get_run(status(store_dir, run_id)["server_run_id"]).info.experiment_id
        assert len(client.search_runs([eid], f"tags.`nbrun.run_id` = '{run_id}'")) == 1


@pytest.mark.parametrize("fault,expected", [
    (Fault("POST", "runs/log-batch", "html", skip=2, times=4),
     "POST runs/log-batch: the tracking server answered HTTP 502 ('<html>"),
    (Fault("POST", "runs/create", "truncated"),
     "POST runs/create: the tracking server answered HTTP 200 with something that is not JSON"),
    (Fault("POST", "runs/log-batch", "bad400", skip=2),
     "POST runs/log-batch: the tracking server answered HTTP 400 (INVALID_PARAMETER_VALUE: "
     "injected: batch refused); resending its "),
])
def test_bad_answers_are_named_in_the_sync_state_and_cost_nothing(online, store_dir,
                                                                  monkeypatch, fault, expected):
    proxy = FaultProxy(online.url)  # fake only in what it injects; see fault_proxy.py
    proxy.faults.append(fault)
    monkeypatch.setenv("NBRUN_BASE_URL", proxy.url)
    try:
        run = nbrun.init(dir=store_dir, project="bad-answers")
        _log(run, 2500)
        run.finish()
        st = wait_synced(store_dir, run.id)
    finally:
        proxy.close()
    assert fault.injected == fault.times
    assert any(e.startswith(expected) for e in st["errors"]), st["errors"]
    assert st["refused"] == 0
    assert assert_history_exactly_once(online.url, store_dir, run.id) == 5000
    found = MlflowClient(online.url).search_runs(
        [MlflowClient(online.url).get_run(st["server_run_id"]).info.experiment_id],
        f"tags.`nbrun.run_id` = '{run.id}'")
    assert len(found) == 1  # a create whose answer was lost made no second server run

