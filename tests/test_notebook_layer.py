"""The notebook experience in real kernels: %load_ext, %%runinit, re-running cells, restarts,
save_code and the run card."""

from __future__ import annotations

import json
import time

import nbformat
import pytest

import nbrun
from notebook_kernel import Kernel, errors, output_text


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "store"
    path.mkdir()
    monkeypatch.setenv("NBRUN_DIR", str(path))  # the kernel inherits it
    return path


@pytest.fixture
def kernel(tmp_path, store):
    with Kernel(tmp_path) as k:
        yield k


def runs(store, **kwargs):
    return nbrun.Api(store).runs(**kwargs)


def test_load_ext_twice_and_the_nbrun_magic(kernel, store):
    assert not errors(kernel.run("%load_ext nbrun\n%load_ext nbrun"))
    text = kernel.text("%nbrun")
    assert f"store: {store / '.nbrun'}" in text and "no active runs" in text
    kernel.run("%%runinit\nproject: demo\nname: first")
    text = kernel.text("%nbrun")
    assert "1 active run(s)" in text and "first" in text and "project=demo" in text


def test_runinit_body_flags_expansion_and_binding(kernel, store):
    kernel.run("%load_ext nbrun\nlr = 0.25\nepochs = 4\nlabel = 'cats'")
    outputs = kernel.run(
        "%%runinit trial --project from-flag --tags a,b --job-type train\n"
        "project: from-body\n"
        "notes: learning $label\n"
        "config:\n"
        "  lr: $lr\n"
        "  epochs: {epochs * 2}\n"
        "  layers: [1, 2]\n")
    assert not errors(outputs)
    assert kernel.text("print(trial.id, trial.name)").split()[0]
    (record,) = runs(store)
    assert record.project == "from-flag"          # the magic line overrides the body
    assert record.tags == ("a", "b") and record.job_type == "train"
    assert record.notes == "learning cats"
    assert record.config == {"lr": 0.25, "epochs": 8, "layers": [1, 2]}
    assert kernel.text("print(trial is nbrun.run if 'nbrun' in dir() else "
                       "__import__('nbrun').run is trial)").strip() == "True"


@pytest.mark.parametrize("body, message", [
    ("project: demo\nprojct: x\n", "line 3: unknown argument 'projct' (did you mean 'project'?)"),
    ("project: demo\ntags: [a, b\n", "line 3"),
    ("project: a/b\n", "line 2 (project): project='a/b' contains /"),
    ("config:\n  a.b: 1\n", "line 2 (config): config key 'a.b' contains '.'"),
    ("- project\n", "the body must be a mapping"),
    ("id: x\nid: y\n", "line 3 (id): argument 'id' is given twice"),
])
def test_runinit_errors_point_at_the_line_and_start_nothing(kernel, store, body, message):
    kernel.run("%load_ext nbrun")
    outputs = kernel.run("%%runinit\n" + body)
    (error,) = errors(outputs)
    assert error["ename"] == "RunInitError"
    assert message in error["evalue"]
    # a short message, not a traceback through nbrun's internals
    assert error["traceback"] == [f"RunInitError: {error['evalue']}", "Nothing was started."]
    assert not (store / ".nbrun").exists() or not runs(store, include_hidden=True)
    assert kernel.text("import nbrun; print(nbrun.run)").strip() == "None"


def test_magic_line_errors(kernel, store):
    kernel.run("%load_ext nbrun")
    assert "line 1: unknown argument 'projekt'" in kernel.text("%%runinit --projekt x\n")
    assert "line 1: one variable name" in kernel.text("%%runinit a b\n")
    assert "'class' is not a Python variable name" in kernel.text("%%runinit class\n")
    assert "line 1 (allow_val_change)" in kernel.text("%%runinit --allow-val-change maybe\n")


def test_empty_body_starts_a_run_with_defaults(kernel, store):
    kernel.run("%load_ext nbrun")
    assert not errors(kernel.run("%%runinit\n"))
    (record,) = runs(store)
    assert record.state == "running" and record.config == {}
    assert kernel.text("print(run.id)").strip() == record.id


def test_rerunning_the_init_cell_replaces_its_run(kernel, store):
    kernel.run("%load_ext nbrun")
    init_cell = kernel.cell("%%runinit\nproject: p\nconfig:\n  lr: 0.1")
    kernel.run("", init_cell)
    kernel.run("run.log({'loss': 1.0})")
    first = kernel.text("print(run.id)").strip()
    kernel.run("", init_cell)                   # replaces the first run (it logged)
    second = kernel.text("print(run.id)").strip()
    kernel.run("", init_cell)                   # replaces the second (it logged nothing)
    third = kernel.text("print(run.id)").strip()
    api = nbrun.Api(store)
    assert api.run(first).state == "finished" and not api.run(first).hidden
    assert api.run(second).state == "finished" and api.run(second).hidden
    assert api.run(third).state == "running"
    assert [r.id for r in runs(store)] == [first, third]           # listings hide the empty one
    assert [r.id for r in runs(store, include_hidden=True)] == [first, second, third]


def test_rerunning_a_plain_init_cell_behaves_the_same(kernel, store):
    init_cell = kernel.cell("import nbrun\nrun = nbrun.init(project='p')")
    kernel.run("", init_cell)
    first = kernel.text("print(run.id)").strip()
    kernel.run("", init_cell)
    second = kernel.text("print(run.id)").strip()
    api = nbrun.Api(store)
    assert api.run(first).state == "finished" and api.run(first).hidden
    assert api.run(second).state == "running"


def test_a_cell_asking_for_create_new_keeps_the_other_runs(kernel, store):
    kernel.run("%load_ext nbrun")
    kernel.run("%%runinit main\nproject: p")
    side = kernel.cell("%%runinit side\nproject: p\nreinit: create_new")
    kernel.run("", side)
    kernel.run("", side)
    states = sorted(r.state for r in runs(store, include_hidden=True))
    assert states == ["running", "running", "running"]
    assert kernel.text("import nbrun; print(nbrun.run is main)").strip() == "True"


def test_changing_config_between_executions_never_raises(kernel, store):
    kernel.run("%load_ext nbrun")
    init_cell = kernel.cell("%%runinit\nproject: p\nconfig:\n  lr: $lr")
    kernel.run("lr = 0.1")
    kernel.run("", init_cell)
    assert not errors(kernel.run("run.config.lr = 0.5\nrun.config.update({'lr': 0.7})"))
    kernel.run("lr = 0.3")
    assert not errors(kernel.run("", init_cell))
    first, latest = runs(store, include_hidden=True)
    assert latest.config == {"lr": 0.3} and latest.state == "running"
    assert first.config == {"lr": 0.7}


def test_graceful_restart_finishes_and_killed_kernel_leaves_crashed(kernel, store):
    kernel.run("%load_ext nbrun")
    init_cell = kernel.cell("%%runinit\nproject: p")
    kernel.run("", init_cell)
    kernel.run("run.log({'a': 1})")
    before_restart = kernel.text("print(run.id)").strip()
    kernel.restart()                            # shutdown request: active runs are finished
    assert nbrun.Api(store).run(before_restart).state == "finished"
    kernel.run("%load_ext nbrun")
    kernel.run("", init_cell)                   # starts fresh; the old run is not touched
    killed = kernel.text("print(run.id)").strip()
    assert killed != before_restart
    assert nbrun.Api(store).run(before_restart).state == "finished"
    kernel.run("run.log({'a': 2})")
    time.sleep(0.5)
    kernel.restart(now=True)                    # the kernel is killed: its run reads crashed
    assert nbrun.Api(store).run(killed).state == "crashed"
    kernel.run("%load_ext nbrun")
    kernel.run("", init_cell)
    assert nbrun.Api(store).run(killed).state == "crashed"
    assert len(runs(store)) == 3


def test_kernel_shutdown_finishes_active_runs(tmp_path, store):
    with Kernel(tmp_path) as k:
        k.run("import nbrun\na = nbrun.init(project='p')\n"
              "b = nbrun.init(project='p', reinit='create_new')\na.log({'x': 1})")
    assert sorted(r.state for r in runs(store)) == ["finished", "finished"]


def history_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.execution_count, c.source) for c in nb.cells]


def test_three_runs_with_save_code_each_get_their_history(kernel, store, tmp_path,
                                                          monkeypatch, capfd):
    kernel.run("%load_ext nbrun")
    ids = []
    for i in range(3):
        kernel.run(f"%%runinit r{i}\nproject: p\nsave_code: true\nreinit: create_new")
        kernel.run(f"r{i}.log({{'i': {i}}})")
        ids.append(kernel.text(f"print(r{i}.id)").strip())
    kernel.run("x = 'after all three'")
    api = nbrun.Api(store)
    for run_id in ids:
        path = api.run(run_id).dir + "/code/history.ipynb"
        cells = history_cells(path)
        counts = [count for count, _ in cells]
        assert counts == sorted(counts) and counts[-1] >= 10
        # refreshed after each cell: the last cell executed is in every history
        assert cells[-1][1] == "x = 'after all three'"
    kernel.run("r1.finish()")
    assert api.run(ids[1]).state == "finished"
    # one notice per run that its notebook file could not be found
    outputs = kernel.run("%%runinit\nproject: p\nsave_code: true")
    assert output_text(outputs).count("save_code could not find this notebook's file") == 1
    assert "NBRUN_NOTEBOOK_NAME" in output_text(outputs)


def test_save_code_copies_the_named_notebook(kernel, store, tmp_path):
    notebook = tmp_path / "analysis.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('hello')")]
    nbformat.write(nb, notebook)
    kernel.run(f"import os\nos.environ['NBRUN_NOTEBOOK_NAME'] = {str(notebook)!r}")
    outputs = kernel.run("%load_ext nbrun\n%%runinit\nsave_code: true"
                         if False else "import nbrun\nrun = nbrun.init(save_code=True)")
    assert "could not find" not in output_text(outputs)
    record = runs(store)[0]
    assert record.project == "analysis"   # the notebook's stem names the project (no git here)
    saved = f"{record.dir}/code/analysis.ipynb"
    assert open(saved).read() == notebook.read_text()


def test_run_card_is_shown_and_fed_incrementally(kernel, store):
    kernel.run("%load_ext nbrun")
    outputs = kernel.run("%%runinit\nproject: p")
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1                      # the card appears when the run starts
    shown = kernel.run("run")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)
    # A second card on the same run, whose messages we record to check what is sent.
    kernel.run(
        "from nbrun.notebook.card import RunCard, MAX_POINTS\n"
        "import time, json\n"
        "card = RunCard(run)\n"
        "sent = []\n"
        "real_send = card.send\n"
        "card.send = lambda msg, buffers=None: (sent.append(json.loads(json.dumps(msg))),"
        " real_send(msg, buffers))\n"
        "for i in range(3000):\n"
        "    run.log({'loss': 1 / (i + 1), 'acc': i / 3000, 'note': 'text'})\n"
        "    if i % 1000 == 999: time.sleep(1.3)\n"
        "time.sleep(1.5)\n"
        "run.finish()\n"
        "card._feeder.join(5)\n")
    result = json.loads(kernel.text(
        "print(json.dumps({'sent': sent, 'state': card.state, 'step': card.step,"
        " 'max': MAX_POINTS, 'summary': card.summary}))"))
    sent = [msg["series"] for msg in result["sent"]]
    assert len(sent) >= 2                       # updated as the run went, not only at the end
    assert {key for series in sent for key in series} == {"loss", "acc"}  # scalars only
    for key in ("loss", "acc"):
        steps = [p[0] for series in sent for p in series.get(key, []) if p[0] != "halve"]
        assert steps == sorted(set(steps)) and steps[0] == 0   # no point is sent twice
        assert len(steps) < 3000 / 2           # thinned: never the whole series
        held = []                               # what the front end holds, replayed
        for series in sent:
            for point in series.get(key, []):
                held = held[::2] if point == ["halve"] else held + [point]
        assert len(held) <= result["max"] + 1
    assert result["state"] == "finished" and result["step"] == 2999  # the last step logged
    assert result["summary"]["note"] == "text"


def test_terminal_ipython_prints_a_one_line_summary(tmp_path, store):
    import subprocess
    import sys

    cells = ["%load_ext nbrun", "%%runinit\nproject: term"]
    code = "; ".join(f"get_ipython().run_cell({c!r})" for c in cells)
    proc = subprocess.run([sys.executable, "-m", "IPython", "--no-banner", "-c", code],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("nbrun: run ")]
    assert len(lines) == 1 and "in project term is running" in lines[0], proc.stderr


def test_front_end_cell_ids_identify_cells(store, tmp_path):
    # JupyterLab sends the cell's id with each execution: an edited cell is still the same
    # cell, and two cells with the same text are different cells.
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))

    def execute(code, cell_id):
        msg = kc.session.msg("execute_request", {"code": code, "silent": False,
                                                 "store_history": True,
                                                 "user_expressions": {},
                                                 "allow_stdin": False, "stop_on_error": True},
                             metadata={"cellId": cell_id})
        kc.shell_channel.send(msg)
        reply = kc.get_shell_msg(timeout=60)
        while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            reply = kc.get_shell_msg(timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]

    try:
        execute("import nbrun\nrun = nbrun.init(project='p')", "cell-a")
        execute("import nbrun\nrun = nbrun.init(project='p', notes='edited')", "cell-a")
        execute("import nbrun\nrun = nbrun.init(project='p', notes='edited')", "cell-b")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    first, second, third = runs(store, include_hidden=True)
    assert first.cell == "id:cell-a" and second.cell == "id:cell-a" and third.cell == "id:cell-b"
    assert first.hidden            # replaced by its own (edited) cell before logging anything
    assert not second.hidden       # finished by another cell: not a false start of cell-b


def test_the_card_is_final_when_finish_returns(kernel, store):
    # What the front end holds right after the cell that finishes the run: a notebook saved
    # then (or executed headless, as `jupyter execute` does) keeps exactly this card. Without
    # finish() waiting for the card's last refresh, its feeder slept up to a second first.
    kernel.run("%load_ext nbrun")
    kernel.run("%%runinit\nproject: p")
    kernel.run("for i in range(7):\n    run.log({'loss': 1 / (i + 1)})\nrun.finish()")
    cards = [m for m in kernel.client.widget_state.values() if "video_label" in m]
    assert len(cards) == 1
    # the last step logged, as the sidebar's runs list says it (it once said 7 against 6)
    assert cards[0]["state"] == "finished" and cards[0]["step"] == 6, cards[0]
    assert runs(store)[0].last_step == 6


def test_first_cell_imports_no_nbformat_and_history_is_a_valid_notebook(kernel, store):
    # nbformat pulls in jsonschema and its URI grammar: 2 s of the first cell of every kernel.
    kernel.run("%load_ext nbrun")
    kernel.run("%%runinit\nproject: p\nsave_code: true")
    kernel.run("run.log({'a': 1})")
    loaded = kernel.text("import sys\nprint(sorted(m for m in ('nbformat', 'jsonschema') "
                         "if m in sys.modules))")
    assert loaded.strip() == "[]"
    record = runs(store)[0]
    nb = nbformat.read(f"{record.dir}/code/history.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat_minor == 5 and nb.metadata["nbrun"]["run_id"] == record.id
    assert [c.source for c in nb.cells][-3:-1] == ["%%runinit\nproject: p\nsave_code: true",
                                                 "run.log({'a': 1})"]


def test_the_card_shows_the_newest_media_of_each_key(kernel, store):
    kernel.run("%load_ext nbrun")
    kernel.run("%%runinit\nproject: p")
    assert not errors(kernel.run(
        "import numpy as np, nbrun\n"
        "for i in range(3):\n"
        "    run.log({'img': nbrun.Image(np.full((4, 6, 3), i, np.uint8), caption=f'c{i}'),\n"
        "             'hist': nbrun.Histogram(np_histogram=([i, 2], [0.0, 1.0, 2.0]))})\n"
        "run.log({'gallery': [nbrun.Image(np.zeros((2, 2), np.uint8))] * 2,\n"
        "         'table': nbrun.Table(columns=['a', 'b'], data=[[k, str(k)] for k in range(9)]),\n"
        "         'tone': nbrun.Audio(np.zeros(800), sample_rate=800)})\n"
        "run.finish()"))
    (card,) = [m for m in kernel.client.widget_state.values() if "video_label" in m]
    media = {m["key"]: m for m in card["media"]}
    assert list(media) == ["gallery", "hist", "img", "table", "tone"]
    img = media["img"]
    assert img["step"] == 2 and [i["caption"] for i in img["images"]] == ["c2"]
    assert img["images"][0]["width"] == 6 and len(media["gallery"]["images"]) == 2
    assert media["hist"]["values"] == [2, 2] and media["hist"]["bins"] == [0.0, 1.0, 2.0]
    table = media["table"]
    assert table["columns"] == ["a", "b"] and table["rows"][:2] == [["0", "0"], ["1", "1"]]
    assert len(table["rows"]) == 5 and table["label"] == "9 rows"
    assert media["tone"]["label"].startswith("audio · 1.00 s")
    buffers = [b for buffer in kernel.client.widget_buffers.values() for b in buffer.values()]
    assert any(b["path"][:3] == ["media", 2, "images"] for b in buffers), buffers
