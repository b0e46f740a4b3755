"""sync_tensorboard with real writers: every scalar that tensorboardX's SummaryWriter (and the
tensorboard package's writer, which torch.utils.tensorboard uses) puts in an event file is in the
run's history exactly as TensorBoard's own reader returns it, at TensorBoard's step, without
moving the run's own steps; the event files are saved with the run; a SIGKILLed run keeps what
was mirrored and a resumed one goes on without duplicates; with the argument off nothing is
patched or imported."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import nbrun
from conftest import child_env, db_path, run_python

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.util import tensor_util
from tensorboardX import SummaryWriter


def reference(folder: Path, prefix_of=lambda path: "") -> dict[tuple[str, int], float]:
    """(key, step) -> value of every scalar in the event files under ``folder``, read by
    TensorBoard's own loader (with its compat layers, which turn simple values into tensors)."""
    out: dict[tuple[str, int], float] = {}
    plugins: dict[str, str] = {}
    for path in sorted(folder.rglob("*tfevents*")):
        for event in EventFileLoader(str(path)).Load():
            if event.WhichOneof("what") != "summary":
                continue
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name:
                    plugins[value.tag] = value.metadata.plugin_data.plugin_name
                if plugins.get(value.tag) != "scalars":
                    continue
                key = (prefix_of(path) + value.tag, event.step)
                assert key not in out, f"the test writes each (tag, step) once: {key}"
                out[key] = tensor_util.make_ndarray(value.tensor).item()
    return out


def mirrored(record, keys) -> dict[tuple[str, int], float]:
    return {(key, row["_step"]): row[key] for row in record.history(list(keys))
            for key in keys if key in row}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


def points_stored(root, run_id: str, key: str) -> int:
    """How many points of ``key`` the store holds (duplicates included: history() would
    merge two points at one step)."""
    with sqlite3.connect(db_path(root)) as conn:
        return conn.execute(
            "SELECT COALESCE(SUM(n), 0) FROM series JOIN runs USING (rid) "
            "WHERE runs.id=? AND key=? AND rewound=0", (run_id, key)).fetchone()[0]


def test_tensorboardx_scalars_mirror_as_tensorboard_reads_them(store_dir, tmp_path):
    logs = tmp_path / "logs"
    early = SummaryWriter(str(logs / "early"))  # created before init(): found as it is
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    train = SummaryWriter(str(logs / "train"))
    val = SummaryWriter(str(logs / "val"))
    steps = [0, 1, 2, 7, 3, 4, 5, 6, 100, 50]  # out of order, with gaps
    for i, step in enumerate(steps):
        train.add_scalar("loss", 1.0 / (i + 1), step)
        train.add_scalar("lr", 0.1 * 0.9 ** i, step)
        val.add_scalar("loss", 2.0 / (i + 1), step)
        early.add_scalar("acc", i / 10, step * 1000)
        run.log({"mine": i})  # the user's own steps: 0..9, whatever TensorBoard's are
    train.add_scalar("loss", float("nan"), 200)
    train.add_histogram("weights", [0.1, 0.2, 0.5, 0.9], 3)  # kept in the saved files only
    train.add_text("note", "hello", 3)
    for w in (train, val, early):
        w.flush()
    val.add_scalar("loss", 0.125, 300)
    val.flush()
    run.finish()  # reads what was flushed last, before any tick would have

    record = nbrun.Api(store_dir).run(run.id)
    expected = reference(logs, lambda path: path.parent.name + "/")
    assert same(mirrored(record, {k for k, _ in expected}), expected)
    assert ("val/loss", 300) in expected and ("train/loss", 200) in expected
    assert {k for k, _ in expected} == {"train/loss", "train/lr", "val/loss", "early/acc"}
    for key in ("train/loss", "val/loss", "early/acc"):  # each point once
        assert points_stored(store_dir, run.id, key) == sum(k == key for k, _ in expected)

    # The run's own steps are untouched: last_step (where a resume continues) is the user's.
    assert [row["mine"] for row in record.history("mine")] == list(range(10))
    assert record.last_step == 9
    assert record.summary["mine"] == 9
    assert record.summary["train/lr"] == pytest.approx(0.1 * 0.9 ** 8)  # at its highest step

    # The event files are saved with the run, byte for byte (histograms and text included).
    copies = {f.path: f for f in record.files() if "tfevents" in f.path}
    assert len(copies) == 3
    for source in logs.rglob("*tfevents*"):
        copy = Path(record.dir, "tensorboard", "logs", source.parent.name, source.name)
        assert copy.read_bytes() == source.read_bytes()
    saved = [e for p in Path(record.dir, "tensorboard").rglob("*tfevents*")
             for e in EventFileLoader(str(p)).Load() if e.WhichOneof("what") == "summary"]
    plugins = {v.metadata.plugin_data.plugin_name for e in saved for v in e.summary.value}
    assert {"histograms", "text", "scalars"} <= plugins
    for w in (train, val, early):
        w.close()


def test_tensorboard_package_writer_used_by_torch_is_mirrored(store_dir, tmp_path):
    # torch.utils.tensorboard writes through this very class; CI need not install torch.
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    writer = EventFileWriter(str(tmp_path / "torchlogs"))
    for step in (3, 1, 2):
        value = summary_pb2.Summary.Value(tag="x", simple_value=step * 1.5)
        writer.add_event(event_pb2.Event(step=step, wall_time=time.time(),
                                         summary=summary_pb2.Summary(value=[value])))
    writer.flush()
    run.finish()
    writer.close()
    record = nbrun.Api(store_dir).run(run.id)
    expected = reference(tmp_path / "torchlogs")
    assert expected == {("x", 1): 1.5, ("x", 2): 3.0, ("x", 3): 4.5}
    assert same(mirrored(record, ["x"]), expected)


def test_torch_summary_writer_when_torch_is_installed(store_dir, tmp_path):
    torch_tb = pytest.importorskip("torch.utils.tensorboard")  # optional: CI has no torch
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    writer = torch_tb.SummaryWriter(str(tmp_path / "t"))
    for step in range(5):
        writer.add_scalar("y", step * 2.0, step)
    writer.flush()
    run.finish()
    writer.close()
    record = nbrun.Api(store_dir).run(run.id)
    assert same(mirrored(record, ["y"]), reference(tmp_path / "t"))


def test_mirroring_is_live_and_old_files_are_left_alone(store_dir, tmp_path):
    logs = tmp_path / "live"
    old = SummaryWriter(str(logs))
    old.add_scalar("old", 1.0, 0)
    old.close()
    stale = time.time() - 3600
    for path in logs.rglob("*tfevents*"):  # written by an earlier experiment
        os.utime(path, (stale, stale))
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    writer = SummaryWriter(str(logs))
    writer.add_scalar("live", 42.0, 7)
    writer.flush()
    deadline = time.time() + 5
    while time.time() < deadline:  # readable through Api while the run goes on
        if mirrored(nbrun.Api(store_dir).run(run.id), ["live"]):
            break
        time.sleep(0.05)
        writer.flush()  # tensorboardX's flush does not wait for its worker's queue
    assert mirrored(nbrun.Api(store_dir).run(run.id), ["live"]) == {("live", 7): 42.0}
    run.finish()
    writer.close()
    assert "old" not in nbrun.Api(store_dir).run(run.id).keys()


def test_deprecated_alias_warns_and_mirrors(store_dir, tmp_path):
    with pytest.warns(DeprecationWarning, match="sync_tensorboard"):
        run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "alias"))
    writer.add_scalar("a", 1.0, 1)
    run.finish()
    writer.close()
    assert mirrored(nbrun.Api(store_dir).run(run.id), ["a"]) == {("a", 1): 1.0}


def test_a_folder_written_by_another_process(store_dir, tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv("NBRUN_TENSORBOARD_DIR", str(folder))
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    run_python(f"""
        from tensorboardX import SummaryWriter
        w = SummaryWriter({str(folder)!r})
        for step in range(20):
            w.add_scalar("remote", step / 4, step)
        w.close()
    """)
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    assert same(mirrored(record, ["remote"]), reference(folder))
    assert len(mirrored(record, ["remote"])) == 20


def test_a_fork_goes_on_from_its_source(store_dir, tmp_path):
    writer = SummaryWriter(str(tmp_path / "forked"))
    source = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    for step in range(10):
        writer.add_scalar("t", float(step), step)
        source.log({"own": step})  # a fork cuts at one of the run's own steps
    writer.flush()
    source.finish()
    fork = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True,
                      fork_from=f"{source.id}?_step=4")
    for step in range(10, 15):
        writer.add_scalar("t", float(step), step)
    writer.flush()
    fork.finish()
    writer.close()
    steps = sorted(s for _, s in mirrored(nbrun.Api(store_dir).run(fork.id), ["t"]))
    assert steps == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]  # up to the fork step, then its own
    assert points_stored(store_dir, fork.id, "t") == 10


WRITING_CHILD = textwrap.dedent("""
    import sys, time
    import nbrun
    from tensorboardX import SummaryWriter
    store, logdir, start, resume = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    run = nbrun.init(dir=store, mode="offline", project="k", id="tbkill",
                     resume=None if resume == "-" else resume, sync_tensorboard=True)
    writer = SummaryWriter(logdir)
    print("ready", flush=True)
    for step in range(start, start + int(sys.argv[5])):
        writer.add_scalar("v", step * 0.5, step)
        run.log({"own": step})
        writer.flush()
        time.sleep(0.002)
    if resume != "-":
        writer.close()
        run.finish()
    else:
        time.sleep(3600)  # killed while the writer's file holds points not yet mirrored
""")


def test_sigkill_keeps_mirrored_scalars_and_resume_goes_on_without_duplicates(store_dir,
                                                                               tmp_path):
    logdir = tmp_path / "killed"
    script = tmp_path / "child.py"
    script.write_text(WRITING_CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(store_dir), str(logdir), "0", "-",
                             "3000"], env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.time() + 30
        while time.time() < deadline and points_stored(store_dir, "tbkill", "v") < 300:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    record = nbrun.Api(store_dir).run("tbkill")
    assert record.state == "crashed"
    before = mirrored(record, ["v"])
    assert len(before) >= 300
    written = reference(logdir)  # the file holds more than was mirrored: the kill came between
    assert same(before, {k: written[k] for k in before})
    assert points_stored(store_dir, "tbkill", "v") == len(before)

    run_python(f"""
        import runpy, sys
        sys.argv = ["child", {str(store_dir)!r}, {str(logdir)!r}, "3000", "allow", "50"]
        runpy.run_path({str(script)!r}, run_name="__main__")
    """, timeout=120)
    record = nbrun.Api(store_dir).run("tbkill")
    assert record.state == "finished" and record.resumed_count == 1
    expected = reference(logdir)
    assert len(expected) == len(written) + 50
    assert same(mirrored(record, ["v"]), expected)
    assert points_stored(store_dir, "tbkill", "v") == len(expected)  # none twice
    own = [row["_step"] for row in record.history("own")]
    assert own == sorted(own) and record.last_step == own[-1]  # run.log's steps untouched
    for source in logdir.rglob("*tfevents*"):  # the saved copies are whole again
        copy = Path(record.dir, "tensorboard", "killed", source.name)
        assert copy.read_bytes() == source.read_bytes()


def test_argument_off_patches_and_imports_nothing(tmp_path):
    proc = run_python(f"""
        import sys
        import nbrun
        run = nbrun.init(dir={str(tmp_path)!r}, mode="offline", project="off")
        run.log({{"a": 1}})
        run.finish()
        heavy = [m for m in ("torch", "tensorflow", "gymnasium", "tensorboardX", "tensorboard",
                             "nbrun.integration") if m in sys.modules]
        hooks = [type(f).__name__ for f in sys.meta_path if "nbrun" in type(f).__module__]
        from tensorboardX.event_file_writer import EventFileWriter
        import gymnasium.wrappers.rendering as r
        print(heavy, hooks, hasattr(EventFileWriter.__init__, "__wrapped__"),
              hasattr(r.RecordVideo.stop_recording, "__wrapped__"))
    """)
    assert proc.stdout.strip() == "[] [] False False"


def test_argument_on_imports_no_framework_the_user_did_not(tmp_path):
    proc = run_python(f"""
        import sys
        import nbrun
        run = nbrun.init(dir={str(tmp_path)!r}, mode="offline", project="on",
                         sync_tensorboard=True, monitor_gym=True)
        run.log({{"a": 1}})
        during = [m for m in ("torch", "tensorflow", "gymnasium", "tensorboardX")
                  if m in sys.modules]
        run.finish()
        print(during)
    """)
    assert proc.stdout.strip() == "[]"


def test_without_the_tensorboard_package_init_says_what_to_install(tmp_path):
    proc = run_python(f"""
        import sys
        sys.modules["tensorboard"] = None  # fault injection: the package is not installed
        import nbrun
        try:
            nbrun.init(dir={str(tmp_path)!r}, mode="offline", project="x", sync_tensorboard=True)
        except nbrun.UsageError as exc:
            print(exc)
        print(nbrun.Api({str(tmp_path)!r}).runs() if (
            __import__("os").path.isdir({str(tmp_path / ".nbrun")!r})) else "no store")
    """)
    first, second = proc.stdout.strip().splitlines()
    assert "pip install tensorboard" in first and "sync_tensorboard=True" in first
    assert second in ("[]", "no store")  # refused before anything was written


def test_patches_are_removed_when_the_run_finishes(store_dir, tmp_path):
    from tensorboardX.event_file_writer import EventFileWriter

    original = EventFileWriter.__init__
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    assert EventFileWriter.__init__ is not original
    run.finish()
    assert EventFileWriter.__init__ is original
    assert not [f for f in sys.meta_path if type(f).__module__.startswith("nbrun")]
