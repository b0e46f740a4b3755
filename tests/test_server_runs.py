"""The server extension's endpoints for one run against a real Jupyter server: the run's detail,
its history (downsampled keeping extremes, with or without numpy), edits, the state actions on a
run whose process was SIGKILLed, delete, and the sync state. Fixtures: see test_server.py."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun
from nbrun.server import downsample, history
from nbrun.store import series

from conftest import child_env

from test_server import (  # noqa: F401  (helpers and fixtures)
    ids, jp_asyncio_loop, jp_server_config, key_of, make_run, outside, raw, rest, set_column)


# -- one run -----------------------------------------------------------------------------------
def test_run_detail(rest, jp_root_dir, tmp_path):
    run = make_run(jp_root_dir, id="det1", config={"lr": 0.1, "bad": float("nan")},
                   log=[{"loss": 1.0, "acc": 0.5}], finish=False)
    Path(run.dir, "sub").mkdir()
    Path(run.dir, "sub", "model.txt").write_text("weights")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the server")
    os.symlink(secret, Path(run.dir, "link.txt"))
    os.symlink(tmp_path, Path(run.dir, "linkdir"))
    run.summary["inf"] = float("inf")
    run.finish()
    reply = rest("runs", "det1")
    assert reply["id"] == "det1" and reply["store"] == key_of(jp_root_dir)
    assert reply["config"] == {"lr": 0.1, "bad": None}  # NaN has no JSON form
    assert reply["summary"]["inf"] is None
    assert reply["keys"] == ["acc", "loss"]
    paths = [f["path"] for f in reply["files"]]
    assert {"path": "sub/model.txt", "size": 7} in reply["files"]
    assert not any(p.startswith(("link", "linkdir")) for p in paths)
    assert reply["store_path"] == ".nbrun"
    assert reply["unstored"] == {}  # what the writer had to set aside (none here)
    same = rest("runs", "det1", params={"store": key_of(jp_root_dir)})
    assert same["id"] == "det1"


def test_unknown_runs_and_stores_are_404(rest, jp_root_dir):
    make_run(jp_root_dir, id="known")
    key = key_of(jp_root_dir)
    rest("runs", "unknown", expect=404)
    rest("runs", "unknown", params={"store": key}, expect=404)
    rest("runs", "known", params={"store": "0123456789ab"}, expect=404)
    rest("runs", "unknown", "history", expect=404)
    rest("runs", "known", params={"store": "0123456789AB"}, expect=400)
    rest("runs", "unknown", method="PATCH", body={"notes": "x"}, expect=404)
    rest("runs", "unknown", "state", method="POST", body={"state": "finished"},
               expect=404)
    rest("runs", "unknown", method="DELETE", params={"confirm": "unknown"}, expect=404)


def test_same_id_in_two_stores_is_ambiguous(rest, jp_root_dir):
    make_run(jp_root_dir / "a", id="twin", notes="in a")
    make_run(jp_root_dir / "b", id="twin", notes="in b")
    reply = rest("runs", "twin", expect=409)
    assert key_of(jp_root_dir / "a") in reply["message"]
    rest("runs", "twin", "history", expect=409)
    rest("runs", "twin", method="DELETE", params={"confirm": "twin"}, expect=409)
    b = rest("runs", "twin", params={"store": key_of(jp_root_dir / "b")})
    assert b["notes"] == "in b"


@pytest.mark.parametrize("path", [
    "runs/..%2fx", "runs/%2e%2e", "runs/%2E%2E/history", "runs/.", "runs/../x",
    "runs/%2Fetc%2Fpasswd", "runs//etc/passwd", "runs/a%5Cb", "runs/%2e%2e%2f%2e%2e%2fetc",
    "runs/x%3Ay", "runs/%20x", "runs/" + "x" * 65,
])
def test_traversal_style_ids_are_400(raw, jp_root_dir, path):
    make_run(jp_root_dir, id="x")
    methods = ("GET",) if path.endswith("/history") else ("GET", "PATCH", "DELETE")
    for method in methods:
        code, body = raw(path, method=method)
        assert code == 400, (method, path, code, body)
        assert body["message"]


# -- history -----------------------------------------------------------------------------------
def spiky(n):
    """A smooth decay with one spike, one dip, NaNs and an infinity at known steps."""
    rows = []
    for i in range(n):
        v = 1.0 / (1 + i)
        if i == 1234:
            v = 50.0
        elif i == 7777:
            v = -50.0
        elif i in (3000, 3001):
            v = float("nan")
        elif i == 5000:
            v = float("inf")
        rows.append({"loss": v, "count": i})
    return rows


@pytest.fixture(params=["numpy", "no numpy"])
def numpy_or_not(request, monkeypatch):
    """numpy is optional at runtime: the server must give the same answers without it."""
    if request.param == "no numpy":
        monkeypatch.setattr(downsample, "np", None)
    return request.param


def test_history_is_downsampled_keeping_extremes(rest, jp_root_dir, numpy_or_not):
    make_run(jp_root_dir, id="h1", log=spiky(10_000))
    reply = rest("runs", "h1", "history",
                       params=[("keys", "loss"), ("keys", "count"), ("points", "100")])
    assert reply["last_step"] == 9999
    loss = reply["keys"]["loss"]
    assert len(loss["steps"]) == len(loss["values"]) <= 100
    assert loss["steps"] == sorted(loss["steps"])
    assert loss["steps"][0] == 0 and loss["steps"][-1] == 9999  # first and last kept
    points = dict(zip(loss["steps"], loss["values"]))
    assert points[1234] == 50.0 and points[7777] == -50.0  # the spike and the dip
    assert points[5000] is None  # inf: the bucket's max, written as null
    count = reply["keys"]["count"]
    assert count["values"][0] == 0 and count["values"][-1] == 9999
    assert all(isinstance(v, int) for v in count["values"])  # ints stay ints


def test_history_small_series_and_nan_come_back_whole(rest, jp_root_dir, numpy_or_not):
    make_run(jp_root_dir, id="h2", log=[{"a": 1.0}, {"a": float("nan")},
                                        {"a": float("-inf")}, {"a": 2.5, "s": "text"}])
    reply = rest("runs", "h2", "history")
    assert reply["keys"]["a"] == {"steps": [0, 1, 2, 3], "values": [1.0, None, None, 2.5]}
    assert reply["keys"]["s"] == {"steps": [], "values": []}  # text cannot be charted
    assert set(reply["keys"]) == {"a", "s"}  # keys omitted: every key
    unknown = rest("runs", "h2", "history", params={"keys": "nope"})
    assert unknown["keys"] == {"nope": {"steps": [], "values": []}}


def test_history_default_points_and_only_live_chunks(rest, jp_root_dir):
    make_run(jp_root_dir, id="h3", log=[{"v": float(i)} for i in range(5000)])
    reply = rest("runs", "h3", "history", params={"keys": "v"})
    assert 2 < len(reply["keys"]["v"]["steps"]) <= 1000
    # Rewind to step 9 and log again: the old steps 10..4999 are set aside, not shown.
    run = nbrun.init(dir=str(jp_root_dir), mode="offline", project="p",
                     resume_from="h3?_step=9", reinit="create_new")
    for _ in range(5):
        run.log({"v": -1.0})
    run.finish()
    reply = rest("runs", "h3", "history", params={"keys": "v"})
    assert reply["keys"]["v"]["steps"] == list(range(15))
    assert reply["keys"]["v"]["values"] == [float(i) for i in range(10)] + [-1.0] * 5
    assert reply["last_step"] == 14


@pytest.mark.parametrize("params", [{"points": "1"}, {"points": "10001"}, {"points": "many"},
                                    {"keys": ""}, {"store": "nothex"}])
def test_history_bad_params_are_400(rest, jp_root_dir, params):
    make_run(jp_root_dir, id="h4", log=[{"v": 1.0}])
    rest("runs", "h4", "history", params=params, expect=400)


def test_downsample_without_numpy_matches_numpy(monkeypatch):
    values = [math.sin(i / 50) + (i % 97 == 0) * 3 for i in range(20_011)]
    for i in (10, 11, 12, 500, 19_999):
        values[i] = float("nan")
    values[4000:4100] = [float("nan")] * 100  # a bucket of NaN only
    fast = list(downsample.select(values, 301))
    monkeypatch.setattr(downsample, "np", None)
    slow = list(downsample.select(values, 301))
    assert fast == slow
    assert len(fast) <= 301 and fast[0] == 0 and fast[-1] == len(values) - 1
    finite = [v for v in values if not math.isnan(v)]
    kept = [values[i] for i in fast]
    assert max(finite) in kept and min(finite) in kept


def _chunk(steps, values):
    _, lo, hi, _, kind, packed_steps, packed_values, _ = series.encode("k", steps, values)
    return lo, hi, kind, packed_steps, packed_values


@pytest.mark.parametrize("chunks, expected", [
    # floats, then ints, then JSON (text and bools are not chartable)
    ([_chunk([0, 1, 2], [1.0, 2.0, float("nan")]), _chunk([3, 4], [5, 6]),
      _chunk([5, 6, 7], ["a", 7, True])],
     {"steps": [0, 1, 2, 3, 4, 6], "values": [1.0, 2.0, None, 5.0, 6.0, 7.0]}),
    ([_chunk([0, 1], [1, 2]), _chunk([2], [3])], {"steps": [0, 1, 2], "values": [1, 2, 3]}),
    ([_chunk([5, 6], [1.0, 2.0]), _chunk([0, 7], [0.0, 3.0])],  # overlapping: sorted
     {"steps": [0, 5, 6, 7], "values": [0.0, 1.0, 2.0, 3.0]}),
    ([], {"steps": [], "values": []}),
])
def test_history_chunks_join_the_same_with_or_without_numpy(monkeypatch, chunks, expected):
    assert history.series_json(chunks, 100) == expected
    monkeypatch.setattr(downsample, "np", None)
    assert history.series_json(chunks, 100) == expected
    if expected["values"] and all(isinstance(v, int) for v in expected["values"]):
        assert all(type(v) is int for v in history.series_json(chunks, 100)["values"])


@pytest.mark.parametrize("n, points", [(0, 10), (1, 10), (2, 2), (3, 2), (10, 10), (11, 10),
                                       (12, 3), (1000, 4), (1000, 5)])
def test_downsample_edges(n, points):
    values = [float(i % 7) for i in range(n)]
    keep = list(downsample.select(values, points))
    assert len(keep) <= points and keep == sorted(set(keep))
    if n:
        assert keep[0] == 0 and keep[-1] == n - 1


# -- edits -------------------------------------------------------------------------------------
def test_patch_tags_and_notes(rest, jp_root_dir):
    make_run(jp_root_dir, id="e1", tags=["old"], notes="old notes")
    reply = rest("runs", "e1", method="PATCH", body={"tags": ["new", "new", "two"]})
    assert reply["tags"] == ["new", "two"] and reply["notes"] == "old notes"
    listing = rest("runs", params={"tag": "new"})
    assert ids(listing) == ["e1"] and listing["tags"] == ["new", "two"]  # no stale choices
    reply = rest("runs", "e1", method="PATCH", body={"notes": "better"})
    assert reply["tags"] == ["new", "two"] and reply["notes"] == "better"
    reply = rest("runs", "e1", method="PATCH", body={"notes": None, "tags": []})
    assert reply["notes"] is None and reply["tags"] == []
    assert nbrun.Api(jp_root_dir).run("e1").notes is None


@pytest.mark.parametrize("body, words", [
    ({"tags": "solo"}, "did you mean"),
    ({"tags": ["x" * 65]}, "1 to 64"),
    ({"tags": [3]}, "must be a string"),
    ({"notes": 5}, "must be a string"),
    ({"name": "renamed"}, "only tags and notes"),
    ({}, "nothing to change"),
    ("[1, 2]", "JSON object"),
    ("{not json", "not valid JSON"),
])
def test_patch_validation_is_400(rest, jp_root_dir, body, words):
    make_run(jp_root_dir, id="e2", tags=["keep"])
    reply = rest("runs", "e2", method="PATCH", body=body, expect=400)
    assert words in reply["message"]
    assert nbrun.Api(jp_root_dir).run("e2").tags == ("keep",)


def test_patch_of_a_running_run_is_409(rest, jp_root_dir):
    make_run(jp_root_dir, id="live", finish=False)  # this very process owns it: alive
    reply = rest("runs", "live", method="PATCH", body={"notes": "x"}, expect=409)
    assert "edit it from its notebook" in reply["message"]


# -- state actions on a run whose process died -------------------------------------------------
CHILD = textwrap.dedent("""
    import sys
    import nbrun
    from nbrun.store import get_writer
    run = nbrun.init(dir=sys.argv[1], mode="offline", project="p", id=sys.argv[2])
    for i in range(5):
        run.log({"loss": 10.0 - i})
    get_writer().flush()
    print("ready", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def killed_run(jp_root_dir):
    """Run "dead1", written by a child process that was then SIGKILLed."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(jp_root_dir), "dead1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=child_env())
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return "dead1"


def test_state_actions_on_a_killed_run(rest, jp_root_dir, killed_run):
    listing = rest("runs")
    assert listing["runs"][0]["state"] == "crashed"  # the dead owner is noticed
    reply = rest("runs", killed_run, "state", method="POST", body={"state": "crashed"})
    assert reply["state"] == "crashed"  # already so: nothing to do
    reply = rest("runs", killed_run, "state", method="POST", body={"state": "finished"})
    assert reply["state"] == "finished" and reply["finished_at"] is not None
    again = rest("runs", killed_run, "state", method="POST",
                       body={"state": "crashed"}, expect=409)
    assert "finished" in again["message"]
    assert nbrun.Api(jp_root_dir).run(killed_run).state == "finished"


def test_state_of_a_killed_run_is_crashed_for_a_run_card(rest, jp_root_dir, killed_run):
    # What a run card polls once its kernel sends nothing more (issue 23.6): the state alone,
    # under the key the card computes from its store's path.
    from nbrun.notebook.card import RunCard
    from nbrun.store.location import store_key

    set_column(jp_root_dir, killed_run, "state", "running")  # as the kernel left it
    key = store_key(os.path.realpath(os.path.join(jp_root_dir, ".nbrun")))
    assert key == key_of(jp_root_dir)
    reply = rest("runs", killed_run, "state", params={"store": key})
    assert reply == {"store": key, "id": killed_run, "state": "crashed", "last_step": 4,
                     "exit_code": None}
    rest("runs", "nosuch", "state", expect=404)
    assert "store_key" in RunCard.class_trait_names(sync=True)


def test_state_of_a_running_stale_row_is_settled(rest, jp_root_dir, killed_run):
    # A row that still reads running while its process is gone (as before any crash check).
    set_column(jp_root_dir, killed_run, "state", "running")
    reply = rest("runs", killed_run, "state", method="POST", body={"state": "finished"})
    assert reply["state"] == "finished"


def test_state_actions_refused_on_live_and_finished_runs(rest, jp_root_dir):
    make_run(jp_root_dir, id="alive", finish=False)
    make_run(jp_root_dir, id="done")
    reply = rest("runs", "alive", "state", method="POST", body={"state": "crashed"},
                       expect=409)
    assert "running" in reply["message"]
    rest("runs", "done", "state", method="POST", body={"state": "finished"}, expect=409)
    for body in ({"state": "failed"}, {"state": "running"}, {}, {"state": "crashed", "x": 1}):
        rest("runs", "done", "state", method="POST", body=body, expect=400)


# -- delete ------------------------------------------------------------------------------------
def test_delete_needs_confirmation_and_removes_everything(rest, jp_root_dir):
    run = make_run(jp_root_dir, id="gone", log=[{"v": 1.0}] * 3)
    make_run(jp_root_dir, id="stay", log=[{"v": 2.0}])
    folder = Path(run.dir)
    (folder / "file.txt").write_text("x")
    rest("runs", "gone", method="DELETE", expect=400)
    rest("runs", "gone", method="DELETE", params={"confirm": "stay"}, expect=400)
    assert folder.is_dir()
    rest("runs", "gone", method="DELETE", params={"confirm": "gone"}, expect=204)
    assert not folder.exists()
    assert ids(rest("runs")) == ["stay"]
    rest("runs", "gone", expect=404)
    with sqlite3.connect(jp_root_dir / ".nbrun" / "nbrun.db") as conn:
        left = conn.execute("SELECT COUNT(*) FROM series").fetchone()[0]
    assert left == 1  # only "stay"'s history
    assert (rest("runs", "stay", "history"))["keys"]["v"]["values"] == [2.0]


def test_delete_of_a_running_run_is_409(rest, jp_root_dir):
    run = make_run(jp_root_dir, id="busy", finish=False)
    rest("runs", "busy", method="DELETE", params={"confirm": "busy"}, expect=409)
    assert Path(run.dir).is_dir()


def test_delete_does_not_follow_a_linked_run_folder(rest, jp_root_dir, tmp_path):
    run = make_run(jp_root_dir, id="linked")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me")
    os.rmdir(run.dir)
    os.symlink(elsewhere, run.dir)
    assert (rest("runs", "linked"))["files"] == []
    rest("runs", "linked", method="DELETE", params={"confirm": "linked"}, expect=204)
    assert (elsewhere / "precious.txt").read_text() == "keep me"
    assert not os.path.lexists(run.dir)


def _record_sync(root, run_id, upto_end: bool, state_sent: str | None):
    """Sync progress written through the store's own sync-state functions, as the syncer
    writes it (the extension only reads the store; it never talks to the tracking server)."""
    from nbrun.store import Store, syncstate

    store = Store(str(root))
    rid = syncstate.rid_of(store, run_id)
    syncstate.claim(store, rid, "h|1|", "http://mlflow.example")
    syncstate.update(store, rid, None, server_run_id="abc123", experiment_id="7",
                     url="http://mlflow.example/#/experiments/7/runs/abc123",
                     sent={"state": [state_sent, 1, "n"]} if state_sent else {})
    if upto_end:
        last = store.conn.execute("SELECT MAX(rowid) FROM series WHERE rid=?", (rid,)).fetchone()
        syncstate.advance(store, rid, "h|1|", last[0], 0, 2)


def test_sync_state_in_listing_and_detail_and_the_unsynced_filter(rest, jp_root_dir):
    make_run(jp_root_dir, id="local", log=[{"x": 1.0}])
    make_run(jp_root_dir, id="sent", log=[{"x": 1.0}, {"x": 2.0}])
    make_run(jp_root_dir, id="behind", log=[{"x": 1.0}, {"x": 2.0}])
    _record_sync(jp_root_dir, "sent", upto_end=True, state_sent="FINISHED")
    _record_sync(jp_root_dir, "behind", upto_end=False, state_sent=None)
    listing = {r["id"]: r["sync"] for r in rest("runs")["runs"]}
    assert listing["local"] is None
    assert listing["sent"]["label"] == "synced" and listing["sent"]["synced"] is True
    assert listing["behind"]["label"] == "2 behind" and listing["behind"]["behind"] == 2
    assert ids(rest("runs", params={"unsynced": "1"})) == ["behind"]
    detail = rest("runs", "sent")
    assert detail["sync"]["url"] == "http://mlflow.example/#/experiments/7/runs/abc123"
    assert rest("runs", "local")["sync"] is None
