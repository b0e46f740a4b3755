"""Media stay consistent with the history through what the store promises for rows: a SIGKILL
in the middle of logging media, a resume, a rewind (media after the step set aside), a fork
(the parent's media shared with the fork, which keeps them when the parent is deleted)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np

import nbrun
from nbrun.store import Store, actions

from conftest import child_env, db_path

KILLED_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import nbrun
    run = nbrun.init(dir=sys.argv[1], mode="offline", project="k")
    print(run.id, flush=True)
    rng = np.random.default_rng(0)
    i = 0
    while True:
        data = {"i": i, "img": nbrun.Image(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))}
        if i % 7 == 0:
            data["hist"] = nbrun.Histogram(rng.normal(size=1000))
            data["table"] = nbrun.Table(columns=["n"], data=[[i], [i + 1]])
        run.log(data)
        i += 1
""")


def media_rows(root, run_id, live=True):
    conn = sqlite3.connect(db_path(root))
    try:
        rid = conn.execute("SELECT rid FROM runs WHERE id=?", (run_id,)).fetchone()[0]
        sql = "SELECT key, step, item, kind, file, size, meta FROM media WHERE rid=?"
        if live:
            sql += " AND rewound=0"
        return [(k, s, i, kd, f, n, json.loads(m)) for k, s, i, kd, f, n, m in
                conn.execute(sql + " ORDER BY key, step, item", (rid,))]
    finally:
        conn.close()


def check_consistent(root, run_id):
    """Every media reference in the history has its index row and its whole file, and every
    index row its reference; the summary names stored media only. Returns the history."""
    record = nbrun.Api(root).run(run_id)
    store = Store(root)
    raw = store.history(store.get(run_id).rid)
    refs = {(key, row["_step"]): value for row in raw for key, value in row.items()
            if isinstance(value, dict)}
    index = {(k, s): (kd, f, n, m) for k, s, i, kd, f, n, m in media_rows(root, run_id)}
    assert set(refs) == set(index)
    for (key, step), (kind, file, size, meta) in index.items():
        ref = refs[(key, step)]
        assert ref["_type"] == kind and ref.get("path") == file
        if file is not None:
            with open(os.path.join(record.dir, *file.split("/")), "rb") as fh:
                data = fh.read()
            assert len(data) == size and hashlib.sha256(data).hexdigest() == meta["sha256"]
    for value in record.summary.values():
        if isinstance(value, nbrun.Image):
            assert os.path.isfile(value.path)
    return record.history()


def test_sigkill_mid_media_keeps_history_and_media_consistent(store_dir):
    proc = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(store_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env())
    try:
        run_id = proc.stdout.readline().strip()
        assert run_id, proc.stderr.read()
        time.sleep(4.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    rows = check_consistent(store_dir, run_id)
    steps = [r["_step"] for r in rows]
    assert steps == list(range(len(steps))) and all(r["i"] == r["_step"] for r in rows)
    image_steps = [r["_step"] for r in rows if "img" in r]
    assert len(image_steps) > 10 and image_steps == list(range(len(image_steps)))
    record = nbrun.Api(store_dir).run(run_id)
    assert record.state == "crashed" and max(image_steps) <= record.last_step

    # Resumed, the run goes on after its last step: no media step is written twice.
    run = nbrun.init(dir=store_dir, id=run_id, resume="allow", mode="offline")
    first = run.step
    for i in range(3):
        run.log({"img": nbrun.Image(np.full((4, 4), i, np.uint8))})
    run.finish()
    rows = check_consistent(store_dir, run_id)
    assert first == record.last_step + 1
    keys = [(k, s) for k, s, *_ in media_rows(store_dir, run_id)]
    assert len(keys) == len(set(keys))
    assert [r["_step"] for r in rows if "img" in r][-3:] == [first, first + 1, first + 2]


def log_images(store_dir, count, **init):
    run = nbrun.init(project="m", dir=store_dir, mode="offline", **init)
    start = run.step
    for i in range(count):
        run.log({"img": nbrun.Image(np.full((4, 4), start + i, np.uint8)), "x": start + i})
    run.finish()
    return run.id


def test_rewind_sets_media_after_the_step_aside(store_dir):
    run_id = log_images(store_dir, 10)
    rewound = log_images(store_dir, 2, resume_from=f"{run_id}?_step=4")
    assert rewound == run_id
    rows = check_consistent(store_dir, run_id)
    assert [r["_step"] for r in rows] == list(range(7))
    assert [int(np.asarray(r["img"].image)[0, 0]) for r in rows] == list(range(7))
    live = media_rows(store_dir, run_id)
    assert [s for _, s, *_ in live] == list(range(7))
    assert len(media_rows(store_dir, run_id, live=False)) == 12  # steps 5..9 kept, set aside


def test_fork_shares_media_up_to_its_step_and_keeps_them(store_dir):
    parent = log_images(store_dir, 10)
    child = log_images(store_dir, 2, fork_from=f"{parent}?_step=4")
    rows = check_consistent(store_dir, child)
    assert [int(np.asarray(r["img"].image)[0, 0]) for r in rows] == list(range(7))
    parent_dir = nbrun.Api(store_dir).run(parent).dir
    shared = rows[0]["img"].path
    assert os.path.samefile(shared, os.path.join(parent_dir, os.path.relpath(
        shared, nbrun.Api(store_dir).run(child).dir)))
    assert actions.delete_run(Store(store_dir), parent) == actions.OK
    assert not os.path.exists(parent_dir)
    rows = check_consistent(store_dir, child)
    assert int(np.asarray(rows[2]["img"].image)[0, 0]) == 2
    conn = sqlite3.connect(db_path(store_dir))
    assert conn.execute("SELECT COUNT(*) FROM media WHERE rid NOT IN (SELECT rid FROM runs)"
                        ).fetchone()[0] == 0
    conn.close()


def test_media_logged_with_commit_false_joins_the_step(store_dir):
    run = nbrun.init(project="m", dir=store_dir, mode="offline")
    run.log({"img": nbrun.Image(np.zeros((2, 2), np.uint8))}, commit=False)
    run.log({"img": nbrun.Image(np.ones((2, 2), np.uint8)), "x": 1}, commit=False)
    run.log({"y": 2})
    run.log({"img": nbrun.Image(np.full((2, 2), 9, np.uint8))}, step=5)
    run.finish()
    rows = check_consistent(store_dir, run.id)
    assert [r["_step"] for r in rows] == [0, 5]
    assert rows[0]["x"] == 1 and rows[0]["y"] == 2
    assert int(np.asarray(rows[0]["img"].image)[0, 0]) == 1  # the later value at the step
    assert nbrun.Api(store_dir).run(run.id).last_step == 5


def test_the_encoder_bounds_the_memory_of_queued_media(store_dir, monkeypatch):
    from nbrun.media import encoder

    monkeypatch.setattr(encoder, "BACKLOG_BYTES", 3 << 20)
    run = nbrun.init(project="m", dir=store_dir, mode="offline")
    run.log({"warm": nbrun.Image(np.zeros((2, 2), np.uint8))})
    queue = encoder.get_encoder()
    peak = 0
    frames = np.random.default_rng(0).integers(0, 256, (30, 1024, 1024), dtype=np.uint8)
    started = time.monotonic()
    for i, frame in enumerate(frames):  # 30 steps of two 1 MB images (noise: slow to encode)
        run.log({"big": nbrun.Image(frame), "i": i, "also": nbrun.Image(frame[::-1])})
        peak = max(peak, queue.queued_bytes)
    run.finish()
    assert peak <= 3 << 20  # log() waited for the encoder rather than queue past the bound
    # ...and never for long: a step's second image waiting for room must not wait on the
    # encoder, which waits for that step's row (queued before its media).
    assert time.monotonic() - started < 25
    rows = nbrun.Api(store_dir).run(run.id).history(["big"])
    assert len(rows) == 30 and np.array_equal(np.asarray(rows[-1]["big"].image), frames[-1])
