"""Where values come from, lowest to highest: defaults, settings files, NBRUN_* variables (read at
every init()), settings=, keyword arguments."""

from __future__ import annotations

import pytest
import yaml

import nbrun


def write_yaml(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


@pytest.fixture
def user_file(tmp_path):
    return tmp_path / "xdg" / "nbrun" / "settings.yaml"


@pytest.fixture
def project_file(store_dir):
    return store_dir / ".nbrun" / "settings.yaml"


def stored(store_dir, run):
    return nbrun.Api(store_dir).run(run.id)


def test_defaults_give_an_offline_run_with_one_notice(store_dir, capsys, monkeypatch):
    monkeypatch.setattr("nbrun.sdk.initialize._offline_notice_shown", False)
    run = nbrun.init(dir=store_dir)
    run.finish()
    nbrun.init(dir=store_dir).finish()
    assert run.mode == "offline"
    assert capsys.readouterr().err.count("no tracking server is configured") == 1
    assert stored(store_dir, run).state == "finished"


def test_each_level_overrides_the_one_below(store_dir, user_file, project_file, monkeypatch):
    write_yaml(user_file, {"project": "from-user", "group": "g-user", "notes": "n-user",
                           "job_type": "j-user", "tags": ["user"]})
    write_yaml(project_file, {"project": "from-project", "group": "g-project",
                              "notes": "n-project", "job_type": "j-project"})
    monkeypatch.setenv("NBRUN_PROJECT", "from-env")
    monkeypatch.setenv("NBRUN_RUN_GROUP", "g-env")
    monkeypatch.setenv("NBRUN_NOTES", "n-env")
    run = nbrun.init(dir=store_dir, mode="offline", settings={"project": "from-settings",
                                                              "group": "g-settings"},
                     project="from-kwarg")
    record = stored(store_dir, run)
    assert record.project == "from-kwarg"        # kwargs beat settings=
    assert record.group == "g-settings"          # settings= beats the environment
    assert record.notes == "n-env"               # the environment beats the files
    assert record.job_type == "j-project"        # the project file beats the user file
    assert record.tags == ("user",)              # the user file beats the defaults


def test_settings_object_and_dict_are_equivalent(store_dir):
    a = nbrun.init(dir=store_dir, mode="offline", settings=nbrun.Settings(project="p", tags=["t"]))
    a.finish()
    b = nbrun.init(dir=store_dir, mode="offline", settings={"project": "p", "tags": ["t"]})
    b.finish()
    assert stored(store_dir, a).project == stored(store_dir, b).project == "p"
    assert stored(store_dir, a).tags == stored(store_dir, b).tags == ("t",)


def test_environment_is_read_at_every_init(store_dir, monkeypatch):
    monkeypatch.setenv("NBRUN_PROJECT", "first")
    monkeypatch.setenv("NBRUN_TAGS", "a, b,,c")
    first = nbrun.init(dir=store_dir, mode="offline")
    first.finish()
    monkeypatch.setenv("NBRUN_PROJECT", "second")
    monkeypatch.setenv("NBRUN_JOB_TYPE", "eval")
    second = nbrun.init(dir=store_dir, mode="offline")
    assert (first.project, second.project) == ("first", "second")
    assert first.tags == ("a", "b", "c")
    assert second.job_type == "eval" and first.job_type is None


def test_env_run_id_name_and_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NBRUN_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("NBRUN_RUN_ID", "envid1")
    monkeypatch.setenv("NBRUN_NAME", "env-name")
    monkeypatch.setenv("NBRUN_MODE", "offline")
    run = nbrun.init()
    assert (run.id, run.name) == ("envid1", "env-name")
    assert (tmp_path / "elsewhere" / ".nbrun" / "nbrun.db").exists()


def test_env_mode_disabled_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("NBRUN_MODE", "disabled")
    run = nbrun.init(dir=tmp_path / "s")
    assert run.mode == "disabled"
    assert not (tmp_path / "s").exists()


def test_unknown_settings_key_suggests_the_closest(store_dir):
    with pytest.raises(nbrun.UsageError,
                       match=r"unknown setting 'projct' \(did you mean 'project'"):
        nbrun.init(dir=store_dir, settings={"projct": "x"})
    with pytest.raises(nbrun.UsageError, match=r"'run_id' \(did you mean 'id'"):
        nbrun.Settings(run_id="x")


def test_invalid_setting_values_are_usage_errors(store_dir, user_file, monkeypatch):
    with pytest.raises(nbrun.UsageError, match="mode"):
        nbrun.init(dir=store_dir, settings={"mode": "onlin"})
    with pytest.raises(nbrun.UsageError, match="did you mean 'online'"):
        nbrun.Settings(mode="onlin")
    monkeypatch.setenv("NBRUN_SILENT", "perhaps")
    with pytest.raises(nbrun.UsageError, match="NBRUN_SILENT"):
        nbrun.init(dir=store_dir, mode="offline")
    monkeypatch.delenv("NBRUN_SILENT")
    write_yaml(user_file, {"project": "a/b"})
    with pytest.raises(nbrun.UsageError, match=r"settings file .*settings.yaml.*project"):
        nbrun.init(dir=store_dir, mode="offline")


def test_unknown_nbrun_variable_is_refused_with_a_suggestion(store_dir, monkeypatch):
    monkeypatch.setenv("NBRUN_PROJEKT", "x")
    with pytest.raises(nbrun.UsageError, match="NBRUN_PROJEKT.*did you mean 'NBRUN_PROJECT'"):
        nbrun.init(dir=store_dir, mode="offline")


def test_malformed_settings_file_names_file_and_line(store_dir, user_file):
    user_file.parent.mkdir(parents=True)
    user_file.write_text("project: ok\ntags: [a, b\n")
    with pytest.raises(nbrun.UsageError, match=r"settings.yaml line \d+"):
        nbrun.init(dir=store_dir, mode="offline")


def test_settings_must_be_settings_or_dict(store_dir):
    with pytest.raises(nbrun.UsageError, match="settings must be an nbrun.Settings or a dict"):
        nbrun.init(dir=store_dir, settings=["project", "x"])


def test_settings_remembers_only_explicit_keys():
    s = nbrun.Settings(project="p")
    s.silent = True
    assert s.explicit() == {"project": "p", "silent": True}
