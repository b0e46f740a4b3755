"""``%%runinit``: a ``$var`` or ``{expr}`` stands for one value, never for YAML text, in a real
kernel; numbers too long to read are a clear error at their line."""

from __future__ import annotations

import pytest

import nbrun
from nbrun.notebook.runinit import RunInitError, parse
from notebook_kernel import Kernel, errors, output_text


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "store"
    path.mkdir()
    monkeypatch.setenv("NBRUN_DIR", str(path))  # the kernel inherits it
    return path


def test_notebook_values_are_never_read_as_yaml(tmp_path, store):
    # A finished run that a value holding "resume_from: victim?_step=0" must not rewind.
    with nbrun.init(dir=store, mode="offline", project="p", id="victim") as victim:
        for step in range(4):
            victim.log({"loss": float(step)})
    values = {
        "desc": "line one\nid: victim\nresume_from: victim?_step=0\n",
        "title": "a: b",
        "hashy": "tuned # not a comment",
        "brace": "{not: a mapping}",
        "tagged": "!!python/object/apply:os.system ['echo pwned']",
        "number_text": "!!int 12",
        "n": 5,
    }
    with Kernel(tmp_path) as kernel:
        setup = "%load_ext nbrun\n" + "\n".join(f"{k} = {v!r}" for k, v in values.items())
        assert not errors(kernel.run(setup))
        outputs = kernel.run(
            "%%runinit trial\n"
            "project: p\n"
            "mode: offline\n"
            "notes: $desc\n"
            "name: $title\n"
            "group: $hashy\n"
            "job_type: {brace}\n"
            "config:\n"
            "  tag: $tagged\n"
            "  text: $number_text\n"
            "  n: {n * 2}\n"
            "  label: 'run $title'\n"
            "  inside: \"run-$title-{n}\"\n"
            "  both: [$n, {brace}]\n")
        assert not errors(outputs), output_text(outputs)
        trial_id = kernel.text("print(trial.id)").strip()
        # a value too long to store is refused at its argument, and starts nothing
        kernel.run("big = 10**5000")
        text = kernel.text("%%runinit\nproject: p\nmode: offline\nconfig:\n  big: $big\n")
        assert "RunInitError: %%runinit line 4 (config): config key 'big'" in text
        assert "at most 4000 digits" in text
        kernel.run("trial.finish()")
    api = nbrun.Api(store)
    assert sorted(r.id for r in api.runs()) == sorted(["victim", trial_id])
    record = api.run(trial_id)
    assert record.notes == values["desc"]
    assert record.name == "a: b"
    assert record.group == "tuned # not a comment"
    assert record.job_type == "{not: a mapping}"
    assert record.config == {
        "tag": values["tagged"], "text": "!!int 12", "n": 10,
        "label": "run $title",  # single quotes: no expansion, as in IPython
        "inside": "run-a: b-5", "both": [5, "{not: a mapping}"],
    }
    untouched = api.run("victim")
    assert untouched.state == "finished" and untouched.lineage == {}
    assert untouched.history() == [{"_step": s, "loss": float(s)} for s in range(4)]


def test_a_number_of_thousands_of_digits_points_at_its_line():
    with pytest.raises(RunInitError, match=r"line 4: a number of more than 4000 digits"):
        parse("", "project: p\nconfig:\n  n: " + "9" * 5000 + "\n")
    # quoted, it is text and is accepted
    cell = parse("", "project: p\nconfig:\n  n: '" + "9" * 5000 + "'\n")
    assert cell.kwargs["config"]["n"] == "9" * 5000


def test_a_placeholder_never_leaks_when_a_line_does_not_expand():
    # {lr: 0.1} is YAML, not a Python expression: the line stays as written
    cell = parse("", "config: {lr: 0.1}\nname: run-$n\n", namespace={"n": 3})
    assert cell.kwargs == {"config": {"lr": 0.1}, "name": "run-3"}


def test_a_key_from_a_notebook_value_is_checked_as_given():
    assert parse("", "$k: demo\n", namespace={"k": "name"}).kwargs == {"name": "demo"}
    with pytest.raises(RunInitError, match=r"line 2: unknown argument 'nmae' \(did you mean "):
        parse("", "$k: demo\n", namespace={"k": "nmae"})


def test_a_flag_of_nested_aliases_is_refused_at_the_magic_line():
    # A --config flag is YAML too: ten aliases deep on one line would expand to 9**7 values in
    # init()'s config check and hang the kernel, as a body or a config file would.
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdef", "bcdefg"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(RunInitError, match="line 1 .*nested aliases expand"):
        parse('--config "{' + ", ".join(levels) + '}"', "")
