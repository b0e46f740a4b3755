"""One store for everything that looks for it: with ``dir`` set in the user settings file, in
the project settings file or in NBRUN_DIR, ``init()`` writes to that store and ``Api()``, the
run form's catalog, ``%nbrun`` (in a real kernel) and ``nbrun runs`` (a child process) all read
it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import child_env
from notebook_kernel import Kernel, errors

import nbrun
from nbrun.store import locate_store
from nbrun.widgets import RunForm, memory

WHERE = ["user settings file", "project settings file", "NBRUN_DIR"]


def point_at(where: str, target, tmp_path, monkeypatch) -> None:
    """Name ``target`` as the store folder the way ``where`` says."""
    if where == "user settings file":
        folder = tmp_path / "xdg" / "nbrun"  # conftest points XDG_CONFIG_HOME at tmp_path/xdg
        folder.mkdir(parents=True)
        (folder / "settings.yaml").write_text(f"dir: {target}\n")
    elif where == "project settings file":
        # The working folder's .nbrun/ holds only the settings file; the runs live elsewhere.
        folder = tmp_path / "work" / ".nbrun"
        folder.mkdir()
        (folder / "settings.yaml").write_text(f"dir: {target}\n")
    else:
        monkeypatch.setenv("NBRUN_DIR", str(target))


@pytest.fixture(autouse=True)
def fresh_memory():
    memory.forget()  # a form opens with the kernel's last values: start from none
    yield
    memory.forget()


@pytest.fixture(params=WHERE)
def written(request, tmp_path, monkeypatch):
    """The store folder named as ``request.param`` says, and a run init() wrote there."""
    target = tmp_path / "elsewhere"
    point_at(request.param, target, tmp_path, monkeypatch)
    run = nbrun.init(project="p", mode="offline")
    run.log({"loss": 1.0})
    run.finish()
    return target, run


def test_init_writes_there(written):
    target, run = written
    assert run.dir.startswith(str(target / ".nbrun"))
    assert (target / ".nbrun" / "nbrun.db").is_file()


def test_api_reads_it(written):
    target, run = written
    api = nbrun.Api()
    assert api.path == str(target / ".nbrun")
    assert [r.id for r in api.runs()] == [run.id]


def test_the_form_offers_its_runs(written):
    target, run = written
    form = RunForm()
    assert form.catalog.root == str(target)
    assert [choice.id for choice in form.catalog.runs] == [run.id]


@pytest.mark.slow
def test_the_nbrun_magic_names_it(written, tmp_path):
    target, _ = written
    with Kernel(tmp_path / "work") as kernel:  # inherits the environment, NBRUN_DIR included
        outputs = kernel.run("%load_ext nbrun\n%nbrun")
    assert not errors(outputs), outputs
    assert f"store: {target / '.nbrun'}\n" in "".join(o.get("text", "") for o in outputs)


def test_nbrun_runs_lists_its_runs(written, tmp_path):
    target, run = written
    env = child_env()
    if "NBRUN_DIR" in os.environ:
        env["NBRUN_DIR"] = os.environ["NBRUN_DIR"]
    proc = subprocess.run([sys.executable, "-m", "nbrun.cli", "runs"], cwd=tmp_path / "work",
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert run.id in proc.stdout


def test_the_sources_rank_as_for_every_other_setting(tmp_path, monkeypatch):
    """dir= over settings= over NBRUN_DIR over the project file over the user file; init()
    and the locator agree at each step."""
    folders = {name: tmp_path / name for name in ("user", "project", "env", "settings", "arg")}
    point_at("user settings file", folders["user"], tmp_path, monkeypatch)
    assert locate_store().root == str(folders["user"])
    point_at("project settings file", folders["project"], tmp_path, monkeypatch)
    assert locate_store().root == str(folders["project"])
    point_at("NBRUN_DIR", folders["env"], tmp_path, monkeypatch)
    assert locate_store().root == str(folders["env"])
    settings = {"dir": str(folders["settings"])}
    assert locate_store(settings=settings).root == str(folders["settings"])
    assert locate_store(folders["arg"], settings).root == str(folders["arg"])
    for kwargs, expected in (({"settings": settings}, "settings"),
                             ({"settings": settings, "dir": folders["arg"]}, "arg"), ({}, "env")):
        run = nbrun.init(mode="offline", reinit="create_new", **kwargs)
        assert run.dir.startswith(str(folders[expected] / ".nbrun")), (kwargs, run.dir)
        run.finish()


def test_the_form_follows_a_dir_given_in_settings(store_dir):
    run = nbrun.init(dir=store_dir, project="p", mode="offline")
    run.finish()
    form = RunForm()
    assert [choice.id for choice in form.catalog.runs] == []  # the empty working folder
    form.spec.settings = {"dir": str(store_dir)}
    assert form.catalog.root == str(store_dir)
    assert [choice.id for choice in form.catalog.runs] == [run.id]
