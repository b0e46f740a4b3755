"""Rich data in log(): every media type reads back through Api as what was logged, log() also
takes figures, PIL images, DataFrames and lists of images, and the same content is one file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import wave

import numpy as np
import pytest

import nbrun

from conftest import child_env


def logged(store_dir, values, **init):
    """Log each dict of ``values`` at its own step; the run read back."""
    run = nbrun.init(project="m", dir=store_dir, mode="offline", **init)
    for data in values:
        run.log(data)
    run.finish()
    return nbrun.Api(store_dir).run(run.id)


def pixels(image):
    return np.asarray(image.image)


def test_image_from_array_round_trips_exactly(store_dir):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (12, 20, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (5, 6, 4), dtype=np.uint8)
    grey = rng.integers(0, 256, (7, 9), dtype=np.uint8)
    unit = rng.random((4, 4, 3))  # floats in 0..1
    record = logged(store_dir, [
        {"rgb": nbrun.Image(rgb, caption="first"), "loss": 0.5},
        {"rgba": nbrun.Image(rgba), "grey": nbrun.Image(grey), "unit": nbrun.Image(unit)},
    ])
    rows = record.history()
    assert [r["_step"] for r in rows] == [0, 1]
    img = rows[0]["rgb"]
    assert isinstance(img, nbrun.Image) and rows[0]["loss"] == 0.5
    assert (img.width, img.height, img.caption) == (20, 12, "first")
    assert os.path.isfile(img.path) and img.path.startswith(record.dir)
    assert np.array_equal(pixels(img), rgb)
    assert np.array_equal(pixels(rows[1]["rgba"]), rgba)
    assert np.array_equal(pixels(rows[1]["grey"]), grey)
    assert np.array_equal(pixels(rows[1]["unit"]), np.rint(unit * 255).astype(np.uint8))
    summary = record.summary
    assert isinstance(summary["rgb"], nbrun.Image) and summary["rgb"].path == img.path
    assert summary["loss"] == 0.5


def test_image_masks_and_boxes_are_stored_with_it(store_dir):
    image = np.zeros((10, 16, 3), np.uint8)
    mask = np.zeros((10, 16), np.uint8)
    mask[2:5, 3:9] = 2
    boxes = {"pred": {"box_data": [
        {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.6}, "class_id": 1,
         "box_caption": "car", "scores": {"p": np.float32(0.75)}},
        {"position": {"middle": [8, 5], "width": 4, "height": 2}, "domain": "pixel",
         "class_id": 2}],
        "class_labels": {1: "car", 2: "road"}}}
    record = logged(store_dir, [{"seg": nbrun.Image(
        image, masks={"truth": {"mask_data": mask, "class_labels": {0: "bg", 2: "road"}}},
        boxes=boxes)}])
    img = record.history()[0]["seg"]
    assert img.masks["truth"]["class_labels"] == {0: "bg", 2: "road"}
    from PIL import Image as PILImage
    assert np.array_equal(np.asarray(PILImage.open(img.masks["truth"]["path"])), mask)
    stored = img.boxes["pred"]
    assert stored["class_labels"] == {1: "car", 2: "road"}
    assert stored["box_data"][0]["scores"] == {"p": 0.75}
    assert stored["box_data"][1]["position"] == {"middle": [8, 5], "width": 4, "height": 2}


def test_gallery_figure_pil_plotly_and_dataframe(store_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import plotly.graph_objects as go
    from PIL import Image as PILImage

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [1, 0])
    pil = PILImage.fromarray(np.full((3, 5, 3), 200, np.uint8))
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": [0.5, float("nan")]})
    record = logged(store_dir, [{
        "gallery": [nbrun.Image(np.zeros((2, 2), np.uint8), caption="z"), pil],
        "fig": fig, "pyplot": plt, "pil": pil,
        "plotly": go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "frame": frame}])
    plt.close(fig)
    row = record.history()[0]
    gallery = row["gallery"]
    assert [type(g) for g in gallery] == [nbrun.Image, nbrun.Image]
    assert gallery[0].caption == "z" and np.array_equal(pixels(gallery[1]), np.asarray(pil))
    assert (row["fig"].width, row["fig"].height) == (100, 75)
    assert pixels(row["fig"]).shape == (75, 100, 4) and row["pyplot"].width == 100
    assert np.array_equal(pixels(row["pil"]), np.asarray(pil))
    assert row["plotly"].to_figure().data[0].y == (3, 4)
    back = row["frame"].get_dataframe()
    assert list(back.columns) == ["a", "b", "c"] and back["a"].tolist() == [1, 2]
    assert row["frame"].data[0] == [1, "x", 0.5]
    assert row["frame"].data[1][:2] == [2, None] and np.isnan(row["frame"].data[1][2])


def test_audio_video_html_round_trip(store_dir, tmp_path):
    samples = (np.sin(np.linspace(0, 100, 8000)) * 20000).astype(np.int16)
    stereo = np.random.default_rng(0).uniform(-1, 1, (400, 2))
    frames = np.random.default_rng(1).integers(0, 256, (3, 3, 8, 10), dtype=np.uint8)
    page = tmp_path / "page.html"
    page.write_text("<p>from a file</p>", encoding="utf-8")
    record = logged(store_dir, [{
        "wave": nbrun.Audio(samples, sample_rate=8000, caption="tone"),
        "stereo": nbrun.Audio(stereo, sample_rate=4000),
        "gif": nbrun.Video(frames, fps=5), "mp4": nbrun.Video(frames, format="mp4"),
        "html": nbrun.Html("<h1>hi</h1>"), "page": nbrun.Html(str(page))}])
    row = record.history()[0]
    audio = row["wave"]
    assert (audio.sample_rate, audio.channels, audio.caption) == (8000, 1, "tone")
    assert audio.duration == 1.0 and np.array_equal(audio.to_numpy(), samples)
    with wave.open(audio.path) as wav:
        assert wav.getframerate() == 8000 and wav.getsampwidth() == 2
    back = row["stereo"].to_numpy()
    assert back.shape == (400, 2) and np.abs(back / 32767 - stereo).max() < 1e-4
    gif = row["gif"]
    from PIL import Image as PILImage
    with PILImage.open(gif.path) as clip:
        assert clip.format == "GIF" and clip.n_frames == 3 and clip.size == (10, 8)
    mp4 = row["mp4"]
    assert mp4.format == "mp4" and (mp4.width, mp4.height, mp4.frames) == (10, 8, 3)
    with open(mp4.path, "rb") as fh:
        assert fh.read(12)[4:8] == b"ftyp"
    assert row["html"].html == "<h1>hi</h1>" and row["page"].html == "<p>from a file</p>"


def test_table_with_media_cells_and_histograms_over_steps(store_dir):
    image = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    table = nbrun.Table(columns=["id", "name", "score", "ok", "pic"])
    table.add_data(1, "a", 0.5, True, nbrun.Image(image, caption="cell"))
    table.add_data(np.int64(2), "b", np.float32(0.25), False, None)
    values = np.random.default_rng(0).normal(size=10_000)
    record = logged(store_dir, [
        {"table": table, "hist": nbrun.Histogram(values, num_bins=16)},
        {"hist": nbrun.Histogram(np_histogram=([1, 2, 3], [0.0, 1.0, 2.0, 3.0]))}])
    rows = record.history()
    back = rows[0]["table"]
    assert back.columns == table.columns and len(back.data) == 2
    assert back.data[1] == [2, "b", 0.25, False, None]
    cell = back.data[0][4]
    assert isinstance(cell, nbrun.Image) and cell.caption == "cell"
    assert np.array_equal(pixels(cell), image)
    counts, edges = np.histogram(values, bins=16)
    hist = rows[0]["hist"]
    assert hist.histogram == counts.tolist() and hist.bins == edges.tolist()
    assert rows[1]["hist"].histogram == [1, 2, 3]
    assert record.summary["hist"].bins == [0.0, 1.0, 2.0, 3.0]


def test_plot_charts_are_tables_with_their_fields(store_dir):
    table = nbrun.Table(columns=["x", "y"], data=[[1, 2.0], [2, 4.0]])
    y_true = [0, 1, 1, 0, 1, 0]
    probas = [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2]]
    charts = {
        "line": nbrun.plot.line(table, "x", "y", title="L"),
        "scatter": nbrun.plot.scatter(table, "x", "y"),
        "bar": nbrun.plot.bar(table, "x", "y"),
        "hist": nbrun.plot.histogram(table, "y"),
        "series": nbrun.plot.line_series([1, 2, 3], [[1, 2, 3], [3, 2, 1]], keys=["a", "b"]),
        "cm": nbrun.plot.confusion_matrix(y_true=y_true, preds=[0, 1, 0, 0, 1, 1],
                                          class_names=["neg", "pos"]),
        "roc": nbrun.plot.roc_curve(y_true, probas, labels=["neg", "pos"]),
        "pr": nbrun.plot.pr_curve(y_true, probas)}
    row = logged(store_dir, [charts]).history()[0]
    assert row["line"].chart == "line" and row["line"].title == "L"
    assert row["line"].fields == {"x": "x", "y": "y", "stroke": None}
    assert row["line"].table.data == [[1, 2.0], [2, 4.0]]
    assert row["series"].table.data[:3] == [[1, "a", 1], [2, "a", 2], [3, "a", 3]]
    cm = {(a, p): n for a, p, n in row["cm"].table.data}
    assert cm == {("neg", "neg"): 2.0, ("neg", "pos"): 1.0, ("pos", "neg"): 1.0,
                  ("pos", "pos"): 2.0}
    roc = row["roc"].table.get_dataframe()
    assert set(roc["class"]) == {"neg", "pos"}
    pos = roc[roc["class"] == "pos"]
    assert pos["fpr"].iloc[0] == 0 and pos["tpr"].iloc[-1] == 1.0
    assert pos["fpr"].is_monotonic_increasing
    pr = row["pr"].table.get_dataframe()
    assert len(pr) == 2 * 21 and pr["precision"].between(0, 1).all()


def test_same_image_at_many_steps_is_one_file(store_dir):
    image = np.random.default_rng(5).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    run = nbrun.init(project="m", dir=store_dir, mode="offline")
    for _ in range(1000):
        run.log({"same": nbrun.Image(image)})
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    files = [f for f in record.files() if f.path.startswith("media/")]
    assert len(files) == 1
    rows = record.history()
    assert len(rows) == 1000 and {r["same"].path for r in rows} == {files[0].local_path}


def test_import_stays_light():
    code = ("import sys, nbrun; heavy = [m for m in ('PIL', 'numpy', 'matplotlib', 'plotly', "
            "'pandas', 'torch') if m in sys.modules]; print(heavy); "
            "nbrun.Image; nbrun.plot; print([m for m in ('PIL', 'numpy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "[]"]


@pytest.mark.parametrize("value, words", [
    (lambda: nbrun.Image(np.zeros((2, 3, 5))), ["2x3x5", "HxWxC"]),
    (lambda: nbrun.Image(np.zeros((4, 4), complex)), ["complex", "real numbers"]),
    (lambda: nbrun.Image(np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (20_000, 10_000, 3))),
     ["200.0 megapixels", "89,478,485"]),
    (lambda: nbrun.Table(columns=["a", "b"], data=[[1, 2], [3]]), ["row 1", "2 columns"]),
    (lambda: nbrun.Table(columns=["a"], data=[[object()]]), ["column 'a'", "object",
                                                             "cells hold"]),
    (lambda: nbrun.Audio(np.zeros((2, 44_100)), sample_rate=8000), ["channels", ".T"]),
    (lambda: nbrun.Audio(np.zeros(10)), ["sample_rate"]),
    (lambda: nbrun.Video(np.zeros((3, 8, 8))), ["3x8x8", "frames"]),
    (lambda: nbrun.Histogram(np.array([1j, 2j])), ["complex"]),
    (lambda: nbrun.Histogram(np.zeros(3), num_bins=10_000), ["num_bins", "512"]),
    (lambda: nbrun.plot.line(nbrun.Table(columns=["x"]), "x", "nope"), ["nope", "columns"]),
])
def test_bad_media_values_are_refused_clearly(value, words):
    with pytest.raises(nbrun.UsageError) as info:
        value()
    message = str(info.value)
    assert all(w in message for w in words), message


def test_log_names_the_key_of_a_bad_value_and_stores_nothing_of_it(store_dir):
    run = nbrun.init(project="m", dir=store_dir, mode="offline")
    run.log({"loss": 1.0, "img": nbrun.Image(np.zeros((2, 2), np.uint8))})
    with pytest.raises(nbrun.UsageError) as info:
        run.log({"loss": 2.0, "gallery": [nbrun.Image(np.zeros((2, 2), np.uint8)), "text"]})
    assert "'gallery'" in str(info.value) and "item 1" in str(info.value)
    with pytest.raises(nbrun.UsageError) as info:
        run.log({"mixed": [1, 2, 3]})
    assert "'mixed'" in str(info.value) and "nbrun.Image" in str(info.value)
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    rows = record.history()
    assert len(rows) == 1 and rows[0]["loss"] == 1.0 and isinstance(rows[0]["img"], nbrun.Image)
    assert record.unstored == {}


def test_an_image_that_cannot_be_encoded_is_set_aside(store_dir, tmp_path):
    # A file whose header Pillow reads but whose data is cut: log() reads only the header, so
    # the value reaches the encoder, which must set it aside.
    buf = io.BytesIO()
    from PIL import Image as PILImage
    PILImage.fromarray(np.zeros((64, 64, 3), np.uint8)).save(buf, format="PNG")
    cut = tmp_path / "cut.png"
    cut.write_bytes(buf.getvalue()[:60])
    image = nbrun.Image(str(cut))
    run = nbrun.init(project="m", dir=store_dir, mode="offline")
    run.log({"ok": nbrun.Image(np.zeros((2, 2), np.uint8)), "x": 1})
    run.log({"bad": image, "x": 2})
    with pytest.warns(UserWarning, match="set aside"):
        run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    assert [r["x"] for r in record.history()] == [1, 2]
    assert "bad" not in record.keys() and "ok" in record.keys()
    assert record.unstored["count"] == 1 and record.unstored["items"][0]["key"] == "bad"


def test_values_read_back_can_be_logged_again(store_dir):
    image = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    table = nbrun.Table(columns=["pic", "n"], data=[[nbrun.Image(image), 1]])
    first = logged(store_dir, [{"img": nbrun.Image(image, caption="c"), "table": table,
                                "tone": nbrun.Audio(np.zeros(80, np.int16), sample_rate=80),
                                "clip": nbrun.Video(np.zeros((2, 3, 4, 4), np.uint8))}])
    back = first.history()[0]
    second = logged(store_dir, [{k: v for k, v in back.items() if k != "_step"}])
    again = second.history()[0]
    assert again["img"].caption == "c" and np.array_equal(pixels(again["img"]), image)
    assert again["img"].path.startswith(second.dir)
    assert np.array_equal(pixels(again["table"].data[0][0]), image)
    assert again["tone"].to_numpy().tolist() == [0] * 80
    assert os.path.getsize(again["clip"].path) == os.path.getsize(back["clip"].path)
