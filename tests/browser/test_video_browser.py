"""A video that monitor_gym attached plays in the sidebar's detail view: Debian's chromium loads
the MP4 (H.264) from the server extension with Range requests and reports its duration."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, make_runs

pytestmark = pytest.mark.slow

# Two CartPole episodes of a fixed length recorded under monitor_gym (50 frames a second).
GYM_RUN = """
import gymnasium as gym
from gymnasium.wrappers import RecordVideo
run = nbrun.init(dir=ROOT_DIR, project="gym", name="gym-video", monitor_gym=True)
env = RecordVideo(gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=24),
                  ROOT_DIR + "/../videos", episode_trigger=lambda episode: True)
for episode in range(2):
    obs, _ = env.reset(seed=episode)
    done = False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(int(obs[2] + 0.5 * obs[3] > 0))
        done = terminated or truncated
        run.log({"reward": reward})
env.close()
run.finish()
"""


def test_detail_view_plays_the_latest_episode(lab_page: LabPage):
    make_runs(lab_page.lab.root, GYM_RUN)
    page = lab_page.page
    responses = []
    page.on("response", lambda r: responses.append(r) if "/files/" in r.url else None)
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("gym-video")
    video = detail.locator("video.jp-nbrun-video")
    expect(video).to_have_attribute("data-path", "media/videos/rl-video-episode-1.mp4")
    handle = video.element_handle()
    duration = page.wait_for_function(
        "v => v.readyState >= 1 && v.duration > 0 ? v.duration : null", arg=handle,
        timeout=15_000).json_value()
    assert duration == pytest.approx(25 / 50, abs=0.03)  # reset frame + 24 steps
    assert handle.evaluate("v => v.play().then(() => true)")
    page.wait_for_function("v => v.currentTime > 0.1", arg=handle, timeout=10_000)
    served = [r for r in responses if r.url.split("?")[0].endswith("rl-video-episode-1.mp4")]
    assert served and all(r.headers["content-type"] == "video/mp4" for r in served)
    assert all(r.headers.get("accept-ranges") == "bytes" for r in served)
    # Chromium asked with "Range: bytes=0-" (answered 200 with the whole small file, as tornado
    # does for a range that is the whole file); a seek asks for a part, as this request does.
    part = handle.evaluate("""async v => {
        const r = await fetch(v.currentSrc, {headers: {Range: "bytes=8-23"}});
        return [r.status, r.headers.get("content-range"), (await r.arrayBuffer()).byteLength];
    }""")
    assert part[0] == 206 and part[1].startswith("bytes 8-23/") and part[2] == 16

    # Another episode is one click away.
    detail.locator(".jp-nbrun-video-choice", has_text="episode 0").click()
    expect(video).to_have_attribute("data-path", "media/videos/rl-video-episode-0.mp4")
    page.wait_for_function("v => v.duration > 0", arg=video.element_handle(), timeout=15_000)
    lab_page.screenshot("detail-video.png", detail)
    assert not lab_page.errors and not lab_page.dialogs
