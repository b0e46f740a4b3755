"""Resuming after a crash (resume="auto" from the same program), rewinding (resume_from) and
forking (fork_from), each against a real store and real processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import nbrun
from nbrun.sdk import registry

from conftest import child_env, db_path

from test_lifecycle import (  # noqa: F401  (helpers and fixtures)
    OFFLINE, RID, as_seen, last_values, make_source, record, sigkill, snapshot, spawn, start,
    state_in_store)


# -- crash, then resume="auto" from the same program --------------------------------------------

# Always resume="auto" and no id, as a training script would be written. argv: store, number of
# steps to log (-1: forever, until killed). Prints the run it got before logging.
AUTO_SCRIPT = textwrap.dedent("""
    import os, sys, time
    import nbrun
    store, steps = sys.argv[1], int(sys.argv[2])
    run = nbrun.init(dir=store, mode="offline", resume="auto")
    print(run.id, run.starting_step, run.resumed, flush=True)
    done = 0
    while steps < 0 or done < steps:
        run.log({"i": run.step, "pid": os.getpid()})
        done += 1
        time.sleep(0.002)
    run.finish()
""")


def test_crashed_script_is_resumed_by_auto_at_the_next_step(store_dir, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(AUTO_SCRIPT)
    argv = [sys.executable, str(script), str(store_dir)]
    first = subprocess.Popen(argv + ["-1"], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=child_env())
    try:
        run_id, start_step, resumed = first.stdout.readline().split()
        assert (start_step, resumed) == ("0", "False")
        # Kill it mid-flight, once a good part of its history is committed. The deadline only
        # stops a broken child from hanging the test.
        deadline = time.monotonic() + 60
        while record(store_dir, run_id).last_step < 50:
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline, "the child never committed 50 steps"
            time.sleep(0.05)
        sigkill(first)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    crashed = record(store_dir, run_id)
    assert crashed.state == "crashed"
    last = crashed.last_step

    second = subprocess.run(argv + ["5"], cwd=tmp_path, capture_output=True, text=True,
                            env=child_env(), timeout=60)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == [run_id, str(last + 1), "True"]

    rec = record(store_dir, run_id)
    rows = rec.history()
    assert [r["_step"] for r in rows] == list(range(last + 6))  # contiguous, nothing lost
    assert all(r["i"] == r["_step"] for r in rows)
    assert {r["pid"] for r in rows[: last + 1]} == {first.pid}
    second_pids = {r["pid"] for r in rows[last + 1:]}
    assert len(second_pids) == 1 and first.pid not in second_pids
    assert rec.state == "finished" and rec.resumed_count == 1 and rec.starting_step == last + 1
    assert [r.id for r in nbrun.Api(store_dir).runs()] == [run_id]

    # The program's last run finished this time: auto starts a new run.
    third = subprocess.run(argv + ["1"], cwd=tmp_path, capture_output=True, text=True,
                           env=child_env(), timeout=60)
    assert third.returncode == 0, third.stderr
    new_id, start_step, resumed = third.stdout.split()
    assert new_id != run_id and (start_step, resumed) == ("0", "False")


def test_auto_does_not_resume_a_crashed_run_of_another_machine(store_dir, tmp_path):
    # A store on a shared disk: the same script path crashed on another host. The contract's auto
    # resumes a crashed run "of the same program on this machine", so this one starts afresh.
    script = tmp_path / "train.py"
    script.write_text(AUTO_SCRIPT)
    argv = [sys.executable, str(script), str(store_dir), "3"]
    first = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True,
                           env=child_env(), timeout=60)
    assert first.returncode == 0, first.stderr
    other_id = first.stdout.split()[0]
    conn = sqlite3.connect(db_path(store_dir))
    try:
        with conn:  # as a writer on host "elsewhere" leaves it once its heartbeat is stale
            conn.execute("UPDATE runs SET host='elsewhere', state='crashed', heartbeat_at=0 "
                         "WHERE id=?", (other_id,))
    finally:
        conn.close()
    before = as_seen(record(store_dir, other_id))

    second = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True,
                            env=child_env(), timeout=60)
    assert second.returncode == 0, second.stderr
    run_id, start_step, resumed = second.stdout.split()
    assert run_id != other_id and (start_step, resumed) == ("0", "False")
    assert as_seen(record(store_dir, other_id)) == before


# -- resume_from (rewind) and fork_from ---------------------------------------------------------

CUTS = [0, 4, 9]  # the first step, a middle one (inside the first chunk), the last


@pytest.mark.parametrize("step", CUTS)
def test_fork_from(store_dir, step):
    source = make_source(store_dir)
    source_seen = as_seen(source)
    kept = source.history()[: step + 1]

    fork = start(store_dir, fork_from=f"source01?_step={step}")
    assert fork.id != "source01" and nbrun.run is fork and fork.resumed is False
    assert fork.starting_step == step + 1 and fork.step == step + 1
    assert fork.config == {"lr": 0.1, "layers": 3}
    assert dict(fork.summary) == last_values(kept)
    fork.log({"loss": -1.0})
    fork.finish()

    rec = record(store_dir, fork.id)
    assert rec.history() == kept + [{"_step": step + 1, "loss": -1.0}]
    assert rec.config == {"lr": 0.1, "layers": 3} and rec.project == "p"
    assert rec.lineage == {"forked_from": {"id": "source01", "step": step}}
    assert rec.starting_step == step + 1 and rec.state == "finished"
    assert as_seen(record(store_dir, "source01")) == source_seen


@pytest.mark.parametrize("step", CUTS)
def test_resume_from_rewinds(store_dir, step):
    source = make_source(store_dir)
    kept = source.history()[: step + 1]

    run = start(store_dir, resume_from=f"source01?_step={step}")
    assert run.id == "source01" and nbrun.run is run
    assert run.starting_step == step + 1 and run.step == step + 1
    assert run.config == {"lr": 0.1, "layers": 3} and run.notes == "src"
    rec = record(store_dir, "source01")
    # What came after the step is set aside: not in history(), not in the summary.
    assert rec.state == "running" and rec.history() == kept and rec.last_step == step
    assert rec.summary == last_values(kept) == dict(run.summary)
    assert [r["step"] for r in rec.lineage["rewinds"]] == [step]
    run.log({"loss": -1.0})
    run.finish()

    rec = record(store_dir, "source01")
    assert rec.history() == kept + [{"_step": step + 1, "loss": -1.0}]
    assert rec.summary == {**last_values(kept), "loss": -1.0}
    assert rec.state == "finished" and rec.starting_step == step + 1
    assert [r.id for r in nbrun.Api(store_dir).runs()] == ["source01"]
    # ... but kept in the database: the rewound rows hold exactly steps step+1..9.
    conn = sqlite3.connect(db_path(store_dir))
    try:
        set_aside = conn.execute("SELECT MIN(step_lo), MAX(step_hi), SUM(n) FROM series "
                                 "WHERE rewound > 0").fetchone()
    finally:
        conn.close()
    if step == 9:
        assert set_aside == (None, None, None)  # nothing after the last step
    else:
        # loss at every step after the cut, val at the multiples of 3 after it.
        expected_points = (9 - step) + sum(1 for s in range(step + 1, 10) if s % 3 == 0)
        assert set_aside == (step + 1, 9, expected_points)


@pytest.mark.parametrize("beyond", [10, 10**6])
@pytest.mark.parametrize("arg", ["fork_from", "resume_from"])
def test_step_beyond_the_history_is_refused(store_dir, arg, beyond):
    make_source(store_dir)
    before = snapshot(store_dir)
    with pytest.raises(nbrun.UsageError, match=rf"{arg}: step {beyond} .*from 0 to 9"):
        start(store_dir, **{arg: f"source01?_step={beyond}"})
    assert snapshot(store_dir) == before
    assert nbrun.run is None and registry.active() == []


REFUSALS = {
    "fork-id-equals-source": ({"fork_from": "source01?_step=3", "id": "source01"},
                              r"fork_from.*'source01'.*new run"),
    "fork-id-already-exists": ({"fork_from": "source01?_step=3", "id": "bystand1"},
                               r"fork_from: id='bystand1' already exists"),
    "rewind-other-id": ({"resume_from": "source01?_step=3", "id": "other001"},
                        r"resume_from names run 'source01' but id='other001'"),
    "fork-other-project": ({"fork_from": "source01?_step=3", "project": "elsewhere"},
                           r"fork_from: run 'source01' belongs to project 'p', not 'elsewhere'"),
    "rewind-other-project": ({"resume_from": "source01?_step=3", "project": "elsewhere"},
                             r"resume_from: run 'source01' belongs to project 'p'"),
    "fork-unknown-source": ({"fork_from": "nosuch01?_step=0"},
                            r"fork_from: no run with id 'nosuch01'"),
    "rewind-unknown-source": ({"resume_from": "nosuch01?_step=0"},
                              r"resume_from: no run with id 'nosuch01'"),
    "resume+resume_from": ({"resume": "allow", "resume_from": "source01?_step=3"},
                           r"resume and resume_from cannot be used together"),
    "resume+fork_from": ({"resume": "must", "id": "source01", "fork_from": "source01?_step=3"},
                         r"resume and fork_from cannot be used together"),
    "resume_from+fork_from": ({"resume_from": "source01?_step=3",
                               "fork_from": "source01?_step=3"},
                              r"resume_from and fork_from cannot be used together"),
    "all-three": ({"resume": "auto", "resume_from": "source01?_step=3",
                   "fork_from": "source01?_step=3"},
                  r"resume and resume_from and fork_from cannot be used together"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_rewind_and_fork_refusals_leave_the_store_unchanged(store_dir, case):
    kwargs, match = REFUSALS[case]
    make_source(store_dir)
    with start(store_dir, id="bystand1") as bystander:
        bystander.log({"b": 1.0})
    before = snapshot(store_dir)
    with pytest.raises(nbrun.UsageError, match=match):
        nbrun.init(dir=store_dir, **{**OFFLINE, **kwargs})
    assert snapshot(store_dir) == before
    assert nbrun.run is None and registry.active() == []


def test_resume_from_a_run_running_in_another_process_is_refused(store_dir, spawn):
    spawn(store_dir, RID)
    before = snapshot(store_dir)
    with pytest.raises(nbrun.UsageError, match=rf"resume_from: run '{RID}' is still running"):
        start(store_dir, resume_from=f"{RID}?_step=2")
    assert snapshot(store_dir) == before and state_in_store(store_dir, RID) == "running"
    assert registry.active() == []
