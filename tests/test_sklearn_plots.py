"""``nbrun.sklearn.plot_*`` with real scikit-learn models: each chart is logged under the
contract tracker's key as an ``nbrun.plot`` chart whose table holds what the model gives."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs, make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split

import nbrun
from nbrun.errors import UsageError


@pytest.fixture
def run(store_dir):
    run = nbrun.init(dir=str(store_dir), mode="offline", project="sk")
    yield run
    run.finish()


def charts(store_dir, run):
    run.finish()
    record = nbrun.Api(str(store_dir)).run(run.id)
    return {k: v for k, v in record.summary.items() if isinstance(v, nbrun.plot.Chart)}


def classification():
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3,
                               random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_train, y_train)
    return model, X_train, X_test, y_train, y_test


def test_plot_classifier_logs_every_chart_the_tracker_names(store_dir, run):
    model, X_train, X_test, y_train, y_test = classification()
    names = ["ant", "bee", "cat"]
    nbrun.sklearn.plot_classifier(model, X_train, X_test, y_train, y_test,
                                  model.predict(X_test), model.predict_proba(X_test), names,
                                  model_name="Forest", feature_names=list("abcde"),
                                  log_learning_curve=True)
    got = charts(store_dir, run)
    assert set(got) == {"feature_importances", "learning_curve", "confusion_matrix",
                        "summary_metrics", "class_proportions", "calibration_curve", "roc",
                        "precision_recall"}
    cm = got["confusion_matrix"].table.get_dataframe()
    assert set(cm["Actual"]) == set(names) and cm["nPredictions"].sum() == len(y_test)
    diagonal = cm[cm["Actual"] == cm["Predicted"]]["nPredictions"].sum()
    assert diagonal == (model.predict(X_test) == y_test).sum()
    fi = got["feature_importances"].table.get_dataframe()
    assert sorted(fi["feature"]) == list("abcde")
    assert fi["importance"].tolist() == sorted(fi["importance"], reverse=True)
    metrics = dict(got["summary_metrics"].table.get_dataframe().values.tolist())
    assert metrics["accuracy"] == pytest.approx((model.predict(X_test) == y_test).mean(), 1e-3)
    assert set(got["roc"].table.get_dataframe()["class"]) == set(names)
    assert got["calibration_curve"].chart == "line_series"
    props = dict(got["class_proportions"].table.get_dataframe().values.tolist())
    assert props["ant (train)"] == (y_train == 0).sum()


def test_regressor_and_clusterer_charts(store_dir, run):
    X, y = make_regression(n_samples=120, n_features=3, noise=5, random_state=0)
    reg = LinearRegression().fit(X[:90], y[:90])
    before = reg.coef_.copy()
    nbrun.sklearn.plot_regressor(reg, X[:90], X[90:], y[:90], y[90:])
    assert (reg.coef_ == before).all()  # the user's model is not refitted
    blobs, _ = make_blobs(n_samples=90, centers=3, random_state=0)
    km = KMeans(n_clusters=3, n_init=3, random_state=0)
    nbrun.sklearn.plot_clusterer(km, blobs, km.fit_predict(blobs), labels=["x", "y", "z"])
    got = charts(store_dir, run)
    assert {"summary_metrics", "learning_curve", "outlier_candidates", "residuals",
            "elbow_curve", "silhouette_plot"} <= set(got)
    residuals = got["residuals"].table.get_dataframe()
    assert len(residuals) == 30
    assert residuals["residual"].tolist() == pytest.approx(
        (y[90:] - reg.predict(X[90:])).tolist(), abs=1e-3)
    elbow = got["elbow_curve"].table.get_dataframe()
    sse = elbow[elbow["lineKey"] == "sum of squared errors"]["lineVal"].tolist()
    assert sse == sorted(sse, reverse=True) and len(sse) == 5
    assert set(got["silhouette_plot"].table.get_dataframe()["lineKey"]) == {
        "cluster x", "cluster y", "cluster z"}
    assert "mean 0." in got["silhouette_plot"].title


def test_single_charts_keys_and_bad_input(store_dir, run):
    y_true = np.array([0, 1, 1, 0, 1])
    nbrun.sklearn.plot_confusion_matrix(y_true, np.array([0, 1, 0, 0, 1]), ["no", "yes"],
                                        normalize=True)
    probas = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3], [0.1, 0.9]])
    nbrun.sklearn.plot_roc(y_true, probas, ["no", "yes"])
    nbrun.sklearn.plot_precision_recall(y_true, probas)
    lr = LogisticRegression().fit(np.arange(10).reshape(-1, 1), [0] * 5 + [1] * 5)
    nbrun.sklearn.plot_feature_importances(lr, ["x"])
    with pytest.raises(UsageError, match="plot_feature_importances: LogisticRegression is not "
                                         "fitted"):
        nbrun.sklearn.plot_feature_importances(LogisticRegression())
    with pytest.raises(UsageError, match="plot_roc: y_probas is required"):
        nbrun.sklearn.plot_roc(y_true)
    got = charts(store_dir, run)
    assert set(got) == {"confusion_matrix", "roc", "precision_recall", "feature_importances"}
    cm = got["confusion_matrix"].table.get_dataframe()
    row = cm[cm["Actual"] == "yes"].set_index("Predicted")["nPredictions"]
    assert row["yes"] == pytest.approx(2 / 3, abs=1e-3)
    run_record = nbrun.Api(str(store_dir)).run(run.id)
    assert len(run_record.history()) == 4  # one row per chart, as the tracker logs them


def test_no_run_is_a_clear_error_and_the_module_names_match():
    from nbrun.integration import sklearn as integration

    with pytest.raises(UsageError, match="nbrun.sklearn.plot_roc: there is no active run"):
        nbrun.sklearn.plot_roc([0, 1], [[0.5, 0.5], [0.2, 0.8]])
    assert nbrun.sklearn.plot_roc is integration.plot_roc
    assert len(integration.__all__) == 15
