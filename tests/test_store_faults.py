"""Faults a user can cause while a run is live, each on a real store in a child process (so a
hang fails the test by timeout): what the user sees, and that nothing outside the fault is lost.

The children shorten two waits (``FINISH_RETRY_S``, ``EXIT_DRAIN_S``): how long ``finish()``
and the exit hook keep retrying a store that cannot be written before they report it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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


def test_two_processes_on_one_run_id(tmp_path):
    """A second kernel asking for a live run's id gets a UsageError naming the live process;
    the live run's data is untouched."""
    ready, done = tmp_path / "ready", tmp_path / "done"
    owner = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, time, nbrun
        run = nbrun.init(project="p", dir={str(tmp_path)!r}, id="same", mode="offline")
        for i in range(500):
            run.log({{"x": i}})
        open({str(ready)!r}, "w").write(str(os.getpid()))
        while not os.path.exists({str(done)!r}):
            time.sleep(0.05)
        for i in range(500, 1000):
            run.log({{"x": i}})
        run.finish()
    """)], env=child_env(), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = ready.read_text()
        for resume in ("None", "'allow'", "'must'"):
            proc = run_python(f"""
                import nbrun
                try:
                    nbrun.init(project="p", dir={str(tmp_path)!r}, id="same", mode="offline",
                               resume={resume})
                except nbrun.UsageError as exc:
                    print("REFUSED", exc)
            """, cwd=tmp_path)
            assert "REFUSED" in proc.stdout and pid in proc.stdout, proc.stdout
    finally:
        done.write_text("")
        owner.wait(60)
    assert owner.returncode == 0
    assert values(tmp_path, "same", "x") == list(range(1000))
    assert nbrun.Api(tmp_path).run("same").state == "finished"


def test_keyboard_interrupt_inside_log_and_finish(tmp_path):
    """Ctrl-C lands inside log() and inside finish(): every log() call that returned is
    stored, the run ends finished, and nothing can be logged to it afterwards."""
    proc = child(f"""
        import _thread, threading
        run = nbrun.init(project="p", dir={str(tmp_path)!r}, id="r", mode="offline")
        returned, interrupts = [], 0
        for round_ in range(20):
            timer = threading.Timer(0.002 * (round_ % 5 + 1), _thread.interrupt_main)
            try:
                timer.start()
                for i in range(len(returned), len(returned) + 3000):
                    run.log({{"x": i}})
                    returned.append(i)
                timer.join()
                time.sleep(0.05)  # an interrupt not yet delivered arrives here at the latest
            except KeyboardInterrupt:
                interrupts += 1
                timer.join()
        for i in range(100000):
            run.log({{"tail": i}})
        timer = threading.Timer(0.001, _thread.interrupt_main)
        try:
            timer.start()
            run.finish()
            timer.join()
            time.sleep(0.05)
        except KeyboardInterrupt:
            print("FINISH-INTERRUPTED")
            timer.join()
        if run.state == "running":  # the interrupt came before finish() began: call it again
            run.finish()
        try:
            run.log({{"late": 1}})
        except nbrun.UsageError:
            print("LATE-REFUSED")
        run.finish()  # harmless
        print("INTERRUPTS", interrupts, "RETURNED", len(returned), "STATE", run.state)
        import json; json.dump(returned, open("returned.json", "w"))
    """, tmp_path)
    assert "LATE-REFUSED" in proc.stdout and "STATE finished" in proc.stdout
    assert int(proc.stdout.split("INTERRUPTS ")[1].split()[0]) > 0
    import json
    returned = json.loads((tmp_path / "returned.json").read_text())
    record = nbrun.Api(tmp_path).run("r")
    assert record.state == "finished"
    stored = set(values(tmp_path, "r", "x"))
    assert set(returned) <= stored
    assert values(tmp_path, "r", "tail") == list(range(100000))


def test_fork_while_a_run_is_live(tmp_path):
    """A bare os.fork() and a multiprocessing fork pool while a run is live: the children
    exit normally (no wait for a writer thread they do not have), cannot log into the
    parent's run, may start runs of their own; the parent's run is intact."""
    proc = child(f"""
        import multiprocessing, signal
        def work(n):
            return n * 2
        run = nbrun.init(project="p", dir={str(tmp_path)!r}, id="parent", mode="offline")
        for i in range(1000):
            run.log({{"x": i}})
        pid = os.fork()
        if pid == 0:
            try:
                run.log({{"x": -1}})
                print("CHILD-LOGGED")
            except nbrun.UsageError as exc:
                print("CHILD-REFUSED", "parent" in str(exc))
            own = nbrun.init(project="p", dir={str(tmp_path)!r}, id="child", mode="offline")
            for i in range(10):
                own.log({{"c": i}})
            sys.stdout.flush()
            sys.exit(0)  # a normal exit: atexit hooks run in the child
        for i in range(1000, 2000):
            run.log({{"x": i}})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                print("CHILD-EXIT", os.waitstatus_to_exitcode(status))
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            print("CHILD-HUNG")
        with multiprocessing.get_context("fork").Pool(2) as pool:
            print("POOL", sum(pool.map(work, range(10))))
        for i in range(2000, 3000):
            run.log({{"x": i}})
        run.finish()
    """, tmp_path, timeout=120)
    assert "CHILD-EXIT 0" in proc.stdout, proc.stdout + proc.stderr
    assert "CHILD-REFUSED True" in proc.stdout
    assert "POOL 90" in proc.stdout
    api = nbrun.Api(tmp_path)
    assert values(tmp_path, "parent", "x") == list(range(3000))
    assert api.run("parent").state == "finished"
    assert values(tmp_path, "child", "c") == list(range(10))
    assert api.run("child").state == "finished"
    conn = sqlite3.connect(db_path(tmp_path))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


BOMB = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")])


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    """Ten short lines of nested aliases, as a config file, a settings file and a %%runinit
    body: a UsageError at once, no run started, nothing hangs."""
    (tmp_path / "bomb.yaml").write_text(BOMB)
    (tmp_path / ".nbrun").mkdir()
    proc = run_python(f"""
        import time, nbrun
        from nbrun.notebook.runinit import parse_body
        t0 = time.monotonic()
        for attempt in ("config", "body"):
            try:
                if attempt == "config":
                    nbrun.init(project="p", dir={str(tmp_path)!r}, mode="offline",
                               config={str(tmp_path / "bomb.yaml")!r})
                else:
                    parse_body(open({str(tmp_path / "bomb.yaml")!r}).read())
                print("ACCEPTED", attempt)
            except nbrun.UsageError as exc:
                print("REFUSED", attempt, exc)
        print("SECONDS", time.monotonic() - t0)
    """, cwd=tmp_path, timeout=30)
    assert "ACCEPTED" not in proc.stdout
    assert proc.stdout.count("nested aliases") == 2, proc.stdout
    assert float(proc.stdout.split("SECONDS ")[1]) < 5
    assert not os.path.exists(db_path(tmp_path))  # no run was started
    shutil.copy(tmp_path / "bomb.yaml", tmp_path / ".nbrun" / "settings.yaml")
    proc = run_python(f"""
        import nbrun
        try:
            nbrun.init(project="p", dir={str(tmp_path)!r}, mode="offline")
        except nbrun.UsageError as exc:
            print("REFUSED", exc)
    """, cwd=tmp_path, timeout=30)
    assert "REFUSED" in proc.stdout and "nested aliases" in proc.stdout
    os.remove(tmp_path / ".nbrun" / "settings.yaml")
