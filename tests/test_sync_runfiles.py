"""Only regular files inside a run's folder, found without following links and read in bounded
chunks, are sent to the tracking server: a link to a private key, a link to a folder elsewhere,
a link to /dev/zero, a FIFO, a run folder swapped for a link, a large file.

`nbrun sync` runs in a child process under a 2 GB address-space limit and a timeout, so that a
syncer that follows /dev/zero or waits on a FIFO fails there instead of filling or hanging the
machine. The server is the real MLflow server; what it holds is read with MLflow's own client."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from conftest import run_python
import sync_support
from sync_support import status
from test_sync_transport import CHILD

import nbrun

pytestmark = pytest.mark.slow

server = sync_support.server

SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- not-for-the-server-5b1e"
SYNC = CHILD + """
import sys
from nbrun.cli import main
code = main(["--dir", STORE, "sync", RUN])
print("RSS_MB", PEAK_MB(), file=sys.stderr)
sys.exit(code)
"""


def _sync(url: str, store, run_id: str):
    code = SYNC.replace("STORE", repr(str(store))).replace("RUN", repr(run_id))
    return run_python(code, env={"NBRUN_BASE_URL": url}, timeout=120, check=False)


def _offline_run(store_dir, project: str):
    run = nbrun.init(dir=store_dir, project=project, mode="offline")
    run.log({"loss": 0.5})
    return run, Path(nbrun.Api(store_dir).run(run.id).dir)


def _artifacts(url: str, server_run_id: str) -> dict[str, int]:
    """Every artifact file of the server run: path -> size."""
    client = MlflowClient(url)
    out: dict[str, int] = {}
    pending = [None]
    while pending:
        for item in client.list_artifacts(server_run_id, pending.pop()):
            if item.is_dir:
                pending.append(item.path)
            else:
                out[item.path] = item.file_size
    return out


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "tree").mkdir(parents=True)
    (outside / "id_ed25519").write_text(SECRET)
    (outside / "tree" / "secret.txt").write_text(SECRET)
    return outside


def test_only_regular_files_of_the_run_folder_are_sent(server, store_dir, tmp_path):
    outside = _outside(tmp_path)
    run, folder = _offline_run(store_dir, "files")
    (folder / "notes.txt").write_text("kept")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.bin").write_bytes(b"\x00\x01" * 1000)
    os.symlink(outside / "id_ed25519", folder / "key.pem")
    os.symlink(outside / "tree", folder / "linked")
    os.symlink("/dev/zero", folder / "zero")
    os.mkfifo(folder / "pipe")
    run.finish()

    proc = _sync(server.url, store_dir, run.id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sent = _artifacts(server.url, status(store_dir, run.id)["server_run_id"])
    assert sent["notes.txt"] == 4 and sent["sub/data.bin"] == 2000
    assert not {"key.pem", "zero", "pipe"} & set(sent), sent
    assert not [p for p in sent if p.startswith("linked")], sent
    client = MlflowClient(server.url)
    for path in sent:
        local = client.download_artifacts(status(store_dir, run.id)["server_run_id"], path,
                                          str(tmp_path / "downloads"))
        assert SECRET.encode() not in Path(local).read_bytes(), path


def test_a_run_folder_swapped_for_a_link_sends_nothing_of_where_it_points(server, store_dir,
                                                                           tmp_path):
    outside = _outside(tmp_path)
    run, folder = _offline_run(store_dir, "files")
    (folder / "notes.txt").write_text("kept")
    run.finish()
    folder.rename(tmp_path / "moved-away")
    os.symlink(outside, folder)

    proc = _sync(server.url, store_dir, run.id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sent = _artifacts(server.url, status(store_dir, run.id)["server_run_id"])
    assert set(sent) == {"nbrun/config.json", "nbrun/summary.json"}, sent  # from the store


def test_a_large_file_is_sent_in_chunks_not_read_whole(server, store_dir):
    run, folder = _offline_run(store_dir, "files")
    size = 256 << 20
    with open(folder / "big.bin", "wb") as f:
        f.truncate(size)  # sparse: nothing on disk, 256 MB for whoever reads it whole
    run.finish()

    proc = _sync(server.url, store_dir, run.id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rss_mb = float(proc.stderr.split("RSS_MB ")[1].split()[0])
    print(f"nbrun sync of a 256 MB file: peak RSS {rss_mb:.0f} MB")
    assert rss_mb < 128, proc.stderr  # half the file's size: never held whole
    sent = _artifacts(server.url, status(store_dir, run.id)["server_run_id"])
    assert sent["big.bin"] == size

