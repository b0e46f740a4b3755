"""Issue 22 point 8: the smaller parts of the contract tracker's surface that notebooks written for
it use: config.update() with another run's config or an argparse.Namespace, sets in config,
``nbrun.errors``, a single tag as a string, run paths in ``Api().run()``, ``run.entity``,
``run.project``, ``run.path`` and ``run.dir`` (a disabled run's too), and a disabled run's
summary."""

from __future__ import annotations

import argparse
import os

import pytest

import nbrun


def test_config_update_takes_another_runs_config_and_a_namespace(store_dir):
    source = nbrun.init(dir=store_dir, mode="offline", project="p", config={"lr": 0.1, "n": 2})
    source.finish()
    run = nbrun.init(dir=store_dir, mode="offline", project="p", config=source.config)
    run.config.update(argparse.Namespace(batch=32, act="relu"))
    run.config.update(source.config, allow_val_change=True)
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).config == {"lr": 0.1, "n": 2, "batch": 32,
                                                       "act": "relu"}


def test_sets_in_config_are_stored_as_sorted_lists(store_dir):
    run = nbrun.init(dir=store_dir, mode="offline", project="p",
                     config={"classes": {"dog", "cat", "bird"}, "nested": {"ids": {3, 1, 2}}})
    run.config.update({"mixed": frozenset({1, "a"})})
    run.finish()
    config = nbrun.Api(store_dir).run(run.id).config
    assert config["classes"] == ["bird", "cat", "dog"] and config["nested"]["ids"] == [1, 2, 3]
    assert sorted(map(str, config["mixed"])) == ["1", "a"]


def test_the_errors_module_holds_the_trackers_error_classes():
    import nbrun.errors as errors

    for name in ("Error", "UsageError", "CommError", "AuthenticationError", "UnsupportedError"):
        cls = getattr(nbrun.errors, name)
        assert getattr(errors, name) is cls and issubclass(cls, nbrun.Error)
    assert issubclass(nbrun.errors.UnsupportedError, nbrun.errors.UsageError)


def test_a_single_tag_given_as_a_string_is_one_tag(store_dir, monkeypatch):
    run = nbrun.init(dir=store_dir, mode="offline", project="p", tags="baseline")
    assert run.tags == ("baseline",)
    run.finish()
    assert nbrun.init(mode="disabled", tags="solo").tags == ("solo",)


def test_runs_are_found_by_their_paths(store_dir):
    run = nbrun.init(dir=store_dir, mode="offline", project="proj", entity="team", id="r1")
    other = nbrun.init(dir=store_dir, mode="offline", project="proj", id="r2",
                       reinit="create_new")
    assert (run.entity, run.project, run.path) == ("team", "proj", "team/proj/r1")
    assert other.path == "proj/r2"
    assert os.path.isdir(run.dir)
    run.finish()
    other.finish()
    api = nbrun.Api(store_dir)
    for path in ("r1", "proj/r1", "team/proj/r1", "team/proj/runs/r1"):
        assert api.run(path).id == "r1", path
    assert api.run("team/proj/r1").path == "team/proj/r1"
    with pytest.raises(nbrun.UsageError, match="belongs to project 'proj', not 'other'"):
        api.run("team/other/r1")
    with pytest.raises(nbrun.UsageError, match="belongs to entity 'team', not 'them'"):
        api.run("them/proj/r1")
    with pytest.raises(nbrun.UsageError, match="is not one of"):
        api.run("a/b/c/d/e")
    assert [r.id for r in api.runs("team/proj")] == ["r1"]
    assert [r.id for r in api.runs("proj")] == ["r1", "r2"]


def test_a_disabled_run_has_the_same_surface(tmp_path):
    run = nbrun.init(mode="disabled", project="p", entity="e", id="off1")
    assert (run.entity, run.project, run.path) == ("e", "p", "e/p/off1")
    with open(os.path.join(run.dir, "model.txt"), "w") as f:  # code saving into run.dir works
        f.write("weights")
    run.summary["best"] = {"acc": 0.9, "epoch": {"n": 3}}
    assert run.summary["best"] == {"acc": 0.9, "epoch": {"n": 3}}
    nbrun.log({"loss": 0.5, "train": {"acc": 0.7}})
    nbrun.log({"loss": 0.25})
    assert nbrun.summary["loss"] == 0.25 and nbrun.summary["train"] == {"acc": 0.7}
    assert run.step == 2
    run.define_metric("loss", summary="min")
    run.alert("note", "nothing is kept", level=nbrun.AlertLevel.WARN)
    run.finish()
    assert not os.path.exists(tmp_path / "work" / ".nbrun")  # nothing written
