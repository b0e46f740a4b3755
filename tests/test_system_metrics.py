"""System metrics: sampled in the background against wall time, apart from the history, read
back with ``history(stream="system")``, set by ``system_metrics_interval`` (0: off) and sent to a
real MLflow server under MLflow's own names (see also test_server_system.py for the sidebar)."""

from __future__ import annotations

import threading
import time

import pytest
from mlflow.tracking import MlflowClient

import nbrun
from nbrun.errors import UsageError
from nbrun.sdk import system as sdk_system
from nbrun.store import Store
from nbrun.store import actions
from nbrun.store import system as stored

from conftest import run_python
import sync_support
from sync_support import assert_history_exactly_once, status, wait_synced

# The session's MLflow server, and the environment that makes runs online (sync_support.py).
server, online = sync_support.server, sync_support.online

# The names MLflow's own system-metrics monitor logs (mlflow/system_metrics/metrics/), which
# its UI lists in the run's System metrics tab.
MLFLOW_NAMES = {
    "system/cpu_utilization_percentage", "system/system_memory_usage_megabytes",
    "system/system_memory_usage_percentage", "system/disk_usage_percentage",
    "system/disk_usage_megabytes", "system/disk_available_megabytes",
    "system/network_receive_megabytes", "system/network_transmit_megabytes",
}
NBRUN_NAMES = {"system/process_cpu_utilization_percentage",
               "system/process_memory_usage_megabytes",
               "system/process_memory_usage_percentage",
               "system/disk_read_megabytes", "system/disk_write_megabytes"}


def sampled_run(store_dir, seconds: float, mode: str | None = "offline", **kwargs):
    """A run sampled every second that logs for ``seconds``."""
    run = nbrun.init(dir=str(store_dir), mode=mode, project="sys",
                     settings={"system_metrics_interval": 1}, **kwargs)
    deadline = time.monotonic() + seconds
    step = 0
    while time.monotonic() < deadline:
        run.log({"loss": 1 / (step + 1)})
        step += 1
        time.sleep(0.01)
    return run, step


def sampler_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("nbrun-system-")]


def test_samples_are_a_stream_of_their_own_against_wall_time(store_dir, api):
    run, steps = sampled_run(store_dir, 3.3)
    started = time.time()
    run.finish()
    assert sampler_threads() == []  # finish() stopped it
    record = api().run(run.id)
    rows = record.history(stream="system")
    assert len(rows) >= 3  # at 1, 2 and 3 s (and one at finish when the last is 1 s old)
    assert MLFLOW_NAMES | NBRUN_NAMES <= set(rows[0])
    times = [r["_timestamp"] for r in rows]
    assert times == sorted(times) and record.created_at < times[0] <= started + 1
    assert all(abs(r["_runtime"] - (r["_timestamp"] - record.created_at)) < 1e-6 for r in rows)
    assert all(0 <= r["system/cpu_utilization_percentage"] <= 100 for r in rows)
    assert all(r["system/process_memory_usage_megabytes"] > 1 for r in rows)
    # The history and the run's steps are the user's alone.
    assert record.last_step == steps - 1
    assert not any(k.startswith("system/") for k in record.keys())
    assert len(record.history()) == steps
    only = record.history(keys=["system/cpu_utilization_percentage"], stream="system")
    assert set(only[0]) == {"_timestamp", "_runtime", "system/cpu_utilization_percentage"}
    with pytest.raises(UsageError, match="stream must be 'default' or 'system'"):
        record.history(stream="events")


def test_the_default_interval_is_15_seconds_and_a_short_run_gets_one_sample_at_finish(
        store_dir, api):
    run = nbrun.init(dir=str(store_dir), mode="offline", project="sys")
    sampler = sdk_system.sampler_of(run)
    assert sampler is not None and sampler.interval == 15.0
    time.sleep(1.2)
    run.finish()
    assert len(api().run(run.id).history(stream="system")) == 1


def test_interval_zero_turns_sampling_off_and_loads_nothing(store_dir):
    proc = run_python(f"""
        import sys, threading
        import nbrun
        run = nbrun.init(dir={str(store_dir)!r}, mode="offline", project="off")
        print(sorted(t.name for t in threading.enumerate() if "system" in t.name))
        run.log({{"a": 1}})
        run.finish()
        print([m for m in ("psutil", "nbrun.sdk.system") if m in sys.modules])
        print(len(nbrun.Api({str(store_dir)!r}).run(run.id).history(stream="system")))
    """, env={"NBRUN_SYSTEM_METRICS_INTERVAL": "0"})
    assert proc.stdout.split("\n")[:3] == ["[]", "[]", "0"]


@pytest.mark.parametrize("value, message", [
    (0.5, "must be 0 .off. or from 1 to 86400 seconds, got 0.5"),
    (-3, "must be 0 .off. or from 1 to 86400 seconds"),
    (True, "expected a float, not the bool True"),
    ("15", "expected a float, not the str '15'"),
])
def test_a_bad_interval_is_refused_naming_the_setting(store_dir, value, message):
    with pytest.raises(UsageError, match=message):
        nbrun.init(dir=str(store_dir), mode="offline",
                   settings={"system_metrics_interval": value})


def test_the_variable_sets_the_interval_and_a_bad_one_is_refused(store_dir, monkeypatch):
    # The contract tracker's own variable counts where nbrun's is not set.
    monkeypatch.setenv("WANDB_X_STATS_SAMPLING_INTERVAL", "3")
    run = nbrun.init(dir=str(store_dir), mode="offline", project="sys")
    assert sdk_system.sampler_of(run).interval == 3.0
    run.finish()
    monkeypatch.setenv("NBRUN_SYSTEM_METRICS_INTERVAL", "2.5")
    run = nbrun.init(dir=str(store_dir), mode="offline", project="sys")
    assert sdk_system.sampler_of(run).interval == 2.5
    run.finish()
    monkeypatch.setenv("NBRUN_SYSTEM_METRICS_INTERVAL", "often")
    with pytest.raises(UsageError, match="NBRUN_SYSTEM_METRICS_INTERVAL='often' is not a "
                                         "number of seconds"):
        nbrun.init(dir=str(store_dir), mode="offline", project="sys")


def test_without_a_gpu_the_rest_is_sampled_and_the_reason_kept(store_dir, api):
    # This machine has no GPU; nvidia-ml-py is installed (the test extra), so NVML itself is
    # asked and answers that it finds no driver.
    run, _ = sampled_run(store_dir, 1.5)
    sampler = sdk_system.sampler_of(run)
    run.finish()
    assert sampler.gpu_status.startswith("NVML found no GPU")
    rows = api().run(run.id).history(stream="system")
    assert rows and not any("gpu" in key for row in rows for key in row)


def test_a_resumed_run_numbers_its_samples_on_and_deleting_it_deletes_them(store_dir, api):
    run, _ = sampled_run(store_dir, 1.3)
    run.finish()
    first = stored.read(Store(str(store_dir)), api().run(run.id)._row.rid)
    resumed, _ = sampled_run(store_dir, 1.3, id=run.id, resume="must")
    resumed.finish()
    store = Store(str(store_dir))
    rid = store.get(run.id).rid
    seqs = [seq for seq, _, _ in stored.read(store, rid)]
    assert seqs == list(range(len(seqs))) and len(seqs) > len(first)
    assert actions.delete_run(store, run.id) == actions.OK
    assert stored.count(store, rid) == 0


def test_samples_reach_mlflow_under_its_system_metric_names_exactly_once(online, store_dir,
                                                                          monkeypatch):
    run, _ = sampled_run(store_dir, 2.3, mode=None)
    run.finish()
    wait_synced(store_dir, run.id)
    assert_history_exactly_once(online.url, store_dir, run.id)  # system metrics included
    samples = nbrun.Api(str(store_dir)).run(run.id).history(stream="system")
    client = MlflowClient(online.url)
    server_run = client.get_run(status(store_dir, run.id)["server_run_id"])
    history = client.get_metric_history(server_run.info.run_id,
                                        "system/cpu_utilization_percentage")
    assert sorted(m.step for m in history) == list(range(len(samples)))
    # Side by side with MLflow's own system-metrics logging (what its System metrics tab
    # shows): every name it gives, nbrun gives too, and its steps also count samples from 0.
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", online.url)
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", "1")
    with mlflow.start_run(experiment_id=server_run.info.experiment_id,
                          log_system_metrics=True) as theirs:
        time.sleep(2.5)
    theirs = client.get_run(theirs.info.run_id)
    own = {k for k in theirs.data.metrics if k.startswith("system/")}
    assert own == MLFLOW_NAMES
    assert own <= set(server_run.data.metrics)
    assert min(m.step for m in client.get_metric_history(
        theirs.info.run_id, "system/cpu_utilization_percentage")) == 0


def test_nbrun_sync_sends_the_samples_of_an_offline_run(online, store_dir, monkeypatch):
    monkeypatch.delenv("NBRUN_BASE_URL")
    run, _ = sampled_run(store_dir, 1.3)
    run.finish()
    proc = run_python(f"""
        from nbrun.cli import main
        main(["sync", {run.id!r}, "--dir", {str(store_dir)!r}])
    """, env={"NBRUN_BASE_URL": online.url})
    assert proc.returncode == 0
    assert_history_exactly_once(online.url, store_dir, run.id)  # system metrics included
    assert len(nbrun.Api(str(store_dir)).run(run.id).history(stream="system")) >= 1


def test_a_store_deleted_under_the_run_is_not_recreated_by_the_sampler(store_dir, capfd):
    import os

    run = nbrun.init(dir=str(store_dir), mode="offline", project="sys",
                     settings={"system_metrics_interval": 1})
    for name in ("nbrun.db", "nbrun.db-wal", "nbrun.db-shm"):  # the folder stays
        (store_dir / ".nbrun" / name).unlink(missing_ok=True)
    time.sleep(2.3)  # two samples due meanwhile
    with pytest.raises(nbrun.Error, match="deleted or moved"):  # the run's own report
        run.finish()
    assert not os.path.exists(store_dir / ".nbrun" / "nbrun.db")
    assert "system metrics wait in memory, the store's database was deleted" in \
        capfd.readouterr().err
