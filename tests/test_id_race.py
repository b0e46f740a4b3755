"""One id, one live run: processes released at the same instant on one id (replace, resume,
resume_from, fork_from, and mixes of them) never both win, and nothing logged is lost.

Each contender is a long-lived child process (so a round costs no interpreter start): it waits
on its stdin for the round's init() arguments, which the parent writes to every child back to
back, tries ``init()``, and reports. A winner logs three steps, reports, and holds its run live
until every contender has answered.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import nbrun

from conftest import child_env

ROUNDS = 25
CONTENDERS = 3

CHILD = textwrap.dedent("""
    import json, os, sys
    import nbrun
    root = sys.argv[1]
    print(json.dumps({"ready": os.getpid()}), flush=True)
    while True:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            break
        kwargs = json.loads(line)
        try:
            run = nbrun.init(dir=root, mode="offline", project="p", **kwargs)
        except Exception as exc:
            print(json.dumps({"won": False, "type": type(exc).__name__, "error": str(exc)}),
                  flush=True)
            continue
        start = run.step
        for _ in range(3):
            run.log({"w": os.getpid()})
        print(json.dumps({"won": True, "id": run.id, "start": start, "pid": os.getpid()}),
              flush=True)
        sys.stdin.readline()  # hold the run live until every contender has answered
        run.finish()
        print(json.dumps({"done": True}), flush=True)
""")


@pytest.fixture
def contenders(store_dir):
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir)], env=child_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(CONTENDERS)]
    pids = [json.loads(p.stdout.readline())["ready"] for p in procs]
    assert all(pids)
    yield procs
    for p in procs:
        try:
            p.stdin.write("quit\n")
            p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def source(store_dir, run_id):
    """A finished run with ``loss`` = step at steps 0..4."""
    with nbrun.init(dir=store_dir, mode="offline", project="p", id=run_id) as run:
        for step in range(5):
            run.log({"loss": float(step)})


def race(procs, arguments):
    """Release every contender at once; returns (winners, losers), each winner told to finish."""
    lines = [json.dumps(kwargs) + "\n" for kwargs in arguments]
    for p, line in zip(procs, lines):
        p.stdin.write(line)
    for p in procs:  # the lines are written first and flushed back to back: one instant
        p.stdin.flush()
    replies = [json.loads(p.stdout.readline()) for p in procs]
    winners = [(p, r) for p, r in zip(procs, replies) if r["won"]]
    losers = [r for r in replies if not r["won"]]
    for p, _ in winners:
        p.stdin.write("finish\n")
        p.stdin.flush()
    for p, _ in winners:
        assert json.loads(p.stdout.readline()) == {"done": True}
    return [r for _, r in winners], losers


def history(store_dir, run_id):
    return nbrun.Api(store_dir).run(run_id).history()


SCENARIOS = {
    "replace": lambda x, y: [{"id": x}] * CONTENDERS,
    "resume": lambda x, y: [{"id": x, "resume": "allow"}] * CONTENDERS,
    "resume_from": lambda x, y: [{"resume_from": f"{x}?_step=2"}] * CONTENDERS,
    "replace-resume-rewind": lambda x, y: [{"id": x}, {"id": x, "resume": "must"},
                                           {"resume_from": f"{x}?_step=2"}],
    "fork": lambda x, y: [{"id": y, "fork_from": f"{x}?_step=2"}] * CONTENDERS,
    "fork-replace": lambda x, y: [{"id": y, "fork_from": f"{x}?_step=2"}, {"id": y},
                                  {"id": y, "fork_from": f"{x}?_step=1"}],
}


def expected_history(kwargs, winner, x, y):
    """(id, rows) the winner's run must hold after it finished: what it logged, and what it
    kept of the source."""
    w = winner["pid"]
    if "fork_from" in kwargs:
        cut = int(kwargs["fork_from"].rsplit("=", 1)[1])
        kept = [{"_step": s, "loss": float(s)} for s in range(cut + 1)]
        return y, kept + [{"_step": cut + 1 + i, "w": w} for i in range(3)]
    if "resume_from" in kwargs:
        kept = [{"_step": s, "loss": float(s)} for s in range(3)]
        return x, kept + [{"_step": 3 + i, "w": w} for i in range(3)]
    if "resume" in kwargs:
        kept = [{"_step": s, "loss": float(s)} for s in range(5)]
        return x, kept + [{"_step": 5 + i, "w": w} for i in range(3)]
    return kwargs["id"], [{"_step": i, "w": w} for i in range(3)]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_exactly_one_contender_wins_and_nothing_is_lost(store_dir, contenders, scenario):
    for n in range(ROUNDS):
        x, y = f"same-{n}", f"forked-{n}"
        source(store_dir, x)
        arguments = SCENARIOS[scenario](x, y)
        winners, losers = race(contenders, arguments)
        assert len(winners) == 1, f"round {n}: {len(winners)} contenders won: {winners}"
        (winner,) = winners
        # every other contender was told who holds the id
        for lost in losers:
            assert lost["type"] == "UsageError", lost
            assert f"process {winner['pid']}" in lost["error"], lost
        kwargs = next(a for a, p in zip(arguments, contenders) if p.pid == winner["pid"])
        run_id, rows = expected_history(kwargs, winner, x, y)
        assert winner["id"] == run_id
        assert history(store_dir, run_id) == rows, f"round {n}"
        record = nbrun.Api(store_dir).run(run_id)
        assert record.state == "finished"
        if run_id == y:  # the source of a fork keeps all of its history
            assert history(store_dir, x) == [{"_step": s, "loss": float(s)} for s in range(5)]
