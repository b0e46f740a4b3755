"""The server extension against a real Jupyter server (pytest-jupyter): every endpoint, its
filters and errors, downsampling, authentication, traversal-style ids, the state actions on a
run whose process was SIGKILLed, and the bounded search for stores.

pytest-jupyter's fixtures are imported into this module rather than registered as a plugin
(``pytest_plugins``): a plugin's autouse event-loop fixtures would apply to every test of the
session, and they break under tests that hold a loop open (the sidebar's browser tests keep a
session-wide sync playwright, whose loop reads as running in the main thread). The tests are
plain functions that drive the server's loop themselves.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun
from nbrun.server import downsample, history
from nbrun.store import series

from conftest import ROOT, child_env

CONFIG_FILE = ROOT / "nbrun" / "server" / "jupyter_server_config.d" / "nbrun.json"


# -- fixtures and helpers ----------------------------------------------------------------------
@pytest.fixture
def jp_asyncio_loop():
    """A fresh event loop for the in-process server, replacing pytest-jupyter's (which reuses
    whatever loop the thread has). A loop left running in this thread by other tests (sync
    playwright) is set aside meanwhile and put back afterwards."""
    foreign = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        asyncio._set_running_loop(foreign)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside the server's root folder, named in ``store_paths``."""
    return tmp_path / "outside"


@pytest.fixture
def jp_server_config(outside):
    # "nbrun.server" holds the hooks itself; "nbrun" does once nbrun/__init__.py re-exports them.
    return {
        "ServerApp": {"jpserver_extensions": {"nbrun.server": True}},
        "NbrunServerConfig": {"store_paths": [str(outside)], "search_depth": 3},
    }


@pytest.fixture
def rest(jp_fetch, jp_asyncio_loop):
    """``rest("runs", params=..., expect=200)``: the decoded JSON reply of
    ``<base_url>nbrun/api/...``, with its status checked."""

    async def fetch(*path, method="GET", params=None, body=None, expect=200):
        kwargs = {"method": method, "raise_error": False}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        elif method in ("POST", "PATCH"):
            kwargs["body"] = ""
        response = await jp_fetch("nbrun", "api", *path, params=params, **kwargs)
        data = json.loads(response.body) if response.body else None
        assert response.code == expect, (response.code, data)
        return data

    def call(*path, **kwargs):
        return jp_asyncio_loop.run_until_complete(fetch(*path, **kwargs))

    return call


@pytest.fixture
def raw(http_server_client, jp_base_url, jp_auth_header, jp_asyncio_loop):
    """A request to an exact, unescaped path below ``<base_url>nbrun/api/``; returns
    (status, decoded body)."""

    async def fetch(path, method="GET", body=None, auth=True):
        if body is None and method in ("POST", "PATCH"):
            body = "{}"
        response = await http_server_client.fetch(
            f"{jp_base_url}nbrun/api/{path}", method=method, body=body,
            headers=dict(jp_auth_header) if auth else {}, raise_error=False,
            allow_nonstandard_methods=True)
        try:
            data = json.loads(response.body) if response.body else None
        except ValueError:
            data = response.body
        return response.code, data

    def call(path, **kwargs):
        return jp_asyncio_loop.run_until_complete(fetch(path, **kwargs))

    return call


def make_run(root, project="p", log=(), finish=True, **kwargs):
    run = nbrun.init(dir=str(root), mode="offline", project=project, reinit="create_new",
                     **kwargs)
    for row in log:
        run.log(row)
    if finish:
        run.finish()
    return run


def key_of(store_root) -> str:
    path = os.path.realpath(os.path.join(store_root, ".nbrun"))
    return hashlib.sha256(path.encode()).hexdigest()[:12]


def ids(reply) -> list[str]:
    return [r["id"] for r in reply["runs"]]


def set_column(root, run_id, column, value):
    with sqlite3.connect(os.path.join(root, ".nbrun", "nbrun.db")) as conn:
        conn.execute(f"UPDATE runs SET {column}=? WHERE id=?", (value, run_id))


# -- the extension itself ----------------------------------------------------------------------
def test_config_file_enables_a_module_with_the_hooks():
    config = json.loads(CONFIG_FILE.read_text())
    enabled = config["ServerApp"]["jpserver_extensions"]
    assert enabled == {"nbrun": True}
    import nbrun.server

    assert nbrun.server._jupyter_server_extension_points() == [{"module": "nbrun.server"}]
    assert callable(nbrun.server._load_jupyter_server_extension)
    assert nbrun._jupyter_server_extension_points() == [{"module": "nbrun.server"}]


def test_import_nbrun_and_its_hooks_stay_free_of_jupyter_server():
    code = ("import sys, nbrun, nbrun.server; "
            "print(sorted(m for m in ('jupyter_server', 'tornado') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_endpoint_needs_the_token(raw, jp_root_dir):
    make_run(jp_root_dir, id="abc")
    key = key_of(jp_root_dir)
    for method, path in [("GET", "stores"), ("GET", "runs"), ("GET", "runs/abc"),
                         ("GET", "runs/abc/history"), ("PATCH", "runs/abc"),
                         ("POST", "runs/abc/state"), ("DELETE", "runs/abc?confirm=abc"),
                         ("GET", f"runs/abc?store={key}"), ("GET", "runs/..%2fx")]:
        code, _ = raw(path, method=method, auth=False)
        assert code == 403, (method, path, code)
    code, _ = raw("runs/abc")
    assert code == 200  # the run is still there: nothing was done without the token


# -- stores ------------------------------------------------------------------------------------
def test_stores_are_found_under_the_root_and_in_store_paths(rest, jp_root_dir, outside):
    make_run(jp_root_dir)
    make_run(jp_root_dir / "a", log=[{"x": 1.0}])
    make_run(jp_root_dir / "a")
    make_run(jp_root_dir / "b" / "c" / "d")  # depth 3: the deepest searched
    make_run(outside)
    reply = rest("stores")
    by_path = {s["path"]: s for s in reply["stores"]}
    assert set(by_path) == {".nbrun", "a/.nbrun", "b/c/d/.nbrun",
                            os.path.realpath(outside / ".nbrun")}
    assert by_path["a/.nbrun"]["runs"] == 2
    assert by_path["a/.nbrun"]["key"] == key_of(jp_root_dir / "a")
    for store in reply["stores"]:
        assert len(store["key"]) == 12 and int(store["key"], 16) >= 0


def test_store_search_is_bounded(rest, jp_root_dir):
    make_run(jp_root_dir / "a" / "b" / "c" / "d")  # depth 4 > search_depth 3
    make_run(jp_root_dir / ".hidden")
    make_run(jp_root_dir / "node_modules" / "pkg")
    make_run(jp_root_dir / "found")
    # Links are not followed: the store is found once, as "found", not via either link.
    os.symlink(jp_root_dir / "found", jp_root_dir / "link")
    (jp_root_dir / "x").mkdir()
    os.symlink(jp_root_dir / "found" / ".nbrun", jp_root_dir / "x" / ".nbrun")
    reply = rest("stores")
    assert [s["path"] for s in reply["stores"]] == ["found/.nbrun"]
    listing = rest("runs")
    assert listing["total"] == 1


def test_no_store_at_all(rest):
    assert rest("stores") == {"stores": []}
    reply = rest("runs")
    assert reply["runs"] == [] and reply["total"] == 0 and reply["projects"] == []
    rest("runs", "abc", expect=404)


def test_an_unreadable_store_does_not_hide_the_others(rest, jp_root_dir):
    make_run(jp_root_dir / "good", id="fine")
    broken = jp_root_dir / "broken" / ".nbrun"
    broken.mkdir(parents=True)
    (broken / "nbrun.db").write_bytes(b"this is not a database" * 100)
    stores = {s["path"]: s for s in (rest("stores"))["stores"]}
    assert stores["good/.nbrun"]["runs"] == 1
    assert stores["broken/.nbrun"]["runs"] is None and stores["broken/.nbrun"]["error"]
    assert ids(rest("runs")) == ["fine"]
    assert (rest("runs", "fine"))["id"] == "fine"
    reply = rest("runs", params={"store": stores["broken/.nbrun"]["key"]}, expect=500)
    assert "could not be read" in reply["message"]


def test_search_visits_at_most_max_folders(tmp_path):
    from nbrun.server import discovery

    for name in "abcde":
        make_run(tmp_path / "root" / name)
    found = discovery.search(str(tmp_path / "root"), depth=3, max_folders=3)
    assert [os.path.basename(os.path.dirname(p)) for p in found] == ["a", "b"]
    assert len(discovery.search(str(tmp_path / "root"), depth=3, max_folders=100)) == 5


def test_registry_serves_a_stale_list_while_it_searches_again(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from nbrun.server.config import NbrunServerConfig
    from nbrun.server.errors import ApiError
    from nbrun.server.registry import StoreRegistry

    root = tmp_path / "root"
    root.mkdir()
    with ThreadPoolExecutor(1) as pool:
        registry = StoreRegistry(str(root), NbrunServerConfig(cache_seconds=0.05), pool)
        assert registry.stores() == []
        make_run(root / "new")
        time.sleep(0.1)
        assert registry.stores() == []  # stale, served at once; a search starts meanwhile
        pool.submit(lambda: None).result()  # let the search finish
        assert [h.path for h in registry.stores()] == ["new/.nbrun"]
        make_run(root / "newer")  # an unknown key makes the registry search at once
        time.sleep(0.3)
        assert registry.get(key_of(root / "newer")).path == "newer/.nbrun"
        with pytest.raises(ApiError) as err:
            registry.get("0123456789ab")
        assert err.value.status == 404


# -- listing -----------------------------------------------------------------------------------
@pytest.fixture
def catalogue(jp_root_dir):
    """Six runs in one store, oldest first."""
    specs = [
        {"id": "r1", "name": "alpha-one", "project": "vision", "tags": ["cnn", "baseline"],
         "notes": "first try"},
        {"id": "r2", "name": "Beta-two", "project": "vision", "tags": ["cnn"],
         "group": "sweep-A"},
        {"id": "r3", "name": "gamma", "project": "nlp", "tags": ["baseline"],
         "notes": "Über wichtig"},
        {"id": "r4", "name": "delta", "project": "nlp", "tags": ["tëst"], "job_type": "eval"},
        {"id": "r5", "name": "epsilon", "project": "vision", "tags": [], "notes": "100% done"},
        {"id": "r6", "name": "zeta", "project": "nlp", "tags": ["cnn", "baseline", "x"]},
    ]
    runs = []
    for spec in specs:
        runs.append(make_run(jp_root_dir, log=[{"loss": 1.0}], **spec))
        time.sleep(0.002)  # distinct created_at
    set_column(jp_root_dir, "r4", "state", "failed")
    return runs


def test_list_defaults_newest_first_with_facets(rest, catalogue):
    reply = rest("runs")
    assert ids(reply) == ["r6", "r5", "r4", "r3", "r2", "r1"]
    assert reply["total"] == 6 and reply["offset"] == 0 and reply["limit"] == 100
    assert reply["projects"] == ["nlp", "vision"]
    assert reply["tags"] == ["baseline", "cnn", "tëst", "x"]
    first = reply["runs"][0]
    assert set(first) == {"store", "id", "name", "project", "entity", "state", "exit_code",
                          "tags", "notes", "group", "job_type", "created_at", "updated_at",
                          "finished_at", "heartbeat_at", "last_step", "summary", "lineage",
                          "resumed_count", "hidden", "stale", "sync"}
    assert first["sync"] is None  # an offline run: no tracking server
    assert first["tags"] == ["cnn", "baseline", "x"] and first["summary"] == {"loss": 1.0}
    assert first["state"] == "finished" and first["last_step"] == 0 and first["hidden"] is False


def test_list_filters(rest, catalogue):
    assert ids(rest("runs", params={"project": "nlp"})) == ["r6", "r4", "r3"]
    assert ids(rest("runs", params={"state": "failed"})) == ["r4"]
    both = rest("runs", params=[("tag", "cnn"), ("tag", "baseline")])
    assert ids(both) == ["r6", "r1"] and both["total"] == 2
    assert ids(rest("runs", params={"tag": "tëst"})) == ["r4"]
    combined = rest("runs", params=[("project", "vision"), ("tag", "cnn")])
    assert ids(combined) == ["r2", "r1"]


@pytest.mark.parametrize("q, expected", [
    ("ALPHA", ["r1"]),          # name, case-insensitive
    ("r3", ["r3"]),             # id
    ("FIRST", ["r1"]),          # notes
    ("sweep-a", ["r2"]),        # group
    ("BASELINE", ["r6", "r3", "r1"]),  # a tag
    ("über", ["r3"]),           # non-ASCII letters fold too
    ("TËST", ["r4"]),           # a non-ASCII tag
    ("100%", ["r5"]),           # LIKE wildcards are literal
    ("_", []),
    ("nothing-like-it", []),
])
def test_list_search(rest, catalogue, q, expected):
    assert ids(rest("runs", params={"q": q})) == expected


@pytest.mark.parametrize("sort, expected", [
    ("created_at", ["r1", "r2", "r3", "r4", "r5", "r6"]),
    ("-created_at", ["r6", "r5", "r4", "r3", "r2", "r1"]),
    ("name", ["r1", "r2", "r4", "r5", "r3", "r6"]),  # case-insensitive: Beta after alpha
    ("-name", ["r6", "r3", "r5", "r4", "r2", "r1"]),
    ("project", ["r6", "r4", "r3", "r5", "r2", "r1"]),  # then newest first
    ("state", ["r4", "r6", "r5", "r3", "r2", "r1"]),
])
def test_list_sort(rest, catalogue, sort, expected):
    assert ids(rest("runs", params={"sort": sort})) == expected


def test_list_sort_by_update_time(rest, catalogue, jp_root_dir):
    set_column(jp_root_dir, "r2", "updated_at", time.time() + 100)
    assert ids(rest("runs", params={"sort": "-updated_at"}))[0] == "r2"
    assert ids(rest("runs", params={"sort": "updated_at"}))[-1] == "r2"


def test_list_pagination(rest, catalogue):
    pages = []
    for offset in (0, 2, 4, 6):
        reply = rest("runs", params={"offset": offset, "limit": 2, "sort": "name"})
        assert reply["total"] == 6 and reply["offset"] == offset and reply["limit"] == 2
        pages += ids(reply)
    assert pages == ["r1", "r2", "r4", "r5", "r3", "r6"]


def test_hidden_runs_are_left_out_unless_asked(rest, catalogue, jp_root_dir):
    set_column(jp_root_dir, "r6", "hidden", 1)
    reply = rest("runs")
    assert "r6" not in ids(reply) and reply["total"] == 5 and "x" not in reply["tags"]
    reply = rest("runs", params={"include_hidden": "1"})
    assert ids(reply)[0] == "r6" and reply["runs"][0]["hidden"] is True
    assert reply["total"] == 6
    assert (rest("stores"))["stores"][0]["runs"] == 5
    assert (rest("runs", "r6"))["hidden"] is True  # still readable by id


def test_listing_merges_stores_in_one_order(rest, jp_root_dir):
    made = []
    for i in range(9):
        root = jp_root_dir / ("one" if i % 3 else "two")
        made.append(make_run(root, id=f"m{i}", name=f"n{8 - i}").id)
        time.sleep(0.002)  # distinct created_at
    full = rest("runs", params={"sort": "created_at"})
    assert ids(full) == made and full["total"] == 9
    assert {r["store"] for r in full["runs"]} == {key_of(jp_root_dir / "one"),
                                                   key_of(jp_root_dir / "two")}
    for sort in ("created_at", "-created_at", "name", "-name", "project"):
        whole = ids(rest("runs", params={"sort": sort}))
        paged = []
        for offset in range(0, 9, 4):
            paged += ids(rest("runs", params={"sort": sort, "offset": offset,
                                                    "limit": 4}))
        assert paged == whole, sort
    assert ids(rest("runs", params={"sort": "name"})) == made[::-1]
    only = rest("runs", params={"store": key_of(jp_root_dir / "two")})
    assert sorted(ids(only)) == ["m0", "m3", "m6"] and only["total"] == 3


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}, {"offset": "x"}, {"limit": "--5"},
    {"sort": "bogus"}, {"state": "asleep"}, {"include_hidden": "maybe"}, {"tag": "t" * 65},
    {"project": "a/b"}, {"q": "x" * 257}, {"offset": str(2**63)}, {"store": "XYZ"},
    {"store": "../../etc"},
    [("limit", "5"), ("limit", "6")],
])
def test_list_bad_params_are_400(rest, catalogue, params):
    reply = rest("runs", params=params, expect=400)
    assert reply["message"]


def test_list_unknown_store_is_404(rest, catalogue):
    rest("runs", params={"store": "0123456789ab"}, expect=404)


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
    _, lo, hi, _, kind, packed_steps, packed_values = series.encode("k", steps, values)
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
