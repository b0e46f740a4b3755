"""The lifecycle acceptance matrix: every reinit mode against 0, 1 or 2 active runs; every resume
mode against an id that is absent, finished, crashed (a SIGKILLed child) or running in another
live process; a crash followed by resume="auto"; and resume_from/fork_from at the edges of a
run's history. Every refusal must leave the store exactly as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import warnings

import pytest

import nbrun
from nbrun.sdk import registry
from nbrun.store import get_writer

from conftest import child_env, db_path

OFFLINE = {"mode": "offline", "project": "p"}


def snapshot(root):
    """Everything init() could change: every run row (without the heartbeat columns, which a live
    child keeps beating), every history chunk, rewound or not, and the run folders."""
    conn = sqlite3.connect(f"file:{db_path(root)}?mode=ro", uri=True)
    try:
        cols = [c[1] for c in conn.execute("PRAGMA table_info(runs)")
                if c[1] not in ("heartbeat_at", "updated_at")]
        runs = conn.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY rid").fetchall()
        series = sorted(conn.execute("SELECT * FROM series").fetchall())
    finally:
        conn.close()
    return runs, series, sorted(os.listdir(os.path.join(str(root), ".nbrun", "runs")))


def record(root, run_id):
    return nbrun.Api(root).run(run_id)


def state_in_store(root, run_id):
    return record(root, run_id).state


def recorded(caught, category):
    return [str(w.message) for w in caught if issubclass(w.category, category)]


def start(store_dir, **kwargs):
    return nbrun.init(dir=store_dir, **OFFLINE, **kwargs)


def make_source(store_dir, run_id="source01"):
    """A finished run with steps 0..9: loss at every step, val only at 0, 3, 6, 9 (so a cut
    changes which val is the latest), stored in two chunks (a flush after step 6)."""
    run = start(store_dir, id=run_id, config={"lr": 0.1, "layers": 3}, notes="src")
    for step in range(10):
        row = {"loss": 100.0 - step}
        if step % 3 == 0:
            row["val"] = float(step)
        run.log(row)
        if step == 6:
            get_writer().flush()  # a chunk boundary inside the history, as a long run has
    run.finish()
    return record(store_dir, run_id)


def last_values(rows):
    """The summary a history implies: each key's last value."""
    out = {}
    for row in rows:
        out.update({k: v for k, v in row.items() if k != "_step"})
    return out


def as_seen(rec):
    """What a reader sees of a run; used to show a run was not touched."""
    return (rec.state, rec.history(), rec.summary, rec.config, rec.last_step, rec.lineage,
            rec.notes, rec.tags, rec.resumed_count)


# -- reinit ------------------------------------------------------------------------------------

REINIT_MODES = ["default", "return_previous", "finish_previous", "create_new", True, False]
# Outside a notebook "default" means return_previous; the bools are deprecated aliases.
EFFECTIVE = {"default": "return_previous", "return_previous": "return_previous",
             "finish_previous": "finish_previous", "create_new": "create_new"}


def effective(reinit):
    if isinstance(reinit, bool):
        return "finish_previous" if reinit else "return_previous"
    return EFFECTIVE[reinit]


@pytest.mark.parametrize("active", [0, 1, 2], ids=["no-active", "one-active", "two-active"])
@pytest.mark.parametrize("reinit", REINIT_MODES, ids=repr)
def test_reinit_matrix(store_dir, reinit, active):
    existing = []
    if active >= 1:
        existing.append(start(store_dir))
    if active == 2:
        existing.append(start(store_dir, reinit="create_new"))  # active, but not global
    glob = existing[0] if existing else None
    assert nbrun.run is glob
    before = snapshot(store_dir) if existing else None
    count = len(nbrun.Api(store_dir).runs()) if existing else 0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = start(store_dir, reinit=reinit, name="asked-for", config={"lr": 1})

    deprecated = recorded(caught, DeprecationWarning)
    if isinstance(reinit, bool):
        assert len(deprecated) == 1 and f"reinit={effective(reinit)!r}" in deprecated[0]
    else:
        assert deprecated == []
    not_applied = [m for m in recorded(caught, UserWarning) if "not applied" in m]
    mode = effective(reinit)

    if mode == "return_previous" and glob is not None:
        # The active global run comes back; nothing is created, on disk or in the database.
        assert got is glob and nbrun.run is glob
        assert all(r.state == "running" for r in existing)
        assert snapshot(store_dir) == before
        assert len(nbrun.Api(store_dir).runs()) == count
        assert len(not_applied) == 1
        for arg in ("config", "dir", "mode", "name", "project"):
            assert arg in not_applied[0]
        assert "reinit" not in not_applied[0].split("applied:")[1]
    else:
        assert not_applied == []
        assert got not in existing and got.state == "running" and got.name == "asked-for"
        assert len(nbrun.Api(store_dir).runs()) == count + 1
        assert state_in_store(store_dir, got.id) == "running"
        assert record(store_dir, got.id).config == {"lr": 1}
        if mode == "create_new":
            # The new run runs beside the others; the global run does not change (None stays None).
            assert nbrun.run is glob
            assert all(r.state == "running" for r in existing)
            assert registry.active() == existing + [got]
        elif mode == "finish_previous":
            assert nbrun.run is got
            assert registry.active() == [got]
        else:  # return_previous with nothing to return: a new global run
            assert nbrun.run is got and not existing
    expected_old = "finished" if mode == "finish_previous" else "running"
    for run in existing:
        assert run.state == expected_old
        assert state_in_store(store_dir, run.id) == expected_old


@pytest.mark.parametrize("first_reinit", ["default", "create_new"])
def test_create_new_refuses_an_id_already_active(store_dir, first_reinit):
    first = start(store_dir, id="twin0001", reinit=first_reinit)
    glob = nbrun.run
    before = snapshot(store_dir)
    with pytest.raises(nbrun.UsageError, match="'twin0001'.*already an active run.*create_new"):
        start(store_dir, id="twin0001", reinit="create_new")
    assert snapshot(store_dir) == before
    assert nbrun.run is glob and registry.active() == [first] and first.state == "running"


# -- resume: the id absent, finished, crashed or running in another process ------------------

RID = "res00001"

# Starts run RID with known config/notes/tags, logs steps 0..4, makes sure they are committed,
# says "ready" and then blocks until it is killed (SIGKILL for "crashed", at teardown otherwise).
CHILD = textwrap.dedent("""
    import sys
    import nbrun
    from nbrun.store import get_writer
    store, run_id = sys.argv[1], sys.argv[2]
    run = nbrun.init(dir=store, mode="offline", project="p", id=run_id,
                     config={"lr": 0.1, "old": 1}, notes="old notes", tags=["old"])
    for i in range(5):
        run.log({"loss": 10.0 - i})
    get_writer().flush()
    print("ready", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def spawn():
    """Start CHILD processes; any still alive at the end of the test is killed and reaped."""
    procs = []

    def start_child(store_dir, run_id):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir), run_id],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=child_env())
        procs.append(proc)
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            raise AssertionError(f"child did not start its run:\n{proc.communicate()[1]}")
        return proc

    yield start_child
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def sigkill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def make_existing(store_dir, spawn, state):
    """A bystander run (so the store exists and must stay untouched), plus run RID in ``state``."""
    with start(store_dir, id="bystand1", config={"b": 1}) as bystander:
        bystander.log({"b": 1.0})
    if state == "finished":
        with start(store_dir, id=RID, config={"lr": 0.1, "old": 1}, notes="old notes",
                   tags=["old"]) as run:
            for i in range(5):
                run.log({"loss": 10.0 - i})
    elif state == "crashed":
        sigkill(spawn(store_dir, RID))
    elif state == "running":
        spawn(store_dir, RID)
    if state != "absent":
        rec = record(store_dir, RID)  # reading also marks the killed child's run crashed
        assert rec.state == state and rec.last_step == 4
    assert nbrun.run is None and registry.active() == []


OLD_HISTORY = [{"_step": i, "loss": 10.0 - i} for i in range(5)]
STATES = ("absent", "finished", "crashed", "running")
# resume mode -> outcome when the id is absent, finished or crashed; running elsewhere: refused.
RESUME_OUTCOMES = {
    None: ("new", "replace", "replace"),
    "allow": ("new", "resume", "resume"),
    "never": ("new", "refuse", "refuse"),
    "must": ("refuse", "resume", "resume"),
    "auto": ("new", "resume", "resume"),  # with an id, auto behaves like allow
    True: ("new", "resume", "resume"),  # deprecated alias of auto
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("resume", list(RESUME_OUTCOMES), ids=repr)
def test_resume_matrix(store_dir, spawn, resume, state):
    make_existing(store_dir, spawn, state)
    outcome = "refuse" if state == "running" else RESUME_OUTCOMES[resume][STATES.index(state)]
    bystander = as_seen(record(store_dir, "bystand1"))
    before = snapshot(store_dir)
    kwargs = {"id": RID, "config": {"new": 2}, "tags": ["new"]}
    if resume is not None:
        kwargs["resume"] = resume

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if outcome == "refuse":
            with pytest.raises(nbrun.UsageError) as refused:
                start(store_dir, **kwargs)
        else:
            run = start(store_dir, **kwargs)
    deprecated = recorded(caught, DeprecationWarning)
    assert (len(deprecated) == 1 and "resume='auto'" in deprecated[0]) if resume is True \
        else deprecated == []

    if outcome == "refuse":
        message = str(refused.value)
        assert repr(RID) in message
        if resume is not None:
            assert "resume=" in message
        if state == "running" and resume != "never":  # never refuses any existing id
            assert "still running" in message
        assert snapshot(store_dir) == before
        assert nbrun.run is None and registry.active() == []
        if state != "absent":
            assert state_in_store(store_dir, RID) == state
        return

    assert nbrun.run is run and run.id == RID and run.state == "running"
    assert state_in_store(store_dir, RID) == "running"
    if outcome == "resume":
        # Same run, back to running: continues after step 4, config merged, notes kept, tags
        # replaced, summary kept.
        assert run.resumed is True and run.starting_step == 5 and run.step == 5
        assert run.config == {"lr": 0.1, "old": 1, "new": 2}
        assert run.notes == "old notes" and run.tags == ("new",)
        assert run.summary["loss"] == 6.0
        expected = OLD_HISTORY + [{"_step": 5, "loss": 1.0}, {"_step": 6, "loss": 0.5}]
    else:
        # A fresh run under that id; a replaced run's data (history, config, notes) is gone.
        assert run.resumed is False and run.starting_step == 0 and run.step == 0
        assert run.config == {"new": 2} and run.notes is None and run.tags == ("new",)
        assert dict(run.summary) == {}
        expected = [{"_step": 0, "loss": 1.0}, {"_step": 1, "loss": 0.5}]
    run.log({"loss": 1.0})
    run.log({"loss": 0.5})
    run.finish()

    rec = record(store_dir, RID)
    assert rec.history() == expected
    assert rec.state == "finished" and rec.last_step == expected[-1]["_step"]
    assert rec.config == run.config.as_dict() and rec.tags == ("new",)
    assert rec.summary == {"loss": 0.5}
    if outcome == "resume":
        assert rec.starting_step == 5 and rec.resumed_count == 1 and rec.notes == "old notes"
        assert [r["step"] for r in rec.lineage["resumes"]] == [5]
    else:
        assert rec.starting_step == 0 and rec.resumed_count == 0 and rec.lineage == {}
    assert sorted(r.id for r in nbrun.Api(store_dir).runs()) == ["bystand1", RID]
    assert as_seen(record(store_dir, "bystand1")) == bystander


def test_resume_replaces_notes_when_given_and_keeps_tags_when_not(store_dir, spawn):
    make_existing(store_dir, spawn, "finished")
    run = start(store_dir, id=RID, resume="allow", notes="new notes")
    assert run.resumed and run.notes == "new notes" and run.tags == ("old",)
    run.finish()
    rec = record(store_dir, RID)
    assert rec.notes == "new notes" and rec.tags == ("old",)


def test_resume_must_refuses_when_return_previous_would_return_another_run(store_dir):
    with start(store_dir, id="target01") as target:
        target.log({"x": 1})
    active = start(store_dir)
    before = snapshot(store_dir)
    for reinit in ("default", "return_previous"):
        with pytest.raises(nbrun.UsageError, match="resume='must'.*'target01'.*return_previous"):
            start(store_dir, id="target01", resume="must", reinit=reinit)
    assert snapshot(store_dir) == before
    assert nbrun.run is active and registry.active() == [active] and active.state == "running"
    assert state_in_store(store_dir, "target01") == "finished"


def test_refused_init_does_not_finish_the_active_runs(store_dir):
    # finish_previous may only finish the active runs once the new run is certain to open: an
    # init that is refused (here: resume='must' on an unknown id) must leave them running.
    active = start(store_dir)
    other = start(store_dir, reinit="create_new")
    before = snapshot(store_dir)
    with pytest.raises(nbrun.UsageError, match="resume='must'.*'nosuch01'"):
        start(store_dir, id="nosuch01", resume="must", reinit="finish_previous")
    assert active.state == other.state == "running"
    assert nbrun.run is active and registry.active() == [active, other]
    assert snapshot(store_dir) == before
