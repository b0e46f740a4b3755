"""Defects a new user meets first (issue 13, point 5), on the Python side, in real kernels:
the offline notice, %%runinit references without a value, YAML indentation errors, tags typed
with commas, the labels of every form control and the copy button's text."""

from __future__ import annotations

import json
import subprocess
import sys

import ipywidgets as widgets
import pytest

import nbrun
from conftest import child_env
from nbrun.notebook.runinit import RunInitError, parse_body
from nbrun.widgets.tagsfield import TagsField
from notebook_kernel import Kernel, errors, output_text

NOTICE = "no tracking server is configured"


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "store"
    path.mkdir()
    monkeypatch.setenv("NBRUN_DIR", str(path))  # the kernel inherits it
    monkeypatch.delenv("NBRUN_MODE", raising=False)  # the default mode, as a new user has
    monkeypatch.delenv("NBRUN_BASE_URL", raising=False)
    return path


@pytest.fixture
def kernel(tmp_path, store):
    with Kernel(tmp_path) as k:
        yield k


def test_offline_notice_is_a_quiet_line_in_the_card_once_per_kernel(kernel, store):
    kernel.run("%load_ext nbrun")
    first = kernel.run("%%runinit\nproject: p")
    assert not [o for o in first if o.get("output_type") == "stream"
                and o.get("name") == "stderr"], first
    assert not errors(first)
    second = kernel.run("%%runinit\nproject: p")
    assert NOTICE not in output_text(second)
    shown = json.loads(kernel.text(
        "import gc, json\n"
        "from nbrun.notebook.card import RunCard\n"
        "print(json.dumps([o.notice for o in gc.get_objects() if isinstance(o, RunCard)]))"))
    assert len(shown) == 2
    assert [n for n in shown if n] == [n for n in shown if NOTICE in n and "offline to" in n]
    assert len([n for n in shown if n]) == 1  # once per kernel


def test_offline_notice_stays_on_stderr_in_a_script(tmp_path, store):
    proc = subprocess.run([sys.executable, "-c", "import nbrun; nbrun.init(project='p').finish()"],
                          env=child_env(NBRUN_DIR=str(store)), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert NOTICE in proc.stderr


REFERENCES_WITHOUT_VALUE = [
    ("config:\n  lr: $undefined_lr\n", "line 4: $undefined_lr: name 'undefined_lr' is not "
     "defined"),
    ("notes: {1/0}\n", "line 3: {1/0} raised ZeroDivisionError"),
    ("config:\n  n: {len(nothing_here)}\n", "line 4: {len(nothing_here)}: name 'nothing_here'"),
]


def test_runinit_reference_without_a_value_starts_nothing(kernel, store):
    kernel.run("%load_ext nbrun")
    for body, message in REFERENCES_WITHOUT_VALUE:  # one kernel for all: each starts nothing
        outputs = kernel.run("%%runinit\nproject: p\n" + body)
        (error,) = errors(outputs)
        assert error["ename"] == "RunInitError"
        assert message in error["evalue"]
    assert not (store / ".nbrun").exists() or not nbrun.Api(store).runs(include_hidden=True)


def test_runinit_references_that_have_values_and_yaml_flow_mappings_still_work(kernel, store):
    kernel.run("%load_ext nbrun\nlr = 0.5")
    assert not errors(kernel.run("%%runinit\nproject: p\nnotes: costs $$5\n"
                                 "config:\n  lr: $lr\n  double: {lr * 2}\n  opt: {name: adam}\n"))
    (record,) = nbrun.Api(store).runs()
    assert record.config == {"lr": 0.5, "double": 1.0, "opt": {"name": "adam"}}
    assert record.notes == "costs $5"


def test_yaml_indentation_errors_name_each_line_and_the_fix():
    body = ("project: p\n"
            "  name: x\n"          # line 3: deeper than project, which has a value
            "config:\n"
            "  lr: 1\n"
            " epochs: 2\n")        # line 6: between the two levels
    with pytest.raises(RunInitError) as info:
        parse_body(body)
    text = str(info.value)
    assert text.startswith("%%runinit line 3: the body has 2 problems")
    assert "line 3: 'name' is indented 2 spaces" in text and "indent it 0 spaces" in text
    assert "line 6: 'epochs' is indented 1 space" in text and "indent it 0 or 2 spaces" in text


def test_a_config_key_left_unindented_is_pointed_at_its_parent():
    with pytest.raises(RunInitError) as info:
        parse_body("config:\nlr: 0.1\nbatch: 3\n")
    text = str(info.value)
    assert "the body has 2 problems" in text
    assert "line 3: unknown argument 'lr'" in text and "line 4: unknown argument 'batch'" in text
    assert "indent it under that line" in text and "'config' (line 2)" in text


def test_tags_typed_with_commas_are_separate_tags():
    from nbrun.widgets.form import RunForm
    from nbrun.widgets.spec import InitSpec

    form = RunForm(InitSpec(), shell=None)
    form.controls["tags"].value = ["alpha", "beta,gamma", " delta , alpha"]
    assert form.controls["tags"].value == ["alpha", "beta", "gamma", "delta"]
    assert form.spec.tags == ["alpha", "beta", "gamma", "delta"]


def test_every_form_control_has_a_label_and_copy_holds_the_code():
    from nbrun.widgets.form import RunForm
    from nbrun.widgets.spec import InitSpec

    form = RunForm(InitSpec(project="p"), shell=None)
    for name, control in form.controls.items():
        field = next(box for box in _boxes(form) if control in box.children)
        labels = [w.value for w in field.children if isinstance(w, widgets.Label)]
        described = getattr(control, "description", None) or getattr(
            getattr(control, "picker", None) or getattr(control, "text", None)
            or getattr(control, "run", None), "description", None)
        assert described == name and not labels, name
        if isinstance(control, TagsField):
            assert control.placeholder.strip("\u200b"), name
    assert "project='p'" in form.code_button.text


def _boxes(widget):
    for child in getattr(widget, "children", ()):
        if isinstance(child, widgets.Box):
            yield child
            yield from _boxes(child)
