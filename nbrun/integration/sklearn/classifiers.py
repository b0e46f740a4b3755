"""The charts of a classifier's results, as ``nbrun.plot`` charts: confusion matrix, ROC and
precision-recall curves, class proportions, calibration curves, feature importances and summary
metrics. Each function computes a chart and logs nothing (``plots.py`` logs)."""

from __future__ import annotations

from typing import Any, Sequence

from ...errors import UsageError
from ...media import Table, plot
from ...media.plot import Chart
from .checks import arrays_of, class_names, fitted, np


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[str] | None = None,
                     true_labels: Sequence[Any] | None = None,
                     pred_labels: Sequence[Any] | None = None, normalize: bool = False
                     ) -> Chart:
    """Counts of (true, predicted) class pairs; ``normalize`` gives each true class's row as
    fractions; ``true_labels``/``pred_labels`` keep only those rows/columns."""
    y_true, y_pred = arrays_of("plot_confusion_matrix", y_true=y_true, y_pred=y_pred)
    classes = np.unique(np.concatenate([y_true, y_pred]))
    names = class_names(classes, labels)
    index = {c: i for i, c in enumerate(classes.tolist())}
    counts = np.zeros((len(classes), len(classes)))
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        counts[index[t], index[p]] += 1
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        counts = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    rows = _kept(classes, names, true_labels)
    cols = _kept(classes, names, pred_labels)
    data = [[names[i], names[j], round(float(counts[i, j]), 4)] for i in rows for j in cols]
    table = Table(columns=["Actual", "Predicted", "nPredictions"], data=data)
    return Chart("confusion_matrix", table, {"Actual": "Actual", "Predicted": "Predicted",
                                             "nPredictions": "nPredictions"},
                 "Confusion Matrix" + (" (normalized)" if normalize else ""))


def _kept(classes: Any, names: list[str], wanted: Sequence[Any] | None) -> list[int]:
    if wanted is None:
        return list(range(len(classes)))
    out = []
    for w in wanted:
        if w in names:
            out.append(names.index(w))
        elif w in classes.tolist():
            out.append(classes.tolist().index(w))
        else:
            raise UsageError(f"plot_confusion_matrix: {w!r} is neither a class nor a label; "
                             f"the classes are {classes.tolist()[:20]}")
    return out


def roc(y_true: Any, y_probas: Any, labels: Sequence[str] | None = None,
        classes_to_plot: Sequence[Any] | None = None) -> Chart:
    y_true, y_probas = arrays_of("plot_roc", y_true=y_true, y_probas=y_probas)
    return plot.roc_curve(y_true, y_probas, labels=_names(labels), classes_to_plot=classes_to_plot)


def precision_recall(y_true: Any, y_probas: Any, labels: Sequence[str] | None = None,
                     classes_to_plot: Sequence[Any] | None = None) -> Chart:
    y_true, y_probas = arrays_of("plot_precision_recall", y_true=y_true, y_probas=y_probas)
    return plot.pr_curve(y_true, y_probas, labels=_names(labels),
                         classes_to_plot=classes_to_plot)


def _names(labels: Sequence[Any] | None) -> list[str] | None:
    return None if labels is None else [str(label) for label in labels]


def class_proportions(y_train: Any, y_test: Any, labels: Sequence[str] | None = None
                      ) -> Chart:
    """How many samples of each class the training and the test set hold."""
    y_train, y_test = arrays_of("plot_class_proportions", y_train=y_train, y_test=y_test)
    classes = np.unique(np.concatenate([y_train, y_test]))
    names = class_names(classes, labels)
    data = [[f"{name} ({part})", int((y == c).sum())] for c, name in zip(classes, names)
            for part, y in (("train", y_train), ("test", y_test))]
    return plot.bar(Table(columns=["class", "count"], data=data), "class", "count",
                    title="Class Proportions")


def feature_importances(model: Any, feature_names: Sequence[str] | None = None,
                        title: str = "Feature Importance", max_num_features: int = 50
                        ) -> Chart:
    """A tree model's ``feature_importances_`` (or a linear model's absolute ``coef_``,
    averaged over classes), largest first."""
    fitted("plot_feature_importances", model)
    if hasattr(model, "feature_importances_"):
        importances = np.asarray(model.feature_importances_, dtype=float)
    elif hasattr(model, "coef_"):
        coef = np.abs(np.asarray(model.coef_, dtype=float))
        importances = coef.mean(axis=0) if coef.ndim > 1 else coef
    else:
        raise UsageError(f"plot_feature_importances: {type(model).__name__} has neither "
                         "feature_importances_ nor coef_")
    names = list(feature_names) if feature_names is not None else \
        [str(n) for n in getattr(model, "feature_names_in_", range(len(importances)))]
    if len(names) != len(importances):
        raise UsageError(f"plot_feature_importances: {len(names)} feature names for "
                         f"{len(importances)} features")
    order = np.argsort(-importances)[:max_num_features]
    data = [[str(names[i]), round(float(importances[i]), 6)] for i in order]
    return plot.bar(Table(columns=["feature", "importance"], data=data), "feature",
                    "importance", title=title)


def calibration_curve(clf: Any, X: Any, y: Any, clf_name: str = "Classifier") -> Chart:
    """Fraction of positives against the mean predicted probability, in 10 bins, for the
    model, its isotonic and sigmoid calibrations and a logistic regression baseline (each fitted
    on half the data and read on the other half; a multi-class target is the last class
    against the rest)."""
    from sklearn.base import clone
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.calibration import calibration_curve as curve
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    fitted("plot_calibration_curve", clf)
    X, y = arrays_of("plot_calibration_curve", X=X, y=y)
    positive = clf.classes_[-1]
    y = (y == positive).astype(int)
    x_fit, x_read, y_fit, y_read = train_test_split(X, y, test_size=0.5, random_state=42,
                                                    stratify=y if y.min() != y.max() else None)
    models = [(clf_name, clone(clf)),
              (f"{clf_name} + Isotonic", CalibratedClassifierCV(clone(clf), cv=2,
                                                                method="isotonic")),
              (f"{clf_name} + Sigmoid", CalibratedClassifierCV(clone(clf), cv=2,
                                                               method="sigmoid")),
              ("Logistic regression", LogisticRegression())]
    xs, ys, keys = [[0.0, 1.0]], [[0.0, 1.0]], ["Perfectly calibrated"]
    for name, model in models:
        model.fit(x_fit, y_fit)
        if hasattr(model, "predict_proba"):
            scores = model.predict_proba(x_read)[:, 1]
        else:
            scores = model.decision_function(x_read)
            scores = (scores - scores.min()) / max(scores.max() - scores.min(), 1e-12)
        fraction, mean = curve(y_read, scores, n_bins=10)
        xs.append([round(float(v), 3) for v in mean])
        ys.append([round(float(v), 3) for v in fraction])
        keys.append(name)
    return plot.line_series(xs, ys, keys=keys, title="Calibration Curve",
                            xname="mean predicted value")


def summary_metrics(model: Any, X_test: Any, y_test: Any) -> Chart:
    """Accuracy, precision, recall and F1 (weighted over classes) for a classifier; MAE, MSE
    and R² for a regressor; on the test set."""
    from sklearn import metrics
    from sklearn.base import is_classifier

    fitted("plot_summary_metrics", model)
    X_test, y_test = arrays_of("plot_summary_metrics", X_test=X_test, y_test=y_test)
    pred = model.predict(X_test)
    if is_classifier(model):
        values = {"accuracy": metrics.accuracy_score(y_test, pred),
                  "precision": metrics.precision_score(y_test, pred, average="weighted",
                                                       zero_division=0),
                  "recall": metrics.recall_score(y_test, pred, average="weighted",
                                                 zero_division=0),
                  "f1": metrics.f1_score(y_test, pred, average="weighted", zero_division=0)}
    else:
        values = {"mae": metrics.mean_absolute_error(y_test, pred),
                  "mse": metrics.mean_squared_error(y_test, pred),
                  "r2": metrics.r2_score(y_test, pred)}
    data = [[name, round(float(v), 4)] for name, v in values.items()]
    return plot.bar(Table(columns=["metric", "value"], data=data), "metric", "value",
                    title="Summary Metrics")
