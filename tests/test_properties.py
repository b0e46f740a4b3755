"""Property tests: whatever ``init()`` is given, it either stores exactly what it accepted or
refuses with ``UsageError`` and stores nothing; run moments (``"<id>?_step=<n>"``) round-trip."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import nbrun
from nbrun.sdk import registry
from nbrun.validation import check_id, format_run_moment, parse_run_moment

FORBIDDEN = "/\\#?%:"
MAX_STEP = 2**63 - 1

# Examples share the test's tmp_path (each makes its own store inside it), which is what the
# function-scoped-fixture health check warns about.
PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- strategies ----------------------------------------------------------------------------------

def pick(*strategies):
    """One of the strategies, each drawn equally often (st.one_of flattens nested one_ofs and
    would weight them by their number of branches)."""
    return st.sampled_from(strategies).flatmap(lambda strategy: strategy)


# Characters that rules are about: the forbidden set, white space, control characters, dots,
# non-ASCII, a lone surrogate (what os.environ holds for an undecodable byte); then anything.
SPECIAL_CHARS = list(FORBIDDEN) + [" ", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\xa0",
                                   "\u2028", ".", "-", "_", "=", "&", "\u00e9", "\u4e2d",
                                   "\U0001F600", "\udcff"]
chars = st.one_of(st.sampled_from(SPECIAL_CHARS), st.characters(), st.characters(max_codepoint=127))
odd_text = st.one_of(
    st.text(alphabet=chars, max_size=12),
    st.text(alphabet=chars, min_size=55, max_size=140),  # around the 64 and 128 limits
    st.sampled_from(["", " ", "a", ".", "..", "a b", " a", "a ", "x" * 64, "x" * 65,
                     "x" * 128, "x" * 129, "\u4e2d" * 64, "\U0001F600" * 64, "\U0001F600" * 65]),
)
non_str = st.one_of(
    st.integers(), st.floats(), st.booleans(), st.binary(max_size=8),
    st.lists(st.text(max_size=3), max_size=3), st.tuples(st.text(max_size=3)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.builds(object),
)
CONTROL = "".join(map(chr, range(32))) + "\x7f"
# Strings that break no rule of the contract, nor nbrun's bans on control characters and
# on lone surrogates (which have no UTF-8 form).
valid_id = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8", exclude_characters=FORBIDDEN + CONTROL),
                       st.sampled_from(list("._-=&") + ["\u4e2d", "\U0001F600", " "])),
    min_size=1, max_size=64,
).filter(lambda s: s == s.strip())
# None means "not passed". Valid values are drawn as often as invalid ones, so that accepted
# runs are read back often.
name_arg = pick(st.none(), valid_id, valid_id, odd_text, non_str)

tag_pool = st.sampled_from(["a", "b", "a b", "x" * 64, "/:#"])  # repeats make duplicates
valid_tag = st.one_of(tag_pool, st.text(alphabet=chars, min_size=1, max_size=64))
tags_arg = pick(
    st.none(),
    st.lists(valid_tag, max_size=8),
    st.lists(valid_tag, max_size=8).map(tuple),
    st.lists(st.one_of(tag_pool, odd_text), max_size=6),
    st.lists(st.one_of(tag_pool, odd_text), max_size=6).map(tuple),
    st.frozensets(st.one_of(tag_pool, odd_text), max_size=4),
    st.lists(st.one_of(tag_pool, odd_text, non_str), max_size=4),
    st.one_of(odd_text, non_str),  # a bare string is one tag
)

config_key = st.one_of(
    st.text(alphabet=chars, max_size=10),
    st.sampled_from(["", ".", "a.b", "lr", "_step", "a/b", " "]),
    st.integers(), st.none(), st.booleans(), st.binary(max_size=4), st.tuples(st.integers()),
)
config_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**80),
    st.floats(), st.text(alphabet=chars, max_size=20),
    st.binary(max_size=4), st.sets(st.integers(), max_size=3), st.builds(object),
    st.complex_numbers(max_magnitude=10), st.just(Ellipsis),
)
config_value = st.recursive(
    config_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(config_key, inner, max_size=3)),
    max_leaves=8,
)
valid_key = st.text(alphabet=chars, min_size=1, max_size=20).filter(lambda k: "." not in k)
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63),
              st.floats(), st.text(alphabet=chars, max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(valid_key, inner, max_size=3)),
    max_leaves=10,
)
config_arg = pick(
    st.none(),
    st.dictionaries(valid_key, json_value, max_size=6),
    st.dictionaries(valid_key, json_value, max_size=6),
    st.dictionaries(config_key, config_value, max_size=5),
    st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127), min_size=1,
                            max_size=5).filter(lambda k: "." not in k),
                    config_value, max_size=4),  # valid keys: values decide
    st.one_of(st.lists(st.integers(), max_size=2), st.integers(),
              st.sets(st.integers(), max_size=2)),
    st.sampled_from(["", "missing.yaml", "\x00"]),  # a string names a YAML file
)


# -- helpers -------------------------------------------------------------------------------------

def runs_folder(root):
    return os.path.join(root, ".nbrun", "runs")


def stored_state(root):
    """The run ids in the store and the folders under runs/ (both empty before the store
    exists: Api refuses a missing store)."""
    ids = set()
    if os.path.exists(os.path.join(root, ".nbrun", "nbrun.db")):
        ids = {r.id for r in nbrun.Api(root).runs()}
    folders = set(os.listdir(runs_folder(root))) if os.path.isdir(runs_folder(root)) else set()
    return ids, folders


def as_json(value):
    # Config is stored as JSON: tuples come back as lists, sets as sorted lists; NaN must
    # compare equal to itself.
    return json.dumps(value, allow_nan=True, default=_set_as_list)


def _set_as_list(value):
    if not isinstance(value, (set, frozenset)):
        raise TypeError(type(value).__name__)
    try:
        return sorted(value)
    except TypeError:
        return sorted(value, key=repr)


def check_init(base, **kwargs):
    """Call init() on a fresh store; either it stores exactly what it accepted, or it raises
    UsageError and stores nothing. Returns the stored record or None."""
    root = tempfile.mkdtemp(dir=base)
    try:
        before = stored_state(root)
        passed = {k: v for k, v in kwargs.items() if v is not None}
        try:
            run = nbrun.init(dir=root, mode="offline", **passed)
        except nbrun.UsageError:
            # Any other exception type propagates and fails the test.
            event("init refused")
            assert nbrun.run is None and registry.active() == []
            assert stored_state(root) == before, "a refused init() left a run behind"
            return None
        event("init accepted")
        try:
            record = nbrun.Api(root).run(run.id)
            if "id" in passed:
                assert record.id == run.id == passed["id"]
            else:
                assert re.fullmatch(r"[a-z0-9]{8}", record.id)
            if "project" in passed:
                assert record.project == run.project == passed["project"]
            tags = passed.get("tags", ())
            tags = (tags,) if isinstance(tags, str) else tags  # a bare string is one tag
            expected_tags = tuple(dict.fromkeys(tags))  # dedup, order kept
            assert record.tags == run.tags == expected_tags
            expected_config = as_json(passed.get("config", {}))
            assert as_json(record.config) == as_json(run.config.as_dict()) == expected_config
            # The run's folder is its own, inside the store's runs/ folder.
            assert os.path.dirname(os.path.normpath(run.dir)) == os.path.normpath(
                runs_folder(root)), f"run folder {run.dir!r} is not inside runs/"
            assert os.path.isdir(run.dir)
            assert record.state == "running"
        finally:
            run.finish()
        assert nbrun.run is None
        assert nbrun.Api(root).run(record.id).state == "finished"
        return record
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- init(): one argument at a time, then all together -----------------------------------------

@PROPERTY
@given(run_id=name_arg)
@example(run_id=".")
@example(run_id="\U0001F600" * 64)  # 64 characters, as the contract allows (256 bytes in UTF-8)
def test_init_id_is_stored_or_refused(tmp_path, run_id):
    check_init(tmp_path, id=run_id, project="p")


@PROPERTY
@given(project=name_arg)
@example(project="\udcff")
def test_init_project_is_stored_or_refused(tmp_path, project):
    check_init(tmp_path, project=project)


@PROPERTY
@given(tags=tags_arg)
@example(tags=["a", "b", "a", "c", "b"])
def test_init_tags_are_stored_deduplicated_or_refused(tmp_path, tags):
    record = check_init(tmp_path, project="p", tags=tags)
    if record is not None and tags is not None:
        assert len(record.tags) == len({tags} if isinstance(tags, str) else set(tags))


@PROPERTY
@given(config=config_arg)
@example(config={"a": {"b": 1, "c.d": 2}})
@example(config={"lr": float("nan"), "n": 2**70, "t": (1, [2, {"x": None}])})
@example(config={"": 1})
@example(config={1: "a"})
@example(config={"s": {1, 2}})
@example(config={"b": b"x"})
def test_init_config_is_stored_or_refused(tmp_path, config):
    check_init(tmp_path, project="p", config=config)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run_id=name_arg, project=name_arg, tags=tags_arg, config=config_arg)
def test_init_with_random_arguments_is_stored_or_refused(tmp_path, run_id, project, tags,
                                                           config):
    check_init(tmp_path, id=run_id, project=project, tags=tags, config=config)


# -- run moments ---------------------------------------------------------------------------------

valid_step = st.one_of(st.integers(min_value=0, max_value=MAX_STEP),
                       st.sampled_from([0, 1, 9, 10, MAX_STEP]))

moment_like = st.builds(
    lambda a, b, c, d: a + b + c + d,
    st.one_of(valid_id, odd_text),
    st.sampled_from(["?", "", "??", "?&", "#", "?_step=1?"]),
    st.sampled_from(["_step=", "_step", "step=", "_STEP=", "_step==", "_step= ", " _step=",
                     "x=1&_step=", "_step=1&_step="]),
    st.one_of(
        st.integers(min_value=0, max_value=2**64).map(str),
        st.text(alphabet="0123456789+-_ .eE\u0661\u00b2", max_size=22),
        st.sampled_from(["0", "00", "01", "-0", "+1", " 1", "1 ", "1_000", "\u0661", "\u00b2",
                         str(MAX_STEP), str(MAX_STEP + 1), ""]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(run_id=valid_id, step=valid_step)
def test_every_valid_moment_formats_and_parses_back(run_id, step):
    text = format_run_moment(run_id, step)
    assert parse_run_moment(text, "fork_from") == (run_id, step)
    assert format_run_moment(*parse_run_moment(text, "resume_from")) == text


@settings(max_examples=500, deadline=None)
@given(text=pick(moment_like, moment_like, st.text(), odd_text))
@example(text="run1?_step=0")
@example(text="run1?_step=007")
@example(text="run1?_step=9223372036854775808")
@example(text="a?b?_step=1")
def test_moment_strings_are_accepted_exactly_or_refused(text):
    try:
        run_id, step = parse_run_moment(text, "fork_from")
    except nbrun.UsageError:
        event("moment refused")
        return  # any other exception type fails the test
    event("moment accepted")
    # Accepted: it means exactly what it says, so it round-trips character for character.
    assert format_run_moment(run_id, step) == text
    assert isinstance(step, int) and 0 <= step <= MAX_STEP
    check_id(run_id)


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(st.none(), non_str))
def test_non_string_moments_are_refused(value):
    try:
        parse_run_moment(value, "resume_from")
    except nbrun.UsageError as exc:
        assert "resume_from" in str(exc)
    else:
        raise AssertionError(f"parse_run_moment accepted {value!r}")
