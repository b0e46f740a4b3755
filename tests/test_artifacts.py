"""Artifacts on a real store: versions by content, files stored once, aliases, download and
verify, lineage between runs (and through forks and resumes), references, drafts, models, and
the objects freed when runs are deleted."""

from __future__ import annotations

import os
import random
import time

import pytest

import nbrun
from nbrun.store import Store, actions, objects


def make_tree(root, files: dict[str, bytes]) -> str:
    for rel, data in files.items():
        full = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(data)
    return str(root)


def stored_objects(store_dir) -> set[str]:
    root = os.path.join(store_dir, ".nbrun", "objects")
    out = set()
    for prefix in os.listdir(root) if os.path.isdir(root) else ():
        if len(prefix) == 2:
            out.update(prefix + name for name in os.listdir(os.path.join(root, prefix)))
    return out


def start(store_dir, **kwargs):
    return nbrun.init(dir=str(store_dir), project="p", mode="offline", **kwargs)


def test_same_content_is_the_same_version_and_new_content_the_next(store_dir, tmp_path, api):
    data = make_tree(tmp_path / "data", {"a.csv": b"1,2\n", "sub/b.csv": b"3,4\n"})
    run = start(store_dir)
    first = nbrun.Artifact("ds", "dataset", metadata={"rows": 2})
    first.add_dir(data)
    first = run.log_artifact(first, aliases=["best"])
    assert (first.name, first.version, sorted(first.aliases)) == ("ds:v0", "v0",
                                                                   ["best", "latest"])
    objects_before = stored_objects(store_dir)
    assert len(objects_before) == 2

    # The same files added in another order, under another metadata: the same version.
    again = nbrun.Artifact("ds", "dataset", metadata={"rows": "other"})
    again.add_file(os.path.join(data, "sub", "b.csv"), name="sub/b.csv")
    again.add_file(os.path.join(data, "a.csv"))
    assert run.log_artifact(again).version == "v0"
    assert again.digest == first.digest and again.metadata == {"rows": 2}
    assert stored_objects(store_dir) == objects_before

    make_tree(tmp_path / "data", {"a.csv": b"1,2\n5,6\n"})
    changed = run.log_artifact(str(tmp_path / "data"), name="ds", type="dataset")
    assert changed.version == "v1" and changed.digest != first.digest
    assert len(stored_objects(store_dir)) == 3  # only the changed file is new
    assert nbrun.Api(store_dir).artifact("p/ds:latest").version == "v1"
    assert nbrun.Api(store_dir).artifact("p/ds:best").version == "v0"

    # A custom alias moves between versions of one name.
    third = nbrun.Artifact("ds", "dataset")
    third.add_dir(data)
    third.add_file(os.path.join(data, "a.csv"), name="extra.csv")
    assert run.log_artifact(third, aliases=["best"]).version == "v2"
    read = nbrun.Api(store_dir)
    assert read.artifact("ds:best").version == "v2"
    assert read.artifact("ds:v0").aliases == []
    assert [a.version for a in read.artifacts("p", name="ds")] == ["v0", "v1", "v2"]
    run.finish()


def test_logging_known_content_again_moves_latest_to_it(store_dir, tmp_path):
    run = start(store_dir)
    for text in (b"one", b"two", b"one"):
        (tmp_path / "f.txt").write_bytes(text)
        logged = run.log_artifact(str(tmp_path / "f.txt"), name="f", type="text")
    assert logged.version == "v0"
    read = nbrun.Api(store_dir)
    assert [a.version for a in read.artifacts(name="f")] == ["v0", "v1"]
    assert read.artifact("f:latest").version == "v0"
    run.finish()


def test_a_file_rewritten_in_place_with_its_size_and_times_kept_is_a_new_version(store_dir,
                                                                                   tmp_path):
    """Logging again compares content, not file times: a file rewritten with the same size
    whose modification time is then put back (as ``cp -p``, ``rsync -t`` or ``touch -r`` do)
    is still seen as changed, both below and above the size where big files are copied by the
    kernel, and when the change is where a quick comparison of samples does not look."""
    run = start(store_dir)
    for size in (1000, 6 * 1024 * 1024):
        path = tmp_path / f"f-{size}.bin"
        path.write_bytes(b"a" * size)
        first = run.log_artifact(str(path), name=f"f{size}", type="dataset")
        kept = os.stat(path)
        at = min(100_000, size - 1)  # in the big file, between the bytes differs() samples
        with open(path, "r+b") as fh:
            fh.seek(at)
            fh.write(b"b")
        os.utime(path, ns=(kept.st_atime_ns, kept.st_mtime_ns))
        assert os.stat(path).st_size == kept.st_size
        second = run.log_artifact(str(path), name=f"f{size}", type="dataset")
        assert (first.version, second.version) == ("v0", "v1")
        root = second.download(tmp_path / f"out-{size}")
        with open(os.path.join(root, path.name), "rb") as fh:
            assert fh.read() == b"a" * at + b"b" + b"a" * (size - at - 1)
    run.finish()


def test_a_file_is_stored_once_whatever_the_versions_and_names_holding_it(store_dir, tmp_path):
    shared = {f"part-{i:03}.bin": os.urandom(1000) for i in range(100)}
    data = make_tree(tmp_path / "d", shared)
    run = start(store_dir)
    run.log_artifact(data, name="one", type="dataset")
    run.log_artifact(data, name="two", type="dataset")
    make_tree(tmp_path / "d", {"part-000.bin": b"changed"})
    run.log_artifact(data, name="one", type="dataset")
    assert len(stored_objects(store_dir)) == 101
    run.finish()


def test_download_is_byte_identical_and_verify_finds_changes(store_dir, tmp_path):
    rng = random.Random(7)
    files = {"big.bin": rng.randbytes(5 * 1024 * 1024 + 13), "a/b/c.txt": b"nested\n",
             "empty": b"", "x y.txt": rng.randbytes(4096)}
    data = make_tree(tmp_path / "src", files)
    run = start(store_dir)
    logged = run.log_artifact(data, name="blob", type="dataset")
    run.finish()
    stored = nbrun.Api(store_dir).artifact("blob:v0")
    root = stored.download(tmp_path / "out")
    for rel, content in files.items():
        with open(os.path.join(root, *rel.split("/")), "rb") as fh:
            assert fh.read() == content
    stored.verify(root)
    stored.verify()
    assert logged.digest == stored.digest
    # The default folder is ./artifacts/<name:vN> in the working folder.
    assert stored.download() == os.path.abspath(os.path.join("artifacts", "blob:v0"))
    with open(os.path.join(root, "a", "b", "c.txt"), "ab") as fh:
        fh.write(b"x")
    with pytest.raises(nbrun.Error, match="a/b/c.txt"):
        stored.verify(root)
    (tmp_path / "out" / "stray.txt").write_text("?")
    with pytest.raises(nbrun.Error, match="stray.txt: not a file of the artifact"):
        stored.verify(root)
    # A second download repairs the changed file and leaves an identical one alone.
    stored.download(root)
    with open(os.path.join(root, "a", "b", "c.txt"), "rb") as fh:
        assert fh.read() == b"nested\n"


def test_a_downloaded_file_is_a_copy_never_the_stored_object(store_dir, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"weights")
    run = start(store_dir)
    run.log_artifact(str(tmp_path / "m.bin"), name="m", type="model")
    run.finish()
    path = os.path.join(nbrun.Api(store_dir).artifact("m:latest").download(tmp_path / "o"),
                        "m.bin")
    with open(path, "wb") as fh:
        fh.write(b"overwritten by the user")
    nbrun.Api(store_dir).artifact("m:latest").verify()


def test_use_artifact_offline_records_lineage(store_dir, tmp_path):
    data = make_tree(tmp_path / "d", {"train.csv": b"x\n1\n"})
    producer = start(store_dir, name="prepare")
    producer.log_artifact(data, name="ds", type="dataset", aliases=["best"])
    producer.log({"rows": 1})
    producer.finish()
    consumers = []
    for asked in ("ds:best", "ds", "p/ds:v0"):
        run = start(store_dir)
        used = run.use_artifact(asked, type="dataset")
        assert used.version == "v0"
        with open(os.path.join(used.download(), "train.csv"), "rb") as fh:
            assert fh.read() == b"x\n1\n"
        run.finish()
        consumers.append(run.id)
    read = nbrun.Api(store_dir)
    version = read.artifact("p/ds:v0")
    assert version.logged_by().id == producer.id
    assert [r.id for r in version.used_by()] == consumers
    assert [a.asked_as for a in read.run(consumers[0]).used_artifacts()] == ["best"]
    assert [a.asked_as for a in read.run(consumers[1]).used_artifacts()] == ["latest"]
    assert [a.name for a in read.run(producer.id).logged_artifacts()] == ["ds:v0"]


def test_module_level_log_and_use_artifact(store_dir, tmp_path):
    (tmp_path / "f.txt").write_text("hi")
    start(store_dir)
    logged = nbrun.log_artifact(str(tmp_path / "f.txt"), name="f", type="text")
    assert nbrun.use_artifact("f:v0").digest == logged.digest
    nbrun.finish()
    with pytest.raises(nbrun.UsageError, match="no active run"):
        nbrun.use_artifact("f:v0")


def test_a_fork_inherits_the_inputs_its_source_used_up_to_the_fork_step(store_dir, tmp_path):
    make_tree(tmp_path, {"a.txt": b"a", "b.txt": b"b"})
    run = start(store_dir, id="source")
    run.log_artifact(str(tmp_path / "a.txt"), name="early", type="dataset")
    run.log_artifact(str(tmp_path / "b.txt"), name="late", type="dataset")
    run.finish()
    run = start(store_dir, id="source", resume="must")
    run.use_artifact("early:latest")
    for i in range(5):
        run.log({"loss": i})
    run.use_artifact("late:v0")  # at step 5
    run.finish()
    fork = start(store_dir, id="fork", fork_from="source?_step=3")
    fork.log({"loss": 0.5})
    fork.finish()
    read = nbrun.Api(store_dir)
    inputs = read.run("fork").used_artifacts()
    assert [a.name for a in inputs] == ["early:v0"]
    assert [r.id for r in read.artifact("early:v0").used_by()] == ["source", "fork"]
    # The resumed run keeps its outputs and inputs from before the resume.
    assert [a.name for a in read.run("source").logged_artifacts()] == ["early:v0", "late:v0"]
    assert [a.name for a in read.run("source").used_artifacts()] == ["early:v0", "late:v0"]


def test_deleting_runs_frees_the_objects_nothing_references(store_dir, tmp_path):
    make_tree(tmp_path / "d", {"x.bin": b"x" * 100, "y.bin": b"y" * 100})
    first = start(store_dir)
    first.log_artifact(str(tmp_path / "d"), name="ds", type="dataset")
    first.finish()
    make_tree(tmp_path / "d", {"x.bin": b"z" * 100})
    second = start(store_dir)
    second.log_artifact(str(tmp_path / "d"), name="ds", type="dataset")
    second.finish()
    reader = start(store_dir)
    reader.use_artifact("ds:v1")
    reader.finish()
    y = objects.hash_file(str(tmp_path / "d" / "y.bin"), "t")[0]
    assert len(stored_objects(store_dir)) == 3
    store = Store(str(store_dir))
    assert actions.delete_run(store, first.id) == actions.OK
    read = nbrun.Api(store_dir)
    assert [a.version for a in read.artifacts(name="ds")] == ["v1"]
    assert read.artifact("ds:latest").version == "v1"
    assert len(stored_objects(store_dir)) == 2  # the old x.bin went; y.bin is v1's too
    assert y in stored_objects(store_dir)
    # A version another run used outlives the run that logged it.
    assert actions.delete_run(store, second.id) == actions.OK
    kept = nbrun.Api(store_dir).artifact("ds:v1")
    assert kept.logged_by() is None and [r.id for r in kept.used_by()] == [reader.id]
    kept.verify()
    assert actions.delete_run(store, reader.id) == actions.OK
    assert nbrun.Api(store_dir).artifacts() == [] and stored_objects(store_dir) == set()


def test_references_file_ones_checksummed_remote_ones_recorded(store_dir, tmp_path):
    (tmp_path / "ref.txt").write_bytes(b"v1")
    run = start(store_dir)
    art = nbrun.Artifact("refs", "dataset")
    art.add_reference((tmp_path / "ref.txt").as_uri())
    art.add_reference("s3://bucket/train/part-0.parquet")
    art.add_reference("https://example.com/data.csv", name="web.csv")
    first = run.log_artifact(art)
    assert stored_objects(store_dir) == set()  # references are never copied
    files = {f.path: f for f in first.files()}
    assert set(files) == {"ref.txt", "part-0.parquet", "web.csv"}
    assert files["ref.txt"].digest == objects.hash_file(str(tmp_path / "ref.txt"), "t")[0]
    assert files["part-0.parquet"].ref == "s3://bucket/train/part-0.parquet"
    assert files["part-0.parquet"].size is None
    # Same references, same content: same version; the file changed: the next one.
    again = nbrun.Artifact("refs", "dataset")
    again.add_reference((tmp_path / "ref.txt").as_uri())
    again.add_reference("s3://bucket/train/part-0.parquet")
    again.add_reference("https://example.com/data.csv", name="web.csv")
    assert run.log_artifact(again).version == "v0"
    (tmp_path / "ref.txt").write_bytes(b"v2")
    third = first.new_draft()
    third.add_reference((tmp_path / "ref.txt").as_uri())
    assert run.log_artifact(third).version == "v1"
    run.finish()
    with pytest.warns(UserWarning, match="not fetched"):
        root = nbrun.Api(store_dir).artifact("refs:v1").download(tmp_path / "out")
    assert sorted(os.listdir(root)) == ["ref.txt"]
    assert (tmp_path / "out" / "ref.txt").read_bytes() == b"v2"


def test_new_file_and_new_draft(store_dir):
    run = start(store_dir)
    art = nbrun.Artifact("notes", "text", description="first")
    with art.new_file("readme.md") as fh:
        fh.write("# hello\n")
    with art.new_file("raw/bytes.bin", mode="wb") as fh:
        fh.write(b"\0\1")
    v0 = run.log_artifact(art)
    nxt = v0.new_draft()
    with nxt.new_file("more.txt") as fh:
        fh.write("more")
    nxt.remove("raw")
    v1 = run.log_artifact(nxt)
    assert v1.version == "v1" and [f.path for f in v1.files()] == ["more.txt", "readme.md"]
    assert v1.get_path("readme.md").download().endswith("readme.md")
    with open(v1.get_entry("readme.md").local_path) as fh:
        assert fh.read() == "# hello\n"
    run.finish()


def test_log_model_and_use_model(store_dir, tmp_path):
    (tmp_path / "model.pt").write_bytes(b"\x80weights")
    run = start(store_dir)
    run.log_model(str(tmp_path / "model.pt"), name="net", aliases=["prod"])
    run.log_artifact(str(tmp_path / "model.pt"), name="notamodel", type="dataset")
    run.finish()
    user = start(store_dir)
    path = user.use_model("net:prod")
    with open(path, "rb") as fh:
        assert fh.read() == b"\x80weights"
    assert os.path.basename(path) == "model.pt"
    with pytest.raises(nbrun.UsageError, match="contains 'model'"):
        user.use_model("notamodel:latest")
    user.finish()


def test_saving_a_logged_version_moves_aliases_and_edits_metadata(store_dir, tmp_path):
    (tmp_path / "f").write_text("1")
    run = start(store_dir)
    v0 = run.log_artifact(str(tmp_path / "f"), name="f", type="t")
    (tmp_path / "f").write_text("2")
    run.log_artifact(str(tmp_path / "f"), name="f", type="t")
    v0.aliases.append("golden")
    v0.metadata["note"] = "kept"
    v0.save()
    read = nbrun.Api(store_dir).artifact("f:golden")
    assert read.version == "v0" and read.metadata == {"note": "kept"}
    run.finish()


def test_a_draft_given_to_use_artifact_is_stored_as_an_input(store_dir, tmp_path):
    (tmp_path / "raw.csv").write_text("a\n")
    run = start(store_dir)
    draft = nbrun.Artifact("raw", "dataset")
    draft.add_file(str(tmp_path / "raw.csv"))
    used = run.use_artifact(draft)
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    assert [a.name for a in record.used_artifacts()] == ["raw:v0"]
    assert record.logged_artifacts() == [] and used.logged_by() is None


def test_run_save_now_end_and_live(store_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path, {"logs/now.txt": b"now", "logs/end.txt": b"end-1",
                         "logs/live.txt": b"live-1"})
    run = start(store_dir)
    saved = run.save("logs/now.txt", policy="now")
    assert saved == [os.path.join(run.dir, "files", "logs", "now.txt")]
    run.save("logs/end.txt", policy="end")
    run.save(str(tmp_path / "logs" / "live*.txt"))  # absolute: one folder level kept
    files = os.path.join(run.dir, "files")
    assert not os.path.exists(os.path.join(files, "logs", "end.txt"))
    with open(os.path.join(files, "logs", "live.txt"), "rb") as fh:
        assert fh.read() == b"live-1"
    (tmp_path / "logs" / "live.txt").write_bytes(b"live-2, longer")
    (tmp_path / "logs" / "end.txt").write_bytes(b"end-2")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(os.path.join(files, "logs", "live.txt"), "rb") as fh:
            if fh.read() == b"live-2, longer":
                break
        time.sleep(0.1)
    else:
        raise AssertionError("the live file was not copied again after it changed")
    (tmp_path / "logs" / "live.txt").write_bytes(b"live-3")
    run.finish()
    with open(os.path.join(files, "logs", "live.txt"), "rb") as fh:
        assert fh.read() == b"live-3"
    with open(os.path.join(files, "logs", "end.txt"), "rb") as fh:
        assert fh.read() == b"end-2"
    listed = {f.path for f in nbrun.Api(store_dir).run(run.id).files()}
    assert {"files/logs/now.txt", "files/logs/end.txt", "files/logs/live.txt"} <= listed


def test_a_disabled_run_accepts_artifact_calls_and_stores_nothing(store_dir, tmp_path):
    (tmp_path / "f.txt").write_text("f")
    run = nbrun.init(dir=str(store_dir), mode="disabled")
    art = nbrun.Artifact("ds", "dataset")
    art.add_file(str(tmp_path / "f.txt"))
    assert run.log_artifact(art) is art and art.is_draft()
    assert run.use_artifact("p/ds:v3").collection_name == "ds"
    assert run.save(str(tmp_path / "f.txt")) == []
    with pytest.raises(nbrun.UsageError, match="mode='disabled'"):
        run.use_model("m:latest")
    run.finish()
    assert not os.path.exists(os.path.join(store_dir, ".nbrun", "objects"))


def test_rich_objects_added_come_back_from_get(store_dir, tmp_path):
    import numpy as np
    art = nbrun.Artifact("predictions", "evaluation")
    art.add(nbrun.Table(columns=["id", "label"], data=[[1, "cat"], [2, "dog"]]), "results")
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    art["sample"] = nbrun.Image(pixels, caption="first")
    run = start(store_dir)
    run.log_artifact(art)
    run.finish()
    stored = nbrun.Api(store_dir).artifact("predictions:v0")
    assert {f.path.rsplit("/", 1)[0] if "/" in f.path else f.path for f in stored.files()} == {
        "results.table.json", "sample.image.json", "media/tables", "media/images"}
    table = stored.get("results")
    assert isinstance(table, nbrun.Table)
    assert (table.columns, table.data) == (["id", "label"], [[1, "cat"], [2, "dog"]])
    image = stored["sample"]
    assert isinstance(image, nbrun.Image) and image.caption == "first"
    assert (image.width, image.height) == (5, 4)
    with open(image.path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_add_takes_rich_objects_and_get_finds_nothing_else(store_dir, tmp_path):
    art = nbrun.Artifact("t", "table")
    with pytest.raises(nbrun.UsageError, match=r"add\(\) takes rich objects"):
        art.add({"a": 1}, "config")
    (tmp_path / "plain.json").write_text("{}")
    art.add_file(str(tmp_path / "plain.json"))
    run = start(store_dir)
    logged = run.log_artifact(art)
    run.finish()
    assert logged.get("missing") is None
