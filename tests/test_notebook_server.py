"""save_code in a kernel started by a real Jupyter server session: the notebook file is found
through the server (the session name it gives the kernel, else its sessions API)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests
from jupyter_client import BlockingKernelClient

import nbrun
from conftest import free_port

TOKEN = "nbrun-test-token"


@pytest.fixture
def server(tmp_path, monkeypatch):
    root = tmp_path / "root"
    (root / "experiments").mkdir(parents=True)
    runtime = tmp_path / "runtime"
    store = tmp_path / "store"
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), "NBRUN_DIR": str(store)}
    env = {k: v for k, v in env.items() if k != "JPY_SESSION_NAME"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
         f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {TOKEN}"}
    for _ in range(300):
        try:
            if requests.get(f"{url}/api/status", headers=headers, timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("jupyter server did not start")
    yield {"url": url, "headers": headers, "root": root, "runtime": runtime, "store": store}
    proc.terminate()
    proc.wait(timeout=30)


def start_session(server, path: str) -> BlockingKernelClient:
    reply = requests.post(f"{server['url']}/api/sessions", headers=server["headers"],
                          json={"path": path, "name": os.path.basename(path),
                                "type": "notebook", "kernel": {"name": "python3"}}, timeout=60)
    reply.raise_for_status()
    kernel_id = reply.json()["kernel"]["id"]
    client = BlockingKernelClient(
        connection_file=str(server["runtime"] / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    # wait_for_ready() judges "alive" from heartbeats, which a kernel started by another
    # process may not have sent yet on a busy machine. Ready means: a kernel_info reply on
    # shell AND its status messages on iopub (a fresh subscription can miss the first
    # messages, and execute_interactive would then wait for an idle it never sees).
    deadline = time.monotonic() + 90
    while True:
        msg_id = client.kernel_info()
        try:
            while client.get_shell_msg(timeout=5)["parent_header"].get("msg_id") != msg_id:
                pass
            while client.get_iopub_msg(timeout=5)["parent_header"].get("msg_id") != msg_id:
                pass
            return client
        except queue.Empty:
            if time.monotonic() > deadline:
                raise AssertionError("the session's kernel never answered kernel_info") from None


def execute(client: BlockingKernelClient, code: str) -> str:
    printed: list[str] = []

    def keep(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            printed.append("ERROR " + msg["content"]["evalue"])

    client.execute_interactive(code, timeout=120, output_hook=keep)
    return "".join(printed)


def write_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# An experiment"),
                nbformat.v4.new_code_cell("import nbrun\nrun = nbrun.init(save_code=True)")]
    nbformat.write(nb, path)


@pytest.mark.parametrize("found_by", ["session name", "sessions API"])
def test_save_code_finds_the_notebook_through_the_server(server, found_by):
    notebook = server["root"] / "experiments" / "trial.ipynb"
    write_notebook(notebook)
    client = start_session(server, "experiments/trial.ipynb")
    try:
        if found_by == "sessions API":
            # without the session name the kernel must ask the server which notebook it runs
            execute(client, "import os\nos.environ.pop('JPY_SESSION_NAME', None)")
        out = execute(client, "import nbrun\nrun = nbrun.init(save_code=True, mode='offline')\n"
                              "run.log({'x': 1})\nrun.finish()\nprint(run.id)")
    finally:
        client.stop_channels()
    assert "ERROR" not in out and "could not find" not in out, out
    run_id = out.strip().splitlines()[-1]
    record = nbrun.Api(server["store"]).run(run_id)
    saved = Path(record.dir) / "code" / "trial.ipynb"
    assert saved.read_bytes() == notebook.read_bytes()
    assert record.project == "trial"     # no git here: the notebook's stem names the project
    history = nbformat.read(Path(record.dir) / "code" / "history.ipynb", as_version=4)
    assert any("nbrun.init(save_code=True" in c.source for c in history.cells)
