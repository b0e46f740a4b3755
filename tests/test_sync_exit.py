"""A script's online run reaches the server before its process ends: child processes that log,
call finish() and end at once, against a real MLflow server. What the README promises: the
program waits up to 30 s for its runs to reach the server (retrying a run whose last pass failed),
then names what is left and the command that sends it."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time

import pytest
from mlflow.tracking import MlflowClient

from conftest import child_env, run_python
from fault_proxy import Fault, FaultProxy
import sync_support
from sync_support import assert_history_exactly_once, status

pytestmark = pytest.mark.slow

# The session's server, and the environment that makes runs online (sync_support.py).
server, online = sync_support.server, sync_support.online


SCRIPT = """
import sys, time, nbrun
root, run_id, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = nbrun.init(dir=root, mode="online", project="exit", id=run_id)
log = run.log
for step in range(steps):
    log({"loss": 1.0 / (step + 1), "acc": step * 1e-6, "lr": float(step % 7)})
run.finish()
print("finished", time.monotonic(), flush=True)
"""


def _script(root, run_id: str, steps: int, url: str, cwd, timeout: float = 300
            ) -> tuple[subprocess.CompletedProcess, float]:
    """Run SCRIPT in a child process; its result and the seconds from finish() to its end."""
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(root), run_id, str(steps)],
                          env=child_env(NBRUN_BASE_URL=url), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    ended = time.monotonic()
    assert proc.returncode == 0, proc.stderr
    finished = float(re.search(r"finished (\S+)", proc.stdout).group(1))
    return proc, ended - finished


def _server_run(url: str, root, run_id: str):
    return MlflowClient(url).get_run(status(root, run_id)["server_run_id"])


def test_script_ending_right_after_finish_has_every_point_on_the_server(online, store_dir,
                                                                         tmp_path):
    proc, waited = _script(store_dir, "exit5k", 5000, online.url, tmp_path)
    print(f"5,000 x 3 points: the process ended {waited:.1f} s after finish()")
    assert "not yet fully on the tracking server" not in proc.stderr, proc.stderr
    assert status(store_dir, "exit5k")["synced"]
    assert assert_history_exactly_once(online.url, store_dir, "exit5k") == 15000
    assert _server_run(online.url, store_dir, "exit5k").info.status == "FINISHED"


def test_a_first_pass_refused_with_503_is_retried_before_exit(online, store_dir, tmp_path):
    # The proxy is the one fake part: a real server does not answer 503 on demand. Four 503s
    # in a row outlast the client's own retries of one request, so the first pass fails.
    proxy = FaultProxy(online.url)
    fault = Fault("POST", "runs/log-batch", "unavailable503", times=4)
    proxy.faults.append(fault)
    try:
        proc, waited = _script(store_dir, "exit503", 2000, proxy.url, tmp_path)
    finally:
        proxy.close()
    print(f"first pass refused with 503: the process ended {waited:.1f} s after finish()")
    assert fault.injected == 4
    st = status(store_dir, "exit503")
    assert any("HTTP 503" in e for e in st["errors"]), st["errors"]  # a pass did fail
    assert "not yet fully on the tracking server" not in proc.stderr, proc.stderr
    assert st["synced"]
    assert assert_history_exactly_once(online.url, store_dir, "exit503") == 6000
    assert _server_run(online.url, store_dir, "exit503").info.status == "FINISHED"


def test_a_run_too_big_for_the_exit_wait_is_named_and_nbrun_sync_finishes_it(online, store_dir,
                                                                             tmp_path):
    steps = 300_000
    t0 = time.monotonic()
    proc, waited = _script(store_dir, "exit300k", steps, online.url, tmp_path, timeout=600)
    t_child = time.monotonic() - t0
    # The message names the run and the command that sends the rest, with the store's folder
    # (the script ran elsewhere, so `nbrun sync` would not find the store from there).
    match = re.search(r"`(nbrun [^`]*)`", proc.stderr)
    assert match and "exit300k" in proc.stderr, proc.stderr
    command = shlex.split(match.group(1))
    assert command[1:] == ["--dir", str(store_dir), "sync", "exit300k"], command
    st = status(store_dir, "exit300k")
    assert 0 < st["points_sent"] < 3 * steps and not st["synced"], st

    t1 = time.monotonic()
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main({command[1:]!r}))
        """, env={"NBRUN_BASE_URL": online.url}, timeout=600).stdout
    t_sync = time.monotonic() - t1
    print(f"300,000 x 3 points: child {t_child:.1f} s (exit wait {waited:.1f} s, "
          f"{st['points_sent']} points sent by then); `nbrun sync` {t_sync:.1f} s")
    assert "exit300k: synced" in out, out
    # Every point once: those the exiting process sent and those `nbrun sync` sent after it.
    assert assert_history_exactly_once(online.url, store_dir, "exit300k") == 3 * steps
    assert _server_run(online.url, store_dir, "exit300k").info.status == "FINISHED"


def test_an_online_run_left_unfinished_is_finished_and_sent_at_exit(online, store_dir, tmp_path):
    # An offline run first: the sdk's exit hook is then installed before online mode is first
    # wanted, and the exit wait must still come after the sdk finished the online run.
    proc = run_python(f"""
        import nbrun
        nbrun.init(dir={str(store_dir)!r}, mode="offline", project="exit", id="first").finish()
        run = nbrun.init(dir={str(store_dir)!r}, mode="online", project="exit", id="open")
        for step in range(2000):
            run.log({{"loss": 1.0 / (step + 1), "acc": step * 1e-6, "lr": float(step % 7)}})
        """, cwd=tmp_path, env={"NBRUN_BASE_URL": online.url}, timeout=300)
    assert "not yet fully on the tracking server" not in proc.stderr, proc.stderr
    assert status(store_dir, "open")["synced"]
    assert assert_history_exactly_once(online.url, store_dir, "open") == 6000
    assert _server_run(online.url, store_dir, "open").info.status == "FINISHED"
