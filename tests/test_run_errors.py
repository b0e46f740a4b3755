"""Why a run failed: the exception (type, message, traceback, where) of a ``with`` block, of an
uncaught exception in a script and of a notebook cell is stored with the run and shown by
``Api``, ``nbrun show``, the server's run detail and the run card."""

from __future__ import annotations

import textwrap

import pytest

import nbrun
from conftest import run_python
from notebook_kernel import Kernel
from test_api_cli import cli, ok


def test_a_with_block_keeps_the_exception_that_failed_the_run(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with nbrun.init(project="p", dir=tmp_path, mode="offline") as run:
            run.log({"loss": 1.0})

            def diverge():
                return 1 / 0

            diverge()
    (record,) = nbrun.Api(tmp_path).runs()
    assert record.state == "failed" and record.exit_code == 1
    assert record.error["type"] == "ZeroDivisionError"
    assert record.error["message"] == "division by zero"
    assert record.error["where"] == "the with block"
    assert "in diverge" in record.error["traceback"]
    assert record.error["traceback"].rstrip().endswith("ZeroDivisionError: division by zero")


def test_a_finished_run_has_no_error(tmp_path):
    with nbrun.init(project="p", dir=tmp_path, mode="offline") as run:
        run.log({"loss": 1.0})
    assert nbrun.Api(tmp_path).runs()[0].error == {}


def test_a_scripts_uncaught_exception_is_stored_and_shown(tmp_path):
    proc = run_python(f"""
        import nbrun
        run = nbrun.init(project="p", dir={str(tmp_path)!r}, mode="offline")
        run.log({{"loss": float("nan")}})
        class Diverged(RuntimeError):
            pass
        raise Diverged("loss is nan at step " + str(run.step) + "\\n(second line)")
        """, check=False)
    assert proc.returncode == 1 and "Diverged" in proc.stderr
    (record,) = nbrun.Api(tmp_path).runs()
    assert record.state == "failed"
    assert record.error["type"] == "Diverged" and record.error["where"] == "uncaught in the program"
    assert record.error["message"].startswith("loss is nan at step")
    shown = ok(cli("show", record.id, cwd=tmp_path))
    assert "error:     Diverged: loss is nan at step" in shown
    assert "(uncaught in the program)" in shown
    assert "traceback (uncaught in the program):" in shown and 'File "<string>"' in shown
    assert "(second line)" in shown.split("traceback (")[1]  # the whole message with it


def test_a_huge_message_is_bounded(tmp_path):
    with pytest.raises(ValueError):
        with nbrun.init(project="p", dir=tmp_path, mode="offline"):
            raise ValueError("x" * 1_000_000)
    error = nbrun.Api(tmp_path).runs()[0].error
    assert len(error["message"]) < 5_000 and len(error["traceback"]) < 40_000


def test_a_notebook_cells_error_is_kept_as_the_runs_last_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NBRUN_DIR", str(tmp_path))
    with Kernel(tmp_path) as kernel:
        kernel.run("%load_ext nbrun")
        kernel.run("%%runinit\nproject: p")
        kernel.run(textwrap.dedent("""\
            def train():
                raise KeyError('val/acc')
            train()"""))
        kernel.run("run.log({'a': 1})")  # the run goes on after a cell's error
        # committed now, not at the writer's next tick
        kernel.run("import nbrun\nnbrun.sdk.run.get_writer().flush()")
        record = nbrun.Api(tmp_path).runs()[0]
        assert record.state == "running"
        assert record.error["type"] == "KeyError" and record.error["where"].startswith("cell [")
        assert "in train" in record.error["traceback"]
        kernel.run("import time\ntime.sleep(1.5)")  # the card's next refresh
        cards = [m for m in kernel.client.widget_state.values() if "error_traceback" in m]
        assert len(cards) == 1
        assert cards[0]["error"].startswith("last error: KeyError: 'val/acc' (cell [")
        assert "in train" in cards[0]["error_traceback"]
