"""A tracking server that misbehaves never makes `init()` fail or hang (force=False), nor makes
`nbrun sync` blame the store; and a create whose answer is lost makes one server run, not two.

The faults come from tests/fault_proxy.py, in front of the real MLflow server, and it injects
only what a real server does not do on demand: a redirect loop, a redirect to ftp://, headers
trickled one every 2 s, a broken chunked or gzip body, a 4 GB answer, an answer without the
fields asked for, and an answer lost (or turned into a gateway's 504) after the real server made
the run. Each `init()` and `nbrun sync` runs in a child process under a 2 GB address-space limit,
so that a client reading a 4 GB answer whole fails there instead of filling the machine."""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

from conftest import run_python
from fault_proxy import Fault, FaultProxy
import sync_support
from sync_support import assert_history_exactly_once, status, wait_synced

import nbrun

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online

# The start of every child program: a 2 GB address-space limit, and PEAK_MB(), the child's
# peak resident memory (VmHWM; ru_maxrss would include the pytest process that forked it).
CHILD = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

def PEAK_MB():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
"""

INIT = CHILD + """
import json, os, sys, time
import nbrun
out = {}
start = time.monotonic()
try:
    run = nbrun.init(project="faults", mode="online", force=FORCE, dir=STORE,
                     settings={"base_url": URL})
    out["mode"] = run.mode
except Exception as exc:
    out["error"] = [type(exc).__name__, str(exc)]
out["seconds"] = time.monotonic() - start
out["rss_mb"] = PEAK_MB()
print("RESULT", json.dumps(out), flush=True)
os._exit(0)  # no wait at exit for a run that cannot reach this server
"""

CHECK = "GET experiments/get-by-name"
SAID = {  # what the notice and the error say, after the request's name
    "redirect_loop": "answered with a redirect (HTTP 302 to '/api/2.0/mlflow/experiments/",
    "redirect_ftp": "answered with a redirect (HTTP 302 to 'ftp://127.0.0.1/x')",
    "bad_chunked": "was broken (ChunkedEncodingError)",
    "bad_gzip": "was broken (ContentDecodingError)",
    "trickle": "no complete answer from http://127.0.0.1:",
    "huge": "answered with more than 32 MB (4,294,967,296 bytes announced)",
    "empty": "answered without experiment.experiment_id",
}


def _init(proxy: FaultProxy, store, force: bool) -> tuple[dict, str]:
    code = INIT.replace("FORCE", repr(force)).replace("STORE", repr(str(store))) \
        .replace("URL", repr(proxy.url))
    proc = run_python(code, timeout=180)
    result = json.loads(proc.stdout.split("RESULT ", 1)[1])
    return result, proc.stderr


@pytest.mark.parametrize("kind", ["redirect_loop", "redirect_ftp", "bad_chunked", "bad_gzip",
                                  "trickle", "huge"])
def test_init_starts_locally_and_says_why_whatever_the_server_does(server, store_dir, kind):
    proxy = FaultProxy(server.url)  # fake only in what it injects; see the module docstring
    proxy.faults.append(Fault("GET", "experiments/get-by-name", kind, times=1000))
    try:
        result, stderr = _init(proxy, store_dir, force=False)
        assert result.get("mode") == "online", result  # started locally, sent when it can
        assert f"nbrun: {CHECK}: " in stderr and SAID[kind] in stderr, stderr
        assert "the run starts locally" in stderr
        # One deadline for the whole check (5 s), however slowly the server answers.
        assert result["seconds"] < 20, result
        assert result["rss_mb"] < 400, result  # the 4 GB answer was not read

        forced, _ = _init(proxy, store_dir, force=True)
        assert forced["error"][0] == "CommError", forced
        assert forced["error"][1].startswith(f"{CHECK}: ") and SAID[kind] in forced["error"][1]
        assert forced["seconds"] < 20, forced
    finally:
        proxy.close()


SYNC = CHILD + """
import sys
from nbrun.cli import main
sys.exit(main(["--dir", STORE, "sync", RUN]))
"""


def _sync(url: str, store, run_id: str):
    code = SYNC.replace("STORE", repr(str(store))).replace("RUN", repr(run_id))
    return run_python(code, env={"NBRUN_BASE_URL": url}, timeout=180, check=False)


@pytest.mark.parametrize("kind", ["bad_chunked", "empty", "huge", "redirect_loop"])
def test_nbrun_sync_records_a_server_fault_as_such_and_sends_the_run_later(server, store_dir,
                                                                           kind):
    run = nbrun.init(dir=store_dir, project=f"sync-fault-{kind}", mode="offline")
    for step in range(300):
        run.log({"loss": 1 / (step + 1)})
    run.finish()
    proxy = FaultProxy(server.url)  # fake only in what it injects; see the module docstring
    proxy.faults.append(Fault("GET", "experiments/get-by-name", kind, times=1000))
    try:
        proc = _sync(proxy.url, store_dir, run.id)
    finally:
        proxy.close()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{run.id}: not finished: {CHECK}: " in proc.stderr, proc.stderr
    assert SAID[kind] in proc.stderr, proc.stderr
    assert "may be damaged" not in proc.stderr and "Traceback" not in proc.stderr
    st = status(store_dir, run.id)
    assert not st["synced"] and st["last_error"].startswith(f"{CHECK}: ")
    assert SAID[kind] in st["last_error"]

    done = _sync(server.url, store_dir, run.id)  # the server itself: nothing was lost
    assert done.returncode == 0, done.stdout + done.stderr
    assert wait_synced(store_dir, run.id)["synced"]
    assert assert_history_exactly_once(server.url, store_dir, run.id) == 300


@pytest.mark.parametrize("kind", ["lost", "lost504"])
def test_a_create_whose_answer_is_lost_makes_one_server_run(online, store_dir, monkeypatch,
                                                            kind):
    proxy = FaultProxy(online.url)  # fake only in what it injects; see the module docstring
    fault = Fault("POST", "runs/create", kind)
    proxy.faults.append(fault)
    monkeypatch.setenv("NBRUN_BASE_URL", proxy.url)
    try:
        run = nbrun.init(dir=store_dir, project=f"lost-create-{kind}")
        for step in range(500):
            run.log({"loss": 1 / (step + 1)})
        run.finish()
        st = wait_synced(store_dir, run.id)
    finally:
        proxy.close()
    assert fault.injected == 1  # the real server made the run; its answer never came back
    assert proxy.count("POST", "runs/create") == 1  # found by its sync key, not made again
    client = MlflowClient(online.url)
    eid = client.get_run(st["server_run_id"]).info.experiment_id
    runs = client.search_runs([eid])
    assert [r.info.run_id for r in runs] == [st["server_run_id"]]  # no empty RUNNING twin
    assert runs[0].info.status == "FINISHED"
    assert assert_history_exactly_once(online.url, store_dir, run.id) == 500
