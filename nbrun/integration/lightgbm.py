"""LightGBM: ``callback()`` (also ``wandb_callback``, the contract tracker's name) logs each
iteration's evaluation results and the training parameters as config; ``log_summary`` logs the
best iteration and score, the feature importances as a bar chart and, if asked, the model as a
``model`` artifact.

    booster = lightgbm.train(params, train_set, valid_sets=[valid],
                             callbacks=[nbrun.integration.lightgbm.callback()])
    nbrun.integration.lightgbm.log_summary(booster, save_model_checkpoint=True)
"""

from __future__ import annotations

from typing import Any, Callable

from ..media import Table, plot
from .runs import best_summary, current, log_checkpoint, scratch_file

__all__ = ["callback", "log_summary", "wandb_callback"]


class _Callback:
    """Called by LightGBM after each iteration with its ``CallbackEnv``."""

    order = 20  # after LightGBM's own early stopping and evaluation recording
    before_iteration = False

    def __init__(self, log_params: bool, define_metric: bool) -> None:
        self.log_params = log_params
        self.define_metric = define_metric

    def _start(self, run: Any, env: Any) -> None:
        if self.log_params:
            run.config.update(dict(env.params), allow_val_change=True)
        if self.define_metric:
            for key, metric in _results(env):
                best_summary(run, key, metric)

    def __call__(self, env: Any) -> None:
        run = current("nbrun.integration.lightgbm.callback")
        if env.iteration == env.begin_iteration:
            self._start(run, env)
        row = {key: value for (key, _), value in zip(_results(env), _values(env))}
        row["iteration"] = env.iteration
        run.log(row)


def _results(env: Any) -> list[tuple[str, str]]:
    """(key, metric) per evaluation result: ``<data>_<metric>``, and for cv's results the
    ``-mean`` and ``-stdv`` keys."""
    out = []
    for item in env.evaluation_result_list:
        if len(item) == 4:
            out.append((f"{item[0]}_{item[1]}", item[1]))
        else:
            data, metric = item[1].split()
            out += [(f"{data}_{metric}-mean", metric), (f"{data}_{metric}-stdv", metric)]
    return out


def _values(env: Any) -> list[float]:
    out = []
    for item in env.evaluation_result_list:
        out += [item[2]] if len(item) == 4 else [item[2], item[4]]
    return out


def callback(log_params: bool = True, define_metric: bool = True) -> Callable[[Any], None]:
    """A LightGBM callback logging each iteration's evaluation results (``<data>_<metric>``)
    with ``iteration``; ``log_params`` puts the parameters in the config; ``define_metric``
    keeps each metric's best value in the summary (where the run has ``define_metric``)."""
    return _Callback(log_params, define_metric)


wandb_callback = callback


def log_summary(model: Any, feature_importance: bool = True,
                save_model_checkpoint: bool = False) -> None:
    """Put ``best_iteration`` and ``best_score`` in the summary, log the feature importances as
    a bar chart (``Feature Importance``) and, with ``save_model_checkpoint``, log the model
    (at its best iteration, if early stopping found one) as a version of the ``model`` artifact
    ``model_<run id>`` (file ``model_ckpt_<iteration>.txt``, alias ``best`` when it is the best
    iteration's)."""
    import lightgbm

    run = current("nbrun.integration.lightgbm.log_summary")
    if not isinstance(model, lightgbm.Booster):
        from ..errors import UsageError

        raise UsageError(f"log_summary: expected a lightgbm.Booster, got "
                         f"{type(model).__name__}")
    run.summary["best_iteration"] = model.best_iteration
    run.summary["best_score"] = {data: dict(scores) for data, scores in
                                 model.best_score.items()}
    if feature_importance:
        data = [[name, float(value)] for name, value in
                zip(model.feature_name(), model.feature_importance())]
        run.log({"Feature Importance": plot.bar(Table(columns=["Feature", "Importance"],
                                                      data=data), "Feature", "Importance",
                                                title="Feature Importance")})
    if save_model_checkpoint:
        iteration = model.best_iteration if model.best_iteration > 0 else None
        number = iteration if iteration is not None else model.current_iteration()
        with scratch_file(f"model_ckpt_{number}.txt") as path:
            model.save_model(path, num_iteration=iteration)
            log_checkpoint(run, path, f"model_{run.id}", ["best"] if iteration else [])
