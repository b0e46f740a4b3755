"""Reading runs back: ``nbrun.Api`` (runs, run, history) and the ``nbrun`` command (runs, show)."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import nbrun
import nbrun.cli

ROOT = Path(__file__).resolve().parents[1]
NAN, INF = float("nan"), float("inf")


# -- helpers ---------------------------------------------------------------------------------

def make_run(store_dir, rows=(), project="proj", exit_code=None, **kwargs):
    """A finished offline run that logged ``rows`` one step each."""
    run = nbrun.init(dir=store_dir, mode="offline", project=project, **kwargs)
    for row in rows:
        run.log(row)
    run.finish(exit_code=exit_code)
    return run


def cli(*args, cwd=None, env=None):
    """The ``nbrun`` command in a child process, with this checkout importable."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NBRUN_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "nbrun.cli", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=120)


def ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def strict_json(text):
    """json.loads without Python's NaN/Infinity extension: what other JSON readers accept."""
    def refuse(token):
        raise ValueError(f"invalid JSON constant {token}")
    return json.loads(text, parse_constant=refuse)


def comparable(rows):
    """History rows with NaN replaced by a marker, so == works (nan != nan)."""
    return [{k: "NaN" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
            for row in rows]


# -- Api.runs ----------------------------------------------------------------------------------

def test_runs_oldest_first_with_every_field(store_dir, api):
    first = make_run(store_dir, [{"loss": 1.0}, {"loss": 0.5}], entity="team", name="first",
                     tags=["a", "b"], notes="baseline", group="g1", job_type="train",
                     config={"lr": 0.1, "model": {"depth": 3}})
    second = make_run(store_dir, [{"acc": 1}], project="other", name="second")
    third = make_run(store_dir, name="third", exit_code=2)

    runs = api().runs()
    assert [r.id for r in runs] == [first.id, second.id, third.id]
    assert [r.name for r in runs] == ["first", "second", "third"]
    assert runs[0].created_at <= runs[1].created_at <= runs[2].created_at

    r = runs[0]
    assert (r.project, r.entity, r.state) == ("proj", "team", "finished")
    assert r.tags == ("a", "b")
    assert (r.notes, r.group, r.job_type) == ("baseline", "g1", "train")
    assert r.config == {"lr": 0.1, "model": {"depth": 3}}
    assert r.summary == {"loss": 0.5}
    assert isinstance(r.created_at, float)
    assert r.lineage == {}
    # Fields not given are None / empty rather than missing.
    assert (runs[1].entity, runs[1].notes, runs[1].group, runs[1].tags) == (None, None, None, ())
    assert runs[1].project == "other" and runs[1].summary == {"acc": 1}
    assert runs[2].state == "failed" and runs[2].config == {} and runs[2].summary == {}


def test_runs_filters_project_state_and_tags(store_dir, api):
    a = make_run(store_dir, project="p1", tags=["x", "y"])
    b = make_run(store_dir, project="p1", tags=["x"], exit_code=1)
    c = make_run(store_dir, project="p2", tags=["y"])

    def ids(**filters):
        return [r.id for r in api().runs(**filters)]

    assert ids(project="p1") == [a.id, b.id]
    assert ids(project="nope") == []
    assert ids(state="finished") == [a.id, c.id]
    assert ids(state="failed") == [b.id]
    assert ids(tags=["x"]) == [a.id, b.id]
    assert ids(tags=["x", "y"]) == [a.id]  # every given tag must be present
    assert ids(tags="y") == [a.id, c.id]  # a single string is one tag, not characters
    assert ids(project="p1", state="finished", tags=["y"]) == [a.id]


def test_runs_rejects_an_invalid_state(store_dir, api):
    make_run(store_dir)
    with pytest.raises(nbrun.UsageError, match="state") as info:
        api().runs(state="done")
    assert "finished" in str(info.value)  # says which states are accepted


# -- Api.run and finding the store ---------------------------------------------------------------

def test_run_by_id_and_unknown_id_suggests_a_close_one(store_dir, api):
    run = make_run(store_dir, [{"loss": 1.0}], id="alpha123")
    assert api().run("alpha123").id == run.id
    with pytest.raises(nbrun.UsageError) as info:
        api().run("alpha124")
    assert "alpha124" in str(info.value)  # names the id asked for
    assert "alpha123" in str(info.value)  # and the close one that exists


def test_api_without_a_store_is_a_usage_error(tmp_path):
    with pytest.raises(nbrun.UsageError):
        nbrun.Api(tmp_path / "empty")
    # The working folder (tmp_path/work, see conftest) holds no store either.
    with pytest.raises(nbrun.UsageError, match="NBRUN_DIR"):
        nbrun.Api()


def test_api_finds_the_store_from_the_working_folder_upwards(monkeypatch):
    work = Path.cwd()
    run = make_run(work)
    assert (work / ".nbrun").is_dir()
    deep = work / "notebooks" / "week1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert [r.id for r in nbrun.Api().runs()] == [run.id]


def test_api_uses_nbrun_dir(store_dir, tmp_path, monkeypatch):
    here = make_run(Path.cwd(), name="here")
    there = make_run(store_dir, name="there")
    monkeypatch.setenv("NBRUN_DIR", str(store_dir))
    # NBRUN_DIR wins over the store found from the working folder, as it does for init().
    assert [r.id for r in nbrun.Api().runs()] == [there.id]
    monkeypatch.setenv("NBRUN_DIR", str(tmp_path / "work"))
    assert [r.id for r in nbrun.Api().runs()] == [here.id]


# -- history ------------------------------------------------------------------------------------

def test_history_rows_hold_exactly_what_was_logged_at_each_step(store_dir, api):
    run = nbrun.init(dir=store_dir, mode="offline", project="proj")
    run.log({"loss": 1.0, "count": 1})                       # step 0
    run.log({"loss": 0.8}, commit=False)                     # step 1, accumulating...
    run.log({"lr": 0.01, "count": 2.5})                      # ...closed here
    run.log({"train": {"loss": 0.7, "acc": {"top1": 0.6}}})  # step 2, nested
    run.log({"loss": NAN, "grad": INF, "low": -INF}, step=10)
    run.log({"epoch": 3, "phase": "val", "ok": True}, step=11)
    with pytest.warns(UserWarning, match="step 5"):
        run.log({"late": 1}, step=5)  # lower than the current step: dropped
    run.finish()

    rows = api().run(run.id).history()
    assert comparable(rows) == [
        {"_step": 0, "loss": 1.0, "count": 1},
        {"_step": 1, "loss": 0.8, "lr": 0.01, "count": 2.5},
        {"_step": 2, "train/loss": 0.7, "train/acc/top1": 0.6},
        {"_step": 10, "loss": "NaN", "grad": INF, "low": -INF},
        {"_step": 11, "epoch": 3, "phase": "val", "ok": True},
    ]
    # Types survive the store: ints stay ints (even in a key that also holds floats), bools stay
    # bools, not 1 / 1.0.
    assert type(rows[0]["count"]) is int and type(rows[1]["count"]) is float
    assert type(rows[4]["epoch"]) is int
    assert rows[4]["ok"] is True
    assert math.isnan(api().run(run.id).summary["loss"])


def test_history_of_some_keys(store_dir, api):
    run = make_run(store_dir, [{"loss": 1.0, "acc": 0.1}, {"acc": 0.2}, {"loss": 0.5, "lr": 1}])
    record = api().run(run.id)
    assert record.history(keys=["loss"]) == [{"_step": 0, "loss": 1.0},
                                             {"_step": 2, "loss": 0.5}]
    assert record.history(keys="acc") == [{"_step": 0, "acc": 0.1}, {"_step": 1, "acc": 0.2}]
    assert record.history(keys=["missing"]) == []


def test_history_to_pandas(store_dir, api):
    run = make_run(store_dir, [{"loss": 1.0}, {"loss": 0.5, "acc": 0.9}])
    df = api().run(run.id).history().to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df["_step"]) == [0, 1]
    assert list(df["loss"]) == [1.0, 0.5]
    assert math.isnan(df["acc"][0]) and df["acc"][1] == 0.9  # absent at step 0


def test_reading_an_active_run_of_this_process_sees_everything_logged(store_dir, api):
    run = nbrun.init(dir=store_dir, mode="offline", project="proj")
    for i in range(3):
        run.log({"loss": 1.0 / (i + 1)})
    # No finish() and no waiting: Api flushes this process's writer before reading.
    record = api().run(run.id)
    assert record.state == "running"
    assert [row["_step"] for row in record.history()] == [0, 1, 2]
    assert record.summary == {"loss": 1.0 / 3}
    assert [r.id for r in api().runs(state="running")] == [run.id]

    run.log({"loss": 0.1})
    assert len(api().run(run.id).history()) == 4
    run.finish()
    assert api().run(run.id).state == "finished"


# -- the nbrun command --------------------------------------------------------------------------

def test_console_script_entry_point(store_dir, capsys):
    run = make_run(store_dir, name="listed")
    pyproject = (ROOT / "pyproject.toml").read_text()
    scripts = pyproject.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert 'nbrun = "nbrun.cli:main"' in scripts
    # The installed script resolves to the same function.
    (entry,) = importlib.metadata.entry_points(group="console_scripts", name="nbrun")
    assert entry.value == "nbrun.cli:main"
    main = entry.load()
    assert main is nbrun.cli.main and callable(main)
    assert main(["--dir", str(store_dir), "runs"]) == 0
    assert run.id in capsys.readouterr().out


def test_cli_runs_table_and_filters(store_dir):
    a = make_run(store_dir, [{"loss": 1.0}], project="p1", name="run-a", tags=["x", "y"])
    b = make_run(store_dir, project="p1", name="run-b", tags=["x"], exit_code=1)
    c = make_run(store_dir, project="p2", name="run-c")

    out = ok(cli("--dir", store_dir, "runs"))
    for run, state in ((a, "finished"), (b, "failed"), (c, "finished")):
        line = next(row for row in out.splitlines() if run.id in row)
        assert run.name in line and state in line
    assert out.index(a.id) < out.index(b.id) < out.index(c.id)  # oldest first

    def listed(*args):
        out = ok(cli("--dir", store_dir, "runs", *args))
        return [r.id for r in (a, b, c) if r.id in out]

    assert listed("--project", "p1") == [a.id, b.id]
    assert listed("--state", "failed") == [b.id]
    assert listed("--tag", "x") == [a.id, b.id]
    assert listed("--tag", "x", "--tag", "y") == [a.id]
    assert listed("--project", "p2", "--state", "failed") == []
    # --dir after the subcommand and NBRUN_DIR work too.
    assert a.id in ok(cli("runs", "--dir", store_dir))
    assert a.id in ok(cli("runs", env={"NBRUN_DIR": str(store_dir)}))


def test_cli_runs_json_is_valid_json(store_dir):
    run = make_run(store_dir, [{"loss": NAN, "acc": 0.5}], name="json-run", tags=["t"])
    data = strict_json(ok(cli("--dir", store_dir, "runs", "--json")))
    assert [d["id"] for d in data] == [run.id]
    entry = data[0]
    assert (entry["name"], entry["project"], entry["state"]) == ("json-run", "proj", "finished")
    assert entry["tags"] == ["t"]
    assert entry["summary"] == {"loss": "nan", "acc": 0.5}  # NaN has no JSON form


def test_cli_show_prints_config_summary_state_and_last_steps(store_dir):
    run = make_run(store_dir, [{"loss": 1.0 - i / 10, "marker": f"m{i}"} for i in range(8)],
                   name="shown", config={"lr": 0.25, "opt": "adam"})
    out = ok(cli("--dir", store_dir, "show", run.id, "--steps", "3"))
    assert run.id in out and "shown" in out
    assert "finished" in out
    assert "lr = 0.25" in out and "opt = 'adam'" in out
    assert "loss = 0.3" in out  # the summary: the last value
    # The last three steps only.
    assert "'m7'" in out and "'m5'" in out and "'m4'" not in out


def test_cli_show_json(store_dir):
    run = make_run(store_dir, [{"loss": float(i)} for i in range(6)] + [{"loss": NAN}],
                   config={"lr": 0.25})
    data = strict_json(ok(cli("--dir", store_dir, "show", run.id, "--json", "--steps", "2")))
    assert data["id"] == run.id and data["state"] == "finished"
    assert data["config"] == {"lr": 0.25}
    assert data["summary"] == {"loss": "nan"}
    assert data["last_steps"] == [{"_step": 5, "loss": 5.0}, {"_step": 6, "loss": "nan"}]


def test_cli_show_unknown_id(store_dir):
    make_run(store_dir, id="alpha123")
    proc = cli("--dir", store_dir, "show", "alpha124")
    assert proc.returncode == 1
    assert "alpha124" in proc.stderr and "alpha123" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("how", ["--dir", "NBRUN_DIR", "working folder"])
def test_cli_without_a_store_says_how_to_point_at_one(tmp_path, how):
    missing = tmp_path / "no-store-here"
    missing.mkdir()
    if how == "--dir":
        proc = cli("--dir", missing, "runs", cwd=missing)
    elif how == "NBRUN_DIR":
        proc = cli("runs", cwd=missing, env={"NBRUN_DIR": str(missing)})
    else:
        proc = cli("runs", cwd=missing)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    # A command-line user is told about the command's option and the variable.
    assert "--dir" in proc.stderr and "NBRUN_DIR" in proc.stderr, proc.stderr


def test_cli_show_lineage_of_forked_rewound_and_resumed_runs(store_dir, api):
    source = make_run(store_dir, [{"loss": float(i)} for i in range(6)], id="source01")

    fork = make_run(store_dir, [{"loss": 9.0}], fork_from="source01?_step=3")
    assert "forked from source01 at step 3" in ok(cli("--dir", store_dir, "show", fork.id))
    assert [r["_step"] for r in api().run(fork.id).history()] == [0, 1, 2, 3, 4]
    assert api().run(fork.id).lineage["forked_from"] == {"id": "source01", "step": 3}

    rewound = make_run(store_dir, [{"loss": 7.0}], resume_from="source01?_step=2")
    assert rewound.id == source.id
    assert "rewound at step 2" in ok(cli("--dir", store_dir, "show", source.id))
    assert comparable(api().run(source.id).history())[-2:] == [{"_step": 2, "loss": 2.0},
                                                                {"_step": 3, "loss": 7.0}]

    plain = make_run(store_dir, [{"loss": 1.0}], id="plain001")
    assert "resumed" not in ok(cli("--dir", store_dir, "show", plain.id))
    resumed = make_run(store_dir, [{"loss": 0.5}], id="plain001", resume="allow")
    assert resumed.resumed
    assert [r["_step"] for r in api().run("plain001").history()] == [0, 1]
    assert "resumed once" in ok(cli("--dir", store_dir, "show", "plain001"))
