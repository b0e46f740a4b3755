"""``nbrun.plot``: charts backed by a Table, with the contract's tracker's signatures. A chart
is stored as its table (a table file) plus what to draw from it: ``chart`` (line, scatter,
bar, histogram, line_series, confusion_matrix, roc_curve, pr_curve), ``fields`` (which column
is which) and ``title``. ROC and PR curves are computed with NumPy (no scikit-learn needed)."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import UsageError
from . import arrays
from .base import Media
from .table import Table

__all__ = ["Chart", "bar", "confusion_matrix", "histogram", "line", "line_series", "pr_curve",
           "roc_curve", "scatter"]


class Chart(Media):
    """A chart: ``table`` and how to draw it (``chart``, ``fields``, ``title``)."""

    kind = "chart"

    def __init__(self, chart: str, table: Table, fields: dict[str, Any], title: str = "",
                 strings: dict[str, Any] | None = None, split_table: bool = False) -> None:
        if not isinstance(table, Table):
            raise UsageError(f"nbrun.plot.{chart}: table must be an nbrun.Table")
        for role, column in fields.items():
            if column is not None and column not in table.columns:
                raise UsageError(f"nbrun.plot.{chart}: {role}={column!r} is not a column of the "
                                 f"table; its columns are {table.columns}")
        self.chart, self.table, self.fields = chart, table, dict(fields)
        self.title = "" if title is None else str(title)
        self.strings = dict(strings or {})
        self.split_table = bool(split_table)

    @property
    def spec(self) -> dict[str, Any]:
        return {"chart": self.chart, "fields": self.fields, "title": self.title, **self.strings}

    def frozen(self) -> "Chart":
        copy = Chart.__new__(Chart)
        copy.chart, copy.fields, copy.title = self.chart, dict(self.fields), self.title
        copy.strings, copy.split_table = dict(self.strings), self.split_table
        copy.table = self.table.frozen()
        return copy

    @property
    def nbytes(self) -> int:
        return self.table.nbytes

    def serialize(self, files: Any) -> dict[str, Any]:
        out = self.table.serialize(files)
        out.update(_type="chart", chart=self.chart, fields=self.fields, title=self.title)
        if self.strings:
            out["strings"] = self.strings
        return out

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Chart":
        chart = cls.__new__(cls)
        chart.chart, chart.fields = descriptor.get("chart", ""), descriptor.get("fields", {})
        chart.title, chart.strings = descriptor.get("title", ""), descriptor.get("strings", {})
        chart.split_table = False
        chart.table = Table.from_stored(descriptor, run_dir)
        return chart

    def __repr__(self) -> str:
        return f"<nbrun.plot {self.chart} {self.title!r}>"


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "",
         split_table: bool = False) -> Chart:
    return Chart("line", table, {"x": x, "y": y, "stroke": stroke}, title,
                 split_table=split_table)


def scatter(table: Table, x: str, y: str, title: str = "", split_table: bool = False) -> Chart:
    return Chart("scatter", table, {"x": x, "y": y}, title, split_table=split_table)


def bar(table: Table, label: str, value: str, title: str = "",
        split_table: bool = False) -> Chart:
    return Chart("bar", table, {"label": label, "value": value}, title, split_table=split_table)


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> Chart:
    return Chart("histogram", table, {"value": value}, title, split_table=split_table)


def line_series(xs: Any, ys: Any, keys: Sequence[str] | None = None, title: str = "",
                xname: str = "x", split_table: bool = False) -> Chart:
    ys = [list(_values(y)) for y in ys]
    xs = list(_values(xs))
    if xs and not _is_sequence(xs[0]):
        xs = [xs] * len(ys)
    if len(xs) != len(ys):
        raise UsageError(f"nbrun.plot.line_series: {len(xs)} x-series for {len(ys)} y-series")
    keys = [f"line_{i}" for i in range(len(ys))] if keys is None else [str(k) for k in keys]
    if len(keys) != len(ys):
        raise UsageError(f"nbrun.plot.line_series: {len(keys)} keys for {len(ys)} y-series")
    data = [[x, keys[i], y] for i, (xx, yy) in enumerate(zip(xs, ys))
            for x, y in zip(_values(xx), yy)]
    table = Table(columns=["step", "lineKey", "lineVal"], data=data)
    return Chart("line_series", table, {"step": "step", "lineKey": "lineKey",
                                        "lineVal": "lineVal"}, title,
                 strings={"xname": xname}, split_table=split_table)


def confusion_matrix(probs: Any = None, y_true: Any = None, preds: Any = None,
                     class_names: Sequence[str] | None = None,
                     title: str = "Confusion Matrix Curve", split_table: bool = False) -> Chart:
    np = arrays.numpy()
    where = "nbrun.plot.confusion_matrix"
    if probs is not None and preds is not None:
        raise UsageError(f"{where}: give probs or preds, not both")
    if y_true is None or (probs is None and preds is None):
        raise UsageError(f"{where}: give y_true and one of probs, preds")
    if probs is not None:
        preds = np.argmax(np.asarray(probs), axis=1).tolist()
    preds, y_true = list(_values(preds)), list(_values(y_true))
    if len(preds) != len(y_true):
        raise UsageError(f"{where}: {len(preds)} predictions for {len(y_true)} true labels")
    if class_names is not None:
        classes = list(range(len(class_names)))
        names = [str(n) for n in class_names]
        outside = sorted({v for v in preds + y_true if v not in classes}, key=str)
        if outside:
            raise UsageError(f"{where}: labels {outside[:5]} are not class indices 0.."
                             f"{len(names) - 1} of class_names")
    else:
        classes = sorted(set(preds) | set(y_true), key=_sort_key)
        names = [f"Class_{i + 1}" for i in range(len(classes))]
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)))
    for t, p in zip(y_true, preds):
        counts[index[t], index[p]] += 1
    data = [[names[i], names[j], float(counts[i, j])] for i in range(len(classes))
            for j in range(len(classes))]
    table = Table(columns=["Actual", "Predicted", "nPredictions"], data=data)
    return Chart("confusion_matrix", table, {"Actual": "Actual", "Predicted": "Predicted",
                                             "nPredictions": "nPredictions"}, title,
                 split_table=split_table)


def roc_curve(y_true: Any, y_probas: Any = None, labels: list[str] | None = None,
              classes_to_plot: list[Any] | None = None, title: str = "ROC Curve",
              split_table: bool = False) -> Chart:
    rows = []
    for label, truth, score in _per_class("roc_curve", y_true, y_probas, labels,
                                          classes_to_plot):
        fpr, tpr = _roc(truth, score)
        rows += [[label, round(f, 3), round(t, 3)] for f, t in zip(fpr, tpr)]
    table = Table(columns=["class", "fpr", "tpr"], data=rows)
    return Chart("roc_curve", table, {"x": "fpr", "y": "tpr", "class": "class"}, title,
                 strings={"x-axis-title": "False positive rate",
                          "y-axis-title": "True positive rate"}, split_table=split_table)


def pr_curve(y_true: Any = None, y_probas: Any = None, labels: list[str] | None = None,
             classes_to_plot: list[Any] | None = None, interp_size: int = 21,
             title: str = "Precision-Recall Curve", split_table: bool = False) -> Chart:
    np = arrays.numpy()
    recall_grid = np.linspace(0, 1, interp_size)[::-1]
    rows = []
    for label, truth, score in _per_class("pr_curve", y_true, y_probas, labels,
                                          classes_to_plot):
        precision, recall = _pr(truth, score)
        # Precision made monotone (the best precision at any higher recall), read at the
        # grid's recalls, as the contract's tracker draws it.
        precision = np.maximum.accumulate(precision)[::-1]
        recall = recall[::-1]
        at = np.clip(np.searchsorted(recall, recall_grid, side="left"), 0, len(recall) - 1)
        rows += [[label, round(float(p), 3), round(float(r), 3)]
                 for p, r in zip(precision[at], recall_grid)]
    table = Table(columns=["class", "precision", "recall"], data=rows)
    return Chart("pr_curve", table, {"x": "recall", "y": "precision", "class": "class"}, title,
                 strings={"x-axis-title": "Recall", "y-axis-title": "Precision"},
                 split_table=split_table)


def _per_class(name: str, y_true: Any, y_probas: Any, labels: Any, classes_to_plot: Any
               ) -> list[tuple[Any, Any, Any]]:
    np = arrays.numpy()
    where = f"nbrun.plot.{name}"
    if y_true is None or y_probas is None:
        raise UsageError(f"{where}: give y_true and y_probas")
    truth = np.asarray(y_true)
    probas = np.asarray(y_probas, dtype=float)
    if probas.ndim == 1:
        probas = np.stack([1 - probas, probas], axis=1)
    if probas.ndim != 2 or len(probas) != len(truth):
        raise UsageError(f"{where}: y_probas must be (samples, classes) with one row per "
                         f"y_true value; got {probas.shape} for {len(truth)} labels")
    classes = np.unique(truth)
    if len(classes) > probas.shape[1]:
        raise UsageError(f"{where}: y_true has {len(classes)} classes but y_probas "
                         f"{probas.shape[1]} columns")
    wanted = classes if classes_to_plot is None else classes_to_plot
    out = []
    for i, cls in enumerate(classes):
        if cls not in wanted:
            continue
        label = cls.item() if hasattr(cls, "item") else cls
        if labels is not None and isinstance(label, int) and 0 <= label < len(labels):
            label = labels[label]
        out.append((label, truth == cls, probas[:, i]))
    return out


def _roc(positive: Any, score: Any) -> tuple[list[float], list[float]]:
    np = arrays.numpy()
    order = np.argsort(-score, kind="mergesort")
    positive, score = positive[order], score[order]
    distinct = np.r_[np.where(np.diff(score))[0], len(score) - 1]
    tps = np.cumsum(positive)[distinct]
    fps = (1 + distinct) - tps
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    pos, neg = tps[-1], fps[-1]
    tpr = tps / pos if pos else np.zeros_like(tps, dtype=float)
    fpr = fps / neg if neg else np.zeros_like(fps, dtype=float)
    return fpr.tolist(), tpr.tolist()


def _pr(positive: Any, score: Any) -> tuple[Any, Any]:
    np = arrays.numpy()
    order = np.argsort(-score, kind="mergesort")
    positive, score = positive[order], score[order]
    distinct = np.r_[np.where(np.diff(score))[0], len(score) - 1]
    tps = np.cumsum(positive)[distinct].astype(float)
    fps = (1 + distinct) - tps
    total = tps[-1] if len(tps) else 0.0
    precision = tps / np.maximum(tps + fps, 1)
    recall = tps / total if total else np.zeros_like(tps)
    # from the highest recall down, ending at recall 0 with precision 1
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def _values(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or hasattr(value, "__len__") and \
        not isinstance(value, (str, bytes))


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)
