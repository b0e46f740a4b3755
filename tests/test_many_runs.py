"""Several runs in one cell: a ``for`` loop of ``with nbrun.init(...)`` and plain
``init()``/``finish()`` pairs all end finished, each with its own config and data, in a real
notebook kernel and in a script."""

from __future__ import annotations

import nbrun
from conftest import run_python
from notebook_kernel import Kernel, errors

CELL = """
import nbrun
for i in range(4):
    with nbrun.init(project="loop", config={"i": i}, mode="offline") as run:
        for s in range(50):
            run.log({"x": i * 1000 + s, "name": f"with-{i}"})
for i in range(4):
    run = nbrun.init(project="pairs", config={"i": i}, mode="offline")
    for s in range(50):
        run.log({"x": i * 1000 + s, "name": f"pair-{i}"})
    run.finish()
print("DONE", nbrun.run)
"""


def check(store) -> None:
    api = nbrun.Api(store)
    for project, label in (("loop", "with"), ("pairs", "pair")):
        records = api.runs(project=project)
        assert len(records) == 4
        assert sorted(r.config["i"] for r in records) == [0, 1, 2, 3]
        for record in records:
            i = record.config["i"]
            assert record.state == "finished", (project, i, record.state)
            rows = record.history()
            assert [r["x"] for r in rows] == [i * 1000 + s for s in range(50)]
            assert {r["name"] for r in rows} == {f"{label}-{i}"}
            assert record.summary["x"] == i * 1000 + 49


def test_several_runs_in_one_notebook_cell(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    monkeypatch.setenv("NBRUN_DIR", str(store))  # the kernel inherits it
    with Kernel(tmp_path) as kernel:
        outputs = kernel.run(CELL)
        assert not errors(outputs), errors(outputs)
        check(store)
        # And once more in the same kernel, as a user re-running the cell would.
        outputs = kernel.run(CELL)
        assert not errors(outputs), errors(outputs)
    api = nbrun.Api(store)
    assert len(api.runs()) == 16 and {r.state for r in api.runs()} == {"finished"}


def test_several_runs_in_one_script(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    proc = run_python(CELL, cwd=tmp_path, env={"NBRUN_DIR": str(store)})
    assert "DONE None" in proc.stdout
    check(store)
