"""The run form: driven headlessly (widget values set, buttons clicked) in this process, and
shown by %runinit / %%runinit --form in a real kernel."""

from __future__ import annotations

import ast
import inspect
import json

import pytest

import nbrun
from nbrun.notebook.runinit import parse
from nbrun.widgets import InitSpec, RunForm, memory
from nbrun.widgets.choicebuttons import ChoiceButtons
from nbrun.widgets.controls import DEFAULT_LABEL, css_class
from nbrun.widgets.tagsfield import TagsField

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def fresh_memory():
    memory.forget()
    yield
    memory.forget()


@pytest.fixture
def form(store_dir):
    form = RunForm()
    form.controls["dir"].value = str(store_dir)
    return form


class FakeShell:
    """What the form uses of an IPython shell."""

    def __init__(self):
        self.user_ns = {}
        self.next_inputs = []

    def set_next_input(self, text, replace=False):
        self.next_inputs.append((text, replace))


def pick(control, label):
    """Choose an option of a Choice control, as a click in the browser would."""
    control.picker.value = label


def stored_run(store_dir, run_id):
    return nbrun.Api(store_dir).run(run_id)


def make_source_run(store_dir, project="p", steps=5):
    run = nbrun.init(dir=str(store_dir), project=project, mode="offline",
                     config={"lr": 0.1})
    for i in range(steps):
        run.log({"loss": 1 / (i + 1)})
    run.finish()
    return run.id


# -- every argument has a control --------------------------------------------------------
def test_every_init_argument_has_a_control(form):
    for name in inspect.signature(nbrun.init).parameters:
        assert name in form.controls, f"init() argument {name!r} has no control in the form"
        control = form.controls[name]
        assert css_class(name) in control._dom_classes   # a stable hook for browser tests
        assert name in form.messages
    assert "nbrun-form-start" in form.start_button._dom_classes
    assert set(form.controls) == set(inspect.signature(nbrun.init).parameters)


def test_controls_fit_their_arguments(form):
    import ipywidgets as w

    c = form.controls
    assert isinstance(c["tags"], TagsField)
    assert isinstance(c["project"], w.Combobox)
    assert isinstance(c["notes"], w.Textarea)
    for name in ("entity", "id", "name", "group", "job_type", "dir"):
        assert isinstance(c[name], w.Text)
    for name in ("mode", "anonymous", "allow_val_change", "force", "save_code"):
        assert isinstance(c[name].picker, ChoiceButtons)
        assert c[name].picker.value == DEFAULT_LABEL and c[name].value is None
    assert [label for label, _ in c["force"].options] == [DEFAULT_LABEL, "True", "False"]
    assert isinstance(c["config"].text, w.Textarea) and c["config"].text.continuous_update
    assert isinstance(c["config_include_keys"], TagsField)
    assert isinstance(c["resume_from"].run, w.Dropdown)
    assert isinstance(c["fork_from"].step, w.BoundedIntText)


# -- start records exactly what was chosen ----------------------------------------------
def test_start_records_exactly_the_arguments_chosen(form, store_dir):
    c = form.controls
    c["project"].value = "vision"
    c["name"].value = "baseline"
    c["notes"].value = "first try\nwith two lines"
    c["tags"].value = ["cnn", "small"]
    c["group"].value = "sweep-1"
    c["job_type"].value = "train"
    c["entity"].value = "lab"
    c["config"].text.value = "lr: 0.01\nlayers: [64, 32]\nopt:\n  name: adam\nseed: 3\n"
    c["config_exclude_keys"].value = ["seed"]
    pick(c["mode"], "offline")
    pick(c["allow_val_change"], "False")
    pick(c["save_code"], "False")
    pick(c["anonymous"], "allow")
    pick(c["reinit"], "create_new")
    c["settings"].text.value = "silent: true\n"
    assert form.problems == {} and not form.start_button.disabled

    form.start_button.click()
    run = form.run
    assert run is not None and run.state == "running", form.status.value
    assert "Started run baseline" in form.status.value

    record = stored_run(store_dir, run.id)
    assert (record.project, record.name, record.notes) == ("vision", "baseline",
                                                           "first try\nwith two lines")
    assert record.tags == ("cnn", "small")
    assert (record.group, record.job_type, record.entity) == ("sweep-1", "train", "lab")
    assert record.config == {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}}
    assert record.mode == "offline"
    assert record.settings["allow_val_change"] is False
    assert record.settings["save_code"] is False
    assert record.settings["anonymous"] == "allow"
    assert record.settings["reinit"] == "create_new"
    # nothing that was left at "(default)" was passed
    for unset in ("force", "sync_tensorboard", "monitor_gym", "resume"):
        assert unset not in record.settings
    assert form.spec.to_kwargs() == {
        "entity": "lab", "project": "vision", "dir": str(store_dir), "name": "baseline",
        "notes": "first try\nwith two lines", "tags": ["cnn", "small"],
        "config": {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}, "seed": 3},
        "config_exclude_keys": ["seed"], "allow_val_change": False, "group": "sweep-1",
        "job_type": "train", "mode": "offline", "anonymous": "allow",
        "reinit": "create_new", "save_code": False, "settings": {"silent": True}}

    form.finish_button.click()
    assert form.run is None and form.finish_button.disabled
    assert stored_run(store_dir, run.id).state == "finished"


def test_an_empty_form_starts_a_run_with_the_defaults(form, store_dir):
    pick(form.controls["mode"], "offline")
    run = form.start()
    assert form.spec.to_kwargs() == {"dir": str(store_dir), "mode": "offline"}
    record = stored_run(store_dir, run.id)
    assert record.config == {} and record.tags == () and record.notes is None
    form.finish()


def test_start_binds_the_run_in_the_notebook_and_refusals_start_nothing(store_dir):
    shell = FakeShell()
    form = RunForm(InitSpec(dir=str(store_dir), mode="offline", id="fixed", resume="must"),
                   name="trial", shell=shell)
    # valid arguments, but no run "fixed" exists: init() refuses when started
    assert form.problems == {} and not form.start_button.disabled
    form.start_button.click()
    assert form.run is None and "trial" not in shell.user_ns
    assert "Not started: resume='must' but there is no run 'fixed'" \
        in form.status.value
    form.controls["resume"].value = None
    run = form.start()
    assert shell.user_ns["trial"] is run and run.id == "fixed"
    assert "bound to trial" in form.status.value
    form.finish()


# -- messages beside the fields ---------------------------------------------------------
def test_each_invalid_field_shows_its_message_as_text_and_start_is_disabled(form, store_dir):
    c = form.controls
    c["id"].value = "<i>x</i>"
    c["tags"].value = ["ok", "t" * 65]
    pick(c["mode"], "offline")
    assert set(form.problems) == {"id", "tags"}
    assert form.start_button.disabled
    shown = form.messages["id"].value
    assert "&lt;i&gt;x&lt;/i&gt;" in shown and "<i>" not in shown     # text, not markup
    assert "contains /" in shown
    assert "1 to 64" in form.messages["tags"].value
    assert form.messages["project"].value == ""
    # Start is refused even when clicked from code
    assert form.start() is None
    assert not (store_dir / ".nbrun").exists()
    c["id"].value = ""
    c["tags"].value = ["ok"]
    assert form.problems == {} and not form.start_button.disabled
    assert form.messages["id"].value == "" and form.messages["tags"].value == ""


def test_config_is_validated_as_it_is_typed(form):
    text = form.controls["config"].text
    text.value = "lr: [0.1"
    assert form.problems["config"].startswith("line 1, column 9: not valid YAML")
    assert form.start_button.disabled and form.insert_button.disabled
    text.value = "lr: [0.1]\nbad.key: 1"
    assert "config key 'bad.key' contains '.'" in form.messages["config"].value
    assert form.spec.config == {"lr": [0.1], "bad.key": 1}
    # a key left out by config_exclude_keys is not checked, as in init()
    form.controls["config_exclude_keys"].value = ["bad.key"]
    assert "config" not in form.problems
    assert form.controls["config_exclude_keys"].allowed_tags == ["lr", "bad.key"]
    # both filters at once: the message is beside both
    form.controls["config_include_keys"].value = ["lr"]
    message = "config_include_keys and config_exclude_keys cannot both be given"
    assert message in form.problems["config_include_keys"]
    assert message in form.problems["config_exclude_keys"]
    text.value = ""
    assert form.spec.config is None


def test_combination_messages_follow_the_arguments(form):
    c = form.controls
    pick(c["resume"], "must")
    assert "needs the id" in form.problems["resume"]
    c["id"].value = "abc"
    assert form.problems == {}
    form.spec.fork_from = "abc?_step=1"
    assert set(form.problems) == {"id", "resume", "fork_from"}
    assert "cannot be used together" in form.problems["resume"]


# -- choices -----------------------------------------------------------------------------
def test_tri_state_booleans_and_choices_map_to_none_true_false(form):
    force = form.controls["force"]
    for label, value in (("True", True), ("False", False), (DEFAULT_LABEL, None)):
        pick(force, label)
        assert form.spec.force is value
    form.spec.force = True
    assert force.picker.value == "True"
    form.spec.mode = "disabled"
    assert form.controls["mode"].picker.value == "disabled"


def test_values_outside_the_choices_stay_visible(form):
    reinit = form.controls["reinit"]
    form.spec.reinit = True                       # deprecated, still accepted
    assert reinit.picker.value == "True (deprecated: finish_previous)"
    assert "reinit" not in form.problems
    pick(reinit, "create_new")
    assert form.spec.reinit == "create_new"
    assert "True (deprecated: finish_previous)" not in reinit.picker.options
    form.spec.mode = "offlin"                     # a typo read from a cell
    assert form.controls["mode"].picker.value == "'offlin'"
    assert "did you mean 'offline'" in form.problems["mode"]
    form.spec.force = 1                           # not a bool: shown as itself, refused
    assert form.controls["force"].picker.value == "1"
    assert "force must be True or False" in form.problems["force"]
    form.spec.force = True                        # 1 == True, but it is a change
    assert form.controls["force"].picker.value == "True" and "force" not in form.problems


# -- projects and runs from the store ------------------------------------------------------
def test_projects_and_runs_are_offered_from_the_store(form, store_dir):
    first = make_source_run(store_dir, "p", steps=5)
    other = make_source_run(store_dir, "q", steps=2)
    form.catalog.refresh()
    assert form.controls["project"].options == ("p", "q")
    picker = form.controls["fork_from"]
    labels = [label for label, _ in picker.run.options]
    assert labels[0] == "(none)" and len(labels) == 3       # every project while unset
    form.controls["project"].value = "p"
    assert [key for _, key in picker.run.options] == [("none",), ("run", first)]
    picker.run.value = ("run", first)
    assert picker.step.max == 4 and picker.step.value == 4
    assert form.spec.fork_from == f"{first}?_step=4"
    picker.step.value = 2
    assert form.spec.fork_from == f"{first}?_step=2"
    # a value set on the spec (from a cell) shows in the picker, even a run not listed
    form.spec.fork_from = f"{other}?_step=1"
    assert picker.run.value == ("run", other) and picker.step.value == 1
    assert "not in this project" in picker.run.label
    form.spec.fork_from = "not a moment"
    assert picker.step.disabled and "fork_from" in form.problems
    picker.run.value = ("none",)
    assert form.spec.fork_from is None and "fork_from" not in form.problems


def test_fork_and_rewind_started_from_the_pickers(form, store_dir):
    source = make_source_run(store_dir, "p", steps=5)
    form.catalog.refresh()
    c = form.controls
    c["project"].value = "p"
    pick(c["mode"], "offline")
    c["fork_from"].run.value = ("run", source)
    c["fork_from"].step.value = 2
    fork = form.start()
    assert fork is not None, form.status.value
    record = stored_run(store_dir, fork.id)
    assert record.id != source and record.config == {"lr": 0.1}
    assert [row["_step"] for row in record.history()] == [0, 1, 2]
    form.finish()
    # the new run is offered now; rewind the source instead
    assert ("run", fork.id) in [key for _, key in c["resume_from"].run.options]
    c["fork_from"].run.value = ("none",)
    c["resume_from"].run.value = ("run", source)
    c["resume_from"].step.value = 3
    rewound = form.start()
    assert rewound.id == source and rewound.step == 4
    form.finish()


# -- the cell and the code ---------------------------------------------------------------
def test_insert_cell_writes_the_equivalent_runinit_cell(store_dir):
    shell = FakeShell()
    form = RunForm(name="trial", shell=shell)
    c = form.controls
    c["project"].value = "demo"
    c["notes"].value = "costs $5 for {x} items: 'quoted' # not a comment"
    c["config"].text.value = "lr: 0.1\nnested:\n  deep: [1, {a: null}]\nempty: {}\n"
    c["tags"].value = ["a b", "c:d"]
    pick(c["force"], "False")
    form.insert_button.click()
    ((text, replace),) = shell.next_inputs
    assert replace is False
    assert text.startswith("%%runinit trial\n")
    line, body = text.split("\n", 1)
    cell = parse(line.removeprefix("%%runinit"), body)
    assert cell.name == "trial"
    assert cell.kwargs == form.spec.to_kwargs()
    # the magic's $var / {expr} expansion leaves the values as they are
    expanded = parse("trial", body, namespace={"x": "X"})
    assert expanded.kwargs == form.spec.to_kwargs()


def test_copy_code_shows_valid_python_with_the_same_arguments(form):
    c = form.controls
    c["name"].value = "it's \"quoted\""
    c["config"].text.value = "lr: .nan\nbig: .inf\nxs: [1, 2.5, true, null]\n"
    c["tags"].value = ["x"]
    pick(c["resume"], "allow")
    assert form.code.layout.display == "none"
    form.code_button.click()
    assert form.code.layout.display != "none" and form.code.disabled   # shown, read-only
    code = form.code.value
    tree = ast.parse(code)
    call = tree.body[-1].value
    assert ast.unparse(call.func) == "nbrun.init"
    kwargs = {kw.arg: eval(compile(ast.Expression(kw.value), "<code>", "eval"))
              for kw in call.keywords}
    expected = form.spec.to_kwargs()
    assert json.dumps(kwargs, sort_keys=True) == json.dumps(expected, sort_keys=True)
    c["group"].value = "g"                       # kept current while shown
    assert "group='g'" in form.code.value


# -- memory and reset --------------------------------------------------------------------
def test_a_new_form_starts_from_the_last_values_and_reset_clears(form, store_dir):
    c = form.controls
    c["project"].value = "remembered"
    c["id"].value = "one-off"
    c["tags"].value = ["t"]
    c["config"].text.value = "lr: 0.5"
    pick(c["mode"], "offline")
    form.start()
    form.finish()
    again = RunForm()
    assert again.spec.to_kwargs() == {"project": "remembered", "dir": str(store_dir),
                                      "tags": ["t"], "config": {"lr": 0.5},
                                      "mode": "offline"}   # not the id: that would replace it
    assert again.controls["project"].value == "remembered"
    assert again.controls["tags"].value == ["t"]
    assert again.controls["config"].text.value == "lr: 0.5\n"
    assert again.controls["mode"].picker.value == "offline"
    again.spec.config["lr"] = 9                  # the memory is a copy
    assert RunForm().spec.config == {"lr": 0.5}
    again.reset_button.click()
    assert again.spec.to_kwargs() == {}
    assert again.controls["project"].value == "" and again.controls["tags"].value == []
    assert again.controls["config"].text.value == ""
    assert again.controls["mode"].picker.value == DEFAULT_LABEL
    assert RunForm().spec.to_kwargs()["project"] == "remembered"   # reset keeps the memory


def test_a_form_prefilled_from_a_body_shows_every_value():
    spec = InitSpec.from_body(
        "project: p\nnotes: |\n  two\n  lines\ntags: [a, b]\nconfig:\n  lr: 0.1\n"
        "config_include_keys: [lr]\nforce: true\nresume: allow\nid: x\n"
        "fork_from: other?_step=3\nsettings:\n  silent: true\n")
    form = RunForm(spec)
    c = form.controls
    assert c["project"].value == "p" and c["notes"].value == "two\nlines\n"
    assert c["tags"].value == ["a", "b"]
    assert c["config"].text.value == "lr: 0.1\n"
    assert c["config_include_keys"].value == ["lr"]
    assert c["force"].picker.value == "True" and c["resume"].picker.value == "allow"
    assert c["fork_from"].run.value == ("run", "other") and c["fork_from"].step.value == 3
    assert c["settings"].text.value == "silent: true\n"
    assert "cannot be used together" in form.problems["resume"]


def test_importing_nbrun_and_the_spec_does_not_import_ipywidgets():
    from conftest import run_python

    proc = run_python("""
        import sys
        import nbrun
        from nbrun.widgets import InitSpec
        InitSpec(project="p").to_body()
        print("ipywidgets" in sys.modules)
    """)
    assert proc.stdout.strip() == "False"
