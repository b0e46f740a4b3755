"""One test (at least) per argument of the init() contract."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import sys

import numpy as np
import pytest

import nbrun
from conftest import child_env, run_python

CONTRACT_SIGNATURE = [
    "entity", "project", "dir", "id", "name", "notes", "tags", "config", "config_exclude_keys",
    "config_include_keys", "allow_val_change", "group", "job_type", "mode", "force", "anonymous",
    "reinit", "resume", "resume_from", "fork_from", "save_code", "tensorboard",
    "sync_tensorboard", "monitor_gym", "settings",
]


def start(store_dir, **kwargs):
    # Outside a notebook the default reinit returns the active run; these tests want new ones.
    kwargs.setdefault("mode", "offline")
    kwargs.setdefault("reinit", "finish_previous")
    return nbrun.init(dir=store_dir, **kwargs)


def ids_in(store_dir):
    return {r.id for r in nbrun.Api(store_dir).runs()}


def test_signature_matches_the_contract():
    params = inspect.signature(nbrun.init).parameters
    assert list(params) == CONTRACT_SIGNATURE
    assert all(p.default is None for p in params.values())
    from nbrun.sdk.arguments import ARGUMENTS

    assert list(ARGUMENTS) == CONTRACT_SIGNATURE  # the rule table covers every argument


# -- id ----------------------------------------------------------------------------------------
def test_generated_ids_are_8_lowercase_alphanumerics(store_dir):
    ids = set()
    for _ in range(5):
        run = start(store_dir, reinit="create_new")
        assert re.fullmatch(r"[a-z0-9]{8}", run.id)
        ids.add(run.id)
    assert len(ids) == 5


@pytest.mark.parametrize("char", list("/\\#?%:"))
def test_id_refuses_each_forbidden_character(store_dir, char):
    with pytest.raises(nbrun.UsageError, match=r"id=.*contains"):
        start(store_dir, id=f"a{char}b")


@pytest.mark.parametrize("bad, message", [
    ("x" * 65, "at most 64"), (" lead", "white space"), ("trail ", "white space"),
    ("", "must not be empty"), (12, "must be a string"),
])
def test_id_length_space_and_type(store_dir, bad, message):
    with pytest.raises(nbrun.UsageError, match=message):
        start(store_dir, id=bad)


def test_id_of_64_characters_is_accepted(store_dir):
    assert start(store_dir, id="x" * 64).id == "x" * 64


# -- name --------------------------------------------------------------------------------------
def test_offline_runs_get_readable_numbered_names(store_dir):
    first = start(store_dir, project="p")
    first.finish()
    second = start(store_dir, project="p")
    assert re.fullmatch(r"[a-z]+-[a-z]+-1", first.name)
    assert re.fullmatch(r"[a-z]+-[a-z]+-2", second.name)
    assert nbrun.Api(store_dir).run(first.id).name == first.name


def test_explicit_name(store_dir):
    assert start(store_dir, name="my run").name == "my run"
    with pytest.raises(nbrun.UsageError, match="name must be a string"):
        start(store_dir, name=3)


# -- project -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["a/b", "a\\b", "a#b", "a?b", "a%b", "a:b", "x" * 129, ""])
def test_project_rules(store_dir, bad):
    with pytest.raises(nbrun.UsageError, match="project"):
        start(store_dir, project=bad)
    assert not (store_dir / ".nbrun").exists()


def test_project_inferred_from_git_root(tmp_path):
    repo = tmp_path / "my-repo"
    (repo / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    out = run_python("import nbrun; print(nbrun.init(mode='offline').project)", cwd=repo / "sub")
    assert out.stdout.strip() == "my-repo"
    # The store of a git checkout lives at its root.
    assert (repo / ".nbrun" / "nbrun.db").exists()


def test_project_inferred_from_program_stem(tmp_path):
    script = tmp_path / "train_model.py"
    script.write_text("import nbrun\nprint(nbrun.init(mode='offline').project)\n")
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
        env=child_env())
    assert proc.stdout.strip() == "train_model", proc.stderr


def test_project_inferred_from_notebook_name(tmp_path):
    out = run_python("import nbrun; print(nbrun.init(mode='offline').project)", cwd=tmp_path,
                     env={"NBRUN_NOTEBOOK_NAME": str(tmp_path / "Explore Data.ipynb")})
    assert out.stdout.strip() == "Explore Data"


def test_project_uncategorized_without_git_or_program(tmp_path):
    out = run_python("import nbrun; print(nbrun.init(mode='offline').project)", cwd=tmp_path)
    assert out.stdout.strip() == "uncategorized"


# -- entity, notes, group, job_type, tags -------------------------------------------------------
def test_free_text_fields_are_recorded_and_filterable(store_dir):
    run = start(store_dir, entity="team-a", notes="first try\nwith details", group="sweep-1",
                job_type="train")
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    assert (record.entity, record.notes, record.group, record.job_type) == (
        "team-a", "first try\nwith details", "sweep-1", "train")
    with pytest.raises(nbrun.UsageError, match="entity"):
        start(store_dir, entity="a/b")
    with pytest.raises(nbrun.UsageError, match="group must be a string"):
        start(store_dir, group=["x"])
    with pytest.raises(nbrun.UsageError, match="notes must be a string"):
        start(store_dir, notes=1.5)


def test_tags_rules(store_dir):
    run = start(store_dir, tags=["a", "b", "a"])
    assert run.tags == ("a", "b")
    run.finish()
    single = start(store_dir, tags="abc")  # one tag, as the contract's tracker reads it
    assert single.tags == ("abc",)
    single.finish()
    with pytest.raises(nbrun.UsageError, match="1 to 64"):
        start(store_dir, tags=["x" * 65])
    with pytest.raises(nbrun.UsageError, match="1 to 64"):
        start(store_dir, tags=[""])
    with pytest.raises(nbrun.UsageError, match="each tag must be a string"):
        start(store_dir, tags=[1])


# -- config ------------------------------------------------------------------------------------
def test_config_from_dict_namespace_and_absl_flags(store_dir):
    from absl import flags

    assert start(store_dir, config={"lr": 0.1}).config["lr"] == 0.1
    ns = argparse.Namespace(lr=0.2, epochs=3)
    assert start(store_dir, config=ns).config.as_dict() == {"lr": 0.2, "epochs": 3}
    fv = flags.FlagValues()
    flags.DEFINE_float("lr", 0.3, "learning rate", flag_values=fv)
    flags.DEFINE_integer("batch", 32, "batch size", flag_values=fv)
    fv(["prog"])
    run = start(store_dir, config=fv)
    assert run.config["lr"] == 0.3 and run.config["batch"] == 32
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).config == {"lr": 0.3, "batch": 32}


def test_config_from_plain_yaml(store_dir, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("lr: 0.1\nmodel:\n  depth: 4\n")
    assert start(store_dir, config=str(path)).config.as_dict() == {"lr": 0.1,
                                                                    "model": {"depth": 4}}


def test_config_from_value_layout_yaml(store_dir, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("wandb_version: 1\nlr:\n  desc: learning rate\n  value: 0.1\n"
                    "epochs:\n  value: 5\n")
    assert start(store_dir, config=path).config.as_dict() == {"lr": 0.1, "epochs": 5}


def test_config_yaml_errors_name_file_and_line(store_dir, tmp_path):
    with pytest.raises(nbrun.UsageError, match="does not exist"):
        start(store_dir, config=str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("lr: 0.1\nlayers: [1, 2\nx: 3\n")
    with pytest.raises(nbrun.UsageError, match=r"bad.yaml line \d+"):
        start(store_dir, config=str(bad))
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(nbrun.UsageError, match="top level must be a mapping"):
        start(store_dir, config=str(listy))
    assert not (store_dir / ".nbrun").exists()


def test_config_of_unsupported_type(store_dir):
    with pytest.raises(nbrun.UsageError, match="config must be a dict"):
        start(store_dir, config=[("lr", 1)])


def test_config_include_and_exclude_keys(store_dir):
    cfg = {"a": 1, "b": 2, "c": 3}
    assert set(start(store_dir, config=cfg, config_include_keys=["a", "c"]).config) == {"a", "c"}
    assert set(start(store_dir, config=cfg, config_exclude_keys=["a"]).config) == {"b", "c"}
    with pytest.raises(nbrun.UsageError, match="cannot both be given"):
        start(store_dir, config=cfg, config_include_keys=["a"], config_exclude_keys=["b"])
    with pytest.raises(nbrun.UsageError, match="config_include_keys must be a list"):
        start(store_dir, config=cfg, config_include_keys="a")


@pytest.mark.parametrize("cfg, path", [
    ({"a.b": 1}, "a.b"), ({"outer": {"in.ner": 1}}, "outer.in.ner"), ({"": 1}, "empty key"),
    ({1: 2}, "must be a string"), ({"x": {b"a"}}, "x[0]"), ({"x": object()}, "'x'"),
    ({"outer": {"deep": {"f": lambda: 1}}}, "outer.deep.f"),
])
def test_config_key_and_value_rules_name_the_key_path(store_dir, cfg, path):
    with pytest.raises(nbrun.UsageError, match=re.escape(path)):
        start(store_dir, config=cfg)


def test_config_converts_numpy_and_paths(store_dir, tmp_path):
    run = start(store_dir, config={"lr": np.float32(0.5), "n": np.int64(3),
                                   "w": np.arange(3), "data": tmp_path / "d.csv"})
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).config == {
        "lr": 0.5, "n": 3, "w": [0, 1, 2], "data": str(tmp_path / "d.csv")}


def test_config_value_size_limit(store_dir):
    with pytest.raises(nbrun.UsageError, match="'big'.*under 10 MB"):
        start(store_dir, config={"big": "x" * (10 * 1024 * 1024)})
    assert start(store_dir, config={"ok": "x" * (1024 * 1024)}).config["ok"]


# -- allow_val_change --------------------------------------------------------------------------
def test_allow_val_change_defaults_to_false_outside_a_notebook(store_dir):
    run = start(store_dir, config={"lr": 0.1})
    run.config.lr = 0.1  # an equal value never raises
    with pytest.raises(nbrun.ConfigError, match="'lr'.*allow_val_change"):
        run.config.lr = 0.2


def test_allow_val_change_explicit_values_are_honoured(store_dir):
    run = start(store_dir, config={"lr": 0.1}, allow_val_change=True)
    run.config.lr = 0.2
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).config["lr"] == 0.2
    with pytest.raises(nbrun.UsageError, match="allow_val_change must be True or False"):
        start(store_dir, allow_val_change="yes")


def test_allow_val_change_defaults_to_true_in_a_notebook_kernel(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        f"import nbrun\nrun = nbrun.init(dir={str(tmp_path)!r}, mode='offline', "
        "config={'lr': 0.1})\nrun.config.lr = 0.5\nprint(run.config.lr)")]
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs[-1]["text"].strip() == "0.5"


# -- mode, force, anonymous --------------------------------------------------------------------
def test_mode_values(store_dir):
    with pytest.raises(nbrun.UsageError, match=r"mode='dryrun'.*'online', 'offline', 'disabled'"):
        start(store_dir, mode="dryrun")
    assert start(store_dir, mode="offline").mode == "offline"


def test_online_without_server_falls_back_with_one_notice(store_dir, capsys, monkeypatch):
    monkeypatch.setattr("nbrun.sdk.initialize._offline_notice_shown", False)
    run = start(store_dir, mode="online")
    assert run.mode == "offline"
    assert "no tracking server is configured" in capsys.readouterr().err


def test_online_with_force_and_no_server_is_an_authentication_error(store_dir):
    with pytest.raises(nbrun.AuthenticationError, match="force=True"):
        start(store_dir, mode="online", force=True)
    assert not (store_dir / ".nbrun").exists()
    with pytest.raises(nbrun.UsageError, match="force must be True or False"):
        start(store_dir, force="yes")


def test_anonymous_values_are_validated_and_recorded(store_dir):
    run = start(store_dir, anonymous="must")
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).settings["anonymous"] == "must"
    with pytest.raises(nbrun.UsageError, match="did you mean 'allow'"):
        start(store_dir, anonymous="alow")


def test_disabled_mode_is_cheap_and_writes_nothing(tmp_path):
    run = nbrun.init(mode="disabled", dir=tmp_path / "none", project="p", config={"a": 1})
    run.log({"x": 1})
    run.log({"x": {"nested": 2}}, step=10, commit=False)
    run.config.update({"a": 2})
    run.summary["best"] = 1
    run.tags += ("t",)
    assert nbrun.run is run
    nbrun.log({"y": 2})
    with run:
        pass
    assert run.state == "finished"
    assert not (tmp_path / "none").exists()


# -- the rest of the arguments: validated and recorded ------------------------------------------
def test_boolean_arguments_are_validated(store_dir):
    for arg in ("save_code", "sync_tensorboard", "monitor_gym", "tensorboard"):
        with pytest.raises(nbrun.UsageError, match=arg):
            start(store_dir, **{arg: "yes"})


def test_tensorboard_is_a_deprecated_alias(store_dir):
    with pytest.warns(DeprecationWarning, match="sync_tensorboard"):
        run = start(store_dir, tensorboard=False)
    assert run.settings.sync_tensorboard is False


def test_save_code_in_a_script_saves_the_program(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import nbrun\nrun = nbrun.init(mode='offline', save_code=True)\n"
                      "print(run.dir)\n")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, env=child_env())
    run_dir = out.stdout.strip()
    assert (tmp_path / run_dir / "code" / "prog.py").read_text() == script.read_text()


def test_dir_must_be_a_folder(tmp_path):
    afile = tmp_path / "f"
    afile.write_text("")
    with pytest.raises(nbrun.UsageError, match="is a file"):
        nbrun.init(dir=afile, mode="offline")
    with pytest.raises(nbrun.UsageError, match="dir must be a path"):
        nbrun.init(dir=5, mode="offline")


def test_dir_creates_the_store_there(tmp_path):
    run = nbrun.init(dir=tmp_path / "new" / "place", mode="offline")
    assert run.dir == str(tmp_path / "new" / "place" / ".nbrun" / "runs" / run.id)
    assert (tmp_path / "new" / "place" / ".nbrun" / "nbrun.db").exists()


def test_store_is_found_in_a_parent_folder(tmp_path, monkeypatch):
    (tmp_path / "proj" / ".nbrun").mkdir(parents=True)
    (tmp_path / "proj" / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "proj" / "deep" / "er")
    run = nbrun.init(mode="offline")
    assert run.dir.startswith(str(tmp_path / "proj" / ".nbrun"))


def test_resume_arguments_are_validated(store_dir):
    with pytest.raises(nbrun.UsageError, match="resume='sometimes'"):
        start(store_dir, resume="sometimes")
    with pytest.raises(nbrun.UsageError, match="resume_from.*'<run_id>\\?_step=<step>'"):
        start(store_dir, resume_from="abc")
    with pytest.raises(nbrun.UsageError, match="cannot be used together"):
        start(store_dir, resume="allow", fork_from="abc?_step=1")
    with pytest.raises(nbrun.UsageError, match="reinit='sometimes'"):
        start(store_dir, reinit="sometimes")


def test_internal_failures_surface_as_nbrun_error(store_dir, monkeypatch):
    # A fake: a broken dependency cannot be produced on demand, so one is injected.
    def broken(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr("nbrun.sdk.initialize.environment.program_label", broken)
    with pytest.raises(nbrun.Error, match="disk on fire") as info:
        start(store_dir)
    assert type(info.value) is nbrun.Error
