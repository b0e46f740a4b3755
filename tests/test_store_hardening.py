"""Defects of issue 10 point 5 in the store and the command line, each tried as a user would:
run folders shared by two ids, store files readable by others, credentials recorded in plain
text, a config integer too long to store, and a damaged or read-only store under ``nbrun``."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from contextlib import closing, contextmanager

import pytest

import nbrun
from nbrun.errors import UsageError
from nbrun.store import Store
from nbrun.store import actions

from conftest import child_env, db_path


def start(store_dir, **kwargs):
    return nbrun.init(dir=store_dir, mode="offline", project="p", **kwargs)


# -- run folders -------------------------------------------------------------------------------
def test_no_run_folder_is_another_runs(store_dir):
    with start(store_dir, id="My Run") as first:
        (open(os.path.join(first.dir, "weights.bin"), "w")).write("first's")
    folder = os.path.basename(first.dir)
    # the first run's folder name is itself a valid id: a second run takes it as its id
    with start(store_dir, id=folder) as second:
        assert second.dir != first.dir
        (open(os.path.join(second.dir, "weights.bin"), "w")).write("second's")
    # deleting one run deletes its own files only
    assert actions.delete_run(Store(str(store_dir)), folder) == actions.OK
    assert open(os.path.join(first.dir, "weights.bin")).read() == "first's"
    assert not os.path.exists(second.dir)
    assert [r.id for r in nbrun.Api(store_dir).runs()] == ["My Run"]


# -- file modes --------------------------------------------------------------------------------
def test_store_files_are_readable_by_the_user_only(store_dir):
    old = os.umask(0o022)  # the usual umask: new files readable by everyone
    try:
        with start(store_dir) as run:
            run.log({"a": 1.0})
            store = os.path.join(str(store_dir), ".nbrun")
            paths = [store, os.path.join(store, "runs"), db_path(store_dir),
                     db_path(store_dir) + "-wal", run.dir]
            for path in paths:
                mode = stat.S_IMODE(os.stat(path).st_mode)
                assert mode & 0o077 == 0, f"{path} has mode {oct(mode)}"
    finally:
        os.umask(old)


# -- recorded settings -------------------------------------------------------------------------
def test_base_url_is_recorded_without_credentials(store_dir):
    url = "https://alice:s3cret-pass@mlflow.example.org:5000/tracking"
    with start(store_dir, settings={"base_url": url}) as run:
        pass
    recorded = nbrun.Api(store_dir).run(run.id).settings
    assert recorded["base_url"] == "https://mlflow.example.org:5000/tracking"
    store = os.path.join(str(store_dir), ".nbrun")
    for name in os.listdir(store):
        if name.startswith("nbrun.db"):
            with open(os.path.join(store, name), "rb") as f:
                assert b"s3cret-pass" not in f.read(), name


# -- config values the store cannot hold -------------------------------------------------------
def test_config_integer_too_long_is_a_usage_error_and_costs_nothing(store_dir):
    with start(store_dir, config={"lr": 0.1}) as run:
        with pytest.raises(UsageError, match=r"config key 'n'.*4000 digits"):
            run.config.update({"n": 10**5000})
        run.config.update({"m": 10**300})  # long, but storable
        run.log({"loss": 1.0})
    record = nbrun.Api(store_dir).run(run.id)
    assert record.config == {"lr": 0.1, "m": 10**300}
    assert record.state == "finished" and record.history() == [{"_step": 0, "loss": 1.0}]


# -- the command line on a damaged or read-only store --------------------------------------------
def cli(*args, preexec_fn=None):
    return subprocess.run([sys.executable, "-m", "nbrun.cli", *args], env=child_env(),
                          capture_output=True, text=True, timeout=60, preexec_fn=preexec_fn)


def test_cli_on_a_damaged_store_says_so_without_a_traceback(store_dir):
    with start(store_dir) as run:
        run.log({"a": 1.0})
    for name in os.listdir(store_dir / ".nbrun"):
        if name.startswith("nbrun.db-"):
            os.remove(store_dir / ".nbrun" / name)
    with open(db_path(store_dir), "r+b") as f:
        f.write(b"this is not a database" * 10)
    for command in (["runs"], ["show", run.id]):
        proc = cli("--dir", str(store_dir), *command)
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"nbrun: error: the store at {store_dir / '.nbrun'} "
                                      "cannot be read (file is not a database)"), proc.stderr


def _without_file_override():
    """In the child: give up the capabilities that let root write any file, so a read-only
    folder is read-only to it as it is to any user (the root user of a CI container would
    otherwise write through every mode bit)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@contextmanager
def read_only(store):
    """The store's folders and files read-only while the block runs (user-only again after)."""
    for folder, _, files in os.walk(store):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
        os.chmod(folder, 0o555)
    try:
        yield
    finally:
        for folder, _, files in os.walk(store):
            os.chmod(folder, 0o700)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o600)


# A child that runs with a user's file permissions even when the tests run as root.
_as_a_user = _without_file_override if os.geteuid() == 0 else None


def test_cli_on_a_read_only_store_says_so_without_a_traceback(store_dir):
    with start(store_dir) as run:
        run.log({"a": 1.0})
    store = store_dir / ".nbrun"
    # Fold the log into the file first, so its bytes are at rest (this process's own writer
    # may otherwise checkpoint later) and any change seen below is the CLI's.
    with closing(sqlite3.connect(db_path(store_dir))) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = open(db_path(store_dir), "rb").read()
    with read_only(store):
        proc = cli("--dir", str(store_dir), "runs", preexec_fn=_as_a_user)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"nbrun: error: the store at {store} cannot be read ("), \
        proc.stderr
    assert "read-only for you" in proc.stderr
    assert open(db_path(store_dir), "rb").read() == before  # nothing was changed
    assert [r.id for r in nbrun.Api(store_dir).runs()] == [run.id]


def test_init_and_api_on_a_read_only_store_are_a_usage_error_naming_it(store_dir):
    """Was "nbrun.init() failed unexpectedly: OperationalError" and a raw OperationalError."""
    with start(store_dir) as run:
        run.log({"a": 1.0})
    store = store_dir / ".nbrun"
    code = textwrap.dedent(f"""
        import nbrun
        for attempt in (lambda: nbrun.init(dir={str(store_dir)!r}, mode="offline"),
                        lambda: nbrun.Api({str(store_dir)!r}).runs()):
            try:
                attempt()
            except nbrun.UsageError as exc:
                print(type(exc).__name__, "|", exc)
        """)
    with read_only(store):
        proc = subprocess.run([sys.executable, "-c", code], env=child_env(), text=True,
                              capture_output=True, timeout=60, preexec_fn=_as_a_user)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and len(lines) == 2, proc.stdout + proc.stderr
    for line in lines:
        assert line.startswith(f"StoreUnavailable | the store at {store} cannot be read"), line
        assert "read-only for you" in line and "dir=" in line
    assert [(r.id, r.state) for r in nbrun.Api(store_dir).runs()] == [(run.id, "finished")]
