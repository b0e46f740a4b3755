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
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun

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
                         ("GET", "runs/abc/cell-dir?notebook=x.ipynb"),
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
                          "resumed_count", "hidden", "stale", "sync", "alert_count",
                          "alert_level"}
    assert first["sync"] is None  # an offline run: no tracking server
    assert first["alert_count"] == 0 and first["alert_level"] is None  # it raised no alert
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
