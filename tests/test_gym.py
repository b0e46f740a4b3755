"""monitor_gym with a real Gymnasium environment: CartPole rendering rgb_array frames in
RecordVideo for three episodes gives three videos attached to the run, each a valid H.264 MP4,
listed by Api and ``nbrun show``, and served by the server extension as video/mp4 with working
Range requests (the browser test plays one in Chromium)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun

import test_server as server_tests
from conftest import child_env

EPISODES = 3


def record_episodes(store, folder, episodes=EPISODES):
    """Run CartPole for ``episodes`` episodes under a monitor_gym run; (run id, frames per
    episode)."""
    import gymnasium as gym
    from gymnasium.wrappers import RecordVideo

    run = nbrun.init(dir=str(store), mode="offline", project="gym", monitor_gym=True)
    env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array"), str(folder),
                      episode_trigger=lambda episode: True)
    frames = []
    for episode in range(episodes):
        env.reset(seed=episode)
        env.action_space.seed(episode)
        steps, done = 0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            run.log({"reward": reward, "episode": episode})
            steps += 1
            done = terminated or truncated
        frames.append(steps + 1)  # the frame after reset, then one per step
    env.close()
    run.finish()
    return run.id, frames


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    base = tmp_path_factory.mktemp("gym")
    store = base / "store"
    store.mkdir()
    run_id, frames = record_episodes(store, base / "videos")
    return store, run_id, frames


def boxes(data: bytes) -> list[str]:
    """The top-level MP4 boxes (ISO BMFF): size, type, ..."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        assert size >= 8 and pos + size <= len(data), "a box runs past the end of the file"
        out.append(kind.decode("latin-1"))
        pos += size
    assert pos == len(data)
    return out


def probe(path: str) -> tuple[int, str]:
    """(decoded frames, stream description) from the ffmpeg binary of imageio-ffmpeg."""
    import imageio_ffmpeg

    frames, _ = imageio_ffmpeg.count_frames_and_secs(path)
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", path],
                          capture_output=True, text=True).stderr
    stream = next(line for line in info.splitlines() if "Video:" in line)
    return frames, stream


def test_three_episodes_three_valid_videos_attached(recorded):
    store, run_id, frames = recorded
    record = nbrun.Api(store).run(run_id)
    videos = [f for f in record.files() if f.kind == "video"]
    assert [v.episode for v in videos] == [0, 1, 2]
    assert [v.path for v in videos] == [f"media/videos/rl-video-episode-{i}.mp4"
                                        for i in range(EPISODES)]
    # The run's step where each recording started: the steps logged in earlier episodes.
    assert [v.step for v in videos] == [0, frames[0] - 1, frames[0] + frames[1] - 2]
    for video, expected_frames in zip(videos, frames):
        data = open(video.local_path, "rb").read()
        assert video.size == len(data) > 1000
        kinds = boxes(data)
        assert kinds[0] == "ftyp" and "moov" in kinds and "mdat" in kinds
        decoded, stream = probe(video.local_path)
        assert decoded == expected_frames
        assert "h264" in stream and "yuv420p" in stream and "600x400" in stream


def test_nbrun_show_lists_the_videos(recorded):
    store, run_id, _ = recorded
    proc = subprocess.run([sys.executable, "-m", "nbrun.cli", "--dir", str(store), "show",
                           run_id, "--json"], capture_output=True, text=True, env=child_env(),
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)["files"]
    videos = [f for f in files if f["kind"] == "video"]
    assert [(v["path"], v["episode"]) for v in videos] == [
        (f"media/videos/rl-video-episode-{i}.mp4", i) for i in range(EPISODES)]
    text = subprocess.run([sys.executable, "-m", "nbrun.cli", "--dir", str(store), "show",
                           run_id], capture_output=True, text=True, env=child_env(),
                          timeout=60).stdout
    assert "media/videos/rl-video-episode-2.mp4" in text and "video, episode 2" in text


def test_patch_only_while_a_run_monitors(store_dir, tmp_path):
    from gymnasium.wrappers import RecordVideo

    original = RecordVideo.stop_recording
    run = nbrun.init(dir=str(store_dir), mode="offline", project="gym", monitor_gym=True)
    assert RecordVideo.stop_recording is not original
    run.finish()
    assert RecordVideo.stop_recording is original
    run = nbrun.init(dir=str(store_dir), mode="offline", project="gym")
    assert RecordVideo.stop_recording is original
    run.finish()


# -- served by the server extension ------------------------------------------------------------
# pytest-jupyter's loop replaced as the server tests do (see test_server.py)
jp_asyncio_loop = server_tests.jp_asyncio_loop


@pytest.fixture
def jp_server_config(recorded):
    return {"ServerApp": {"jpserver_extensions": {"nbrun.server": True}},
            "NbrunServerConfig": {"store_paths": [str(recorded[0])]}}


@pytest.fixture
def get(http_server_client, jp_base_url, jp_auth_header, jp_asyncio_loop):
    async def fetch(path, headers=None, auth=True, method="GET"):
        all_headers = dict(jp_auth_header) if auth else {}
        all_headers.update(headers or {})
        return await http_server_client.fetch(f"{jp_base_url}nbrun/api/{path}", method=method,
                                              headers=all_headers, raise_error=False)

    def call(path, **kwargs):
        return jp_asyncio_loop.run_until_complete(fetch(path, **kwargs))

    return call


def test_server_serves_videos_with_content_type_and_ranges(recorded, get):
    store, run_id, _ = recorded
    path = "media/videos/rl-video-episode-1.mp4"
    data = open(os.path.join(nbrun.Api(store).run(run_id).dir, path), "rb").read()

    whole = get(f"runs/{run_id}/files/{path}")
    assert whole.code == 200 and whole.body == data
    assert whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"

    part = get(f"runs/{run_id}/files/{path}", headers={"Range": "bytes=100-1099"})
    assert part.code == 206 and part.body == data[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert part.headers["Content-Type"] == "video/mp4"
    tail = get(f"runs/{run_id}/files/{path}", headers={"Range": "bytes=-16"})
    assert tail.code == 206 and tail.body == data[-16:]
    beyond = get(f"runs/{run_id}/files/{path}", headers={"Range": f"bytes={len(data) + 5}-"})
    assert beyond.code == 416

    head = get(f"runs/{run_id}/files/{path}", method="HEAD")
    assert head.code == 200 and int(head.headers["Content-Length"]) == len(data)

    detail = json.loads(get(f"runs/{run_id}").body)
    assert [v["episode"] for v in detail["videos"]] == [0, 1, 2]
    assert detail["videos"][1]["path"] == path


def test_server_refuses_what_is_not_a_file_of_the_run(recorded, get, tmp_path):
    store, run_id, _ = recorded
    run_dir = nbrun.Api(store).run(run_id).dir
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    os.symlink(secret, os.path.join(run_dir, "link.txt"))
    try:
        assert get(f"runs/{run_id}/files/link.txt").code == 404
    finally:
        os.remove(os.path.join(run_dir, "link.txt"))
    assert get(f"runs/{run_id}/files/media/videos/nothing.mp4").code == 404
    assert get(f"runs/{run_id}/files/media/../../../../secret.txt").code in (400, 404)
    assert get(f"runs/{run_id}/files/media/%2e%2e/%2e%2e/x").code in (400, 404)
    assert get("runs/nosuchrun/files/media/videos/rl-video-episode-0.mp4").code == 404
    assert get(f"runs/{run_id}/files/media/videos/rl-video-episode-0.mp4",
               auth=False).code == 403
