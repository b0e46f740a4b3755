"""What a teammate sees of an nbrun run in the MLflow UI (issue 19, point 9), against a real
MLflow server and side by side with a run logged by MLflow's own client: who made it and from
what, only the few tags that mean something to a reader, each point at the time it was logged,
`nbrun sync` progress that adds up, and a catch-up that reads each key's server history once."""

from __future__ import annotations

import re
import time

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from conftest import run_python
from fault_proxy import Fault, FaultProxy
from notebook_kernel import Kernel, output_text
import sync_support
from sync_support import assert_history_exactly_once, status, sync_row, wait_synced

import nbrun
from nbrun.store import Store, syncstate
from nbrun.sync import mapping, runsync, syncer

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def _remote(url, root, run_id):
    st = wait_synced(root, run_id)
    return MlflowClient(url).get_run(st["server_run_id"])


def _shown(tags: dict[str, str]) -> set[str]:
    """The tags the MLflow UI lists as the run's tags (it keeps ``mlflow.*`` out of them)."""
    return {k for k in tags if not k.startswith("mlflow.")}


def test_user_and_source_as_mlflows_own_client_sends_them_and_no_bookkeeping_tags(
        online, store_dir, monkeypatch):
    run = nbrun.init(dir=store_dir, project="ui", entity="team", name="side-by-side",
                     tags=["baseline"])
    run.log({"loss": 1.0})
    run.finish()
    mine = _remote(online.url, store_dir, run.id)

    monkeypatch.setenv("MLFLOW_TRACKING_URI", online.url)
    with mlflow.start_run(experiment_id=mine.info.experiment_id) as theirs:
        mlflow.log_metric("loss", 1.0)
    theirs = MlflowClient(online.url).get_run(theirs.info.run_id)

    tags = mine.data.tags
    assert tags["mlflow.user"] == theirs.data.tags["mlflow.user"]  # "Created by"
    assert mine.info.user_id == theirs.info.user_id
    assert tags["mlflow.source.type"] == theirs.data.tags["mlflow.source.type"] == "LOCAL"
    assert tags.get("mlflow.source.name") == nbrun.Api(store_dir).run(run.id).program
    # One tag per nbrun tag, the nbrun run id to find it by, and nothing else on show: the
    # project and entity are the experiment's name, the sync's own key is out of sight.
    assert _shown(tags) == {"nbrun.run_id", "nbrun.tag/baseline"}
    assert tags["nbrun.run_id"] == run.id
    assert len(tags[mapping.SYNC_KEY_TAG]) == 32
    found = MlflowClient(online.url).search_runs(
        [mine.info.experiment_id], f"tags.`nbrun.run_id` = '{run.id}'")
    assert [r.info.run_id for r in found] == [mine.info.run_id]


def test_a_run_started_in_a_notebook_has_the_notebook_source(online, store_dir, tmp_path,
                                                              monkeypatch):
    notebook = tmp_path / "analysis.ipynb"
    monkeypatch.setenv("NBRUN_DIR", str(store_dir))
    monkeypatch.setenv("NBRUN_NOTEBOOK_NAME", str(notebook))
    with Kernel(tmp_path / "work") as kernel:
        out = output_text(kernel.run(
            "import nbrun\nrun = nbrun.init(project='nb-ui')\nrun.log({'x': 1.0})\n"
            "run.finish()\nprint('RUN', run.id)"))
        run_id = out.split("RUN ")[1].split()[0]
        tags = _remote(online.url, store_dir, run_id).data.tags  # sent by the kernel's syncer
    assert tags["mlflow.source.type"] == "NOTEBOOK"  # the UI's notebook icon
    assert tags["mlflow.source.name"] == str(notebook)
    assert tags["mlflow.user"] == mapping.user_name(None)


def test_tags_taken_off_and_those_an_older_nbrun_sent_leave_the_server_run(online, store_dir):
    run = nbrun.init(dir=store_dir, project="ui-tags", id="tg1", tags=["a", "b"])
    run.finish()
    first = _remote(online.url, store_dir, "tg1")
    assert {"nbrun.tag/a", "nbrun.tag/b"} <= set(first.data.tags)
    # A run synced by nbrun before issue 19 carried the retired tags; they stand here on the
    # real server run, and in the sync state as the tags sent.
    client = MlflowClient(online.url)
    retired = {"nbrun.project": "ui-tags", "nbrun.tags": '["a", "b"]',
               "nbrun.sync_key": sync_row(store_dir, "tg1")["sync_key"]}
    for key, value in retired.items():
        client.set_tag(first.info.run_id, key, value)
    store = Store(str(store_dir))
    rid = syncstate.rid_of(store, "tg1")
    sent = syncstate.get(store, rid).sent
    sent["tags"].update({k: v for k, v in retired.items() if k != "nbrun.sync_key"})
    syncstate.update(store, rid, sent=sent)

    run = nbrun.init(dir=store_dir, project="ui-tags", id="tg1", resume="must")
    run.tags = ("a",)
    run.finish()
    # The sync state said "synced" before the resume already: wait for the server itself.
    deadline = time.monotonic() + 60
    while True:
        tags = client.get_run(first.info.run_id).data.tags
        if _shown(tags) == {"nbrun.run_id", "nbrun.tag/a"} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert _shown(tags) == {"nbrun.run_id", "nbrun.tag/a"}


def test_each_point_has_the_time_it_was_logged_to_the_ms(online, store_dir, monkeypatch):
    run = nbrun.init(dir=store_dir, project="ui-times")
    bounds = []
    for step in range(300):  # about a second, in which the writer commits a few times
        before = time.time()
        run.log({"loss": 1.0 / (step + 1)})
        bounds.append((int(before * 1000), int(time.time() * 1000)))
        time.sleep(0.003)
    run.finish()
    mine = _remote(online.url, store_dir, run.id)
    history = sorted((m.step, m.timestamp)
                     for m in MlflowClient(online.url).get_metric_history(mine.info.run_id,
                                                                          "loss"))
    assert [s for s, _ in history] == list(range(300))
    assert all(lo <= t <= hi for (_, t), (lo, hi) in zip(history, bounds)), history[:5]
    assert len({t for _, t in history}) >= 250  # not one time per store commit

    # MLflow's own client, logging the same way, has as many distinct times
    monkeypatch.setenv("MLFLOW_TRACKING_URI", online.url)
    with mlflow.start_run(experiment_id=mine.info.experiment_id) as theirs:
        for step in range(300):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            time.sleep(0.003)
    theirs_times = {m.timestamp for m in
                    MlflowClient(online.url).get_metric_history(theirs.info.run_id, "loss")}
    assert len({t for _, t in history}) >= 0.8 * len(theirs_times)


def _sync_cli(root, run_id, url) -> str:
    return run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(root)!r}, "sync", {run_id!r}]))
        """, env={"NBRUN_BASE_URL": url}, timeout=300).stdout


def test_nbrun_sync_progress_adds_up_after_an_earlier_partial_sync(online, store_dir):
    run = nbrun.init(dir=store_dir, project="ui-progress", mode="offline", id="pg1")
    for step in range(3000):
        row = {"a": float(step), "b": step * 0.5}
        if step % 10 == 0:
            row["note"] = f"text {step}"  # in the history, never a metric
        run.log(row)
    run.finish()
    # An earlier sync sent part of it (one window of batches) and stopped.
    store = Store(str(store_dir))
    rid = syncstate.rid_of(store, "pg1")
    me = syncstate.owner_id(syncstate.this_host(), 2**22 + 4321, None)
    syncstate.claim(store, rid, me, online.url)
    part = runsync.RunSync(store, rid, syncer.client_for(online.url, None), me)
    assert part.run_pass(budget=1) is False and part.more
    syncstate.release(store, rid, me)
    behind = status(store_dir, "pg1")["behind"]
    assert 0 < behind < 6300 and sync_row(store_dir, "pg1")["points_sent"] > 0

    out = _sync_cli(store_dir, "pg1", online.url)
    assert f"pg1: sending {behind} points" in out, out
    counts = [(int(d), int(t)) for d, t in re.findall(r"pg1: (\d+)/(\d+) points", out)]
    assert counts and counts[-1] == (behind, behind), out
    assert all(t == behind and d <= t for d, t in counts), out
    assert "pg1: synced" in out
    assert_history_exactly_once(online.url, store_dir, "pg1")


class Killed(BaseException):
    """Stands for SIGKILL striking between a batch's send and its record."""


def test_a_catch_up_reads_each_keys_server_history_once(online, store_dir, monkeypatch):
    run = nbrun.init(dir=store_dir, project="ui-catch-up", mode="offline", id="cu1")
    for step in range(5000):
        run.log({"a": float(step), "b": step * 0.5})
    run.finish()
    store = Store(str(store_dir))
    rid = syncstate.rid_of(store, "cu1")
    dead = syncstate.owner_id(syncstate.this_host(), 2**22 + 12346, None)  # no such process
    syncstate.claim(store, rid, dead, online.url)
    work = runsync.RunSync(store, rid, syncer.client_for(online.url, None), dead)
    real_advance, calls = syncstate.advance, []

    def advance_then_die(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # a window reached the server; its record never happens
            raise Killed()
        return real_advance(*args, **kwargs)

    monkeypatch.setattr(syncstate, "advance", advance_then_die)
    with pytest.raises(Killed):
        work.run_pass()
    monkeypatch.setattr(syncstate, "advance", real_advance)
    assert sync_row(store_dir, "cu1")["inflight"] is not None

    # The live syncer's way: passes of one window each, taking the run over from the dead
    # sender. The proxy injects nothing (times=0): it only counts the history reads.
    proxy = FaultProxy(online.url)
    reads = Fault("GET", "metrics/get-history", "html", times=0)
    proxy.faults.append(reads)
    try:
        me = syncstate.owner_id(syncstate.this_host(), 2**22 + 12347, None)
        _, orphaned = syncstate.claim(store, rid, me, proxy.url)
        work = runsync.RunSync(store, rid, syncer.client_for(proxy.url, None), me)
        work.reconcile = orphaned
        passes = 0
        while not work.run_pass(budget=1):
            passes += 1
            assert passes < 50
    finally:
        proxy.close()
    assert passes >= 3  # several passes after the one that reconciled
    assert 1 <= reads.seen <= 2  # keys a and b, each read once
    assert assert_history_exactly_once(online.url, store_dir, "cu1") == 10000
