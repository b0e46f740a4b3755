"""``nbrun.sklearn.plot_*``: charts of scikit-learn models logged to the current run as
``nbrun.plot`` charts, with the contract tracker's signatures and keys (``roc``,
``confusion_matrix``, ``precision_recall``, ...). Each call logs its chart as a row of its own,
as that tracker does; ``plot_classifier``, ``plot_regressor`` and ``plot_clusterer`` log the
charts that fit the model. scikit-learn is imported when this module is.
"""

from __future__ import annotations

from typing import Any, Sequence

from ...errors import UsageError
from ...sdk import registry
from . import classifiers, estimators

__all__ = [
    "plot_calibration_curve", "plot_class_proportions", "plot_classifier", "plot_clusterer",
    "plot_confusion_matrix", "plot_elbow_curve", "plot_feature_importances",
    "plot_learning_curve", "plot_outlier_candidates", "plot_precision_recall",
    "plot_regressor", "plot_residuals", "plot_roc", "plot_silhouette", "plot_summary_metrics",
]


def _log(where: str, key: str, chart: Any) -> None:
    run = registry.current()
    if run is None:
        raise UsageError(f"nbrun.sklearn.{where}: there is no active run; call nbrun.init() "
                         "first")
    run.log({key: chart})


def plot_confusion_matrix(y_true: Any = None, y_pred: Any = None,
                          labels: Sequence[str] | None = None, true_labels: Any = None,
                          pred_labels: Any = None, normalize: bool = False) -> None:
    _log("plot_confusion_matrix", "confusion_matrix", classifiers.confusion_matrix(
        y_true, y_pred, labels, true_labels, pred_labels, normalize))


def plot_roc(y_true: Any = None, y_probas: Any = None, labels: Sequence[str] | None = None,
             plot_micro: bool = True, plot_macro: bool = True,
             classes_to_plot: Any = None) -> None:
    """One ROC curve per class (``plot_micro``/``plot_macro`` are taken for the tracker's
    signature; it draws per-class curves too)."""
    _log("plot_roc", "roc", classifiers.roc(y_true, y_probas, labels, classes_to_plot))


def plot_precision_recall(y_true: Any = None, y_probas: Any = None,
                          labels: Sequence[str] | None = None, plot_micro: bool = True,
                          classes_to_plot: Any = None) -> None:
    _log("plot_precision_recall", "precision_recall",
         classifiers.precision_recall(y_true, y_probas, labels, classes_to_plot))


def plot_feature_importances(model: Any = None, feature_names: Sequence[str] | None = None,
                             title: str = "Feature Importance", max_num_features: int = 50
                             ) -> None:
    _log("plot_feature_importances", "feature_importances",
         classifiers.feature_importances(model, feature_names, title, max_num_features))


def plot_class_proportions(y_train: Any = None, y_test: Any = None,
                           labels: Sequence[str] | None = None) -> None:
    _log("plot_class_proportions", "class_proportions",
         classifiers.class_proportions(y_train, y_test, labels))


def plot_calibration_curve(clf: Any = None, X: Any = None, y: Any = None,
                           clf_name: str = "Classifier") -> None:
    _log("plot_calibration_curve", "calibration_curve",
         classifiers.calibration_curve(clf, X, y, clf_name))


def plot_summary_metrics(model: Any = None, X: Any = None, y: Any = None, X_test: Any = None,
                         y_test: Any = None) -> None:
    """Metrics of the fitted model on the test set (``X``/``y``, the training set, are taken
    for the tracker's signature)."""
    _log("plot_summary_metrics", "summary_metrics",
         classifiers.summary_metrics(model, X_test, y_test))


def plot_learning_curve(model: Any = None, X: Any = None, y: Any = None, cv: Any = None,
                        shuffle: bool = False, random_state: Any = None,
                        train_sizes: Any = None, n_jobs: int = 1, scoring: Any = None) -> None:
    _log("plot_learning_curve", "learning_curve", estimators.learning_curve(
        model, X, y, cv, shuffle, random_state, train_sizes, n_jobs, scoring))


def plot_residuals(regressor: Any = None, X: Any = None, y: Any = None) -> None:
    _log("plot_residuals", "residuals", estimators.residuals(regressor, X, y))


def plot_outlier_candidates(regressor: Any = None, X: Any = None, y: Any = None) -> None:
    _log("plot_outlier_candidates", "outlier_candidates",
         estimators.outlier_candidates(regressor, X, y))


def plot_elbow_curve(clusterer: Any = None, X: Any = None, cluster_ranges: Any = None,
                     n_jobs: int = 1, show_cluster_time: bool = True) -> None:
    _log("plot_elbow_curve", "elbow_curve", estimators.elbow_curve(
        clusterer, X, cluster_ranges, n_jobs, show_cluster_time))


def plot_silhouette(clusterer: Any = None, X: Any = None, cluster_labels: Any = None,
                    labels: Sequence[str] | None = None, metric: str = "euclidean",
                    kmeans: bool = True) -> None:
    _log("plot_silhouette", "silhouette_plot", estimators.silhouette(
        clusterer, X, cluster_labels, labels, metric, kmeans))


def plot_classifier(model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any,
                    y_pred: Any, y_probas: Any, labels: Sequence[str] | None,
                    is_binary: bool = False, model_name: str = "Classifier",
                    feature_names: Sequence[str] | None = None,
                    log_learning_curve: bool = False) -> None:
    """Feature importances (for a model that has them), the learning curve (when asked),
    confusion matrix, summary metrics, class proportions, calibration curve (for a model with
    probabilities), ROC and precision-recall curves."""
    if hasattr(model, "feature_importances_") or hasattr(model, "coef_"):
        plot_feature_importances(model, feature_names)
    if log_learning_curve:
        plot_learning_curve(model, X_train, y_train)
    plot_confusion_matrix(y_test, y_pred, labels)
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    plot_class_proportions(y_train, y_test, labels)
    if hasattr(model, "predict_proba") or hasattr(model, "decision_function"):
        plot_calibration_curve(model, X_train, y_train, model_name)
    plot_roc(y_test, y_probas, labels)
    plot_precision_recall(y_test, y_probas, labels)


def plot_regressor(model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any,
                   model_name: str = "Regressor") -> None:
    """Summary metrics, learning curve, outlier candidates and residuals."""
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    plot_learning_curve(model, X_train, y_train)
    plot_outlier_candidates(model, X_train, y_train)
    plot_residuals(model, X_test, y_test)


def plot_clusterer(model: Any, X_train: Any, cluster_labels: Any,
                   labels: Sequence[str] | None = None, model_name: str = "Clusterer"
                   ) -> None:
    """Elbow curve (for a clusterer that takes ``n_clusters``) and silhouette."""
    if "n_clusters" in model.get_params():
        plot_elbow_curve(model, X_train)
    plot_silhouette(model, X_train, cluster_labels, labels, kmeans=False)
