"""Online mode against a real `mlflow server`: what reaches the server, read back with MLflow's
own client and compared field by field with the local store."""

from __future__ import annotations

import json
import math
import sys

import pytest
from mlflow.tracking import MlflowClient

from conftest import run_python
import sync_support
from sync_support import (assert_history_exactly_once, status, sync_row,
                          wait_synced)

import nbrun
from nbrun.sync import mapping

pytestmark = pytest.mark.slow


# The session's server, and the environment that makes runs online (sync_support.py).
server, online = sync_support.server, sync_support.online


def _finish_and_wait(run, root, timeout=120.0):
    run.finish()
    return wait_synced(root, run.id, timeout)


def test_online_run_is_on_the_server_field_by_field(online, store_dir):
    config = {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam", "beta": 0.9},
              "db": {"password": "hunter2-secret"}, "weird key@1": True}
    run = nbrun.init(dir=store_dir, project="field-check", entity="team", name="alpha",
                     notes="first try", tags=["base", "gpu"], group="g1", job_type="train",
                     config=config)  # mode=None: online, since a server is configured
    assert run.mode == "online"
    for step in range(500):
        run.log({"loss": 1.0 / (step + 1), "acc": step / 500, "epoch": step // 100,
                 "flag": step % 2 == 0, "odd/x@y": float(step)})
    run.log({"loss": math.nan, "acc": math.inf, "neg": -math.inf, "note": "text"})
    run.summary["best"] = 0.97
    with open(f"{run.dir}/extra.txt", "w") as f:
        f.write("a file of the run")
    st = _finish_and_wait(run, store_dir)

    client = MlflowClient(online.url)
    remote = client.get_run(st["server_run_id"])
    record = nbrun.Api(store_dir).run(run.id)
    assert run.url == st["url"] == (f"{online.url}/#/experiments/{remote.info.experiment_id}"
                                    f"/runs/{remote.info.run_id}")
    assert client.get_experiment(remote.info.experiment_id).name == "team/field-check"
    assert remote.info.status == "FINISHED"
    assert remote.info.run_name == "alpha"
    assert remote.info.start_time == int(record.created_at * 1000)
    assert remote.info.end_time == int(record.finished_at * 1000)
    tags = remote.data.tags
    assert tags["nbrun.run_id"] == run.id
    assert tags["mlflow.note.content"] == "first try"
    assert tags["nbrun.tag/base"] == "base" and tags["nbrun.tag/gpu"] == "gpu"
    assert (tags["nbrun.group"], tags["nbrun.job_type"]) == ("g1", "train")
    # config -> params, flattened with '.', secrets redacted, refused keys mapped reversibly
    weird = mapping.mlflow_key("weird key@1")
    assert weird != "weird key@1" and tags[mapping.KEY_TAG + weird] == "weird key@1"
    assert remote.data.params == {"lr": "0.01", "layers": "[64, 32]", "opt.name": "adam",
                                  "opt.beta": "0.9", "db.password": "<redacted>", weird: "true"}
    # history -> metrics: every point once, with its step and wall time; NaN and inf kept
    odd = mapping.mlflow_key("odd/x@y")
    assert tags[mapping.KEY_TAG + odd] == "odd/x@y"
    compared = assert_history_exactly_once(online.url, store_dir, run.id, {"odd/x@y": odd})
    assert compared == 5 * 500 + 3
    assert math.isnan(remote.data.metrics["loss"])
    assert remote.data.metrics["best"] == 0.97  # summary values set by hand: latest metrics
    # files -> artifacts: the full config (redacted), the summary, the run's own files
    assert {a.path for a in client.list_artifacts(remote.info.run_id)} >= {"nbrun", "extra.txt"}
    config_art = _read_json(client.download_artifacts(remote.info.run_id, "nbrun/config.json"))
    assert config_art["db"] == {"password": "<redacted>"} and config_art["lr"] == 0.01
    summary_art = _read_json(client.download_artifacts(remote.info.run_id, "nbrun/summary.json"))
    assert summary_art["best"] == 0.97 and summary_art["note"] == "text"
    assert open(client.download_artifacts(remote.info.run_id, "extra.txt")).read() == \
        "a file of the run"
    assert "hunter2" not in json.dumps(remote.to_dictionary())


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def test_resume_continues_and_rewind_and_fork_make_new_server_runs(online, store_dir):
    run = nbrun.init(dir=store_dir, project="lineage", id="lin1", config={"lr": 1})
    for step in range(10):
        run.log({"x": float(step)})
    first = _finish_and_wait(run, store_dir)

    run = nbrun.init(dir=store_dir, project="lineage", id="lin1", resume="must",
                     config={"lr": 2}, allow_val_change=True)
    for _ in range(5):
        run.log({"x": 100.0})
    again = _finish_and_wait(run, store_dir)
    assert again["server_run_id"] == first["server_run_id"]  # resume: the same server run
    client = MlflowClient(online.url)
    remote = client.get_run(first["server_run_id"])
    assert remote.data.params["lr"] == "1"  # MLflow params never change ...
    assert json.loads(remote.data.tags["nbrun.config_changed"]) == ["lr"]  # ... so: a tag
    assert len(client.get_metric_history(first["server_run_id"], "x")) == 15

    run = nbrun.init(dir=store_dir, project="lineage", resume_from="lin1?_step=4")
    run.log({"x": -1.0})
    rewound = _finish_and_wait(run, store_dir)
    assert rewound["server_run_id"] != first["server_run_id"]
    tags = client.get_run(rewound["server_run_id"]).data.tags
    assert (tags["nbrun.parent_run"], tags["nbrun.parent_step"]) == (first["server_run_id"], "4")
    steps = [(m.step, m.value) for m in client.get_metric_history(rewound["server_run_id"], "x")]
    assert sorted(steps) == [(s, float(s)) for s in range(5)] + [(5, -1.0)]  # nothing rewound
    assert_history_exactly_once(online.url, store_dir, "lin1")

    fork = nbrun.init(dir=store_dir, project="lineage", fork_from="lin1?_step=2")
    fork.log({"x": 7.0})
    forked = _finish_and_wait(fork, store_dir)
    tags = client.get_run(forked["server_run_id"]).data.tags
    assert (tags["nbrun.parent_run"], tags["nbrun.parent_step"]) == \
        (rewound["server_run_id"], "2")
    assert tags["nbrun.forked_from"] == "lin1?_step=2"
    assert_history_exactly_once(online.url, store_dir, fork.id)
    # the fork split a chunk of its source: the source's server run is still exact
    wait_synced(store_dir, "lin1")
    assert_history_exactly_once(online.url, store_dir, "lin1")


def test_cli_sync_sends_an_offline_run_and_lists_its_state(online, store_dir):
    run = nbrun.init(dir=store_dir, project="cli", mode="offline", id="off1")
    for step in range(1500):
        run.log({"v": float(step)})
    run.finish()
    listing = run_python(f"""
        from nbrun.cli import main
        main(["--dir", {str(store_dir)!r}, "runs"])
        main(["--dir", {str(store_dir)!r}, "sync", "--dry-run", "off1"])
        """, env={"NBRUN_BASE_URL": online.url}).stdout
    assert "off1" in listing and "offline" in listing
    assert "1500 points" in listing and sync_row(store_dir, "off1") is None  # dry: sent nothing
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "off1"]))
        """, env={"NBRUN_BASE_URL": online.url}).stdout
    assert "off1: sending 1500 points" in out and "1500/1500 points" in out and "synced" in out
    assert_history_exactly_once(online.url, store_dir, "off1")
    shown = run_python(f"""
        from nbrun.cli import main
        main(["--dir", {str(store_dir)!r}, "show", "off1"])
        main(["--dir", {str(store_dir)!r}, "runs"])
        """).stdout
    assert "sync:      synced" in shown and status(store_dir, "off1")["url"] in shown
    again = run_python(f"""
        from nbrun.cli import main
        main(["--dir", {str(store_dir)!r}, "sync", "--all"])
        """, env={"NBRUN_BASE_URL": online.url}).stdout
    assert "nothing to sync" in again
    assert_history_exactly_once(online.url, store_dir, "off1")


def test_run_card_shows_the_sync_state_and_links_the_server_run(online, store_dir):
    from nbrun.notebook.card import RunCard

    run = nbrun.init(dir=store_dir, project="card")
    card = RunCard(run)  # the widget's Python side, fed by its own thread
    for step in range(1200):
        run.log({"x": float(step)})
    run.finish()
    card._feeder.join(120)  # it follows the run to the server, then stops
    assert card.sync_state == "synced"
    assert card.url == run.url == status(store_dir, run.id)["url"]
    assert card.url.startswith(online.url + "/#/experiments/")


def test_force_with_an_unreachable_server_is_a_comm_error(store_dir, monkeypatch):
    from conftest import free_port

    monkeypatch.setenv("NBRUN_BASE_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(nbrun.CommError, match="cannot reach the tracking server"):
        nbrun.init(dir=store_dir, project="down", force=True)
    assert not (store_dir / ".nbrun").exists()  # refused before anything was written


def test_import_nbrun_stays_light():
    out = run_python("import sys, nbrun; print('requests' in sys.modules)").stdout
    assert out.strip() == "False"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def test_tensorboard_scalars_and_event_files_reach_the_server(online, store_dir, tmp_path):
    """Issues 11 and 12 together: mirrored TensorBoard scalars are metrics like any other, each
    point once, and the saved event files are artifacts of the server run."""
    from tensorboardX import SummaryWriter

    run = nbrun.init(dir=store_dir, project="tb-online", sync_tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "tblogs"))
    for step in range(50):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.flush()
    run.log({"acc": 0.5})
    st = _finish_and_wait(run, store_dir)
    writer.close()

    client = MlflowClient(online.url)
    history = client.get_metric_history(st["server_run_id"], "loss")
    local_loss = [(row["_step"], row["loss"])
                  for row in nbrun.Api(store_dir).run(run.id).history(keys=["loss"])]
    assert len(local_loss) == 50  # TensorBoard's float32 values, as its own reader returns them
    assert sorted((m.step, m.value) for m in history) == local_loss
    assert_history_exactly_once(online.url, store_dir, run.id, {})
    saved = {a.path for a in client.list_artifacts(st["server_run_id"], "tensorboard/tblogs")}
    local = {f.path for f in nbrun.Api(store_dir).run(run.id).files()
             if f.path.startswith("tensorboard/tblogs/")}
    assert saved == local and local
