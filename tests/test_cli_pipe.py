"""``nbrun`` writing into a pipe whose reader is gone (``nbrun runs | head``) ends quietly, as
command-line tools do, instead of reporting the store as damaged."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import nbrun

from conftest import child_env


@pytest.fixture
def store(tmp_path):
    for i in range(3):
        run = nbrun.init(dir=str(tmp_path), mode="offline", project="p", name=f"r{i}",
                         reinit="create_new", config={"lr": i})
        run.log({"loss": 1.0})
        run.finish()
    return tmp_path


def nbrun_into_closed_pipe(*args) -> subprocess.CompletedProcess:
    """``nbrun <args>`` with its stdout a pipe whose read end is already closed: its first
    write fails, as a write after ``head`` has exited does."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "nbrun.cli", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=child_env(), timeout=60)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [["runs"], ["runs", "--json"], ["show"]])
def test_a_closed_pipe_ends_quietly(store, command):
    if command == ["show"]:
        command = ["show", nbrun.Api(str(store)).runs()[0].id]
    done = nbrun_into_closed_pipe("--dir", str(store), *command)
    assert done.stderr == ""
    assert done.returncode == 128 + 13  # as a shell reports a tool ended by SIGPIPE

