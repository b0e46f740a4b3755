"""The server's CSV exports and its report of a store deleted while served, on a real store
(the service layer the handlers call; the browser tests cover the HTTP path)."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

import nbrun
from nbrun.server import export
from nbrun.server.config import NbrunServerConfig
from nbrun.server.errors import ApiError
from nbrun.server.registry import StoreRegistry
from nbrun.server.service import Service


@pytest.fixture
def service(tmp_path):
    for i in range(3):
        run = nbrun.init(dir=str(tmp_path / "kept"), project="p", name=f"r{i}",
                         reinit="create_new", mode="offline",
                         config={"lr": 0.1 * (i + 1), "opt": {"name": "=cmd()"}})
        for step in range(5):
            run.log({"loss": 1.0 / (step + 1)} if step % 2 == 0 else {"acc": step})
        run.summary["best"] = i
        run.finish()
    run = nbrun.init(dir=str(tmp_path / "doomed"), project="d", name="gone-run",
                     reinit="create_new", mode="offline")
    run.finish()
    return Service(StoreRegistry(str(tmp_path), NbrunServerConfig(cache_seconds=0)))


def test_cells_that_a_spreadsheet_would_run_are_quoted():
    assert export.cell("=1+2") == "'=1+2" and export.cell("@x") == "'@x"
    assert export.cell("-x") == "'-x" and export.cell(-0.5) == -0.5
    assert export.cell(None) == "" and export.cell(True) == "true"
    assert export.cell(float("nan")) == "nan" and export.cell([1, "a"]) == '[1, "a"]'


def test_runs_csv_has_every_matching_run_with_config_and_summary(service):
    rows = list(csv.DictReader(io.StringIO(export.runs_csv(service, {"project": [b"p"]}))))
    assert sorted(r["name"] for r in rows) == ["r0", "r1", "r2"]
    r1 = next(r for r in rows if r["name"] == "r1")
    assert float(r1["config.lr"]) == pytest.approx(0.2) and r1["summary.best"] == "1"
    assert r1["config.opt.name"] == "'=cmd()"


def test_history_csv_is_every_step_with_one_column_per_key(service):
    run_id = next(r for r in service.list_runs({})["runs"] if r["name"] == "r0")["id"]
    rows = list(csv.DictReader(io.StringIO(export.history_csv(service, run_id, {}))))
    assert [int(r["_step"]) for r in rows] == [0, 1, 2, 3, 4]
    assert rows[0]["loss"] == "1.0" and rows[0]["acc"] == "" and rows[3]["acc"] == "3"


def test_a_store_deleted_while_served_is_reported_as_gone(service, tmp_path):
    doomed = next(s for s in service.stores()["stores"] if "doomed" in s["path"])
    shutil.rmtree(tmp_path / "doomed")
    listing = service.list_runs({})
    assert [r["name"] for r in listing["runs"] if r["name"] == "gone-run"] == []
    assert listing["gone"] == [doomed["path"]]
    assert all("doomed" not in s["path"] for s in service.stores()["stores"])
    with pytest.raises(ApiError) as info:
        service.list_runs({"store": [doomed["key"].encode()]})
    assert info.value.status == 410 and "was deleted" in info.value.message


def test_stale_flag_only_on_a_run_whose_process_is_gone(tmp_path):
    import signal
    import subprocess
    import sys

    from conftest import child_env

    code = ("import nbrun, sys, time\n"
            "run = nbrun.init(dir=sys.argv[1], project='s', name=sys.argv[2], mode='offline')\n"
            "print('started', flush=True)\n"
            "time.sleep(120)\n")
    children = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), name],
                                 env=child_env(), stdout=subprocess.PIPE, text=True)
                for name in ("alive", "killed")]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "started"
        # the server's own reaper would mark the dead run crashed; here it waits an hour
        service = Service(StoreRegistry(str(tmp_path),
                                        NbrunServerConfig(cache_seconds=0, reap_seconds=3600)))
        assert {r["name"]: r["stale"] for r in service.list_runs({})["runs"]} == {
            "alive": False, "killed": False}
        children[1].send_signal(signal.SIGKILL)
        children[1].wait(10)
        listed = {r["name"]: (r["state"], r["stale"]) for r in service.list_runs({})["runs"]}
        assert listed == {"alive": ("running", False), "killed": ("running", True)}
        killed = next(r for r in service.list_runs({})["runs"] if r["name"] == "killed")
        detail = service.run_detail(killed["id"], {})  # reading one run reaps it at once
        assert (detail["state"], detail["stale"]) == ("crashed", False)
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_history_since_step_returns_only_the_newer_points(tmp_path):
    run = nbrun.init(dir=str(tmp_path), project="h", name="h", mode="offline")
    for step in range(100):
        run.log({"loss": float(step), "acc": step / 100})
    run.finish()
    service = Service(StoreRegistry(str(tmp_path), NbrunServerConfig(cache_seconds=0)))
    run_id = service.list_runs({})["runs"][0]["id"]
    newer = service.run_history(run_id, {"since_step": [b"49"], "keys": [b"loss"]})
    assert newer["keys"]["loss"]["steps"] == list(range(50, 100))
    assert newer["keys"]["loss"]["values"] == [float(s) for s in range(50, 100)]
    assert service.run_history(run_id, {"since_step": [b"99"]})["keys"] == {
        "loss": {"steps": [], "values": []}, "acc": {"steps": [], "values": []}}
    whole = service.run_history(run_id, {"keys": [b"loss"]})
    assert whole["keys"]["loss"]["steps"] == list(range(100))
