"""Run files as the server extension serves them (``GET runs/<id>/files/<path>`` on a real
Jupyter server): sandboxed and never sniffed, inline only for known media types, byte ranges for
the sidebar's video, and no way out of the run folder, even for a file or folder swapped for a
symbolic link while requests hammer it."""

from __future__ import annotations

import asyncio
import os
import threading
from urllib.parse import quote

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun

import test_server as server_tests

# pytest-jupyter's loop replaced as the server tests do (see test_server.py)
jp_asyncio_loop = server_tests.jp_asyncio_loop

SECRET = b"the contents of a file outside the store\n"
RACE_REQUESTS = 3000  # the old check-then-open code leaked within a few hundred
RACE_BATCH = 8


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def run_dir(store):
    run = nbrun.init(dir=str(store), mode="offline", project="files", name="with-files")
    run.finish()
    return run.id, run.dir


@pytest.fixture
def jp_server_config(store):
    return {"ServerApp": {"jpserver_extensions": {"nbrun.server": True}},
            "NbrunServerConfig": {"store_paths": [str(store)]}}


@pytest.fixture
def fetch(http_server_client, jp_base_url, jp_auth_header):
    async def one(run_id, path, headers=None, method="GET"):
        return await http_server_client.fetch(
            f"{jp_base_url}nbrun/api/runs/{run_id}/files/{path}", method=method,
            headers={**jp_auth_header, **(headers or {})}, raise_error=False)

    return one


@pytest.fixture
def get(fetch, jp_asyncio_loop):
    return lambda *args, **kwargs: jp_asyncio_loop.run_until_complete(fetch(*args, **kwargs))


def write(run_dir, path, data):
    full = os.path.join(run_dir, *path.split("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as fh:
        fh.write(data)


def directives(response):
    return [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]


PAGE = b"<html><body><script>document.title = document.cookie</script></body></html>"


def test_every_run_file_is_sandboxed_and_never_sniffed(run_dir, get):
    run_id, folder = run_dir
    files = {"report.html": PAGE, "chart.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
             "media/frame.png": b"\x89PNG\r\n\x1a\n", "media/videos/a.mp4": b"\0" * 64,
             "log.txt": b"<script>x</script>", "model.bin": PAGE, "noext": PAGE}
    for path, data in files.items():
        write(folder, path, data)
    for path, data in files.items():
        reply = get(run_id, path)
        assert reply.code == 200 and reply.body == data, path
        assert "sandbox" in directives(reply), (path, directives(reply))
        assert not any("allow-" in d for d in directives(reply))  # no scripts, no forms
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
    # A file that is not found is sandboxed too (its reply is JSON).
    missing = get(run_id, "nothing.html")
    assert missing.code == 404 and "sandbox" in directives(missing)


@pytest.mark.parametrize(("path", "content_type"), [
    ("media/a.png", "image/png"), ("b.JPG", "image/jpeg"), ("c.gif", "image/gif"),
    ("d.webp", "image/webp"), ("e.wav", "audio/wav"), ("f.mp3", "audio/mpeg"),
    ("g.ogg", "audio/ogg"), ("h.mp4", "video/mp4"), ("i.webm", "video/webm"),
    ("report.html", "text/html"), ("chart.svg", "image/svg+xml"),
    ("notes.txt", "text/plain; charset=utf-8"), ("m.json", "text/plain; charset=utf-8"),
    ("t.csv", "text/plain; charset=utf-8"), ("code/train.py", "text/plain; charset=utf-8"),
])
def test_known_types_are_shown_inline(run_dir, get, path, content_type):
    run_id, folder = run_dir
    write(folder, path, b"data")
    reply = get(run_id, path)
    assert reply.code == 200 and reply.headers["Content-Type"] == content_type
    assert "Content-Disposition" not in reply.headers


@pytest.mark.parametrize("path", ["model.bin", "run.js", "page.xhtml", "data.xml",
                                  "noext", "archive.tar.gz", "doc.pdf", "été ünï.dat"])
def test_anything_else_is_a_download(run_dir, get, path):
    run_id, folder = run_dir
    write(folder, path, PAGE)
    reply = get(run_id, quote(path))
    assert reply.code == 200 and reply.body == PAGE
    assert reply.headers["Content-Type"] == "application/octet-stream"
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.isascii() and "\n" not in disposition


def test_byte_ranges_for_seeking_a_video(run_dir, get):
    run_id, folder = run_dir
    data = bytes(range(256)) * 1000  # 256,000 bytes: several chunks
    write(folder, "media/videos/clip.mp4", data)
    path = "media/videos/clip.mp4"
    whole = get(run_id, path)
    assert whole.code == 200 and whole.body == data
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert int(whole.headers["Content-Length"]) == len(data)
    for header, start, end in [("bytes=100-1099", 100, 1100), ("bytes=-16", len(data) - 16,
                                                                len(data)),
                               ("bytes=200000-", 200000, len(data)),
                               ("bytes=255990-999999", 255990, len(data))]:
        part = get(run_id, path, headers={"Range": header})
        assert part.code == 206 and part.body == data[start:end], header
        assert part.headers["Content-Range"] == f"bytes {start}-{end - 1}/{len(data)}"
        assert part.headers["Content-Type"] == "video/mp4"
    # The whole file asked as a range is answered 200, as tornado's static handler did.
    assert get(run_id, path, headers={"Range": "bytes=0-"}).code == 200
    beyond = get(run_id, path, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    # Several ranges, or a malformed one: the whole file.
    several = get(run_id, path, headers={"Range": "bytes=0-1,5-6"})
    assert several.code == 200 and several.body == data
    head = get(run_id, path, method="HEAD")
    assert head.code == 200 and int(head.headers["Content-Length"]) == len(data)
    assert head.body == b""
    audio = get(run_id, "a.wav", headers={"Range": "bytes=0-3"})
    assert audio.code == 404
    write(folder, "a.wav", b"RIFF....WAVE")
    audio = get(run_id, "a.wav", headers={"Range": "bytes=4-7"})
    assert audio.code == 206 and audio.body == b"...." and audio.headers["Content-Type"] == (
        "audio/wav")


def test_links_and_odd_paths_are_not_served(run_dir, get, tmp_path):
    run_id, folder = run_dir
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    os.symlink(secret, os.path.join(folder, "link.txt"))
    os.makedirs(tmp_path / "outdir")
    (tmp_path / "outdir" / "x.txt").write_bytes(SECRET)
    os.symlink(tmp_path / "outdir", os.path.join(folder, "linked"))
    os.mkfifo(os.path.join(folder, "pipe.txt"))
    write(folder, "sub/ok.txt", b"ok")
    assert get(run_id, "sub/ok.txt").body == b"ok"
    for path in ("link.txt", "linked/x.txt", "pipe.txt", "sub", "sub/", "sub/ok.txt/x",
                 "../secret.txt", "sub/%2e%2e/sub/ok.txt", "%2Ftmp%2Fsecret.txt"):
        reply = get(run_id, path)
        assert reply.code in (400, 404) and SECRET not in reply.body, path


def swap_file(folder, outside, stop):
    """The run's ``media/v.txt`` switched back and forth between a regular file and a link to
    ``outside``, each switch one atomic rename."""
    target = os.path.join(folder, "media", "v.txt")
    plain = os.path.join(folder, "kept.txt")
    staged = os.path.join(folder, "media", ".staged")
    while not stop.is_set():
        os.symlink(outside, staged)
        os.replace(staged, target)
        os.link(plain, staged)
        os.replace(staged, target)


def swap_folder(folder, outside, stop):
    """The run's ``media`` folder switched back and forth with a link to the folder that holds
    ``outside``."""
    media = os.path.join(folder, "media")
    aside = os.path.join(folder, "media.aside")
    while not stop.is_set():
        os.rename(media, aside)
        os.symlink(os.path.dirname(outside), media)
        os.unlink(media)
        os.rename(aside, media)


@pytest.mark.parametrize("swap", [swap_file, swap_folder])
def test_a_path_swapped_for_a_link_never_leaks_a_file_outside(run_dir, fetch,
                                                              jp_asyncio_loop, tmp_path, swap):
    run_id, folder = run_dir
    outside = tmp_path / "outside" / "v.txt"
    outside.parent.mkdir()
    outside.write_bytes(SECRET)
    write(folder, "kept.txt", b"a file of the run\n")
    os.makedirs(os.path.join(folder, "media"))
    os.link(os.path.join(folder, "kept.txt"), os.path.join(folder, "media", "v.txt"))
    stop = threading.Event()
    swapper = threading.Thread(target=swap, args=(folder, str(outside), stop), daemon=True)

    async def hammer():
        served, leaked = 0, 0
        for _ in range(RACE_REQUESTS // RACE_BATCH):
            replies = await asyncio.gather(*(fetch(run_id, "media/v.txt")
                                             for _ in range(RACE_BATCH)))
            served += sum(r.code == 200 for r in replies)
            leaked += sum(SECRET in (r.body or b"") for r in replies)
            if leaked:
                break
        return served, leaked

    swapper.start()
    try:
        served, leaked = jp_asyncio_loop.run_until_complete(hammer())
    finally:
        stop.set()
        swapper.join(10)
    assert leaked == 0
    assert served > 0  # the file was there between the swaps, and served
