"""Issue 22 point 2: the contract tracker's environment variables (``WANDB_PROJECT``, ...) set
what their ``NBRUN_*`` twins set, read at every ``init()``, below ``NBRUN_*``; and its documented
"resume with WANDB_RUN_ID and WANDB_RESUME" recipe resumes, run as separate processes."""

from __future__ import annotations

import json

import pytest

import nbrun
from conftest import run_python

TRACKER_VARS = {
    "WANDB_PROJECT": "wp", "WANDB_ENTITY": "team", "WANDB_NAME": "named", "WANDB_NOTES": "n",
    "WANDB_TAGS": "a, b,,c", "WANDB_RUN_GROUP": "g", "WANDB_JOB_TYPE": "train",
    "WANDB_MODE": "dryrun", "WANDB_RUN_ID": "fromenv", "WANDB_SILENT": "true",
    # That tracker's own server: never taken for an MLflow server (the run stays offline).
    "WANDB_BASE_URL": "https://api.wandb.ai",
}


@pytest.fixture
def tracker_env(monkeypatch):
    for var, value in TRACKER_VARS.items():
        monkeypatch.setenv(var, value)
    return monkeypatch


def test_the_trackers_variables_give_the_settings(store_dir, tracker_env, capsys):
    tracker_env.setattr("nbrun.sdk.initialize._offline_notice_shown", False)
    run = nbrun.init(dir=store_dir)
    assert (run.project, run.entity, run.name, run.notes, run.group, run.job_type, run.id) == (
        "wp", "team", "named", "n", "g", "train", "fromenv")
    assert run.tags == ("a", "b", "c") and run.mode == "offline"  # dryrun is offline
    assert run.settings.silent and "no tracking server" not in capsys.readouterr().err
    run.finish()
    record = nbrun.Api(store_dir).run("team/wp/fromenv")
    assert record.tags == ("a", "b", "c") and record.group == "g"


def test_nbrun_variables_and_arguments_come_first_and_each_init_reads_again(store_dir,
                                                                           tracker_env):
    tracker_env.setenv("NBRUN_PROJECT", "np")
    tracker_env.delenv("WANDB_RUN_ID")
    first = nbrun.init(dir=store_dir, name="kw")
    first.finish()
    assert (first.project, first.name) == ("np", "kw")
    tracker_env.delenv("NBRUN_PROJECT")
    tracker_env.setenv("WANDB_PROJECT", "later")
    second = nbrun.init(dir=store_dir)
    second.finish()
    assert second.project == "later"


def test_the_trackers_dir_places_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "elsewhere"))
    run = nbrun.init(mode="offline", project="p")
    run.finish()
    assert run.dir.startswith(str(tmp_path / "elsewhere" / ".nbrun"))
    monkeypatch.setenv("NBRUN_DIR", str(tmp_path / "mine"))  # NBRUN_DIR comes first
    other = nbrun.init(mode="offline", project="p")
    other.finish()
    assert other.dir.startswith(str(tmp_path / "mine" / ".nbrun"))


def test_a_bad_tracker_variable_is_a_usage_error_naming_it(store_dir, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "sideways")
    with pytest.raises(nbrun.UsageError, match="WANDB_MODE: mode='sideways'"):
        nbrun.init(dir=store_dir)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_RESUME", "sometimes")
    with pytest.raises(nbrun.UsageError, match="WANDB_RESUME"):
        nbrun.init(dir=store_dir)


TRAIN = """
import json, nbrun
run = nbrun.init(project="resumable")   # no arguments: the environment says which run
for _ in range(3):
    run.log({"loss": 1.0 / (run.step + 1)})
print(json.dumps({"id": run.id, "resumed": run.resumed, "start": run.starting_step}))
run.finish()
"""


def test_resume_with_run_id_and_resume_variables_as_documented(tmp_path):
    env = {"NBRUN_DIR": str(tmp_path / "store"), "WANDB_RUN_ID": "job-1234",
           "WANDB_RESUME": "allow", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    outputs = [json.loads(run_python(TRAIN, cwd=tmp_path, env=env).stdout.splitlines()[-1])
               for _ in range(2)]
    assert outputs == [{"id": "job-1234", "resumed": False, "start": 0},
                       {"id": "job-1234", "resumed": True, "start": 3}]
    record = nbrun.Api(tmp_path / "store").run("job-1234")
    assert [row["_step"] for row in record.history()] == list(range(6))
    assert record.resumed_count == 1 and len(nbrun.Api(tmp_path / "store").runs()) == 1
