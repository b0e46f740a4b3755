"""The runs table's back end against a real Jupyter server: sort on any column (a config value
or a summary metric too), the ``where`` expression filter, ``q`` over config, ``group_by`` with
its group counts, ``columns`` and GET ``keys``; bad expressions and injection attempts; several
stores merged; hidden runs."""

from __future__ import annotations

import math
import sqlite3

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

from test_server import (  # noqa: F401  (fixtures)
    ids, jp_asyncio_loop, jp_server_config, key_of, make_run, outside, rest, set_column)


def run_with(root, run_id, config, summary, **kwargs):
    run = make_run(root, id=run_id, name=run_id, config=config, finish=False, **kwargs)
    for key, value in summary.items():
        run.summary[key] = value
    run.finish()
    return run


@pytest.fixture
def table(jp_root_dir):
    """Five runs whose lr is a small number, a larger one, text, absent, and (in a config
    holding NaN, which SQLite's JSON functions refuse) the largest."""
    root = jp_root_dir / "s"
    run_with(root, "ra", {"lr": 0.001, "optimizer": {"name": "adam"}, "layers": [64, 64]},
             {"best_acc": 0.95}, group="g1", job_type="train")
    run_with(root, "rb", {"lr": 0.01, "optimizer": {"name": "sgd"}, "note": "Über"},
             {"best_acc": 0.85}, job_type="eval")
    run_with(root, "rc", {"lr": "auto", "optimizer": {"name": "Adam"}}, {"best_acc": 0.91},
             group="g0")
    run_with(root, "rd", {}, {})
    run_with(root, "re", {"lr": 0.1, "flag": True, "bad": math.nan}, {"best_acc": math.nan,
                                                                       "loss": 0.5})
    return root


def listing(rest, **params):
    return rest("runs", params=params)


# -- sort --------------------------------------------------------------------------------------
@pytest.mark.parametrize("sort, expected", [
    # numbers numerically, then text; runs lacking the value last in both directions
    ("config.lr", ["ra", "rb", "re", "rc", "rd"]),
    ("-config.lr", ["re", "rb", "ra", "rc", "rd"]),
    # NaN reads as no value
    ("summary.best_acc", ["rb", "rc", "ra", "re", "rd"]),
    ("-summary.best_acc", ["ra", "rc", "rb", "re", "rd"]),
    # text case-insensitively, then exactly ("Adam" before "adam")
    ("config.optimizer.name", ["rc", "ra", "rb", "re", "rd"]),
    ("group", ["rc", "ra", "re", "rd", "rb"]),  # then newest first
    ("-job_type", ["ra", "rb", "re", "rd", "rc"]),
    ("-id", ["re", "rd", "rc", "rb", "ra"]),
])
def test_sort_on_any_column(rest, table, sort, expected):
    assert ids(listing(rest, sort=sort)) == expected


def test_sort_pages_one_store_as_a_whole(rest, table):
    pages = [ids(listing(rest, sort="-config.lr", offset=o, limit=2)) for o in (0, 2, 4)]
    assert sum(pages, []) == ["re", "rb", "ra", "rc", "rd"]


# -- where -------------------------------------------------------------------------------------
@pytest.mark.parametrize("where, expected", [
    ("lr < 0.01", ["ra"]),                      # text "auto" and a missing lr never match
    ("lr <= 0.01", ["rb", "ra"]),
    ("config.lr >= 0.01", ["re", "rb"]),
    ("best_acc > 0.9", ["rc", "ra"]),            # the summary value of a bare name
    ('best_acc > 0.9 and optimizer.name == "adam"', ["ra"]),  # else the config value
    ("optimizer.name = Adam", ["rc"]),           # a bare word is text, compared exactly
    ("config.optimizer.name != 'adam'", ["rc", "rb"]),
    ("flag == true", ["re"]),
    ("flag != true", []),
    ("lr == null", ["rd"]),
    ("summary.loss != null", ["re"]),
    ("lr == 'auto'", ["rc"]),
    ("lr > 1e-3 AND lr < 5e-2", ["rb"]),
])
def test_where_expression(rest, table, where, expected):
    reply = listing(rest, where=where)
    assert ids(reply) == expected and reply["total"] == len(expected)


def test_a_bare_name_in_both_config_and_summary_is_refused(rest, jp_root_dir):
    # A sweep over lr whose runs also log the scheduled lr: `lr < 0.01` once read the last
    # logged lr and listed runs configured with lr 0.3 and 0.1.
    root = jp_root_dir / "sweep"
    for name, lr in (("s1", 0.3), ("s2", 0.1), ("s3", 0.001)):
        run_with(root, name, {"lr": lr}, {"lr": lr / 1000, "acc": lr})
    reply = rest("runs", params={"where": "lr < 0.01"}, expect=400)
    assert "'lr' is both a config key and a summary key" in reply["message"]
    assert "config.lr" in reply["message"] and "summary.lr" in reply["message"]
    assert ids(listing(rest, where="config.lr < 0.01")) == ["s3"]
    assert ids(listing(rest, where="summary.lr < 0.01")) == ["s3", "s2", "s1"]
    assert ids(listing(rest, where="acc > 0.05")) == ["s2", "s1"]  # only a summary key: fine


@pytest.mark.parametrize("where, words", [
    ("lr", ["expected an operator after 'lr'", "< <= > >= == !="]),
    ("lr <", ["expected a value after 'lr <'", "a number", "quoted text"]),
    ("lr < 0.1 or lr > 1", ["expected 'and'", "'or'"]),
    ("lr < 0.1 and", ["expected a clause after the last 'and'"]),
    ("flag < true", ["true can only be compared with == or !="]),
    ("lr > null", ["null can only be compared with == or !="]),
    ('optimizer == "adam', ["has no closing \""]),
    ("config. == 1", ["'config.' names no key", "config.<key>"]),
    ("config.a..b == 1", ["is not a key path"]),
    ("== 3", ["expected a key"]),
])
def test_bad_expressions_are_400_naming_the_problem(rest, table, where, words):
    message = rest("runs", params={"where": where}, expect=400)["message"]
    assert message.startswith("where: ")
    for word in words:
        assert word in message, message


def test_a_blank_expression_filters_nothing(rest, table):
    assert listing(rest, where="  ")["total"] == 5


def run_count(root) -> int:
    with sqlite3.connect(root / ".nbrun" / "nbrun.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


@pytest.mark.parametrize("params, expect", [
    ({"where": "lr') OR 1=1; DROP TABLE runs; --"}, 400),
    ({"where": 'config.x") OR 1=1 -- == 1'}, 400),
    ({"where": "name == \"x' OR '1'='1\""}, 200),
    ({"where": "lr == \"0.001') OR ('1'='1\""}, 200),
    ({"where": "x;DROP_TABLE_runs == 1"}, 200),
    ({"sort": 'config.a") DESC; DROP TABLE runs; --'}, 400),
    ({"sort": "summary.x'); DROP TABLE runs; --"}, 200),
    ({"group_by": "config.x') OR 1=1 --"}, 200),
    ({"group_by": "rid"}, 400),
    ({"columns": "config.lr' || (SELECT group_concat(id) FROM runs) || '"}, 200),
    ({"q": "%' OR 1=1 --"}, 200),
])
def test_injection_attempts_neither_run_nor_leak(rest, table, params, expect):
    reply = rest("runs", params=params, expect=expect)
    if expect == 200 and ("where" in params or "q" in params):
        assert reply["runs"] == []  # matched literally: no run has such a value
    if "columns" in params:
        assert all(run["config"] == {} for run in reply["runs"])
    assert run_count(table) == 5


# -- q -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("q, expected", [
    ("ADAM", ["rc", "ra"]),        # a config value, case-insensitive
    ("optimizer", ["rc", "rb", "ra"]),  # a config key
    ("0.001", ["ra"]),             # a number as written
    ("64", ["ra"]),                # inside a list
    ("über", ["rb"]),              # non-ASCII folds too
    ("flag", ["re"]),              # a config holding NaN is searched too
])
def test_q_matches_config_keys_and_values(rest, table, q, expected):
    assert ids(listing(rest, q=q)) == expected


# -- group_by ----------------------------------------------------------------------------------
def test_group_by_a_config_key(rest, table):
    reply = listing(rest, group_by="config.optimizer.name", sort="-summary.best_acc", limit=2)
    assert reply["groups"] == [{"value": "Adam", "count": 1}, {"value": "adam", "count": 1},
                               {"value": "sgd", "count": 1}, {"value": None, "count": 2}]
    assert ids(reply) == ["rc", "ra"] and reply["total"] == 5
    assert [r["group_value"] for r in reply["runs"]] == ["Adam", "adam"]
    rest_of = listing(rest, group_by="config.optimizer.name", sort="-summary.best_acc",
                      offset=2)
    assert ids(rest_of) == ["rb", "re", "rd"]
    assert [r["group_value"] for r in rest_of["runs"]] == ["sgd", None, None]


def test_group_by_columns_and_typed_values(rest, table):
    reply = listing(rest, group_by="job_type")
    assert reply["groups"] == [{"value": "eval", "count": 1}, {"value": "train", "count": 1},
                               {"value": None, "count": 3}]
    assert ids(reply) == ["rb", "ra", "re", "rd", "rc"]
    assert listing(rest, group_by="config.flag")["groups"] == [
        {"value": True, "count": 1}, {"value": None, "count": 4}]
    assert listing(rest, group_by="config.lr", where="lr != null")["groups"] == [
        {"value": 0.001, "count": 1}, {"value": 0.01, "count": 1}, {"value": 0.1, "count": 1},
        {"value": "auto", "count": 1}]
    assert "groups" not in listing(rest) and "group_value" not in listing(rest)["runs"][0]


@pytest.mark.parametrize("group_by, words", [
    ("state", "unknown column 'state'; use one of project, group, job_type, config.<path>"),
    ("config.", "'config.' names no key"),
])
def test_bad_group_by_is_400(rest, table, group_by, words):
    message = rest("runs", params={"group_by": group_by}, expect=400)["message"]
    assert message.startswith("group_by: ") and words in message, message


# -- columns -----------------------------------------------------------------------------------
def test_columns_bring_the_config_paths_asked_for(rest, table):
    reply = rest("runs", params=[("columns", "config.lr"), ("columns", "config.optimizer.name"),
                                 ("columns", "config.layers"), ("columns", "config.flag"),
                                 ("sort", "id")])
    by_id = {r["id"]: r["config"] for r in reply["runs"]}
    assert by_id == {
        "ra": {"lr": 0.001, "optimizer.name": "adam", "layers": [64, 64]},
        "rb": {"lr": 0.01, "optimizer.name": "sgd"},
        "rc": {"lr": "auto", "optimizer.name": "Adam"},
        "rd": {},
        "re": {"lr": 0.1, "flag": True},
    }
    assert "config" not in listing(rest)["runs"][0]
    message = rest("runs", params={"columns": "summary.loss"}, expect=400)["message"]
    assert "config.<path>" in message


# -- keys --------------------------------------------------------------------------------------
def test_keys_of_the_runs_chosen(rest, table, jp_root_dir):
    make_run(jp_root_dir / "s", project="other", id="ro", config={"depth": {"max": 3}})
    reply = rest("keys")
    assert reply == {"config": ["bad", "depth.max", "flag", "layers", "lr", "note",
                                "optimizer.name"],
                     "summary": ["best_acc", "loss"]}
    assert rest("keys", params={"project": "other"}) == {"config": ["depth.max"],
                                                         "summary": []}
    store = key_of(jp_root_dir / "s")
    assert rest("keys", params={"store": store, "project": "p"})["config"][0] == "bad"
    set_column(jp_root_dir / "s", "ro", "hidden", 1)
    assert rest("keys", params={"project": "other"})["config"] == []
    rest("keys", params={"project": "a/b"}, expect=400)
    rest("keys", params={"store": "0123456789ab"}, expect=404)


# -- several stores; hidden runs ---------------------------------------------------------------
def test_several_stores_merge_pages_and_groups_exactly(rest, jp_root_dir):
    lrs = {}
    for i in range(12):
        root = jp_root_dir / ("one" if i % 3 else "two")
        lr = [0.5, "x", None][i % 3] if i % 4 == 0 else i / 100
        config = {"lr": lr, "opt": ["a", "B", "c"][i % 3]} if lr is not None else {}
        run_with(root, f"m{i}", config, {"acc": i % 5})
        lrs[f"m{i}"] = lr
    for sort in ("config.lr", "-config.lr", "summary.acc", "-summary.acc", "config.opt"):
        for group_by in (None, "config.opt"):
            params = {"sort": sort, **({"group_by": group_by} if group_by else {})}
            whole = listing(rest, **params)
            assert whole["total"] == 12
            paged = []
            for offset in range(0, 12, 5):
                page = listing(rest, offset=offset, limit=5, **params)
                paged += ids(page)
                assert page.get("groups") == whole.get("groups")
            assert paged == ids(whole), params
    by_lr = ids(listing(rest, sort="config.lr"))
    numbers = sorted((lr, k) for k, lr in lrs.items() if isinstance(lr, float))
    assert by_lr == [k for _, k in numbers] + ["m4", "m8"]  # then text, then none
    groups = listing(rest, group_by="config.opt", limit=1)["groups"]
    assert groups == [{"value": "a", "count": 4}, {"value": "B", "count": 4},
                      {"value": "c", "count": 3}, {"value": None, "count": 1}]


def test_hidden_runs_stay_out_of_filters_groups_and_keys(rest, table, jp_root_dir):
    set_column(table, "ra", "hidden", 1)
    assert ids(listing(rest, where="lr < 0.01")) == []
    assert listing(rest, group_by="group")["groups"] == [{"value": "g0", "count": 1},
                                                          {"value": None, "count": 3}]
    assert "layers" not in rest("keys")["config"]
    shown = listing(rest, where="lr < 0.01", include_hidden="1", group_by="group")
    assert ids(shown) == ["ra"] and shown["groups"] == [{"value": "g1", "count": 1}]
