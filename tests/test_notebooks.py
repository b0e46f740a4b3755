"""Every notebook in notebooks/ runs top to bottom in a real kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import nbrun

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds the runnable examples"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NBRUN_DIR", str(tmp_path))  # keep example runs out of the checkout
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    runs = nbrun.Api(tmp_path).runs()
    assert runs and all(r.state == "finished" for r in runs)
    assert all(len(r.history()) > 0 for r in runs)
    if path.name == "integrations.ipynb":
        check_integrations(nb, runs)
    if path.name == "media.ipynb":
        check_media(runs)
    if path.name == "frameworks.ipynb":
        check_frameworks(runs)
    if path.name == "artifacts.ipynb":
        check_artifacts(nbrun.Api(tmp_path))


def check_integrations(nb, runs) -> None:
    """The TensorBoard scalars are in the run and the card holds the latest episode's video."""
    (record,) = runs
    assert {"train/loss", "train/w", "episode_return"} <= set(record.keys())
    assert len(record.history(["train/loss"])) == 100
    assert [f.episode for f in record.files() if f.kind == "video"] == [0, 1, 2]
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    cards = [m for m in state.values() if "video_label" in m["state"]]
    assert len(cards) == 1 and cards[0]["state"]["video_label"].startswith("episode 2")
    (buffer,) = [b for b in cards[0].get("buffers", []) if b["path"] == ["video"]]
    assert len(buffer["data"]) > 1000  # base64 of the MP4


def check_artifacts(api) -> None:
    """One dataset version (logged twice, by prepare first) used by both training runs; two
    model versions, each logged by its run, the lower loss one holding ``best``."""
    names = {r.id: r.name for r in api.runs()}
    data = api.artifact("artifacts-demo/toy-regression:latest")
    assert data.version == "v0" and names[data.logged_by().id] == "prepare"
    assert sorted(r.name for r in data.used_by()) == ["train-lr0.05", "train-lr0.5"]
    models = {m.version: m for m in api.artifacts("artifacts-demo", type="model")}
    assert sorted(models) == ["v0", "v1"]
    best = api.artifact("artifacts-demo/line-model:best")
    assert best.metadata["loss"] == min(m.metadata["loss"] for m in models.values())
    for model in models.values():
        (used,) = api.run(model.logged_by().id).used_artifacts()
        assert (used.name, used.asked_as) == ("toy-regression:v0", "latest")


def check_media(runs) -> None:
    """Every media type the notebook logs reads back as its object."""
    (record,) = runs
    summary = record.summary
    expected = {"scene": nbrun.Image, "tone": nbrun.Audio, "clip": nbrun.Video,
                "report": nbrun.Html, "samples": nbrun.Table, "results": nbrun.Table,
                "weights": nbrun.Histogram, "matplotlib": nbrun.Image, "plotly": nbrun.Plotly}
    for key, kind in expected.items():
        assert isinstance(summary[key], kind), (key, summary[key])
    assert [type(i) for i in summary["gallery"]] == [nbrun.Image] * 4
    charts = ("line", "scatter", "bar", "histogram", "series", "confusion", "roc", "pr")
    assert all(isinstance(summary[k], nbrun.plot.Chart) for k in charts)
    assert summary["scene"].masks["truth"]["class_labels"][1] == "disc"
    assert len(record.history(["weights"])) == 10


def check_frameworks(runs) -> None:
    """The forest's charts, the network's epochs, best accuracy, alert and checkpoints, and
    system samples."""
    forest, mlp = runs
    charts = {k for k, v in forest.summary.items() if isinstance(v, nbrun.plot.Chart)}
    assert {"confusion_matrix", "roc", "precision_recall", "feature_importances",
            "calibration_curve", "summary_metrics", "class_proportions",
            "learning_curve"} == charts
    history = mlp.history()
    assert [r["epoch/epoch"] for r in history] == list(range(8))
    best = max(r["epoch/val_accuracy"] for r in history)
    assert mlp.summary["epoch/val_accuracy"]["max"] == best
    (alert,) = mlp.alerts()
    assert alert["title"] == "mlp trained" and f"{best:.3f}" in alert["text"]
    assert {a.type for a in mlp.logged_artifacts()} == {"model"}
    # The forest's run lasts seconds (its learning curve fits 25 forests): sampled every second.
    samples = forest.history(stream="system")
    assert samples and "system/cpu_utilization_percentage" in samples[0]
