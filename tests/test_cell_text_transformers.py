"""Cells nbrun writes mean exactly what they say: IPython's own input transformers (prompt
stripping, magics, shell escapes, help syntax) leave them as written. The run form's "Insert
cell" (a ``%%runinit`` cell) hands the magic exactly the body nbrun wrote, and "Copy code" is
Python that IPython runs as it stands; IPython's ``TransformerManager`` (with the cleanup step
nbrun adds in a kernel) is the oracle, over values full of prompts, escapes and line breaks."""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from IPython.core.inputtransformer2 import TransformerManager
from notebook_kernel import Kernel, errors

import nbrun
from nbrun.notebook.extension import allow_empty_runinit
from nbrun.notebook.runinit import parse
from nbrun.widgets import InitSpec
from nbrun.widgets.traits import identical

PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# What starts a line IPython rewrites: doctest and IPython prompts, magics, shell escapes,
# help; and what YAML or the magic's expansion care about.
STARTS = ["", ">>>", ">>> ", ">>>\t", "...", "... ", "....", "In [1]: ", "In [12]:", "   ...: ",
          "...: ", "[ins] In [3]: ", "%", "%%", "%%runinit", "!", "!!", "?", "??", "$x", "{x}",
          "'''", '"""', "#", "- ", "? ", ": ", "|", ">"]
SPACES = ["", " ", "  ", "    ", "\t", "\xa0", "\x0c", "\x0b", "\u3000", "\u2003"]
TAILS = ["", "resume_from: base?_step=0", "id: other", "x?", "x??", "ls", "lsmagic", "time x",
         "run = 1", "  indented", "a: b", "$$", "}{", "'\"", "\\"]
# What str.splitlines() (and so IPython) splits a cell at, and what YAML reads as a break.
BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
          "\u2029"]

line = st.builds(lambda space, start, tail: space + start + tail, st.sampled_from(SPACES),
                 st.sampled_from(STARTS), st.sampled_from(TAILS) | st.text(max_size=6))
lines = st.lists(st.tuples(line, st.sampled_from(BREAKS)), min_size=1, max_size=5).map(
    lambda pairs: "".join(text + brk for text, brk in pairs))
text = lines | lines.map(lambda s: s.rstrip("\n")) | line | st.text(max_size=12)
nested = st.recursive(text | st.integers() | st.booleans(),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(text, inner, max_size=3), max_leaves=6)

VALUES = {
    **{name: text for name in ("entity", "project", "dir", "id", "name", "notes", "group",
                               "job_type", "resume_from", "fork_from")},
    "tags": st.lists(text, max_size=4),
    "config": st.dictionaries(text, nested, max_size=4) | text,
    "config_include_keys": st.lists(text, max_size=3),
    "settings": st.fixed_dictionaries({}, optional={"notes": text, "project": text}),
}
cell_kwargs = st.fixed_dictionaries({}, optional=VALUES).filter(bool)
variable = st.sampled_from(["run", "trial", "r2"])

# The magic's expansion of $var / {expr}: a name the body would pull in if left unescaped.
NOTEBOOK_NS = {"x": "EXPANDED"}


def kernel_transformer() -> TransformerManager:
    """IPython's input transformers as an nbrun kernel has them."""
    manager = TransformerManager()
    manager.cleanup_transforms.append(allow_empty_runinit)
    return manager


def magic_call(cell: str) -> tuple[str, str, str]:
    """(magic, line, body) that IPython hands the cell magic of ``cell``."""
    code = kernel_transformer().transform_cell(cell)
    (statement,) = ast.parse(code).body
    call = statement.value
    assert ast.unparse(call.func) == "get_ipython().run_cell_magic", code
    magic, line, body = (ast.literal_eval(arg) for arg in call.args)
    return magic, line, body


@PROPERTY
@given(cell_kwargs, variable)
@example({"notes": "see\n>>> resume_from: base?_step=0\nend"}, "run")
@example({"config": {"a": "x\n  ... y", "b": "\xa0>>> id: other"}, "tags": [">>> z\n"]}, "run")
@example({"notes": "In [1]: x\n   ...: y\n"}, "run")
@example({"name": "a \n>>> b"}, "trial")  # a trailing space: no block scalar, single quotes
def test_the_runinit_cell_reaches_the_magic_as_written(kwargs, name):
    spec = InitSpec.from_kwargs(kwargs)
    cell = spec.to_cell(name)
    magic, line, body = magic_call(cell)
    assert (magic, line) == ("runinit", "" if name == "run" else name)
    assert body == spec.to_body(), cell
    # and the magic reads exactly the arguments that were written
    assert identical(parse(line, body, namespace=NOTEBOOK_NS).kwargs, kwargs), cell


@PROPERTY
@given(cell_kwargs, variable)
@example({"notes": ">>> x\n... y\n?z\n%time\n!ls\nx?"}, "run")
def test_the_copied_code_is_python_ipython_leaves_alone(kwargs, name):
    code = InitSpec.from_kwargs(kwargs).to_code(name)
    assert kernel_transformer().transform_cell(code) == code
    call = ast.parse(code).body[-1].value
    given_back = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    assert identical(given_back, kwargs)


# -- in a real kernel ----------------------------------------------------------------------
@pytest.fixture
def kernel(tmp_path, store_dir, monkeypatch):
    monkeypatch.setenv("NBRUN_DIR", str(store_dir))    # the kernel inherits it
    monkeypatch.setenv("NBRUN_MODE", "offline")
    with Kernel(tmp_path) as k:
        yield k


def test_a_prompt_in_a_note_never_rewinds_another_run(kernel, store_dir):
    """The issue's case: a note quoting a prompt line of ``resume_from`` rewound run "base"."""
    with nbrun.init(dir=store_dir, project="p", id="base") as base:
        for step in range(5):
            base.log({"loss": step})
    notes = "tried this first:\n>>> resume_from: base?_step=0"
    cell = InitSpec(project="p", notes=notes, config={"cmd": "x"}).to_cell()
    kernel.run("%load_ext nbrun")
    outputs = kernel.run(cell)
    assert not errors(outputs), outputs
    new_id = kernel.text("print(run.id)").strip()
    kernel.run("run.finish()")
    api = nbrun.Api(store_dir)
    assert new_id != "base"
    record = api.run(new_id)
    assert record.notes == notes and record.config == {"cmd": "x"}
    assert [row["loss"] for row in api.run("base").history()] == [0, 1, 2, 3, 4]
