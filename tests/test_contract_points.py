"""Issue 10 point 6: small contract points found by checking against a peer's own test suite,
one test per sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbrun
from nbrun.errors import UsageError


# "Settings(dir=Path) and settings={"dir": Path(...)} are accepted as init(dir=Path(...)) is"
def test_settings_dir_takes_a_path(store_dir):
    assert nbrun.Settings(dir=store_dir).dir == str(store_dir)
    for settings in (nbrun.Settings(dir=Path(store_dir)), {"dir": Path(store_dir)}):
        with nbrun.init(mode="offline", project="p", settings=settings) as run:
            run.log({"a": 1.0})
        assert run.dir.startswith(str(store_dir / ".nbrun" / "runs"))
        assert nbrun.Api(store_dir).run(run.id).history() == [{"_step": 0, "a": 1.0}]
    s = nbrun.Settings()
    s.dir = Path(store_dir)
    assert s.dir == str(store_dir)


# "a dir that cannot be a folder (under a regular file) is a UsageError naming dir"
@pytest.mark.parametrize("how", ["dir", "settings", "Settings"])
def test_dir_under_a_regular_file_is_a_usage_error(tmp_path, how):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    target = blocker / "sub" / "store"
    kwargs = {"dir": target} if how == "dir" else \
        {"settings": {"dir": target}} if how == "settings" else \
        {"settings": nbrun.Settings(dir=target)}
    with pytest.raises(UsageError, match=r"dir=.*cannot be a folder: .*file.txt' is a file"):
        nbrun.init(mode="offline", project="p", **kwargs)
    assert blocker.read_text() == "x"


# "assigning to a finished run's config, summary, name, notes or tags raises a UsageError
# saying the run is finished"
@pytest.mark.parametrize("change", [
    lambda run: run.config.update({"lr": 0.5}),
    lambda run: run.config.__setitem__("lr", 0.5),
    lambda run: setattr(run.config, "lr", 0.5),
    lambda run: run.config.setdefaults({"new": 1}),
    lambda run: run.config.__delitem__("lr"),
    lambda run: run.summary.__setitem__("best", 1.0),
    lambda run: setattr(run.summary, "best", 1.0),
    lambda run: run.summary.__delitem__("loss"),
    lambda run: setattr(run, "name", "renamed"),
    lambda run: setattr(run, "notes", "late"),
    lambda run: setattr(run, "tags", ["late"]),
], ids=["config.update", "config[]", "config.attr", "config.setdefaults", "del config[]",
        "summary[]", "summary.attr", "del summary[]", "name", "notes", "tags"])
def test_changing_a_finished_run_is_refused(store_dir, change):
    with nbrun.init(dir=store_dir, mode="offline", project="p", name="kept", notes="n",
                    tags=["t"], config={"lr": 0.1}) as run:
        run.log({"loss": 1.0})
    with pytest.raises(UsageError, match=rf"run '{run.id}' is finished"):
        change(run)
    record = nbrun.Api(store_dir).run(run.id)
    assert (record.name, record.notes, record.tags) == ("kept", "n", ("t",))
    assert record.config == {"lr": 0.1} and record.summary == {"loss": 1.0}
    assert run.config.as_dict() == {"lr": 0.1} and dict(run.summary) == {"loss": 1.0}
    assert (run.name, run.notes, run.tags) == ("kept", "n", ("t",))


# "the disabled-mode run's tags is a tuple, like every other run's"
def test_disabled_run_tags_are_a_tuple():
    run = nbrun.init(mode="disabled", tags=["a", "b"])
    assert run.tags == ("a", "b")
    run.tags = ["c"]
    assert run.tags == ("c",)
    run.tags = "one-tag"  # a single string is one tag
    assert run.tags == ("one-tag",)
    with pytest.raises(UsageError):
        run.tags = 5
    run.finish()
    assert nbrun.init(mode="disabled").tags == ()
