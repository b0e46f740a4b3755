"""The embedded store keeps what it promises: data logged a second before a SIGKILL is on disk,
a killed run reads as crashed, concurrent writers neither lose nor mix rows, the database is a
versioned WAL SQLite file, an interrupted init leaves nothing behind, and memory stays bounded."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import nbrun
from nbrun.sdk import registry
from nbrun.store import get_writer
from nbrun.store import writer as writer_module
from nbrun.store.schema import SCHEMA_VERSION

from conftest import child_env, db_path, run_python


def stored_ids(root):
    return {r.id for r in nbrun.Api(root).runs()}


# -- SIGKILL ---------------------------------------------------------------------------------

# Logs one step about every millisecond, forever. Every 100 steps it appends "step time" to a side
# file (flushed to the OS, so it survives the kill) so the parent knows when each step was logged.
KILLED_CHILD = textwrap.dedent("""
    import sys, time
    import nbrun
    store, side = sys.argv[1], sys.argv[2]
    run = nbrun.init(dir=store, mode="offline", project="k")
    print(run.id, flush=True)
    with open(side, "a") as marks:
        i = 0
        while True:
            t = time.time()
            run.log({"i": i, "t": t})
            if i % 100 == 0:
                marks.write(f"{i} {t!r}\\n")
                marks.flush()
            i += 1
            time.sleep(0.001)
""")


def start_logging_child(store_dir, side):
    proc = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(store_dir), str(side)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env())
    run_id = proc.stdout.readline().strip()
    if not run_id:  # init failed in the child: show why
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"child did not start a run:\n{err}")
    return proc, run_id


def check_history_survived_kill(store_dir, run_id, side, kill_time):
    rows = nbrun.Api(store_dir).run(run_id).history()
    steps = [r["_step"] for r in rows]
    # What is stored is a prefix of what was logged: steps 0..n-1, no gaps, nothing mixed.
    assert steps == list(range(len(steps)))
    assert all(r["i"] == r["_step"] for r in rows)

    # Every step logged at least one second before the kill is in the store.
    cutoff = kill_time - 1.0
    with open(side) as f:
        marks = [(int(a), float(b)) for a, b in (line.split() for line in f if line.strip())]
    logged_before_cutoff = [step for step, t in marks if t <= cutoff]
    assert logged_before_cutoff, "the child logged nothing a second before the kill"
    assert max(logged_before_cutoff) < len(steps), (
        f"step {max(logged_before_cutoff)} was logged at least 1 s before the kill but the store "
        f"holds only steps 0..{len(steps) - 1}")
    # Stored rows agree with the side file on when they were logged.
    by_step = {r["_step"]: r["t"] for r in rows}
    for step, t in marks:
        if step in by_step:
            assert by_step[step] == t


def test_sigkilled_run_keeps_data_logged_a_second_before_and_reads_crashed(store_dir, tmp_path):
    side = tmp_path / "marks.txt"
    proc, run_id = start_logging_child(store_dir, side)
    try:
        time.sleep(3.0)
        kill_time = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL  # it was our kill that ended it, not a crash

    assert nbrun.Api(store_dir).run(run_id).state == "crashed"
    check_history_survived_kill(store_dir, run_id, side, kill_time)


def test_sigkilled_run_not_yet_reaped_reads_crashed(store_dir, tmp_path):
    # A parent (a notebook server, a job runner) may not have reaped its dead child yet: the
    # zombie keeps its pid in the process table but is not a live writer.
    side = tmp_path / "marks.txt"
    proc, run_id = start_logging_child(store_dir, side)
    try:
        time.sleep(2.0)
        kill_time = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        # Wait until it has died, but leave it unreaped (WNOWAIT): it is now a zombie.
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        if os.path.exists(f"/proc/{proc.pid}/stat"):  # Linux: make sure it really is a zombie
            with open(f"/proc/{proc.pid}/stat") as f:
                assert f.read().rsplit(")", 1)[1].split()[0] == "Z"

        assert nbrun.Api(store_dir).run(run_id).state == "crashed"
        check_history_survived_kill(store_dir, run_id, side, kill_time)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# -- several processes, one store --------------------------------------------------------------

N_PROCS = 8
N_STEPS = 10_000

# Each child starts its run, waits for the go file so that all of them log at the same time, and
# pauses now and then so that its rows reach the store in several batches interleaved with the
# other processes' batches.
CONCURRENT_CHILD = textwrap.dedent("""
    import os, sys, time
    import nbrun
    store, k, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    run = nbrun.init(dir=store, mode="offline", project="c", id=f"proc{k}")
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.005)
    for i in range(%d):
        run.log({"k": k, "i": i, "x": float(i) * k})
        if i %% 500 == 499:
            time.sleep(0.01)
    run.finish()
""" % N_STEPS)  # noqa: UP031 (a program's text, full of braces)


def test_concurrent_processes_neither_lose_nor_mix_rows(store_dir, tmp_path):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_CHILD, str(store_dir), str(k),
                               str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=child_env())
             for k in range(N_PROCS)]
    try:
        # All eight create or open the (new) store at once; then they log at once.
        for proc in procs:
            proc.stdout.readline()
        go.touch()
        for k, proc in enumerate(procs):
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"child {k} failed:\n{err}"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    api = nbrun.Api(store_dir)
    assert {r.id for r in api.runs()} == {f"proc{k}" for k in range(N_PROCS)}
    for k in range(N_PROCS):
        record = api.run(f"proc{k}")
        assert record.state == "finished"
        rows = record.history()
        assert len(rows) == N_STEPS
        assert [r["_step"] for r in rows] == list(range(N_STEPS))
        for r in rows:
            assert r["k"] == k and r["i"] == r["_step"] and r["x"] == float(r["i"]) * k, r
        assert record.summary["i"] == N_STEPS - 1


# -- the database itself -------------------------------------------------------------------------

def test_store_is_a_wal_database_with_a_schema_version(store_dir):
    nbrun.init(dir=store_dir, mode="offline", project="s").finish()
    conn = sqlite3.connect(db_path(store_dir))
    try:
        # WAL lets readers (sidebar, CLI) read while a run writes.
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    finally:
        conn.close()
    assert version is not None and int(version[0]) == SCHEMA_VERSION


def test_store_of_a_newer_nbrun_is_refused_with_upgrade_advice(store_dir):
    # The store is written by another process (as a newer nbrun would), then marked as newer.
    run_python(f"""
        import nbrun
        nbrun.init(dir={str(store_dir)!r}, mode="offline", project="s").finish()
    """)
    conn = sqlite3.connect(db_path(store_dir))
    with conn:
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    conn.close()

    with pytest.raises(nbrun.Error, match="upgrade"):
        nbrun.Api(store_dir).runs()
    with pytest.raises(nbrun.Error, match="upgrade"):
        nbrun.init(dir=store_dir, mode="offline", project="s")
    assert nbrun.run is None
    # Refusing must not touch the newer store.
    conn = sqlite3.connect(db_path(store_dir))
    try:
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    finally:
        conn.close()
    assert int(version) == SCHEMA_VERSION + 1


def test_deleted_store_is_recreated_by_the_same_process(store_dir, api):
    # A notebook user wipes .nbrun/ to start afresh and runs init() again in the same kernel.
    # (In a child process, so that a failure cannot leave a broken run in this one.)
    child = run_python(f"""
        import os, shutil
        import nbrun
        store = {str(store_dir)!r}
        nbrun.init(dir=store, mode="offline", project="s", id="before").finish()
        shutil.rmtree(os.path.join(store, ".nbrun"))
        run = nbrun.init(dir=store, mode="offline", project="s", id="after")
        run.log({{"a": 1}})
        run.finish()
    """, check=False)
    assert child.returncode == 0, child.stderr
    assert [r.id for r in api().runs()] == ["after"]
    assert api().run("after").history() == [{"_step": 0, "a": 1}]


@pytest.mark.parametrize("run_id", [".", ".."])
def test_replacing_a_run_never_deletes_other_runs_or_the_store(store_dir, api, run_id):
    # '.' and '..' are valid ids by the contract (none of / \ # ? % :), so they must not act
    # as paths: replacing such a run (resume=None on an existing id) must not remove the runs
    # folder or the whole store. In a child process, so that a failure stays there.
    child = run_python(f"""
        import os
        import nbrun
        store, run_id = {str(store_dir)!r}, {run_id!r}
        other = nbrun.init(dir=store, mode="offline", project="s", id="other")
        with open(os.path.join(other.dir, "artifact.txt"), "w") as f:
            f.write("keep me")
        other.log({{"a": 1}})
        other.finish()
        nbrun.init(dir=store, mode="offline", project="s", id=run_id).finish()
        nbrun.init(dir=store, mode="offline", project="s", id=run_id).finish()  # replaces it
    """, check=False)
    assert os.path.isfile(db_path(store_dir)), "the store's database was deleted"
    assert {r.id for r in api().runs()} == {"other", run_id}, "runs were lost"
    assert api().run("other").history() == [{"_step": 0, "a": 1}]
    assert os.path.isfile(os.path.join(api().run("other").dir, "artifact.txt"))
    assert child.returncode == 0, child.stderr


# -- run states ----------------------------------------------------------------------------------

def test_run_states_running_finished_failed(store_dir, api):
    run = nbrun.init(dir=store_dir, mode="offline", project="s")
    assert api().run(run.id).state == "running"  # our own process is alive
    run.finish()
    assert api().run(run.id).state == "finished"
    assert run.state == "finished"

    failed = nbrun.init(dir=store_dir, mode="offline", project="s")
    failed.finish(exit_code=2)
    record = api().run(failed.id)
    assert record.state == "failed"
    assert record.exit_code == 2
    assert failed.state == "failed"


# -- interrupted init ----------------------------------------------------------------------------

def interrupt_when_registering(monkeypatch):
    """A fake: Ctrl-C arriving as init() registers the run it has just written to the store,
    its last step. A real part cannot produce an interrupt at that point on demand."""
    def interrupted_add(run, make_global):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry, "add", interrupted_add)


def test_keyboard_interrupt_during_init_leaves_no_run_behind(store_dir, monkeypatch):
    nbrun.init(dir=store_dir, mode="offline", project="s", id="earlier").finish()
    before = stored_ids(store_dir)
    runs_folder = os.path.join(store_dir, ".nbrun", "runs")
    folders_before = set(os.listdir(runs_folder))

    interrupt_when_registering(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        nbrun.init(dir=store_dir, mode="offline", project="s", id="interrupted")
    monkeypatch.undo()

    assert nbrun.run is None
    assert registry.active() == []
    assert stored_ids(store_dir) == before
    assert set(os.listdir(runs_folder)) == folders_before
    # The id is free again: a new attempt starts normally.
    run = nbrun.init(dir=store_dir, mode="offline", project="s", id="interrupted")
    run.finish()
    assert nbrun.Api(store_dir).run("interrupted").state == "finished"


def snapshot(root, run_id):
    record = nbrun.Api(root).run(run_id)
    fields = ("state", "exit_code", "name", "project", "tags", "notes", "config", "summary",
              "lineage", "last_step", "starting_step", "resumed_count")
    files = sorted(os.listdir(record.dir)) if os.path.isdir(record.dir) else None
    return {f: getattr(record, f) for f in fields}, record.history(), files


@pytest.mark.parametrize("how", [
    {"resume": "allow", "config": {"b": 2}, "tags": ["new"]},
    {"resume_from": "r1?_step=2"},
    {},  # resume=None on an existing id: the new run would replace r1
], ids=["resume", "resume_from", "replace"])
def test_keyboard_interrupt_during_init_leaves_an_existing_run_as_it_was(store_dir, monkeypatch,
                                                                          how):
    # Interrupting init() must not leave r1 half-resumed (reading 'running' for as long as this
    # kernel lives, unresumable, with config, tags and history already changed) or deleted.
    run = nbrun.init(dir=store_dir, mode="offline", project="s", id="r1", config={"a": 1},
                     tags=["old"])
    for i in range(5):
        run.log({"x": i})
    with open(os.path.join(run.dir, "notes.txt"), "w") as f:
        f.write("kept")
    run.finish()
    before = snapshot(store_dir, "r1")

    interrupt_when_registering(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        nbrun.init(dir=store_dir, mode="offline", project="s", id="r1", **how)
    monkeypatch.undo()
    # Have the background writer beat now rather than in 5 s, so that anything the interrupted
    # init() left registered with it writes before r1 is compared.
    monkeypatch.setattr(writer_module, "HEARTBEAT_S", 0.0)
    get_writer().flush()
    get_writer().flush()

    assert nbrun.run is None
    assert registry.active() == []
    assert snapshot(store_dir, "r1") == before
    # Trying again works (r1 is not stuck as 'running' by this live process).
    again = nbrun.init(dir=store_dir, mode="offline", project="s", id="r1", **how)
    again.finish()
    assert nbrun.Api(store_dir).run("r1").state == "finished"


# -- memory --------------------------------------------------------------------------------------

def test_logged_rows_do_not_accumulate_in_memory(store_dir, api):
    n = 300_000
    run = nbrun.init(dir=store_dir, mode="offline", project="m")
    for i in range(n):
        run.log({"i": i, "x": i * 0.5})
    time.sleep(1)
    # The background writer drains the queue without being asked: the process does not keep
    # the history in memory.
    assert run._channel.count() < 50_000  # rows queued, an open block's rows each counted
    run.finish()
    rows = api().run(run.id).history(["i"])
    assert len(rows) == n
    assert all(r["_step"] == r["i"] == s for s, r in enumerate(rows))
