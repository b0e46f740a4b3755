"""Which store the sidebar's %%runinit cell names (``GET runs/<id>/cell-dir``), on real stores:
none when the notebook's kernel writes to the run's store anyway (found from the notebook's
folder, NBRUN_DIR and the settings files, as ``init()`` finds it), else the run's store folder;
a notebook path that leaves the server's root folder is refused. The browser tests cover the
HTTP path and the cell run in a notebook."""

from __future__ import annotations

import os

import pytest

import nbrun
from nbrun.server.config import NbrunServerConfig
from nbrun.server.errors import ApiError
from nbrun.server.registry import StoreRegistry
from nbrun.server.service import Service


@pytest.fixture
def root(tmp_path):
    """The server's root folder: stores in alpha/ (run "base") and beta/ (run "other"), and a
    folder with no store of its own."""
    root = tmp_path / "root"
    for folder, run_id in (("alpha", "base"), ("beta", "other")):
        nbrun.init(dir=str(root / folder), project="p", id=run_id, mode="offline").finish()
    (root / "alpha" / "sub").mkdir()
    (root / "plain").mkdir()
    return root


@pytest.fixture
def service(root):
    return Service(StoreRegistry(str(root), NbrunServerConfig(cache_seconds=0)))


def named(service, run_id, notebook):
    return service.cell_dir(run_id, {"notebook": [notebook.encode()]})["dir"]


def real(path) -> str:
    return os.path.realpath(path)


def test_the_cell_names_the_store_only_when_the_kernel_writes_elsewhere(service, root):
    assert named(service, "base", "beta/nb.ipynb") == real(root / "alpha")
    assert named(service, "other", "beta/nb.ipynb") is None
    # the nearest .nbrun folder above the notebook, also from a folder not made yet
    assert named(service, "base", "alpha/sub/nb.ipynb") is None
    assert named(service, "base", "alpha/sub/new/nb.ipynb") is None
    # a folder with no store: the kernel would start a new one there
    assert named(service, "base", "plain/nb.ipynb") == real(root / "alpha")
    reply = service.cell_dir("other", {"notebook": [b"plain/nb.ipynb"]})
    assert reply == {"dir": real(root / "beta"), "kernel_store": real(root / "plain")}


def test_nbrun_dir_and_the_settings_files_count_as_the_kernel_counts_them(service, root,
                                                                           monkeypatch):
    (root / "beta" / ".nbrun" / "settings.yaml").write_text(f"dir: {root / 'alpha'}\n")
    assert named(service, "base", "beta/nb.ipynb") is None
    assert named(service, "other", "beta/nb.ipynb") == real(root / "beta")
    monkeypatch.setenv("NBRUN_DIR", str(root / "beta"))  # a kernel inherits the server's
    assert named(service, "other", "alpha/nb.ipynb") is None
    assert named(service, "base", "alpha/nb.ipynb") == real(root / "alpha")
    # settings the kernel would refuse: the store is named, whatever the kernel reads
    monkeypatch.setenv("NBRUN_DIR", str(root / "alpha" / ".nbrun" / "nbrun.db"))
    assert named(service, "base", "alpha/nb.ipynb") == real(root / "alpha")


@pytest.mark.parametrize("notebook", ["", "../x.ipynb", "alpha/../../x.ipynb", "/etc/x.ipynb",
                                      "a\x00b.ipynb"])
def test_a_notebook_outside_the_root_folder_is_refused(service, notebook):
    with pytest.raises(ApiError) as caught:
        named(service, "base", notebook)
    assert caught.value.status == 400 and "notebook" in caught.value.message


def test_a_run_no_store_holds_is_not_found(service):
    with pytest.raises(ApiError) as caught:
        named(service, "missing", "beta/nb.ipynb")
    assert caught.value.status == 404
