"""Keras callbacks (Keras 3, any backend; also ``tf.keras``), with nbrun's names and the contract
tracker's: ``MetricsLogger`` (``WandbMetricsLogger``), ``ModelCheckpoint``
(``WandbModelCheckpoint``) and the older all-in-one ``Callback`` (``WandbCallback``).

    run = nbrun.init(project="mnist")
    model.fit(x, y, epochs=5, validation_split=0.2,
              callbacks=[MetricsLogger(), ModelCheckpoint("model.keras")])

They log to the current run (``nbrun.init()`` first). Checkpoints are written where Keras is
told to write them and logged as versions of the ``model`` artifact ``run_<run id>_model``, each
with the alias ``epoch_<n>`` (as the tracker's callback does).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import keras

from .runs import current, log_checkpoint, run_folder

__all__ = ["Callback", "MetricsLogger", "ModelCheckpoint", "WandbCallback",
           "WandbMetricsLogger", "WandbModelCheckpoint"]


def _learning_rate(model: Any, step: int) -> float | None:
    """The optimizer's learning rate now (a schedule read at ``step``), or None."""
    optimizer = getattr(model, "optimizer", None)
    rate = getattr(optimizer, "learning_rate", None)
    if rate is None:
        return None
    try:
        if callable(rate) and not hasattr(rate, "shape"):
            rate = rate(step)
        return float(keras.ops.convert_to_numpy(rate))
    except Exception:  # an optimizer whose rate cannot be read as a number
        return None


def _scalars(logs: dict[str, Any] | None, prefix: str) -> dict[str, Any]:
    out = {}
    for key, value in (logs or {}).items():
        try:
            out[prefix + key] = float(value)
        except (TypeError, ValueError):
            continue  # Keras may pass non-numbers (a dataset's name); they are no metric
    return out


class MetricsLogger(keras.callbacks.Callback):
    """Logs the metrics Keras reports and the learning rate: after each epoch as
    ``epoch/<metric>`` with ``epoch/epoch`` (``log_freq="epoch"``), or every ``log_freq``
    batches as ``batch/<metric>`` with ``batch/batch_step`` (``"batch"``: every batch).
    ``initial_global_step`` is where a resumed fit's learning-rate schedule starts. Where the
    run has ``define_metric``, those keys are charted against their own step key."""

    def __init__(self, log_freq: str | int = "epoch", initial_global_step: int = 0,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run = current("MetricsLogger")
        if log_freq == "batch":
            log_freq = 1
        if log_freq != "epoch" and (isinstance(log_freq, bool) or not isinstance(log_freq, int)
                                    or log_freq < 1):
            from ..errors import UsageError

            raise UsageError(f"MetricsLogger: log_freq must be 'epoch', 'batch' or a positive "
                             f"int, got {log_freq!r}")
        self.batch_wise = log_freq != "epoch"
        self.log_freq = log_freq if self.batch_wise else None
        self.global_batch = 0
        self.global_step = initial_global_step
        define = getattr(self.run, "define_metric", None)
        if define is not None:
            axis = "batch/batch_step" if self.batch_wise else "epoch/epoch"
            define(axis)
            define(axis.split("/")[0] + "/*", step_metric=axis)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = _scalars(logs, "epoch/")
        row["epoch/epoch"] = epoch
        rate = _learning_rate(self.model, self.global_step)
        if rate is not None:
            row["epoch/learning_rate"] = rate
        self.run.log(row)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.global_step += 1
        if self.batch_wise and batch % self.log_freq == 0:
            row = _scalars(logs, "batch/")
            row["batch/batch_step"] = self.global_batch
            rate = _learning_rate(self.model, self.global_step)
            if rate is not None:
                row["batch/learning_rate"] = rate
            self.run.log(row)
            self.global_batch += self.log_freq


class ModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' ``ModelCheckpoint`` (same arguments), logging each checkpoint it writes as a
    version of the ``model`` artifact ``run_<run id>_model`` (alias ``epoch_<n>``, and
    ``epoch_<n>_batch_<m>`` when saving by batch)."""

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: float | None = None, **kwargs: Any) -> None:
        super().__init__(filepath=os.fspath(filepath), monitor=monitor, verbose=verbose,
                         save_best_only=save_best_only, save_weights_only=save_weights_only,
                         mode=mode, save_freq=save_freq,
                         initial_value_threshold=initial_value_threshold, **kwargs)
        self.run = current("ModelCheckpoint")
        self.logged: list[Any] = []  # the artifact versions logged, in order

    def _save_model(self, epoch: int, batch: Any, logs: Any) -> None:
        path = self._get_file_path(epoch, batch, logs)
        before = _mark(path)
        super()._save_model(epoch, batch, logs)
        if os.path.exists(path) and _mark(path) != before:  # Keras wrote it now
            alias = f"epoch_{epoch + 1}" + (f"_batch_{batch}" if batch is not None else "")
            self.logged.append(log_checkpoint(self.run, path, f"run_{self.run.id}_model",
                                              [alias]))


def _mark(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


# Arguments of the tracker's WandbCallback that log what nbrun does not (predictions tables,
# gradients through TensorFlow tapes, the graph, FLOPs); given, they are named in a warning.
_NOT_DONE = {"log_gradients": False, "training_data": None, "validation_data": None,
             "generator": None, "log_evaluation": False, "save_graph": True,
             "compute_flops": False, "validation_indexes": None,
             "validation_row_processor": None, "prediction_row_processor": None,
             "input_type": None, "output_type": None, "class_colors": None, "labels": None}


class Callback(keras.callbacks.Callback):
    """The tracker's all-in-one callback: each epoch's metrics (with ``epoch``), every
    ``log_batch_frequency`` batches the batch's metrics, the best ``monitor`` value and its
    epoch in the summary (``best_<monitor>``, ``best_epoch``), the best model saved in the run's
    folder (``model-best.keras``, or ``model-best.weights.h5`` with ``save_weights_only``) and,
    with ``log_weights``, a histogram of each weight per epoch (``parameters/<weight>``)."""

    def __init__(self, monitor: str = "val_loss", verbose: int = 0, mode: str = "auto",
                 save_weights_only: bool = False, log_weights: bool = False,
                 save_model: bool = True, log_batch_frequency: int | None = None,
                 log_best_prefix: str = "best_", **kwargs: Any) -> None:
        super().__init__()
        self.run = current("Callback")
        unknown = sorted(k for k in kwargs if k not in _NOT_DONE and k not in (
            "predictions", "validation_steps", "infer_missing_processors",
            "log_evaluation_frequency"))
        if unknown:
            raise TypeError(f"Callback got unexpected arguments {unknown}")
        given = sorted(k for k, default in _NOT_DONE.items()
                       if k in kwargs and kwargs[k] is not default and kwargs[k] != default)
        if given:
            warnings.warn(f"nbrun's keras Callback does not log what {', '.join(given)} "
                          "ask for (it logs metrics, the best model and weight histograms)",
                          UserWarning, stacklevel=2)
        self.monitor, self.verbose = monitor, verbose
        self.save_weights_only, self.log_weights = save_weights_only, log_weights
        self.save_model, self.log_batch_frequency = save_model, log_batch_frequency
        self.prefix = log_best_prefix
        if mode not in ("auto", "min", "max"):
            from ..errors import UsageError

            raise UsageError(f"Callback: mode must be 'auto', 'min' or 'max', got {mode!r}")
        maximize = mode == "max" or (mode == "auto" and ("acc" in monitor or
                                                         monitor.startswith("fmeasure")))
        self.better = (lambda a, b: a > b) if maximize else (lambda a, b: a < b)
        self.best: float | None = None
        self.current = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.log_batch_frequency and batch % self.log_batch_frequency == 0:
            self.run.log(_scalars(logs, ""))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = _scalars(logs, "")
        row["epoch"] = epoch
        if self.log_weights:
            from ..media import Histogram

            for weight in self.model.weights:
                values = keras.ops.convert_to_numpy(weight).ravel()
                if values.size:
                    row[f"parameters/{weight.path}"] = Histogram(values)
        self.run.log(row)
        value = row.get(self.monitor)
        if value is not None and (self.best is None or self.better(value, self.best)):
            self.best = value
            self.run.summary[self.prefix + self.monitor] = value
            self.run.summary[self.prefix + "epoch"] = epoch
            if self.save_model:
                self._save_best(epoch)

    def _save_best(self, epoch: int) -> None:
        folder = run_folder(self.run)
        if self.save_weights_only:
            self.model.save_weights(os.path.join(folder, "model-best.weights.h5"))
        else:
            self.model.save(os.path.join(folder, "model-best.keras"))
        if self.verbose:
            print(f"Epoch {epoch}: saved the best model (by {self.monitor}) in {folder}")


WandbMetricsLogger = MetricsLogger
WandbModelCheckpoint = ModelCheckpoint
WandbCallback = Callback
