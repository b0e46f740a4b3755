"""XGBoost: ``Callback`` (also ``WandbCallback``, the contract tracker's name) logs each
iteration's evaluation results, the booster's configuration as config and, after training, the
best score and iteration, a feature-importance bar chart and, if asked, the model as a
``model`` artifact;
``log_summary`` does the after-training part for a model trained without the callback.

    model = xgboost.XGBClassifier(callbacks=[nbrun.integration.xgboost.Callback()])
    model.fit(X, y, eval_set=[(X_val, y_val)])
"""

from __future__ import annotations

import json
from typing import Any

import xgboost

from ..media import Table, plot
from .runs import best_summary, current, log_checkpoint, scratch_file

__all__ = ["Callback", "WandbCallback", "log_summary", "wandb_callback"]


class Callback(xgboost.callback.TrainingCallback):
    """``log_model`` logs the trained model as a version of the ``model`` artifact
    ``<run id>_model`` (file ``<run id>_model.json``); ``log_feature_importance``
    logs the importances of ``importance_type`` (weight, gain, cover, total_gain,
    total_cover); ``define_metric`` keeps each metric's best value in the summary (where the
    run has ``define_metric``)."""

    def __init__(self, log_model: bool = False, log_feature_importance: bool = True,
                 importance_type: str = "gain", define_metric: bool = True) -> None:
        super().__init__()
        self.run = current("nbrun.integration.xgboost.Callback")
        self.log_model = log_model
        self.log_feature_importance = log_feature_importance
        self.importance_type = importance_type
        self.define_metric = define_metric

    def before_training(self, model: Any) -> Any:
        self.run.config.update(json.loads(model.save_config()), allow_val_change=True)
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        row = {}
        for data, metrics in evals_log.items():
            for metric, values in metrics.items():
                key = f"{data}-{metric}"
                if self.define_metric:
                    best_summary(self.run, key, metric)
                last = values[-1]
                row[key] = float(last[0] if isinstance(last, tuple) else last)
        self.define_metric = False  # defined once
        row["epoch"] = epoch
        self.run.log(row)
        return False

    def after_training(self, model: Any) -> Any:
        _summary(self.run, model, self.log_model, self.log_feature_importance,
                 self.importance_type)
        return model


WandbCallback = Callback


def wandb_callback() -> Callback:
    """The tracker's older function form of ``Callback()``."""
    return Callback()


def log_summary(model: Any, feature_importance: bool = True, importance_type: str = "gain",
                save_model_checkpoint: bool = False) -> None:
    """After training (a ``Booster``, or a scikit-learn style model): the best score and
    iteration, the feature-importance chart and, with ``save_model_checkpoint``, the model."""
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    _summary(current("nbrun.integration.xgboost.log_summary"), booster,
             save_model_checkpoint, feature_importance, importance_type)


def _summary(run: Any, booster: Any, save: bool, importance: bool, importance_type: str
             ) -> None:
    if save:
        with scratch_file(f"{run.id}_model.json") as path:
            booster.save_model(path)
            log_checkpoint(run, path, f"{run.id}_model")
    if importance:
        scores = booster.get_score(importance_type=importance_type)
        table = Table(columns=["Feature", "Importance"],
                      data=[[name, float(value)] for name, value in scores.items()])
        run.log({"Feature Importance": plot.bar(table, "Feature", "Importance",
                                                title="Feature Importance")})
    if booster.attr("best_score") is not None:
        run.summary["best_score"] = float(booster.attr("best_score"))
        run.summary["best_iteration"] = int(booster.attr("best_iteration"))
