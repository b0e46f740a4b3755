"""The contract tracker's module-level surface as code written for it meets it: the functions
that act on the current run, and the names nbrun does not provide, refused by name."""

from __future__ import annotations

import pytest

import nbrun
from nbrun.errors import UnsupportedError, UsageError


def test_module_functions_act_on_the_current_run(store_dir, tmp_path):
    model = tmp_path / "model.pt"
    model.write_bytes(b"weights")
    with nbrun.init(project="surface") as run:
        nbrun.define_metric("loss", summary="min")
        nbrun.log({"loss": 0.5})
        nbrun.log({"loss": 0.2})
        nbrun.log({"loss": 0.9})
        nbrun.alert("done", "loss went down")
        logged = nbrun.log_model(str(model), name="net")
        rid = run.id
    record = nbrun.Api().run(rid)
    assert record.summary["loss"] == {"min": 0.2}
    assert [a["title"] for a in record.alerts()] == ["done"]
    assert logged.name.startswith("net")
    assert [a.name for a in record.logged_artifacts()] == [logged.name]


@pytest.mark.parametrize("name", ["save", "log_model", "use_model", "define_metric", "alert"])
def test_module_functions_without_a_run_name_the_call(name):
    with pytest.raises(UsageError, match=rf"nbrun\.{name}: there is no active run"):
        getattr(nbrun, name)("x")


@pytest.mark.parametrize("name", ["sweep", "agent", "controller", "restore", "Object3D",
                                  "Molecule", "link_model", "mark_preempting"])
def test_names_not_provided_are_refused_by_name(name):
    with pytest.raises(UnsupportedError, match=rf"wandb\.{name}\(\).*instead: \S"):
        getattr(nbrun, name)
    # code that probes with hasattr() still gets False, as for any missing name
    assert not hasattr(nbrun, name)


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError) as caught:
        nbrun.no_such_thing  # noqa: B018
    assert not isinstance(caught.value, UnsupportedError)
