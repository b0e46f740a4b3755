"""The run form in a real kernel: %runinit shows it, its buttons start runs and write cells."""

from __future__ import annotations

import json

import pytest
from notebook_kernel import Kernel, errors

import nbrun

from test_form import (  # noqa: F401  (helpers and fixtures)
    WIDGET_VIEW, form, fresh_memory)


# -- in a real kernel --------------------------------------------------------------------
@pytest.fixture
def kernel(tmp_path, store_dir, monkeypatch):
    monkeypatch.setenv("NBRUN_DIR", str(store_dir))    # the kernel inherits it
    with Kernel(tmp_path) as k:
        yield k


def views(outputs):
    return [o for o in outputs if WIDGET_VIEW in o.get("data", {})]


def browser_click(kernel, button):
    """Click a button the way the front end does: a comm message, outside any cell."""
    comm_id = kernel.text(f"print({button}.comm.comm_id)").strip()
    client = kernel.client.kc
    client.shell_channel.send(client.session.msg("comm_msg", {
        "comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}))


def test_the_magics_show_the_form_in_a_kernel(kernel, store_dir):
    replies = []
    kernel.client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.append(
        execute_reply)
    kernel.run("%load_ext nbrun")
    outputs = kernel.run("%runinit")
    assert not errors(outputs) and len(views(outputs)) == 1

    outputs = kernel.run("%%runinit trial --form\nproject: p\nmode: offline\ntags: [a]\n"
                         "config:\n  lr: 0.1\n")
    assert not errors(outputs) and len(views(outputs)) == 1
    assert kernel.text("print(run if 'run' in dir() else 'nothing started')").strip() \
        == "nothing started"
    kernel.run("form = _")
    assert kernel.text("print(form.controls['project'].value, form.controls['tags'].value, "
                       "form.controls['mode'].picker.value)").strip() == "p ['a'] offline"

    # Start: the run card appears in the form's output area, the run is bound to its name
    outputs = kernel.run("form.start_button.click()")
    assert not errors(outputs)
    assert not views(outputs)                     # not in the cell: in the form
    run_id = kernel.text("print(trial.id)").strip()
    record = nbrun.Api(store_dir).run(run_id)
    assert (record.project, record.tags, record.config) == ("p", ("a",), {"lr": 0.1})
    shown = json.loads(kernel.text(
        "import json; print(json.dumps(form.output.outputs))"))
    assert len(views(shown)) == 1

    # Insert cell: the %%runinit cell comes back with the cell's reply
    replies.clear()
    kernel.run("form.insert_button.click()")
    (payload,) = replies[-1]["content"]["payload"]
    assert payload["source"] == "set_next_input" and payload["replace"] is False
    assert payload["text"] == ("%%runinit trial\nproject: p\ntags:\n- a\nconfig:\n  lr: 0.1\n"
                               "mode: offline\n")

    # Clicked in the browser, the cell comes with the reply to the next cell run (that is
    # how Jupyter delivers set_next_input), and the status says so.
    browser_click(kernel, "form.insert_button")
    status = kernel.text("print(form.status.value)")
    assert "written below the next cell you run" in status
    (payload,) = replies[-1]["content"]["payload"]
    assert payload["text"].startswith("%%runinit trial\nproject: p\n")

    browser_click(kernel, "form.finish_button")
    assert kernel.text("print(trial.state)").strip() == "finished"
    assert nbrun.Api(store_dir).run(run_id).state == "finished"
    browser_click(kernel, "form.start_button")        # Start from the browser, too
    second = kernel.text("print(trial.id, trial.state)").split()
    assert second[0] != run_id and second[1] == "running"
    assert "Started run" in kernel.text("print(form.status.value)")
    kernel.run("form.finish()")

    # the line magic starts from the last values started in this kernel
    kernel.run("again = %runinit")
    assert kernel.text("print(again.spec.to_kwargs())").strip() == \
        "{'project': 'p', 'tags': ['a'], 'config': {'lr': 0.1}, 'mode': 'offline'}"
    # a body error still points at its line and opens nothing
    outputs = kernel.run("%%runinit --form\nprojct: p\n")
    (error,) = errors(outputs)
    assert "line 2: unknown argument 'projct'" in error["evalue"] and not views(outputs)


def test_an_empty_runinit_cell_still_starts_a_run_with_the_defaults(kernel, store_dir):
    kernel.run("%load_ext nbrun")
    assert not errors(kernel.run("%%runinit\n"))
    (record,) = nbrun.Api(store_dir).runs()
    assert record.state == "running"
    outputs = kernel.run("%%runinit --form\n")    # an empty body with --form: the form
    assert len(views(outputs)) == 1 and len(nbrun.Api(store_dir).runs()) == 1
