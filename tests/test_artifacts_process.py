"""Artifacts under faults real processes cause: a SIGKILL while a big file is being logged, two
processes logging one name at once, and a file written to while it is being logged."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Iterator

import pytest

import nbrun
from conftest import child_env
from nbrun.store import Store, objects

BIG = 96 * 1024 * 1024


def big_file(path, size=BIG, seed=b"") -> str:
    block = hashlib.sha256(seed).digest() * (1024 * 1024 // 32)
    with open(path, "wb") as fh:
        for i in range(size // len(block)):
            fh.write(block[:-8] + i.to_bytes(8, "little"))
    return str(path)


def objects_on_disk(store_dir) -> list[str]:
    root = os.path.join(store_dir, ".nbrun", "objects")
    out = []
    for prefix in sorted(os.listdir(root)) if os.path.isdir(root) else ():
        if len(prefix) == 2:
            out += [prefix + n for n in os.listdir(os.path.join(root, prefix))]
    return out


def tmp_files(store_dir) -> list[str]:
    folder = os.path.join(store_dir, ".nbrun", "objects", "tmp")
    return os.listdir(folder) if os.path.isdir(folder) else []


def check_consistent(store_dir) -> list[nbrun.Artifact]:
    """Every version the store shows has all its objects, each with its checksum."""
    shown = nbrun.Api(store_dir).artifacts()
    for version in shown:
        version.verify()
    return shown


LOGGER = """
import os, sys, nbrun
run = nbrun.init(dir={store!r}, project="p", mode="offline")
run.log({{"x": 1}})
open({ready!r}, "w").close()
art = nbrun.Artifact("big", "dataset")
art.add_file({path!r})
art.add_file({small!r})
run.log_artifact(art)
open({done!r}, "w").close()
run.finish()
"""


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, "placed", None])
def test_sigkill_during_log_artifact_leaves_no_half_version(store_dir, tmp_path, delay):
    """Killed at points from the start of the copy (delay after the temporary object appears),
    once the big file's object is in place (before the commit, or while it commits), to after
    the commit (None: after it finished): the store shows no version or the whole
    one, never half; temporary files of the dead process go with the next sweep; logging again
    in a new process gives a version whose download is byte-identical to the source."""
    path = big_file(tmp_path / "big.bin")
    small = tmp_path / "small.txt"
    small.write_text("small")
    ready, done = tmp_path / "ready", tmp_path / "done"
    code = LOGGER.format(store=str(store_dir), ready=str(ready), done=str(done), path=path,
                         small=str(small))
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=child_env(),
                             cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        if delay is None:
            while not done.exists() and time.monotonic() < deadline:
                time.sleep(0.005)
        elif delay == "placed":
            while not objects_on_disk(store_dir) and time.monotonic() < deadline:
                time.sleep(0.0005)
        else:
            while not tmp_files(store_dir) and time.monotonic() < deadline:
                if child.poll() is not None:
                    break
                time.sleep(0.001)
            time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    shown = check_consistent(store_dir)
    assert [a.name for a in shown] in ([], ["big:v0"])
    if delay is None:
        assert [a.name for a in shown] == ["big:v0"]
    store = Store(str(store_dir))
    objects.sweep(store, min_age=0)
    assert tmp_files(store_dir) == []
    referenced = {f.digest for a in shown for f in a.files()}
    assert set(objects_on_disk(store_dir)) == referenced

    again = tmp_path / "again.py"
    again.write_text(textwrap.dedent(f"""
        import nbrun
        run = nbrun.init(dir={str(store_dir)!r}, project="p", mode="offline")
        art = nbrun.Artifact("big", "dataset")
        art.add_file({path!r})
        art.add_file({str(small)!r})
        print(run.log_artifact(art).version)
        run.log({{"x": 1}})
        run.finish()
    """))
    out = subprocess.run([sys.executable, str(again)], env=child_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "v0"
    root = nbrun.Api(store_dir).artifact("big:v0").download(tmp_path / "out")
    assert objects.hash_file(os.path.join(root, "big.bin"), "t") == objects.hash_file(path, "t")


RACER = """
import os, sys, time, nbrun
run = nbrun.init(dir={store!r}, project="p", mode="offline")
run.log({{"x": 1}})
open({ready!r} + str(os.getpid()), "w").close()
while not os.path.exists({go!r}):
    time.sleep(0.001)
art = nbrun.Artifact("shared", "dataset")
art.add_file({path!r}, name="data.bin")
print(run.log_artifact(art).version, run.id)
run.finish()
"""


def race(store_dir, tmp_path, paths: list[str]) -> list[tuple[str, str]]:
    go = tmp_path / "go"
    children = [subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(RACER.format(
            store=str(store_dir), ready=str(tmp_path / "ready-"), go=str(go), path=p))],
        env=child_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for p in paths]
    deadline = time.monotonic() + 60
    while (len(list(tmp_path.glob("ready-*"))) < len(paths)
           and time.monotonic() < deadline):
        time.sleep(0.01)
    go.touch()
    out = []
    for child in children:
        stdout, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
        version, run_id = stdout.split()
        out.append((version, run_id))
    go.unlink()
    for ready in tmp_path.glob("ready-*"):
        ready.unlink()
    return out


def test_two_processes_logging_one_name(store_dir, tmp_path):
    """The same content from two processes at once is one version logged by both runs;
    different contents are two consecutive versions, each whole."""
    same = big_file(tmp_path / "same.bin", 16 * 1024 * 1024, b"same")
    results = race(store_dir, tmp_path, [same, same])
    assert [v for v, _ in results] == ["v0", "v0"]
    read = nbrun.Api(store_dir)
    assert {a.name for a in read.artifacts()} == {"shared:v0"}
    assert len({r for _, r in results}) == 2
    assert read.artifact("shared:v0").logged_by().id in {r for _, r in results}
    for _, run_id in results:
        assert [a.name for a in read.run(run_id).logged_artifacts()] == ["shared:v0"]

    a = big_file(tmp_path / "a.bin", 16 * 1024 * 1024, b"a")
    b = big_file(tmp_path / "b.bin", 16 * 1024 * 1024, b"b")
    results = race(store_dir, tmp_path, [a, b])
    assert sorted(v for v, _ in results) == ["v1", "v2"]
    versions = {x.version: x for x in check_consistent(store_dir)}
    assert sorted(versions) == ["v0", "v1", "v2"]
    for (version, run_id), source in zip(results, [a, b]):
        assert nbrun.Api(store_dir).artifact(f"shared:{version}").logged_by().id == run_id
        root = versions[version].download(tmp_path / version)
        assert (objects.hash_file(os.path.join(root, "data.bin"), "t")
                == objects.hash_file(source, "t"))
    assert nbrun.Api(store_dir).artifact("shared:latest").version in ("v1", "v2")


@contextlib.contextmanager
def scribbled(path) -> Iterator[None]:
    """A thread rewriting the first bytes of ``path`` every half millisecond while inside."""
    stop = threading.Event()

    def scribble():
        with open(path, "r+b") as fh:
            while not stop.is_set():
                fh.seek(0)
                fh.write(os.urandom(16))
                fh.flush()
                time.sleep(0.0005)

    writer = threading.Thread(target=scribble)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join()


def test_a_file_written_to_while_it_is_logged_is_refused_and_nothing_is_stored(
        store_dir, tmp_path):
    path = big_file(tmp_path / "growing.bin", 64 * 1024 * 1024)
    run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
    with scribbled(path):
        with pytest.raises(nbrun.UsageError, match="changed while it was being read"):
            run.log_artifact(path, name="moving", type="dataset")
    assert nbrun.Api(store_dir).artifacts() == []
    assert objects_on_disk(store_dir) == [] and tmp_files(store_dir) == []
    assert run.log_artifact(path, name="moving", type="dataset").version == "v0"
    run.finish()


def test_a_file_changed_through_a_mapping_while_logged_never_gives_a_wrong_object(
        store_dir, tmp_path):
    """A writer that changes a file through a shared mapping (as numpy.memmap does) rewrites
    pages already dirty, which changes neither the file's size nor its times, so the change
    can go unseen. Whatever the log then does (refuse, or keep the bytes it read), every stored
    object must hold exactly the content its checksum names: verify() passes and a later
    version of the same bytes is not built on a wrong object."""
    import mmap

    path = big_file(tmp_path / "mapped.bin", 64 * 1024 * 1024)
    run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
    stop = threading.Event()
    with open(path, "r+b") as fh:
        mapped = mmap.mmap(fh.fileno(), 0)
    # Dirty every page the writer will touch before the log starts: later writes to them do
    # not fault, so the kernel updates no times (unless a writeback happens meanwhile).
    offsets = range(0, len(mapped), 1024 * 1024)
    for off in offsets:
        mapped[off:off + 8] = b"\0" * 8

    def scribble():
        count = 0
        while not stop.is_set():
            count += 1
            for off in offsets:
                mapped[off:off + 8] = count.to_bytes(8, "little")

    writer = threading.Thread(target=scribble)
    writer.start()
    try:
        try:
            run.log_artifact(path, name="mapped", type="dataset")
        except nbrun.UsageError as exc:
            assert "changed while it was being read" in str(exc)
    finally:
        stop.set()
        writer.join()
        mapped.close()
    check_consistent(store_dir)
    for digest in objects_on_disk(store_dir):
        with open(objects.object_path(os.path.join(store_dir, ".nbrun"), digest), "rb") as fh:
            assert hashlib.file_digest(fh, "sha256").hexdigest() == digest
    run.finish()


MEMORY_CHILD = """
import json, os, resource, sys, nbrun
from nbrun.store import objects
store, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
run = nbrun.init(dir=store, project="p", mode="offline")
run.log({"x": 1})
before = peak()
art = run.log_artifact(path, name="huge", type="dataset")
logged = peak()
again = run.log_artifact(path, name="huge", type="dataset")
root = nbrun.Api(store).artifact("huge:v0").download(out)
art.verify()
run.finish()
print(json.dumps({"before": before, "logged": logged, "after": peak(),
                  "versions": [art.version, again.version],
                  "same": objects.hash_file(os.path.join(root, os.path.basename(path)), "t")
                          == objects.hash_file(path, "t")}))
"""


def test_a_big_file_is_logged_and_downloaded_in_bounded_memory(store_dir, tmp_path):
    """Logging a file far bigger than any buffer, logging it again unchanged, downloading and
    verifying it never hold it in memory: the process's peak resident size grows by a few MB,
    not by the file's 256 MB."""
    path = big_file(tmp_path / "huge.bin", 256 * 1024 * 1024)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(MEMORY_CHILD), str(store_dir), path,
         str(tmp_path / "out")], env=child_env(), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["versions"] == ["v0", "v0"] and got["same"]
    assert got["after"] - got["before"] < 32, got


def test_a_big_file_from_another_file_system_is_stored_whole(store_dir, tmp_path):
    """The kernel copies between files of one file system only (copy_file_range fails with
    EXDEV across them): a big file on a tmpfs logged into a store on disk is copied through
    a buffer instead, with the same digest and content."""
    shm = "/dev/shm"
    # Linux with a tmpfs /dev/shm (CI's machines, and Docker's): a precondition, never a skip
    assert os.path.isdir(shm) and os.stat(shm).st_dev != os.stat(store_dir).st_dev, \
        "this test needs /dev/shm on a file system other than the store's"
    path = os.path.join(shm, f"nbrun-test-{os.getpid()}.bin")
    try:
        big_file(path, 24 * 1024 * 1024, b"shm")
        run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
        art = run.log_artifact(path, name="elsewhere", type="dataset")
        run.finish()
        art.verify()
        root = art.download(tmp_path / "out")
        assert (objects.hash_file(os.path.join(root, os.path.basename(path)), "t")
                == objects.hash_file(path, "t"))
    finally:
        os.unlink(path)


def bytes_read() -> int:
    """Bytes this process has read through system calls (Linux ``/proc/self/io`` rchar),
    whether from the disk or the page cache."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def test_a_changed_file_of_the_same_size_is_not_read_once_more_to_learn_it_changed(
        store_dir, tmp_path):
    """Logging a new checkpoint under a name whose last version holds one of the same size
    (the usual case: same model, new weights) costs what logging it under a new name does;
    only an unchanged file is hashed before deciding not to copy it."""
    assert os.path.exists("/proc/self/io"), "this test counts bytes read in Linux /proc/self/io"
    size = 32 * 1024 * 1024
    path = big_file(tmp_path / "weights.bin", size, b"epoch 1")
    run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
    run.log_artifact(path, name="model", type="model")
    big_file(path, size, b"epoch 2")
    before = bytes_read()
    run.log_artifact(path, name="fresh", type="model")
    fresh = bytes_read() - before
    big_file(path, size, b"epoch 3")
    before = bytes_read()
    assert run.log_artifact(path, name="model", type="model").version == "v1"
    changed = bytes_read() - before
    run.finish()
    assert changed < fresh + size // 4, (changed, fresh)


def test_a_folder_whose_later_file_changes_while_logged_leaves_no_object_behind(
        store_dir, tmp_path):
    """Files are stored one by one: when one is refused because it changed while read, the
    objects stored for the files before it (which no version holds) go too, so a refused
    log leaves the store as it was."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.txt").write_text("first, stored before the refusal")
    path = big_file(folder / "b.bin", 64 * 1024 * 1024)
    run = nbrun.init(dir=str(store_dir), project="p", mode="offline")
    with scribbled(path):
        with pytest.raises(nbrun.UsageError, match="b.bin.*changed while it was being read"):
            run.log_artifact(str(folder), name="folder", type="dataset")
    assert nbrun.Api(store_dir).artifacts() == []
    assert objects_on_disk(store_dir) == [] and tmp_files(store_dir) == []
    run.finish()
