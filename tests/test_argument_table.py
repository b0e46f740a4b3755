"""Every row of the init() argument table reaches every surface it names: the settings key, the
NBRUN_* variable, the %%runinit flag, the run form's control and its help text.

The cases are generated from the table: a new argument is checked here without a new line."""

from __future__ import annotations

import inspect

import ipywidgets as widgets
import pytest

import nbrun
from nbrun.argument_table import ARGUMENTS, SETTINGS, Argument
from nbrun.errors import UsageError
from nbrun.notebook.runinit import RunInitError, locate, parse, parse_line
from nbrun.sdk.arguments import Checked, check_argument, merge
from nbrun.settings import Settings, text_value
from nbrun.widgets import InitSpec, RunForm


def sample_text(row: Argument, tmp_path) -> str:
    """A valid value of the row's kind, written as text (a variable or a flag)."""
    return {
        "text": "sample-1", "notes": "sample notes", "path": str(tmp_path / "somewhere"),
        "choice": str(row.choices[-1]) if row.choices else "", "bool": "true",
        "tags": "alpha,beta", "keys": "lr,batch", "mapping": "{}",
        "moment": "abc123?_step=3", "seconds": "5",
    }[row.kind] if row.name != "redact_pattern" else "secret.*"


def ids(row: Argument) -> str:
    return row.name


def test_the_table_is_the_signature_of_init():
    assert [row.name for row in ARGUMENTS] == list(inspect.signature(nbrun.init).parameters)
    assert inspect.signature(nbrun.init).return_annotation.startswith("Run")


# -- help text --------------------------------------------------------------------------------
@pytest.mark.parametrize("row", ARGUMENTS + tuple(r for r in SETTINGS.values()
                                                  if not r.argument), ids=ids)
def test_every_row_has_help_that_every_surface_shows(row):
    assert len(row.help) > 10
    if row.argument:
        assert InitSpec.class_traits()[row.name].help == row.help
    if row.setting:
        assert Settings.class_traits()[row.setting].help == row.help


# -- settings key -----------------------------------------------------------------------------
@pytest.mark.parametrize("row", ARGUMENTS, ids=ids)
def test_an_argument_with_a_settings_key_is_a_setting_and_one_without_is_refused(row, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setenv("NBRUN_CONFIG_DIR", str(tmp_path / "no-config"))
    if row.setting is None:
        with pytest.raises(UsageError, match=f"unknown setting {row.name!r}"):
            Settings(**{row.name: None})
        return
    value = text_value(row, sample_text(row, tmp_path), "test")
    resolved = merge(Checked({}, {row.setting: value}, {}, None, None), str(tmp_path))
    default = Settings.class_traits()[row.setting].default_value
    assert getattr(resolved, row.setting) not in (None, default)
    assert getattr(resolved, row.setting) == getattr(Settings(**{row.setting: value}),
                                                     row.setting)
    # The setting is refused by the same rule as the argument (a bool given a number).
    if row.check is not None and row.kind != "path":
        with pytest.raises(UsageError):
            Settings(**{row.setting: object()})


# -- environment variable ---------------------------------------------------------------------
@pytest.mark.parametrize("row", [r for r in SETTINGS.values()], ids=ids)
def test_every_variable_changes_the_resolved_value(row, tmp_path, monkeypatch):
    monkeypatch.setenv("NBRUN_CONFIG_DIR", str(tmp_path / "no-config"))
    for var in SETTINGS_ENV:  # whatever the machine sets, off: only the one under test counts
        monkeypatch.delenv(var, raising=False)
    before = getattr(merge(Checked({}, None, {}, None, None), str(tmp_path)), row.setting)
    assert row.env is not None and row.env.startswith("NBRUN_")
    monkeypatch.setenv(row.env, sample_text(row, tmp_path))
    after = getattr(merge(Checked({}, None, {}, None, None), str(tmp_path)), row.setting)
    assert after != before and after is not None


SETTINGS_ENV = {row.env: key for key, row in SETTINGS.items()}


def test_every_argument_with_a_settings_key_has_a_variable():
    assert [r.name for r in ARGUMENTS if r.setting and not r.env] == []
    assert len(set(SETTINGS_ENV)) == len(SETTINGS)


# -- %%runinit flag ---------------------------------------------------------------------------
@pytest.mark.parametrize("row", ARGUMENTS, ids=ids)
def test_every_argument_is_a_magic_flag_typed_as_its_rule_expects(row, tmp_path):
    text = sample_text(row, tmp_path)
    for flag in (f"--{row.name} {text!r}", f"--{row.name.replace('_', '-')}={text!r}"):
        cell = parse_line(flag.replace("'", '"'))
        assert list(cell.kwargs) == [row.name] and cell.lines == {row.name: 1}
        check_argument(row.name, cell.kwargs[row.name])  # the rule accepts what the flag gave
    if row.kind == "bool":
        assert parse_line(f"--{row.name} off").kwargs == {row.name: False}
        with pytest.raises(RunInitError, match=rf"line 1 \({row.name}\)"):
            parse_line(f"--{row.name} maybe")
    # The same argument in a body line is read the same way.
    assert row.name in parse("", f"{row.name}: {text!r}\n".replace("'", '"')).kwargs


# -- run form ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def form():
    return RunForm(InitSpec())


def _field_of(form, name):
    """The form's row (label, control, message) holding the argument's control."""
    fields = [f for section in form.children if isinstance(section, widgets.VBox)
              for f in section.children if isinstance(f, widgets.HBox)
              and form.controls.get(name) in f.children]
    assert len(fields) == 1, name
    return fields[0]


@pytest.mark.parametrize("row", ARGUMENTS, ids=ids)
def test_every_argument_has_a_form_control_with_its_label_and_help(form, row):
    control = form.controls[row.name]
    field = _field_of(form, row.name)
    described = control.children[0] if isinstance(control, widgets.Box) else control
    labels = [w.value for w in field.children if isinstance(w, widgets.Label)]
    assert row.name in labels or described.description == row.name
    assert described.tooltip == row.help


@pytest.mark.parametrize("row", ARGUMENTS, ids=ids)
def test_a_bad_value_in_the_spec_is_shown_beside_its_control(row):
    form = RunForm(InitSpec())
    form.spec.update({row.name: object()})
    assert row.name in form.problems
    assert form.messages[row.name].value and form.start_button.disabled


# -- the argument a refusal blames ------------------------------------------------------------
@pytest.mark.parametrize("row", ARGUMENTS, ids=ids)
def test_a_refusal_names_its_argument_as_an_attribute(row):
    with pytest.raises(UsageError) as refused:
        check_argument(row.name, object())
    assert refused.value.argument == row.name


def test_the_magic_points_at_the_argument_the_error_carries_not_at_words_in_its_message():
    # The message starts with another argument's name: the line is still the blamed one's.
    cell = parse("", "project: p\ntags: [a]\n")
    located = locate(cell, UsageError("project p cannot hold these tags", "tags"))
    assert (located.line, located.argument) == (3, "tags")
    assert str(located).startswith("%%runinit line 3 (tags): project p cannot")
    assert locate(cell, UsageError("no argument to blame")).line is None
