"""LightGBM's and XGBoost's callbacks and ``log_summary`` on real training runs: each
iteration's evaluation results in the history, the parameters in the config, the best iteration
and score in the summary, the feature importances as a chart, the model file in the run's
folder."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nbrun
from nbrun.errors import UsageError

lightgbm = pytest.importorskip("lightgbm", reason="lightgbm is in the test extra")
xgboost = pytest.importorskip("xgboost", reason="xgboost (xgboost-cpu) is in the test extra")


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X[:150], X[150:], y[:150], y[150:]


def test_lightgbm_callback_and_log_summary(store_dir, api):
    from nbrun.integration import lightgbm as nb_lgb

    X, Xv, y, yv = data()
    run = nbrun.init(dir=str(store_dir), mode="offline", project="gbm")
    train = lightgbm.Dataset(X, y, feature_name=["a", "b", "c", "d"])
    valid = lightgbm.Dataset(Xv, yv, reference=train)
    booster = lightgbm.train({"objective": "binary", "metric": ["binary_logloss", "auc"],
                              "verbose": -1, "num_leaves": 7}, train, num_boost_round=8,
                             valid_sets=[valid], valid_names=["valid"],
                             callbacks=[nb_lgb.wandb_callback(),
                                        lightgbm.early_stopping(3, verbose=False)])
    nb_lgb.log_summary(booster, save_model_checkpoint=True)
    run.finish()
    record = api().run(run.id)
    rows = [r for r in record.history() if "iteration" in r]
    assert [r["iteration"] for r in rows] == list(range(len(rows))) and len(rows) >= 4
    best = rows[booster.best_iteration - 1]
    assert best["valid_binary_logloss"] == pytest.approx(
        booster.best_score["valid"]["binary_logloss"])
    assert record.config["objective"] == "binary" and record.config["num_leaves"] == 7
    # define_metric keeps the best of each metric in the summary: a loss's lowest, auc's highest.
    assert record.summary["valid_binary_logloss"]["min"] == min(
        r["valid_binary_logloss"] for r in rows)
    assert record.summary["valid_auc"]["max"] == max(r["valid_auc"] for r in rows)
    assert record.summary["best_iteration"] == booster.best_iteration
    assert record.summary["best_score/valid/auc"] == pytest.approx(
        booster.best_score["valid"]["auc"])
    chart = record.summary["Feature Importance"]
    assert sorted(chart.table.get_dataframe()["Feature"]) == ["a", "b", "c", "d"]
    (model,) = record.logged_artifacts()
    assert model.name.startswith(f"model_{run.id}:") and "best" in model.aliases
    path = model.file(str(store_dir / "dl"))
    assert os.path.basename(path) == f"model_ckpt_{booster.best_iteration}.txt"
    assert lightgbm.Booster(model_file=path).num_trees() == booster.best_iteration


def test_xgboost_callback_and_log_summary(store_dir, api):
    from nbrun.integration import xgboost as nb_xgb

    X, Xv, y, yv = data()
    run = nbrun.init(dir=str(store_dir), mode="offline", project="gbm")
    model = xgboost.XGBClassifier(n_estimators=6, max_depth=2, eval_metric="logloss",
                                  early_stopping_rounds=3,
                                  callbacks=[nb_xgb.WandbCallback(log_model=True)])
    model.fit(X, y, eval_set=[(X, y), (Xv, yv)], verbose=False)
    run.finish()
    record = api().run(run.id)
    rows = [r for r in record.history() if "epoch" in r]
    assert [r["epoch"] for r in rows] == list(range(len(rows))) and rows
    evals = model.evals_result()
    assert [r["validation_1-logloss"] for r in rows] == pytest.approx(
        evals["validation_1"]["logloss"])
    assert record.config["learner"]["objective"]["name"] == "binary:logistic"
    assert record.summary["validation_1-logloss"]["min"] == pytest.approx(
        min(evals["validation_1"]["logloss"]))
    assert record.summary["best_iteration"] == model.best_iteration
    assert record.summary["best_score"] == pytest.approx(model.best_score)
    assert isinstance(record.summary["Feature Importance"], nbrun.plot.Chart)
    (logged,) = record.logged_artifacts()
    assert logged.name == f"{run.id}_model:v0" and logged.type == "model"
    loaded = xgboost.Booster(model_file=logged.file(str(store_dir / "dl")))
    assert loaded.num_boosted_rounds() == model.get_booster().num_boosted_rounds()


def test_xgboost_callback_needs_a_run():
    from nbrun.integration import xgboost as nb_xgb

    with pytest.raises(UsageError, match="nbrun.integration.xgboost.Callback: there is no "
                                         "active run"):
        nb_xgb.Callback()
