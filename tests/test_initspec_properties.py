"""Property tests of ``InitSpec``: kwargs <-> ``%%runinit`` body <-> kwargs lose nothing (also
through the magic's ``$var`` / ``{expr}`` expansion), and ``InitSpec.errors`` agrees with
``init()``: what the spec refuses init() refuses, naming the argument; what it accepts passes."""

from __future__ import annotations

import ast
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from traitlets import TraitError

import nbrun
from nbrun.errors import UsageError
from nbrun.notebook.runinit import RunInitError, parse
from nbrun.sdk import registry
from nbrun.sdk.arguments import ARGUMENTS, BOOLEANS, check_argument, check_combination
from nbrun.settings import Settings
from nbrun.validation import ANONYMOUS, MODES, REINIT_MODES, RESUME_MODES, check_resume
from nbrun.widgets import InitSpec
from nbrun.widgets.traits import identical

PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def pick(*strategies):
    """One of the strategies, each drawn equally often."""
    return st.sampled_from(strategies).flatmap(lambda strategy: strategy)


# -- YAML-native values (what a %%runinit body or the form can hold) ------------------------
# Characters that matter to YAML, to IPython's expansion, and to the rules; then any.
TRICKY = list("$${}{}'\"#:-?,[]&*!|>%@`\\/ \t\n\r.=") + ["\x85", "\u2028", "\xa0", "\u00e9",
                                                          "\U0001F600", "\x00", "\x7f", "x"]
chars = st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs",)))
text = pick(st.text(alphabet=chars, max_size=12),
            st.sampled_from(["", "true", "null", "~", "1.5", "0x1F", "2024-01-02", "<<", "-",
                             "$x", "{x}", "{x", "$$x", "'$x'", "a: b", "- a", "x" * 65]))
scalar = pick(st.none(), st.booleans(), st.integers(), text,
              st.floats(allow_nan=False))
nested = st.recursive(scalar, lambda inner: pick(st.lists(inner, max_size=3),
                                                 st.dictionaries(text, inner, max_size=3)),
                      max_leaves=8)
texts = st.lists(text, max_size=4)
moment = st.builds(lambda run, step: f"{run}?_step={step}",
                   st.text(alphabet="abcxyz019-_.", min_size=1, max_size=8),
                   st.integers(min_value=0, max_value=2**63 - 1))

YAML_VALUES = {
    **{name: pick(st.none(), text, st.integers())
       for name in ("entity", "project", "dir", "id", "name", "notes", "group", "job_type")},
    "tags": pick(st.none(), texts, text),
    "config": pick(st.none(), st.dictionaries(text, nested, max_size=4), text),
    "config_exclude_keys": pick(st.none(), texts),
    "config_include_keys": pick(st.none(), texts),
    "mode": pick(st.none(), st.sampled_from(MODES), text),
    "anonymous": pick(st.none(), st.sampled_from(ANONYMOUS), text),
    "reinit": pick(st.none(), st.sampled_from(REINIT_MODES), st.booleans(), text),
    "resume": pick(st.none(), st.sampled_from(RESUME_MODES), st.booleans(), text),
    "resume_from": pick(st.none(), moment, text),
    "fork_from": pick(st.none(), moment, text),
    "settings": pick(st.none(), st.dictionaries(st.sampled_from(Settings.keys()), scalar,
                                                max_size=3)),
    **{name: pick(st.none(), st.booleans()) for name in BOOLEANS},
}
assert set(YAML_VALUES) == set(ARGUMENTS)

yaml_kwargs = st.fixed_dictionaries({}, optional=YAML_VALUES)


def set_only(kwargs):
    return {k: v for k, v in kwargs.items() if v is not None}


# Notebook variables that an unescaped ``$x`` or ``{x}`` in a body would pull in.
NOTEBOOK_NS = {"x": "EXPANDED", "a": 1, "lr": 0.5}


# -- round trips ---------------------------------------------------------------------------
@PROPERTY
@given(yaml_kwargs)
@example({"notes": "costs $5 for {x} and $$x in '$x'", "config": {"$x": {}, "{a}": ["}{"]}})
@example({"config": {"a": {}, "b": [], "c": [{}]}, "tags": []})
@example({"reinit": True, "resume": False, "force": False, "settings": {"silent": True}})
@example({"notes": "two\nlines\n", "name": " lead", "entity": "trail \n"})
def test_kwargs_to_body_to_kwargs_is_lossless(kwargs):
    spec = InitSpec.from_kwargs(kwargs)
    body = spec.to_body()
    assert identical(InitSpec.from_body(body).to_kwargs(), set_only(kwargs)), body
    # the magic reads the same body after IPython's expansion: the same arguments
    cell = parse("", body, namespace=NOTEBOOK_NS)
    assert identical(set_only(cell.kwargs), set_only(kwargs)), body
    # and a whole cell, with the variable the run is bound to
    line, rest = spec.to_cell("trial").split("\n", 1)
    assert line == "%%runinit trial" and rest == body


@PROPERTY
@given(yaml_kwargs, st.booleans())
def test_body_to_spec_to_body_is_equal_up_to_formatting(kwargs, flow):
    # A body as someone might write it (flow style, null for "not set", any order) ...
    written = yaml.safe_dump(dict(reversed(list(kwargs.items()))), default_flow_style=flow,
                             allow_unicode=True)
    if not kwargs:
        written = ""
    meant = set_only(yaml.safe_load(written) or {})  # (PyYAML's own dump may alter a NEL)
    spec = InitSpec.from_body(written)
    rewritten = spec.to_body()
    # ... comes back as the same arguments, in signature order, without the nulls.
    assert identical(yaml.safe_load(rewritten) or {}, meant)
    assert list(yaml.safe_load(rewritten) or {}) == [a for a in ARGUMENTS if a in meant]
    assert InitSpec.from_body(rewritten).to_body() == rewritten


@PROPERTY
@given(yaml_kwargs)
@example({"config": {"x": float("inf"), "y": [float("-inf")]}, "tags": ["it's"]})
def test_the_code_is_python_with_the_same_arguments(kwargs):
    code = InitSpec.from_kwargs(kwargs).to_code("trial")
    tree = ast.parse(code)
    call = tree.body[-1].value
    assert ast.unparse(tree.body[-1].targets[0]) == "trial"
    assert ast.unparse(call.func) == "nbrun.init"
    given_back = {kw.arg: eval(compile(ast.Expression(kw.value), "<code>", "eval"))
                  for kw in call.keywords}
    assert identical(given_back, set_only(kwargs))


def test_yaml_errors_are_the_magics():
    with pytest.raises(RunInitError, match=r"line 3: the body is not valid YAML"):
        InitSpec.from_body("project: p\ntags: [a, b\n")
    with pytest.raises(RunInitError, match=r"unknown argument 'projct' \(did you mean "
                                           r"'project'\?\)"):
        InitSpec.from_body("projct: p\n")
    with pytest.raises(UsageError, match="unknown argument 'projct'"):
        InitSpec.from_kwargs({"projct": "p"})


def test_other_forms_init_accepts_are_written_as_their_plain_equivalent(tmp_path):
    import argparse
    import pathlib

    spec = InitSpec(config=argparse.Namespace(lr=0.1, layers=(1, 2)),
                    settings=Settings(project="p", tags=("a",)), dir=tmp_path,
                    tags=("x", "y"))
    assert InitSpec.from_body(spec.to_body()).to_kwargs() == {
        "dir": str(tmp_path), "tags": ["x", "y"], "config": {"lr": 0.1, "layers": [1, 2]},
        "settings": {"project": "p", "tags": ["a"]}}
    assert spec.valid
    assert isinstance(spec.to_kwargs()["dir"], pathlib.Path)   # the spec keeps what it got
    with pytest.raises(UsageError, match="config: cannot write object values as YAML"):
        InitSpec(config={"a": object()}).to_body()


# -- validation agrees with init() ---------------------------------------------------------
# Any value at all, of any type, per argument: the YAML-native ones and others.
odd = pick(st.integers(), st.floats(), st.binary(max_size=4), st.tuples(text),
           st.sets(text, max_size=3), st.dictionaries(text, st.integers(), max_size=2),
           st.builds(object), st.lists(st.integers(), max_size=2),
           st.text(alphabet=st.characters(), max_size=6))
any_value = {name: pick(strategy, odd) for name, strategy in YAML_VALUES.items()}


def combination_message(name, value):
    """check_combination()'s refusal of this argument alone, if any (resume='must' without
    an id is the only one)."""
    if name == "resume":
        value = check_resume(value)[0]
    if name not in ("id", "resume", "resume_from", "fork_from", "config_include_keys",
                    "config_exclude_keys"):
        return None
    try:
        check_combination(**{name: value})
    except UsageError as exc:
        return str(exc)
    return None


@PROPERTY
@given(st.sampled_from(ARGUMENTS).flatmap(
    lambda name: st.tuples(st.just(name), any_value[name])))
@example(("resume", "must"))
@example(("force", 1))
@example(("tags", "solo"))
@example(("config", {"a.b": 1}))
@example(("settings", {"projct": "p"}))
@example(("resume_from", "abc?_step=01"))
def test_the_spec_refuses_exactly_what_init_refuses_for_each_argument(case):
    name, value = case
    spec = InitSpec(**{name: value})
    try:
        if value is not None:           # None is "not passed": nothing to check
            check_argument(name, value)
    except UsageError as exc:
        expected = str(exc)
    else:
        expected = None if value is None else combination_message(name, value)
    assert spec.errors.get(name) == expected
    assert set(spec.errors) <= {name}
    assert spec.valid is (expected is None)
    if expected is not None:
        with pytest.raises(UsageError, match="^" + _escape(expected) + "$"):
            spec.validate()


def _escape(text):
    import re

    return re.escape(text)


@PROPERTY
@given(st.fixed_dictionaries({}, optional=any_value))
def test_every_message_is_what_init_would_say_of_that_argument(kwargs):
    """With several arguments, each message is init()'s own message for that argument, or a
    rule between arguments that names it."""
    spec = InitSpec.from_kwargs(kwargs)
    for name, message in spec.errors.items():
        try:
            check_argument(name, kwargs[name])
        except UsageError as exc:
            assert message == str(exc)
            continue
        if name == "config":   # checked through the include/exclude filter, as init() does
            continue
        assert name in message or name == "settings", (name, message)
    assert spec.valid is (not spec.errors)


# Through init() itself: fewer examples (each opens a store), on arguments whose outcome does
# not depend on the store's runs (resume_from, fork_from and resume='must' do).
INIT_VALUES = {
    **{name: strategy for name, strategy in any_value.items()
       if name not in ("dir", "resume_from", "fork_from", "resume", "settings", "mode", "id")},
    "resume": pick(st.none(), st.sampled_from(["allow", "never", "auto", True, False]), odd),
    "id": pick(st.none(), st.text(alphabet="abcdef0123", min_size=1, max_size=10), odd),
    "settings": pick(st.none(), odd, st.dictionaries(
        st.sampled_from(["project", "name", "notes", "tags", "group", "job_type", "silent",
                         "entity", "prjoect"]), scalar, max_size=2)),
}


@pytest.mark.filterwarnings("ignore:init. (reinit|resume|tensorboard).* is deprecated")
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional=INIT_VALUES))
@example({"resume": "must"})
@example({"config": {"keep": 1, "bad.key": 2}, "config_exclude_keys": ["bad.key"]})
@example({"config_include_keys": ["a"], "config_exclude_keys": ["b"]})
@example({"tensorboard": 1, "tags": ["a"] * 2})
@example({"reinit": False, "resume": True, "force": False})
def test_init_refuses_what_the_spec_refuses_and_starts_what_it_accepts(tmp_path, kwargs):
    kwargs = {**kwargs, "mode": "offline"}
    if kwargs.get("resume") == "must":
        kwargs["id"] = None      # no store lookup: the rule between arguments decides
    spec = InitSpec.from_kwargs(kwargs)
    store = tempfile.mkdtemp(dir=tmp_path)
    try:
        run = nbrun.init(dir=store, **spec.to_kwargs())
    except UsageError as exc:
        assert not spec.valid, f"init() refused what the spec accepts: {exc}"
        assert str(exc) in spec.errors.values() or any(n in str(exc) for n in spec.errors)
    else:
        assert spec.valid, f"init() accepted what the spec refuses: {spec.errors}"
        run.finish()
    finally:
        for active in registry.active():
            active.finish()


@pytest.mark.parametrize("kwargs, argument", [
    ({"project": "a/b"}, "project"),
    ({"tags": 5}, "tags"),  # a single string is one tag, a number is no tag
    ({"config": {"a.b": 1}}, "config"),
    ({"config": "missing.yaml"}, "config"),
    ({"resume": "must"}, "resume"),
    ({"resume": "allow", "resume_from": "abc?_step=1"}, "resume_from"),
    ({"id": "abc", "fork_from": "abc?_step=1"}, "fork_from"),
    ({"id": "abc", "resume_from": "xyz?_step=1"}, "resume_from"),
    ({"settings": {"projct": "p"}}, "settings"),
    ({"save_code": "yes"}, "save_code"),
    ({"reinit": "again"}, "reinit"),
    ({"anonymous": "maybe"}, "anonymous"),
])
def test_handpicked_refusals_through_init(tmp_path, kwargs, argument):
    spec = InitSpec.from_kwargs(kwargs)
    assert argument in spec.errors
    with pytest.raises(UsageError) as refused:
        nbrun.init(dir=str(tmp_path), mode="offline", **spec.to_kwargs())
    assert argument in str(refused.value)
    assert str(refused.value) == spec.errors[argument]
    assert not (tmp_path / ".nbrun").exists() or not nbrun.Api(tmp_path).runs()


def test_an_id_from_settings_or_the_environment_counts_as_init_counts_it(monkeypatch):
    assert "resume" in InitSpec(resume="must").errors
    assert InitSpec(resume="must", settings={"id": "abc"}).valid
    spec = InitSpec(resume_from="abc?_step=1", settings={"id": "xyz"})
    assert set(spec.errors) == {"resume_from", "settings"}
    monkeypatch.setenv("NBRUN_RUN_ID", "abc")
    assert InitSpec(resume="must").valid
    assert set(InitSpec(fork_from="abc?_step=1").errors) == {"fork_from"}


def test_errors_follow_every_change():
    spec = InitSpec()
    assert spec.valid and spec.errors == {}
    spec.force = 1
    assert "force" in spec.errors
    spec.force = True            # 1 == True: still a change
    assert spec.valid
    spec.config = {"a.b": 1}
    assert "config" in spec.errors
    spec.config_include_keys = ["c"]     # the bad key is filtered out, as init() does
    assert spec.valid
    spec.config_exclude_keys = ["a.b"]     # both filters: neither applies
    assert set(spec.errors) == {"config", "config_include_keys", "config_exclude_keys"}
    spec.reset()
    assert spec.valid and spec.to_kwargs() == {}
    with pytest.raises(TraitError):
        spec.errors = {}             # read-only: computed from the arguments
