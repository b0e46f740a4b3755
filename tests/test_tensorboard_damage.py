"""sync_tensorboard when an event file is damaged: real tensorboardX files, damaged by editing
their bytes, cost only what is damaged (a record, or bytes up to the next whole record), said
once in a warning naming the file and the byte, and listed on the run; every other file and
record is mirrored, live and at finish(), which never fails for it. A record still being written
at the end of a file is not damage. And a TensorBoard tag named like a key the run logs itself
is kept apart from it, as ``tensorboard/<tag>``."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest

import nbrun

from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
from tensorboardX import SummaryWriter
from test_tensorboard import mirrored, reference, same


def write(folder: Path, tag: str, steps) -> Path:
    """An event file as tensorboardX writes it: one record a scalar (after its first record,
    the file version); its path."""
    writer = SummaryWriter(str(folder))
    for step in steps:
        writer.add_scalar(tag, step * 1.5, step)
    writer.close()
    (path,) = folder.glob("*tfevents*")
    return path


def frames(data: bytes) -> list[tuple[int, int]]:
    """(start, size) of each record of an undamaged file."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        size = 16 + struct.unpack_from("<Q", data, pos)[0]
        out.append((pos, size))
        pos += size
    return out


def framed(payload: bytes) -> bytes:
    """A record with valid CRCs around ``payload``."""
    head = struct.pack("<Q", len(payload))
    return (head + struct.pack("<I", masked_crc32c(head)) + payload
            + struct.pack("<I", masked_crc32c(payload)))


def damage(path: Path, kind: str, index: int) -> int:
    """Damage record ``index`` of the file in place; the byte where the damage starts."""
    data = bytearray(path.read_bytes())
    start, size = frames(bytes(data))[index]
    payload = bytes(data[start + 12:start + size - 4])
    if kind == "checksum":  # a flipped bit in the value: the data no longer matches its CRC
        data[start + size - 6] ^= 0x40
    elif kind == "length":  # a flipped bit in the length: the record cannot be framed
        data[start] ^= 0x20
    elif kind == "zeros":  # zero-filled, as a crash can leave a stretch of a file
        data[start:start + size] = bytes(size)
    elif kind == "cut":  # a record cut short in the middle of the file, whole ones after it
        del data[start + size - 7:start + size]
    elif kind == "utf8":  # a tag that is not UTF-8, in a record with valid CRCs
        assert payload.count(b"metric") == 1
        data[start:start + size] = framed(payload.replace(b"metric", b"metr\xffc"))
    elif kind == "proto":  # valid CRCs around bytes that are not an Event
        data[start:start + size] = framed(b"\xff" * len(payload))
    path.write_bytes(bytes(data))
    return start


def wait_for(predicate, writer=None, timeout: float = 10.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if writer is not None:
            writer.flush()  # tensorboardX's flush does not wait for its worker's queue
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def warnings_about(err: str, path: Path) -> list[str]:
    return [line for line in err.splitlines() if str(path) in line]


@pytest.mark.parametrize("kind", ["checksum", "length", "zeros", "cut", "utf8", "proto"])
def test_a_damaged_record_costs_only_itself(store_dir, tmp_path, monkeypatch, capfd, kind):
    logs, spare = tmp_path / "logs", tmp_path / "spare"
    healthy = [write(logs / f"healthy{i}", "metric", range(10)) for i in range(10)]
    damaged = write(logs / "damaged", "metric", range(10))
    expected = reference(logs, lambda p: p.parent.name + "/")
    at = damage(damaged, kind, 5)  # the record of step 4 (record 0 is the file version)
    del expected[("damaged/metric", 4)]
    # Records that a writer is still writing into a growing file, from a real one.
    extra = Path(write(spare, "metric", [100, 101])).read_bytes()
    (second, _), (third, size3) = frames(extra)[1:3]
    growing = healthy[9]
    for path in logs.rglob("*tfevents*"):
        os.utime(path)  # written "during the run"
    monkeypatch.setenv("NBRUN_TENSORBOARD_DIR", str(logs))

    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    with open(growing, "ab") as fh:
        fh.write(extra[second:second + 20])  # half a record: not damage, just not there yet
    keys = sorted({k for k, _ in expected})
    # Live: the healthy files (and the damaged one up to its damage and after) arrive.
    assert wait_for(lambda: same(mirrored(nbrun.Api(store_dir).run(run.id), keys), expected))
    with open(growing, "ab") as fh:
        fh.write(extra[second + 20:third] + extra[third:third + size3 - 5])  # and half another
    expected[("healthy9/metric", 100)] = 150.0
    assert wait_for(lambda: same(mirrored(nbrun.Api(store_dir).run(run.id), keys), expected))
    run.finish()  # does not raise

    record = nbrun.Api(store_dir).run(run.id)
    assert same(mirrored(record, keys), expected)
    assert record.state == "finished"
    err = capfd.readouterr().err
    said = warnings_about(err, damaged)
    assert len(said) == 1 and f"byte {at}:" in said[0], err  # once, naming file and byte
    assert not warnings_about(err, growing) and "retrying" not in err
    assert record.unstored["count"] == 1
    (item,) = record.unstored["items"]
    assert item["key"] == str(damaged) and f"byte {at}:" in item["reason"]
    reason = {"checksum": "fails its checksum", "utf8": "UTF-8",
              "proto": "cannot be read as an event"}.get(kind, "not a whole event record")
    assert reason in item["reason"]
    # The saved copies are the files as they are, damage included, up to the half record.
    copies = Path(record.dir, "tensorboard", "logs")
    assert (copies / "damaged" / damaged.name).read_bytes() == damaged.read_bytes()
    assert (copies / "healthy9" / growing.name).read_bytes() == growing.read_bytes()[:-(size3 - 5)]


def test_bytes_that_are_not_records_wait_for_the_next_record(store_dir, tmp_path, monkeypatch,
                                                             capfd):
    logs = tmp_path / "logs"
    path = write(logs, "metric", range(5))
    extra = Path(write(tmp_path / "spare", "metric", [7, 8])).read_bytes()
    (_, first), *_ = frames(extra)
    monkeypatch.setenv("NBRUN_TENSORBOARD_DIR", str(logs))
    os.utime(path)
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    assert wait_for(lambda: len(mirrored(nbrun.Api(store_dir).run(run.id), ["metric"])) == 5)
    garbage_at = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\x07" * 40)  # no record follows yet: nothing is said until one does
    time.sleep(0.6)
    assert "nbrun" not in capfd.readouterr().err
    with open(path, "ab") as fh:
        fh.write(extra[first:])
    assert wait_for(lambda: len(mirrored(nbrun.Api(store_dir).run(run.id), ["metric"])) == 7)
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    assert same(mirrored(record, ["metric"]),
                {("metric", s): s * 1.5 for s in [0, 1, 2, 3, 4, 7, 8]})
    said = warnings_about(capfd.readouterr().err, path)
    assert len(said) == 1 and f"byte {garbage_at}: 40 bytes" in said[0]
    assert record.unstored["count"] == 1


def test_a_tag_named_like_a_key_the_run_logs_is_kept_apart(store_dir, tmp_path, capfd):
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", sync_tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "tb"))
    for step in range(20):
        run.log({"loss": 100.0 + step})  # the run's own steps 0..19
        writer.add_scalar("loss", step / 10, step * 5)  # TensorBoard's, other steps and values
        writer.add_scalar("lr", 0.5, step * 5)
    assert wait_for(lambda: len(mirrored(nbrun.Api(store_dir).run(run.id), ["lr"])) == 20,
                    writer)
    # A key TensorBoard wrote first, that the run starts logging itself later on.
    writer.add_scalar("acc", 0.25, 500)
    assert wait_for(lambda: mirrored(nbrun.Api(store_dir).run(run.id), ["acc"]), writer)
    run.log({"acc": 0.75})
    writer.add_scalar("acc", 0.5, 600)
    writer.flush()
    run.finish()
    writer.close()

    record = nbrun.Api(store_dir).run(run.id)
    assert mirrored(record, ["loss"]) == {("loss", s): 100.0 + s for s in range(20)}
    assert mirrored(record, ["tensorboard/loss"]) == pytest.approx(
        {("tensorboard/loss", s * 5): s / 10 for s in range(20)})
    assert set(mirrored(record, ["lr"])) == {("lr", s * 5) for s in range(20)}  # as it is
    assert "tensorboard/lr" not in record.keys()
    assert record.summary["loss"] == 119.0
    assert record.summary["tensorboard/loss"] == pytest.approx(1.9)
    # TensorBoard's 'acc' goes on apart from the run's once the run logs 'acc' itself.
    assert mirrored(record, ["acc"]) == {("acc", 500): 0.25, ("acc", 20): 0.75}
    assert mirrored(record, ["tensorboard/acc"]) == {("tensorboard/acc", 600): 0.5}
    err = capfd.readouterr().err
    assert err.count("'tensorboard/acc'") == 1 and "up to step 500" in err


def test_a_resumed_run_keeps_the_names_chosen(store_dir, tmp_path):
    logdir = tmp_path / "tb"
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", id="named",
                     sync_tensorboard=True)
    writer = SummaryWriter(str(logdir))
    run.log({"loss": 1.0})
    writer.add_scalar("loss", 0.5, 0)
    writer.add_scalar("lr", 0.1, 0)
    writer.close()
    run.finish()
    run = nbrun.init(dir=str(store_dir), mode="offline", project="tb", id="named",
                     resume="must", sync_tensorboard=True)
    writer = SummaryWriter(str(logdir), filename_suffix=".resumed")  # not the same second's name
    writer.add_scalar("loss", 0.25, 1)  # before the resumed run logs 'loss' again
    writer.add_scalar("lr", 0.05, 1)
    writer.close()
    run.finish()
    record = nbrun.Api(store_dir).run("named")
    assert mirrored(record, ["loss"]) == {("loss", 0): 1.0}
    assert mirrored(record, ["tensorboard/loss"]) == {("tensorboard/loss", 0): 0.5,
                                                      ("tensorboard/loss", 1): 0.25}
    assert mirrored(record, ["lr"]) == pytest.approx({("lr", 0): 0.1, ("lr", 1): 0.05})
