"""Faults a user's processes cause, each with a real store: two processes on one run id, a
KeyboardInterrupt inside log() and finish(), a fork while a run is live, and a YAML alias bomb."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time


import nbrun
from conftest import child_env, db_path, run_python

from test_store_faults import (  # noqa: F401  (helpers and fixtures)
    child, values)


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
