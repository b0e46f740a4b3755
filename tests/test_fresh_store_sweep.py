"""A sweep launched on a fresh project: eight processes start runs at one instant in a folder
that has no store yet. Creating the store must wait for the others like every other write
does: every init() succeeds, every run ends finished with its data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import nbrun

from conftest import child_env

PROCESSES = 8
ROUNDS = int(os.environ.get("SWEEP_ROUNDS", 10))

CHILD = textwrap.dedent("""
    import json, os, sys
    import nbrun
    print("ready", flush=True)
    while True:
        root = sys.stdin.readline().strip()
        if not root:
            break
        try:
            with nbrun.init(dir=root, mode="offline", project="sweep") as run:
                run.log({"pid": os.getpid()})
            print(json.dumps({"ok": run.id}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
""")


def test_eight_processes_create_one_store_at_once(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", CHILD], env=child_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    try:
        assert all(p.stdout.readline().strip() == "ready" for p in procs)
        for n in range(ROUNDS):
            root = tmp_path / f"fresh-{n}"  # no .nbrun/ anywhere above it but the test's
            root.mkdir()
            for p in procs:
                p.stdin.write(f"{root}\n")
            for p in procs:  # written first, flushed back to back: one instant
                p.stdin.flush()
            replies = [json.loads(p.stdout.readline()) for p in procs]
            errors = [r["error"] for r in replies if "error" in r]
            assert not errors, f"round {n}: {errors}"
            records = nbrun.Api(root).runs()
            assert sorted(r.id for r in records) == sorted(r["ok"] for r in replies)
            assert all(r.state == "finished" for r in records)
            assert sorted(r.history()[0]["pid"] for r in records) == sorted(p.pid for p in procs)
    finally:
        for p in procs:
            p.stdin.close()
        for p in procs:
            p.wait(timeout=30)
