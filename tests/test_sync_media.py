"""Rich data on a real MLflow server (issue 20, point 4): images at their steps in the layout
MLflow's own ``log_image(key=, step=)`` writes, tables in ``log_table``'s form and listed where
the UI lists them, everything else as artifacts; read back through MLflow's REST API and client
the way its UI reads them (tests/mlflow_media.py), side by side with what MLflow's client
writes."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from PIL import Image as PILImage

from conftest import run_python
from mlflow_media import (artifact_paths, download, image_size, logged_tables, parse_image_name,
                          pixels, ui_images)
import sync_support
from sync_support import status, wait_synced

import nbrun
from nbrun.store import Store, mediaindex, syncstate
from nbrun.sync import medialayout

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def _local(root, run_id: str) -> dict[tuple[str, int, int], dict]:
    store = Store(str(root))
    rows = mediaindex.listing(store, syncstate.rid_of(store, run_id))
    return {(r["key"], r["step"], r["item"]): r for r in rows}


def _run_dir(root, run_id: str) -> str:
    return Store(str(root)).run_dir(run_id)


def test_images_tables_and_other_media_as_mlflows_own_client_writes_them(online, store_dir,
                                                                         tmp_path):
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 255, (300, 400, 3), dtype=np.uint8) for _ in range(3)]
    jpeg = tmp_path / "photo.jpg"
    PILImage.fromarray(np.full((40, 50, 3), 120, np.uint8)).save(jpeg, format="JPEG")
    small = np.zeros((8, 8, 3), np.uint8)
    mask = np.zeros((8, 8), np.uint8)
    mask[2:5, 2:5] = 1
    run = nbrun.init(dir=store_dir, project="media-sync", id="ms1")
    run.log({"img": nbrun.Image(frames[0]), "gal": [nbrun.Image(small), nbrun.Image(small + 9)],
             "photo": nbrun.Image(str(jpeg)), "val/ü img@2": nbrun.Image(small + 3),
             "seg": nbrun.Image(small, caption="cat", masks={"pred": {
                 "mask_data": mask, "class_labels": {1: "cat"}}}),
             "preds": nbrun.Table(columns=["x", "y", "im"],
                                  data=[[1, float("nan"), nbrun.Image(small + 1)],
                                        [2, 3.5, nbrun.Image(small + 2)]]),
             "hist": nbrun.Histogram([1, 2, 2, 3]),
             "snd": nbrun.Audio(np.zeros(800, np.float32), sample_rate=8000),
             "page": nbrun.Html("<b>hi</b>"), "loss": 1.0}, step=0)
    import pandas as pd
    run.log({"img": nbrun.Image(frames[1]),
             "df": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "loss": 0.5}, step=1)
    run.log({"img": nbrun.Image(frames[2]), "loss": 0.25}, step=2)
    run.finish()
    rid = wait_synced(store_dir, "ms1")["server_run_id"]
    local = _local(store_dir, "ms1")
    url = online.url

    # Images: every key with its steps, as the UI parses them, each with its compressed copy.
    mapped = medialayout.safe_key("val/ü img@2")
    images = ui_images(url, rid)
    assert {k: [e["step"] for e in v] for k, v in images.items()} == {
        "img": [0, 1, 2], "gal/0": [0], "gal/1": [0], "photo": [0], mapped: [0], "seg": [0]}
    for step, entry in enumerate(images["img"]):
        assert entry["timestamp"] == local[("img", step, 0)]["time"] * 1000
        assert np.array_equal(pixels(download(url, rid, entry["filepath"])), frames[step])
        size, kind = image_size(download(url, rid, entry["compressed_filepath"]))
        assert kind == "WEBP" and size == (256, 192)  # fits MLflow's 256-pixel square
    photo = images["photo"][0]
    assert image_size(download(url, rid, photo["filepath"]))[1] == "PNG"  # the UI takes PNG
    with PILImage.open(jpeg) as original:
        assert np.array_equal(pixels(download(url, rid, photo["filepath"])),
                              np.asarray(original.convert("RGB")))
    assert np.array_equal(pixels(download(url, rid, images["gal/1"][0]["filepath"])), small + 9)
    overlay = json.loads(download(url, rid, "media/seg/step-0.image.json"))
    assert overlay["caption"] == "cat"
    assert overlay["masks"]["pred"]["path"] == "media/seg/step-0.mask-pred.png"
    assert pixels(download(url, rid, "media/seg/step-0.mask-pred.png"))[3, 3, 0] == 1

    # The same layout as MLflow's client writes: its image parses the same way.
    ref = MlflowClient(url).create_run(MlflowClient(url).get_run(rid).info.experiment_id)
    MlflowClient(url).log_image(ref.info.run_id, small, key="ref/x", step=3)
    theirs = ui_images(url, ref.info.run_id)
    assert [(e["step"], sorted(e)) for e in theirs["ref/x"]] == \
        [(3, ["compressed_filepath", "filepath", "step", "timestamp"])]
    assert sorted(images["img"][0]) == sorted(theirs["ref/x"][0])
    assert MlflowClient(url).get_run(rid).data.tags["mlflow.loggedImages"] == \
        MlflowClient(url).get_run(ref.info.run_id).data.tags["mlflow.loggedImages"]

    # Tables: listed where the UI lists them, read back by MLflow's own load_table.
    assert sorted(logged_tables(url, rid)) == ["tables/df/step-1.json",
                                               "tables/preds/step-0.json"]
    client = MlflowClient(url)
    eid = client.get_run(rid).info.experiment_id
    preds = client.load_table(eid, "tables/preds/step-0.json", run_ids=[rid])
    assert list(preds.columns) == ["x", "y", "im"] and list(preds["x"]) == [1, 2]
    assert math.isnan(preds["y"][0]) and preds["y"][1] == 3.5
    cell = preds["im"][1]
    assert cell["type"] == "image" and cell["filepath"].startswith("table_images/tables/preds/")
    assert np.array_equal(pixels(download(url, rid, cell["filepath"])), small + 2)
    assert image_size(download(url, rid, cell["compressed_filepath"]))[1] == "WEBP"
    df = client.load_table(eid, "tables/df/step-1.json", run_ids=[rid])
    assert df.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}

    # Everything else: artifacts under media/<key>/, byte for byte.
    folder = _run_dir(store_dir, "ms1")
    for key, ext in (("snd", "wav"), ("page", "html")):
        with open(f"{folder}/{local[(key, 0, 0)]['file']}", "rb") as fh:
            assert download(url, rid, f"media/{key}/step-0.{ext}") == fh.read()
    hist = json.loads(download(url, rid, "media/hist/step-0.histogram.json"))
    assert hist["values"] == local[("hist", 0, 0)]["meta"]["values"]
    # The run folder's own media files do not go up a second time as plain files.
    paths = artifact_paths(url, rid)
    assert not [p for p in paths if p.startswith(("media/images/", "media/tables/",
                                                  "media/audio/", "media/masks/"))]
    assert "nbrun/config.json" in paths
    assert status(store_dir, "ms1")["media_behind"] == 0


def test_an_offline_run_with_media_then_nbrun_sync_sends_each_once(online, store_dir):
    run = nbrun.init(dir=store_dir, project="media-sync", mode="offline", id="off-m")
    for step in range(5):
        run.log({"img": nbrun.Image(np.full((16, 16, 3), step * 40, np.uint8)),
                 "tab": nbrun.Table(columns=["s"], data=[[step]])}, step=step)
    run.finish()
    assert status(store_dir, "off-m")["label"] == "offline"
    sync = f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "off-m"]))
        """
    out = run_python(sync, env={"NBRUN_BASE_URL": online.url}, timeout=300).stdout
    assert "off-m: sending 10 points and 10 media values" in out and "off-m: synced" in out
    rid = status(store_dir, "off-m")["server_run_id"]
    images = ui_images(online.url, rid)
    assert [e["step"] for e in images["img"]] == [0, 1, 2, 3, 4]
    assert logged_tables(online.url, rid) == [f"tables/tab/step-{s}.json" for s in range(5)]
    files = online.folder / "artifacts"
    before = {p: p.stat().st_mtime_ns for p in files.rglob("*") if rid in str(p)}
    again = run_python(sync, env={"NBRUN_BASE_URL": online.url}, timeout=300).stdout
    assert "off-m: synced" in again
    after = {p: p.stat().st_mtime_ns for p in files.rglob("*") if rid in str(p)}
    assert after == before  # nothing sent again


def test_tables_logged_by_others_stay_listed(online, store_dir):
    run = nbrun.init(dir=store_dir, project="media-sync", id="merge1")
    run.log({"t": nbrun.Table(columns=["a"], data=[[1]])})  # step 0, committed at once
    rid = wait_synced(store_dir, "merge1")["server_run_id"]
    deadline = time.monotonic() + 60
    while logged_tables(online.url, rid) != ["tables/t/step-0.json"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    import pandas as pd
    MlflowClient(online.url).log_table(rid, pd.DataFrame({"q": [1]}), "theirs.json")
    run.log({"t": nbrun.Table(columns=["a"], data=[[2]])})
    run.finish()
    wait_synced(store_dir, "merge1")
    assert logged_tables(online.url, rid) == ["tables/t/step-0.json", "theirs.json",
                                              "tables/t/step-1.json"]


def test_a_rewound_run_sends_its_kept_media_to_its_new_server_run(online, store_dir):
    run = nbrun.init(dir=store_dir, project="media-sync", id="rw1")
    for step in range(4):
        run.log({"img": nbrun.Image(np.full((8, 8, 3), step, np.uint8))}, step=step)
    run.finish()
    first = wait_synced(store_dir, "rw1")["server_run_id"]
    run = nbrun.init(dir=store_dir, project="media-sync", resume_from="rw1?_step=1")
    for step in (2, 3):
        run.log({"img": nbrun.Image(np.full((8, 8, 3), 100 + step, np.uint8))}, step=step)
    run.finish()
    second = wait_synced(store_dir, "rw1")["server_run_id"]
    assert second != first
    kept = ui_images(online.url, second)["img"]
    assert [e["step"] for e in kept] == [0, 1, 2, 3]
    values = [int(pixels(download(online.url, second, e["filepath"]))[0, 0, 0]) for e in kept]
    assert values == [0, 1, 102, 103]  # the set-aside steps never reach the new run
    assert [e["step"] for e in ui_images(online.url, first)["img"]] == [0, 1, 2, 3]


def test_the_tables_tag_stays_readable_past_the_servers_length_limit():
    ours = [f"tables/preds/step-{s}.json" for s in range(400)] + ["tables/other/step-0.json"]
    theirs = json.dumps([{"path": "eval.json", "type": "table"}])
    value = medialayout.merged_tables_tag(theirs, ours)
    listed = [e["path"] for e in json.loads(value)]  # JSON the UI can parse, whole
    assert len(value) <= medialayout.MAX_TAG_VALUE
    assert listed[0] == "eval.json" and "tables/other/step-0.json" in listed
    kept = [int(p.split("-")[-1].split(".")[0]) for p in listed if "/preds/" in p]
    assert kept == list(range(400 - len(kept), 400)) and len(kept) > 50  # the newest steps


@pytest.mark.parametrize("key", ["a/b c.d", "val/ü img@2", "..", "x/../y", "%+~#", " "])
def test_image_names_the_ui_parses_for_any_key(key):
    full, small = medialayout.image_names(key, 7, 1700000000123, "u-1")
    for path, compressed in ((full, False), (small, True)):
        found = parse_image_name(path)
        assert (found["step"], found["timestamp"], found["compressed"]) == \
            (7, 1700000000123, compressed)
        assert found["key"] == medialayout.safe_key(key)
    assert medialayout.safe_key(key) == key if key == "a/b c.d" else \
        medialayout.safe_key(key) != key
