"""Faults a user can cause while a run is live, each on a real store in a child process (so a
hang fails the test by timeout): what the user sees, and that nothing outside the fault is lost.

The children shorten two waits (``FINISH_RETRY_S``, ``EXIT_DRAIN_S``): how long ``finish()``
and the exit hook keep retrying a store that cannot be written before they report it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import nbrun
from conftest import child_env, db_path, run_python

PRELUDE = """
import os, sys, time, shutil
import nbrun
import nbrun.store.writer as writer
import nbrun.sdk.registry as registry
writer.FINISH_RETRY_S = 1.5
registry.EXIT_DRAIN_S = 1.0
def settle():
    time.sleep(writer.INTERVAL_S * 3)
"""


def child(code: str, cwd: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    return run_python(PRELUDE + textwrap.dedent(code), cwd=cwd, timeout=timeout)


def values(store: Path, run_id: str, key: str) -> list:
    return [row[key] for row in nbrun.Api(store).run(run_id).history([key])]


def warnings_in(stderr: str) -> int:
    return stderr.count("cannot be written")


@pytest.fixture
def two_stores(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    return a, b


def test_store_folder_deleted_while_a_run_is_live(tmp_path, two_stores):
    """The user sees one warning and finish() raising nbrun.Error that names the store; the
    run of another store in the same process loses nothing, and nothing recreates the
    deleted store behind the user's back."""
    a, b = two_stores
    proc = child(f"""
        ra = nbrun.init(project="p", dir={str(a)!r}, id="ra", mode="offline")
        rb = nbrun.init(project="p", dir={str(b)!r}, id="rb", mode="offline", reinit="create_new")
        for i in range(100):
            ra.log({{"x": i}}); rb.log({{"y": i}})
        settle()
        shutil.rmtree({str(a / ".nbrun")!r})
        for i in range(100, 200):
            ra.log({{"x": i}}); rb.log({{"y": i}})
        try:
            ra.finish()
        except nbrun.Error as exc:
            print("FINISH-ERROR", exc)
        rb.finish()
        print("STATES", ra.state, rb.state)
    """, tmp_path)
    assert "FINISH-ERROR" in proc.stdout and str(a / ".nbrun") in proc.stdout
    assert "deleted or moved" in proc.stdout
    assert "STATES finished finished" in proc.stdout
    assert warnings_in(proc.stderr) == 1, proc.stderr
    assert not (a / ".nbrun").exists()
    assert values(b, "rb", "y") == list(range(200))
    assert nbrun.Api(b).run("rb").state == "finished"


def test_store_folder_moved_away_and_back_loses_nothing(tmp_path):
    """Rows logged while the folder is elsewhere wait in memory and are written once it is
    back; the run finishes with all of them."""
    proc = child(f"""
        run = nbrun.init(project="p", dir={str(tmp_path)!r}, id="r", mode="offline")
        for i in range(100):
            run.log({{"x": i}})
        settle()
        os.rename(".nbrun", ".nbrun-moved")
        for i in range(100, 300):
            run.log({{"x": i}})
        settle()
        os.rename(".nbrun-moved", ".nbrun")
        run.finish()
    """, tmp_path)
    assert warnings_in(proc.stderr) == 1 and "writable again" in proc.stderr
    assert values(tmp_path, "r", "x") == list(range(300))
    assert nbrun.Api(tmp_path).run("r").state == "finished"


def test_database_replaced_under_a_live_run(tmp_path, two_stores):
    """A database file swapped for another store's never receives the live run's rows (it
    would mix them into an unrelated run with the same row number): finish() reports it."""
    a, b = two_stores
    run_python(f"""
        import nbrun
        run = nbrun.init(project="other", dir={str(b)!r}, id="other", mode="offline")
        run.log({{"z": 1.5}})
        run.finish()
    """, cwd=tmp_path)
    before = sqlite3.connect(db_path(b)).execute("SELECT rid, key, n FROM series").fetchall()
    proc = child(f"""
        run = nbrun.init(project="p", dir={str(a)!r}, id="live", mode="offline")
        for i in range(50):
            run.log({{"x": i}})
        settle()
        shutil.copy({db_path(b)!r}, {db_path(a)!r} + ".new")
        os.replace({db_path(a)!r} + ".new", {db_path(a)!r})
        for i in range(50, 100):
            run.log({{"x": i}})
        try:
            run.finish()
        except nbrun.Error as exc:
            print("FINISH-ERROR", exc)
    """, tmp_path)
    assert "FINISH-ERROR" in proc.stdout and "replaced" in proc.stdout
    conn = sqlite3.connect(db_path(a))
    assert conn.execute("SELECT rid, key, n FROM series").fetchall() == before
    assert [r[0] for r in conn.execute("SELECT id FROM runs")] == ["other"]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_database_truncated_under_a_live_run(tmp_path, two_stores):
    """Truncating the file is reported at finish(); the writer does not write into the
    truncated file, and another store's run in the process is untouched."""
    a, b = two_stores
    proc = child(f"""
        ra = nbrun.init(project="p", dir={str(a)!r}, id="ra", mode="offline")
        rb = nbrun.init(project="p", dir={str(b)!r}, id="rb", mode="offline", reinit="create_new")
        for i in range(100):
            ra.log({{"x": i}}); rb.log({{"y": i}})
        settle()
        os.truncate({db_path(a)!r}, 0)
        for i in range(100, 200):
            ra.log({{"x": i}}); rb.log({{"y": i}})
        settle()
        try:
            ra.finish()
        except nbrun.Error as exc:
            print("FINISH-ERROR", exc)
        rb.finish()
    """, tmp_path)
    assert "FINISH-ERROR" in proc.stdout and "truncated" in proc.stdout
    assert values(b, "rb", "y") == list(range(200))


@contextlib.contextmanager
def small_filesystem(path: Path, size: str):
    """A real small file system (tmpfs) at ``path`` when this machine lets us mount one;
    otherwise None (the caller then limits file size with RLIMIT_FSIZE)."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_disk_full_keeps_rows_until_space_returns(tmp_path, two_stores):
    """Disk full: one warning, log() goes on (rows wait in memory), nothing is lost once
    space is freed; the run on another disk is untouched. Then, with the disk staying full,
    finish() raises nbrun.Error within its retry time and the process exits normally."""
    _, b = two_stores
    small = tmp_path / "small"
    with small_filesystem(small, "4m") as mounted:
        fill = "" if mounted else "import resource, signal; signal.signal(signal.SIGXFSZ, " \
            "signal.SIG_IGN)"
        proc = child(f"""
            {fill}
            mounted = {mounted!r}
            def disk_full():
                if mounted:  # a filler file takes what is left of the tmpfs
                    try:
                        with open({str(small / "filler")!r}, "wb") as f:
                            while True:
                                f.write(b"x" * 65536)
                    except OSError:
                        pass
                else:  # no mount allowed: the process may not grow any file
                    import resource
                    size = os.path.getsize({db_path(small)!r})
                    resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
            def space_back():
                if mounted:
                    os.remove({str(small / "filler")!r})
                else:
                    import resource
                    resource.setrlimit(resource.RLIMIT_FSIZE,
                                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            full = nbrun.init(project="p", dir={str(small)!r}, id="full", mode="offline")
            other = nbrun.init(project="p", dir={str(b)!r}, id="other", mode="offline",
                               reinit="create_new")
            full.log({{"x": 0}}); settle()
            disk_full()
            for i in range(1, 15001):
                full.log({{"x": i, "pad": "p" * 40}})
                other.log({{"y": i}})
            settle(); settle()
            space_back()
            full.finish()
            print("FIRST", full.state)
            again = nbrun.init(project="p", dir={str(small)!r}, id="again", mode="offline",
                               reinit="create_new")
            again.log({{"x": 0}}); settle()
            disk_full()
            for i in range(1, 5001):
                again.log({{"x": i, "pad": "p" * 40}})
            t0 = time.monotonic()
            try:
                again.finish()
            except nbrun.Error as exc:
                print("FINISH-ERROR", round(time.monotonic() - t0, 1), exc)
            other.finish()
            space_back() if mounted else None
        """, tmp_path, timeout=180)
        assert "FIRST finished" in proc.stdout
        assert "FINISH-ERROR" in proc.stdout, proc.stdout + proc.stderr
        waited = float(proc.stdout.split("FINISH-ERROR ")[1].split()[0])
        assert waited < 10
        assert values(small, "full", "x") == list(range(15001))
        assert values(b, "other", "y") == list(range(1, 15001))
        text = proc.stderr
        assert text.count("cannot be written") <= 3, text  # once per failing spell, not a flood


def test_read_only_store_under_a_live_run(tmp_path):
    """The store's folder turns read-only while a run is live (a read-only bind mount over
    it; Linux refuses to remount a file system read-only while files are open for writing,
    and permissions apply only when a file is opened). The live run keeps writing through the
    files it has open and loses nothing; a second process cannot start a run there and gets an
    nbrun error at once, without a hang and without touching the stored runs."""
    store = tmp_path / "store"
    store.mkdir()
    ready, go_on = tmp_path / "ready", tmp_path / "go-on"
    live = subprocess.Popen([sys.executable, "-c", PRELUDE + textwrap.dedent(f"""
        run = nbrun.init(project="p", dir={str(store)!r}, id="live", mode="offline")
        for i in range(1000):
            run.log({{"x": i}})
        settle()
        open({str(ready)!r}, "w").close()
        while not os.path.exists({str(go_on)!r}):
            time.sleep(0.05)
        for i in range(1000, 2000):
            run.log({{"x": i}})
        run.finish()
        print("STATE", run.state)
    """)], env=child_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    nbrun_dir = str(store / ".nbrun")
    mounted = False
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            assert live.poll() is None, live.communicate()
            time.sleep(0.05)
        mounted = subprocess.run(["mount", "--bind", nbrun_dir, nbrun_dir]).returncode == 0
        if mounted:
            subprocess.run(["mount", "-o", "remount,bind,ro", nbrun_dir], check=True)
        else:  # no mounts on this machine: the folder's permissions, as a user would
            os.chmod(nbrun_dir, 0o500)
        assert not os.access(nbrun_dir, os.W_OK) or os.geteuid() == 0
        other = run_python(f"""
            import nbrun
            try:
                nbrun.init(project="p", dir={str(store)!r}, id="second", mode="offline")
                print("STARTED")
            except nbrun.Error as exc:
                print("REFUSED", type(exc).__name__)
        """, cwd=tmp_path, timeout=60)
        if mounted:
            assert "REFUSED" in other.stdout, other.stdout + other.stderr
        go_on.write_text("")
        out, err = live.communicate(timeout=60)
    finally:
        go_on.write_text("")
        if mounted:
            subprocess.run(["umount", "-l", nbrun_dir])
        else:
            os.chmod(nbrun_dir, 0o700)
        if live.poll() is None:
            live.kill()
    assert "STATE finished" in out, out + err
    assert values(store, "live", "x") == list(range(2000))
    assert nbrun.Api(store).run("live").state == "finished"
