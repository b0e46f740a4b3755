"""Charts that fit or probe the model: learning curve, residuals and outlier candidates of a
regressor, elbow curve and silhouette of a clusterer. Each computes a chart and logs nothing."""

from __future__ import annotations

import time
from typing import Any, Sequence

from ...errors import UsageError
from ...media import Table, plot
from ...media.plot import Chart
from .checks import arrays_of, class_names, fitted, np


def learning_curve(model: Any, X: Any, y: Any, cv: Any = None, shuffle: bool = False,
                   random_state: Any = None, train_sizes: Any = None, n_jobs: int = 1,
                   scoring: Any = None) -> Chart:
    """The model's mean train and cross-validation scores against the training set's size."""
    from sklearn.model_selection import learning_curve as curve

    if model is None:
        raise UsageError("plot_learning_curve: the model is required")
    X, y = arrays_of("plot_learning_curve", X=X, y=y)
    sizes, train, test = curve(model, X, y, cv=cv, shuffle=shuffle,
                               random_state=random_state, n_jobs=n_jobs, scoring=scoring,
                               train_sizes=np.linspace(0.1, 1.0, 5) if train_sizes is None
                               else train_sizes)
    xs = [int(s) for s in sizes]
    return plot.line_series([xs, xs], [[round(float(v), 4) for v in train.mean(axis=1)],
                                       [round(float(v), 4) for v in test.mean(axis=1)]],
                            keys=["train", "test"], title="Learning Curve",
                            xname="training examples")


def residuals(regressor: Any, X: Any, y: Any) -> Chart:
    """Each sample's residual (truth minus prediction) against its prediction."""
    fitted("plot_residuals", regressor)
    X, y = arrays_of("plot_residuals", X=X, y=y)
    predicted = np.asarray(regressor.predict(X), dtype=float)
    data = [[round(float(p), 4), round(float(t - p), 4)] for p, t in zip(predicted, y)]
    return plot.scatter(Table(columns=["predicted", "residual"], data=data), "predicted",
                        "residual", title="Residuals")


def outlier_candidates(regressor: Any, X: Any, y: Any) -> Chart:
    """Cook's distance of each sample, from a copy of the regressor fitted on X and y and the
    leverage of X; the rule of thumb for an influential sample is a distance above 4 / n."""
    from sklearn.base import clone

    if regressor is None:
        raise UsageError("plot_outlier_candidates: the regressor is required")
    X, y = arrays_of("plot_outlier_candidates", X=X, y=y)
    X = X.astype(float).reshape(len(X), -1)
    regressor = clone(regressor).fit(X, y)
    leverage = (X * np.linalg.pinv(X).T).sum(axis=1)
    dof = max(X.shape[0] - np.linalg.matrix_rank(X), 1)
    residual = y - regressor.predict(X)
    mse = float(residual @ residual) / dof
    with np.errstate(divide="ignore", invalid="ignore"):
        studentized = residual / np.sqrt(mse) / np.sqrt(1 - leverage)
        distance = studentized ** 2 / X.shape[1] * leverage / (1 - leverage)
    distance = np.nan_to_num(distance, nan=0.0, posinf=0.0)
    threshold = 4 / X.shape[0]
    data = [[str(i), round(float(d), 5)] for i, d in enumerate(distance)]
    share = 100.0 * float((distance >= threshold).mean())
    return plot.bar(Table(columns=["instance", "distance"], data=data), "instance", "distance",
                    title=f"Outlier Candidates ({share:.1f}% above {threshold:.3g})")


def elbow_curve(clusterer: Any, X: Any, cluster_ranges: Sequence[int] | None = None,
                n_jobs: int = 1, show_cluster_time: bool = True) -> Chart:
    """The sum of squared distances to the nearest centre (``inertia_``) of the clusterer
    refitted with each number of clusters, with the time each fit took."""
    from sklearn.base import clone

    if clusterer is None or "n_clusters" not in clusterer.get_params():
        raise UsageError("plot_elbow_curve: the clusterer must take n_clusters (KMeans...)")
    (X,) = arrays_of("plot_elbow_curve", X=X)
    ranges = list(cluster_ranges) if cluster_ranges is not None else list(range(1, 10, 2))
    sse, seconds = [], []
    for k in ranges:
        model = clone(clusterer).set_params(n_clusters=k)
        started = time.perf_counter()
        model.fit(X)
        seconds.append(round(time.perf_counter() - started, 4))
        sse.append(round(float(getattr(model, "inertia_", -model.score(X))), 4))
    xs, ys, keys = [ranges], [sse], ["sum of squared errors"]
    if show_cluster_time:
        xs.append(ranges)
        ys.append(seconds)
        keys.append("clustering time (s)")
    return plot.line_series(xs, ys, keys=keys, title="Elbow Curve", xname="clusters")


def silhouette(clusterer: Any, X: Any, cluster_labels: Any = None,
               labels: Sequence[str] | None = None, metric: str = "euclidean",
               kmeans: bool = True) -> Chart:
    """Each sample's silhouette coefficient, sorted within its cluster, one line per cluster
    (the silhouette plot on its side); the mean in the title. With ``kmeans`` the clusterer is
    fitted on X for the labels, else ``cluster_labels`` are used."""
    from sklearn.metrics import silhouette_samples

    (X,) = arrays_of("plot_silhouette", X=X)
    if kmeans:
        if clusterer is None:
            raise UsageError("plot_silhouette: the clusterer is required with kmeans=True")
        cluster_labels = clusterer.fit_predict(X)
    (cluster_labels,) = arrays_of("plot_silhouette", cluster_labels=cluster_labels)
    clusters = np.unique(cluster_labels)
    if not 2 <= len(clusters) < len(X):
        raise UsageError(f"plot_silhouette: {len(clusters)} cluster(s) among {len(X)} samples; "
                         "a silhouette needs from 2 to n - 1")
    values = silhouette_samples(X, cluster_labels, metric=metric)
    names = class_names(clusters, labels)
    xs, ys, start = [], [], 0
    for cluster in clusters:
        mine = np.sort(values[cluster_labels == cluster])
        xs.append(list(range(start, start + len(mine))))
        ys.append([round(float(v), 4) for v in mine])
        start += len(mine) + 5  # a gap between clusters
    return plot.line_series(xs, ys, keys=[f"cluster {n}" for n in names],
                            title=f"Silhouette (mean {values.mean():.3f})", xname="sample")
