"""The sdist carries the built lab extension: ``pip install`` of a freshly built one, on a PATH
without Node.js, gives JupyterLab a working nbrun extension and Jupyter server the nbrun server
extension."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_TOOLS = ("node", "npm", "jlpm", "yarn")


def run(cmd: list[str], **kwargs) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def source_copy(dest: Path) -> Path:
    """The checkout's files as a fresh clone has them (tracked or not ignored), without the
    built extension or node_modules a developer's checkout holds."""
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=ROOT).split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs the git checkout to know the source files")
def test_sdist_installs_a_working_lab_extension_without_node(tmp_path):
    src = source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    started = time.monotonic()
    run([sys.executable, "-m", "build", "--sdist", "--outdir", str(dist), str(src)], env=env)
    built = time.monotonic()
    (sdist,) = dist.glob("nbrun-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]
    assert f"{top}/nbrun/labextension/static/style.js" in names
    assert f"{top}/nbrun/labextension/package.json" in names
    assert not any("/node_modules/" in n for n in names)

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], env=env)
    bin_dir = venv / "bin"
    no_node = {**env, "PATH": str(bin_dir)}
    assert not any(shutil.which(tool, path=no_node["PATH"]) for tool in NODE_TOOLS)
    # JupyterLab is the `lab` extra's; its small part, `jupyter labextension list`, is enough.
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(sdist), "jupyterlab>=4.2,<5"],
        env=no_node, cwd=tmp_path)

    installed = venv / "share" / "jupyter" / "labextensions" / "nbrun"
    assert (installed / "package.json").is_file() and (installed / "install.json").is_file()
    assert (installed / "static" / "style.js").is_file()
    assert list((installed / "static").glob("remoteEntry.*.js"))

    print(f"sdist built in {built - started:.0f} s, installed in {time.monotonic() - built:.0f} s")
    listing = run([str(bin_dir / "jupyter"), "labextension", "list"], env=no_node, cwd=tmp_path)
    line = next((row for row in listing.splitlines() if row.strip().startswith("nbrun ")), "")
    assert "enabled" in line and "OK" in line and "(python, nbrun)" in line, listing
    servers = re.sub(r"\x1b\[[0-9;]*m", "", run([str(bin_dir / "jupyter"), "server", "extension",
                                                "list"], env=no_node, cwd=tmp_path))
    assert "nbrun enabled" in servers and re.search(r"nbrun [0-9.]+ OK", servers), servers
