"""The Keras callbacks on a real (tiny) Keras 3 model on the PyTorch backend: metrics per epoch
and per batch, the learning rate, checkpoints kept in the run's folder, the tracker's legacy
callback with the best value in the summary and weight histograms."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch", reason="Keras runs on the PyTorch backend here (test extra)")
keras = pytest.importorskip("keras", reason="keras is in the test extra")

import nbrun  # noqa: E402
from nbrun.errors import UsageError  # noqa: E402


def fit(callbacks, epochs=3):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=callbacks)
    return model, history


def test_metrics_logger_and_model_checkpoint(store_dir, api, tmp_path):
    from nbrun.integration.keras import WandbMetricsLogger, WandbModelCheckpoint

    run = nbrun.init(dir=str(store_dir), mode="offline", project="k")
    checkpoint = WandbModelCheckpoint(tmp_path / "ck" / "ckpt-{epoch}.keras")
    _, history = fit([WandbMetricsLogger(), checkpoint])
    run.finish()
    record = api().run(run.id)
    rows = record.history()
    assert [r["epoch/epoch"] for r in rows] == [0, 1, 2]
    assert [r["epoch/val_loss"] for r in rows] == pytest.approx(history.history["val_loss"])
    assert [r["epoch/accuracy"] for r in rows] == pytest.approx(history.history["accuracy"])
    assert all(r["epoch/learning_rate"] == pytest.approx(0.05) for r in rows)
    assert record.metrics["epoch/*"]["step_metric"] == "epoch/epoch"  # charted by epoch
    assert sorted(os.listdir(tmp_path / "ck")) == ["ckpt-1.keras", "ckpt-2.keras", "ckpt-3.keras"]
    logged = record.logged_artifacts()  # one version per epoch (the weights change)
    assert sorted(a.name for a in logged) == [f"run_{run.id}_model:v{i}" for i in range(3)]
    assert {a.type for a in logged} == {"model"}
    last = nbrun.Api(str(store_dir)).artifact(f"run_{run.id}_model:epoch_3")
    assert "latest" in last.aliases
    assert keras.saving.load_model(last.file(str(tmp_path / "dl")))


def test_batch_logging(store_dir, api):
    from nbrun.integration.keras import MetricsLogger

    run = nbrun.init(dir=str(store_dir), mode="offline", project="k")
    fit([MetricsLogger(log_freq=2)], epochs=1)  # 3 batches of 16: batches 0 and 2
    run.finish()
    rows = api().run(run.id).history()
    # Batches 0 and 2 of 3, then the epoch's row (logged in either mode, as the tracker does).
    assert [r.get("batch/batch_step") for r in rows] == [0, 2, None]
    assert "batch/loss" in rows[0] and rows[2]["epoch/epoch"] == 0
    nbrun.init(dir=str(store_dir), mode="offline", project="k")
    with pytest.raises(UsageError, match="log_freq must be 'epoch', 'batch' or a positive int"):
        MetricsLogger(log_freq=0)


def test_legacy_callback_best_model_and_weights(store_dir, api):
    from nbrun.integration.keras import WandbCallback

    run = nbrun.init(dir=str(store_dir), mode="offline", project="k")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callback = WandbCallback(monitor="val_loss", log_weights=True, log_gradients=True)
    assert any("log_gradients" in str(w.message) for w in caught)
    _, history = fit([callback])
    run.finish()
    record = api().run(run.id)
    best = min(history.history["val_loss"])
    assert record.summary["best_val_loss"] == pytest.approx(best)
    assert record.summary["best_epoch"] == history.history["val_loss"].index(best)
    assert os.path.isfile(os.path.join(record.dir, "model-best.keras"))
    rows = record.history()
    assert [r["epoch"] for r in rows] == [0, 1, 2]
    # One histogram per weight, named by its Keras path (layer names count up per process).
    weights = sorted(k for k in rows[0] if k.startswith("parameters/"))
    assert len(weights) == 4 and weights[0].endswith("/bias")
    sizes = sorted(sum(rows[0][k].histogram) for k in weights)
    assert sizes == [1, 8, 8, 32]


def test_a_callback_needs_a_run():
    from nbrun.integration.keras import MetricsLogger

    with pytest.raises(UsageError, match="MetricsLogger: there is no active run"):
        MetricsLogger()
