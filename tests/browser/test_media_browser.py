"""The detail view's Media section and compare's media (issue 20, point 3), in a real JupyterLab
and Chromium: an image key's step slider (image, caption and boxes follow it), its mask and box
overlays switched off and on, audio and MP4 video that load, HTML in a frame whose script runs in
an origin of its own (no cookie, no parent), a table viewer paged, sorted and filtered by the
server with image thumbnails and a CSV download, histograms over steps as a heatmap, the
nbrun.plot charts drawn from their tables, and one key of several runs side by side."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, scratch_store

pytestmark = pytest.mark.slow

# The media notebook's values (notebooks/media.ipynb), an MP4, a page whose script tries to
# read Jupyter's cookie and its parent, and a 120-row table with image cells.
MEDIA_RUNS = """
import numpy as np
rng = np.random.default_rng(0)
run = nbrun.init(dir=ROOT_DIR, project="media", name="media-tour", reinit="create_new")
labels = {0: "background", 1: "disc", 2: "square"}
yy, xx = np.mgrid[0:64, 0:96]
for step in range(5):
    cx = 20 + 10 * step
    disc = (xx - cx) ** 2 + (yy - 32) ** 2 < 12 ** 2
    square = (abs(xx - 75) < 8) & (abs(yy - 20) < 8)
    mask = np.where(disc, 1, np.where(square, 2, 0)).astype(np.uint8)
    picture = np.stack([disc * 220, square * 200, np.full(disc.shape, 40)], -1).astype(np.uint8)
    boxes = {"predictions": {"box_data": [
        {"position": {"middle": [cx, 32], "width": 24, "height": 24}, "domain": "pixel",
         "class_id": 1, "box_caption": "disc", "scores": {"confidence": 0.9}},
        {"position": {"minX": 0.7, "maxX": 0.86, "minY": 0.19, "maxY": 0.44}, "class_id": 2}],
        "class_labels": labels}}
    run.log({"scene": nbrun.Image(picture, caption=f"step {step}", boxes=boxes,
                                  masks={"truth": {"mask_data": mask, "class_labels": labels}}),
             "loss": 1 / (step + 1)})
run.log({"gallery": [nbrun.Image(rng.random((32, 32, 3)), caption=f"noise {i}")
                     for i in range(4)]})
t = np.linspace(0, 1, 8000, endpoint=False)
frames = np.stack([np.roll(np.eye(32, 48, dtype=np.uint8) * 255, s, axis=1)
                   for s in range(0, 48, 4)])[:, None].repeat(3, axis=1)
page = '''<p id="out">not run</p><script>
let said;
try { said = "cookie:" + document.cookie; } catch (e) { said = "cookie-blocked:" + e.name; }
try { said += " parent:" + parent.document.cookie; }
catch (e) { said += " parent-blocked:" + e.name; }
document.getElementById("out").textContent = said;
</script>'''
run.log({"tone": nbrun.Audio(np.sin(2 * np.pi * 440 * t), sample_rate=8000, caption="A4"),
         "clip": nbrun.Video(frames, fps=8, format="mp4"),
         "report": nbrun.Html(page)})
table = nbrun.Table(columns=["id", "image", "label", "score"])
y16, x16 = np.mgrid[0:16, 0:16]
shapes = {0: (x16 + y16) % 6 < 2, 1: (x16 - 8) ** 2 + (y16 - 8) ** 2 < 30,
          2: (abs(x16 - 8) < 5) & (abs(y16 - 8) < 5)}
for i in range(120):
    shape = shapes[i % 3]
    colour = np.array([(i * 53) % 256, (i * 97) % 256, 200], np.uint8)
    icon = np.where(shape[..., None], colour, np.uint8(30)).astype(np.uint8)
    table.add_data(i, nbrun.Image(icon, caption=f"cell {i}") if i % 7 else None,
                   labels[i % 3], round((i * 37) % 101 / 100, 2))
run.log({"samples": table})
for step in range(10):
    run.log({"weights": nbrun.Histogram(rng.normal(step / 2, 1, 20_000))})
y_true = rng.integers(0, 3, 200)
probas = rng.dirichlet(np.ones(3), 200)
probas[np.arange(200), y_true] += 0.5
probas /= probas.sum(axis=1, keepdims=True)
names = [labels[i] for i in range(3)]
run.log({"confusion": nbrun.plot.confusion_matrix(probs=probas, y_true=y_true,
                                                  class_names=names),
         "roc": nbrun.plot.roc_curve(y_true, probas, labels=names),
         "bar": nbrun.plot.bar(nbrun.Table(columns=["class", "count"], data=[
             [n, int((y_true == i).sum())] for i, n in enumerate(names)]), "class", "count")})
run.finish()

# Two runs for compare: "scene" at steps 0, 2, 4 and at steps 0, 1.
for name, steps in (("cmp-a", [0, 2, 4]), ("cmp-b", [0, 1])):
    run = nbrun.init(dir=ROOT_DIR, project="media", name=name, reinit="create_new")
    for step in steps:
        shade = 60 * step + (0 if name == "cmp-a" else 30)
        run.log({"scene": nbrun.Image(np.full((24, 32, 3), shade, np.uint8),
                                      caption=f"{name} at {step}"), "loss": 1.0}, step=step)
    run.finish()
"""


@pytest.fixture(scope="module")
def media_store(lab):
    with scratch_store(lab, "media", MEDIA_RUNS) as path:
        yield path


def panel(detail, key: str):
    found = detail.locator(f'.jp-nbrun-media-panel[data-key="{key}"]')
    found.wait_for(timeout=20_000)
    return found


def shown_step(scene) -> str:
    return scene.locator(".jp-nbrun-step-slider").get_attribute("data-step")


def wait_image(page, scene, step: int) -> None:
    """The image of ``step`` is in place and loaded."""
    page.wait_for_function(
        "([el, step]) => { const img = el.querySelector('img.jp-nbrun-media-img');"
        " return img && img.dataset.step === String(step) && img.complete"
        " && img.naturalWidth > 0 && img.dataset.loaded === img.getAttribute('src'); }",
        arg=[scene.element_handle(), step], timeout=15_000)


def left(box) -> float:
    """Where a box starts, as a fraction of the image's width."""
    return float(box.evaluate("b => b.style.left").rstrip("%")) / 100


def mask_pixel(scene, x: int, y: int) -> list[int]:
    return scene.locator("canvas.jp-nbrun-mask").evaluate(
        "(c, [x, y]) => Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data)", [x, y])


def test_image_slider_overlays_players_and_sandboxed_html(lab_page: LabPage, media_store):
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("media-tour")
    scene = panel(detail, "scene")
    # The charts draw the numbers: media keys are not charted by default.
    charts = detail.locator(".jp-nbrun-charts .jp-nbrun-chart")
    expect(charts).to_have_count(1)
    assert charts.get_attribute("data-key") == "loss"
    # The latest step first: its image, caption and boxes.
    wait_image(page, scene, 4)
    assert scene.locator(".jp-nbrun-media-caption").text_content() == "step 4"
    disc = scene.locator('.jp-nbrun-box[data-class="1"]')
    assert left(disc) == pytest.approx((60 - 12) / 96)
    # Slider: Home goes to step 0; the image, caption and the disc's box follow.
    scene.locator("input.jp-nbrun-step-range").focus()
    page.keyboard.press("Home")
    wait_image(page, scene, 0)
    assert shown_step(scene) == "0"
    assert scene.locator(".jp-nbrun-media-caption").text_content() == "step 0"
    assert left(disc) == pytest.approx((20 - 12) / 96)
    assert disc.locator(".jp-nbrun-box-label").text_content() == "disc"
    assert "confidence 0.90" in disc.get_attribute("title")
    page.keyboard.press("ArrowRight")
    wait_image(page, scene, 1)
    assert scene.locator(".jp-nbrun-media-caption").text_content() == "step 1"

    # The mask: a colour layer where the disc is (class 1), nothing on the background.
    mask = scene.locator("canvas.jp-nbrun-mask")
    page.wait_for_function("c => (c.dataset.drawn || '').includes('/media/masks/')",
                           arg=mask.element_handle())
    inside, outside = mask_pixel(scene, 30, 32), mask_pixel(scene, 2, 2)
    assert inside[3] > 0 and outside[3] == 0
    assert scene.locator('.jp-nbrun-class[data-class="1"]').text_content() == "disc"

    # Switched off, each overlay is no longer drawn; switched on, it is again.
    assert scene.locator(".jp-nbrun-box").count() == 2
    scene.locator('[data-overlay="boxes:predictions"] input').uncheck()
    expect(scene.locator(".jp-nbrun-box")).to_have_count(0)
    scene.locator('[data-overlay="mask:truth"] input').uncheck()
    expect(scene.locator("canvas.jp-nbrun-mask")).to_have_count(0)
    scene.locator('[data-overlay="boxes:predictions"] input').check()
    expect(scene.locator(".jp-nbrun-box")).to_have_count(2)

    # A gallery: its four images at one step, with their captions.
    gallery = panel(detail, "gallery")
    assert gallery.locator(".jp-nbrun-media-caption").all_text_contents() == [
        f"noise {i}" for i in range(4)]

    # Audio and video load from the run-file endpoint.
    audio = panel(detail, "tone").locator("audio")
    duration = page.wait_for_function(
        "a => a.readyState >= 1 && a.duration > 0 ? a.duration : null",
        arg=audio.element_handle(), timeout=15_000).json_value()
    assert duration == pytest.approx(1.0, abs=0.01)
    video = panel(detail, "clip").locator("video")
    duration = page.wait_for_function(
        "v => v.readyState >= 1 && v.duration > 0 ? v.duration : null",
        arg=video.element_handle(), timeout=15_000).json_value()
    assert duration == pytest.approx(12 / 8, abs=0.15)
    assert video.evaluate("v => v.videoWidth") == 48

    # The page's script ran, in an origin of its own: no cookie of Jupyter's (there is one),
    # no way into the lab's page.
    frame_el = panel(detail, "report").locator("iframe.jp-nbrun-html-frame")
    assert frame_el.evaluate("f => Array.from(f.sandbox)") == ["allow-scripts"]
    out = page.frame_locator(".jp-nbrun-media-panel[data-key=report] iframe").locator("#out")
    expect(out).to_have_text("cookie-blocked:SecurityError parent-blocked:SecurityError")
    assert page.evaluate("() => document.cookie").strip()  # Jupyter's cookies are there
    frame = frame_el.element_handle().content_frame()
    assert frame.evaluate("() => window.origin") == "null"
    assert not lab_page.errors and not lab_page.dialogs


def download(page, button) -> str:
    with page.expect_download(timeout=20_000) as info:
        button.click()
    return open(info.value.path(), encoding="utf-8").read()


def ids(viewer) -> list[int]:
    return [int(t) for t in viewer.locator("tbody tr td:first-child").all_text_contents()]


def assert_thumbnails(page, viewer, rows: list[int]) -> None:
    """Every row with an image (every row but each 7th) shows its own, loaded."""
    viewer.scroll_into_view_if_needed()
    page.wait_for_function(
        "v => [...v.querySelectorAll('img.jp-nbrun-thumb')].every("
        "i => i.complete && i.naturalWidth === 16)", arg=viewer.element_handle())
    alts = viewer.locator("img.jp-nbrun-thumb").evaluate_all("is => is.map(i => i.alt)")
    assert alts == [f"cell {i}" for i in rows if i % 7]


def settled(page, viewer) -> None:
    page.wait_for_function("v => v.dataset.loading === 'false'", arg=viewer.element_handle())


def test_table_viewer_pages_sorts_filters_and_downloads(lab_page: LabPage, media_store):
    page = lab_page.page
    page.set_viewport_size({"width": 1400, "height": 1900})  # a whole page of the table
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("media-tour")
    viewer = panel(detail, "samples").locator(".jp-nbrun-table-viewer")
    settled(page, viewer)
    assert viewer.get_attribute("data-total") == "120"
    assert ids(viewer) == list(range(25))
    info = viewer.locator(".jp-nbrun-page-info")
    assert info.text_content() == "rows 1\u201325 of 120 \u00b7 page 1 of 5"
    # An image cell: its thumbnail, loaded from the run's file.
    assert viewer.locator("tbody tr").first.locator("img").count() == 0  # row 0: no image
    thumb = viewer.locator("tbody tr").nth(1).locator("img.jp-nbrun-thumb")
    assert thumb.get_attribute("alt") == "cell 1"
    thumb.scroll_into_view_if_needed()  # thumbnails load when scrolled to
    page.wait_for_function("i => i.complete && i.naturalWidth === 16",
                           arg=thumb.element_handle())

    viewer.locator(".jp-nbrun-page-next").click()
    settled(page, viewer)
    assert ids(viewer) == list(range(25, 50))
    viewer.locator(".jp-nbrun-page-last").click()
    settled(page, viewer)
    assert ids(viewer) == list(range(100, 120))
    assert info.text_content() == "rows 101\u2013120 of 120 \u00b7 page 5 of 5"

    # Sorted by score by the server: ascending, then descending (back to page 1).
    header = viewer.locator('th[data-column="score"]')
    header.click()
    settled(page, viewer)
    scores = {i: round((i * 37) % 101 / 100, 2) for i in range(120)}
    by_score = sorted(range(120), key=lambda i: (scores[i], i))
    assert [scores[i] for i in ids(viewer)] == [scores[i] for i in by_score[:25]]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    settled(page, viewer)
    assert header.get_attribute("aria-sort") == "descending"
    top = [scores[i] for i in ids(viewer)]
    assert top == sorted(top, reverse=True) and top[0] == max(scores.values())
    # The README's picture: the highest scores first, each row with its own thumbnail.
    assert_thumbnails(page, viewer, ids(viewer))
    assert info.text_content() == "rows 1\u201325 of 120 \u00b7 page 1 of 5"
    lab_page.screenshot("media-table-viewer.png", panel(detail, "samples"))

    # Filtered: rows whose label holds "squ", still by score descending.
    viewer.locator(".jp-nbrun-table-filter-column").select_option("label")
    viewer.locator(".jp-nbrun-table-filter").fill("squ")
    page.wait_for_function("v => v.dataset.filter === 'squ' && v.dataset.loading === 'false'",
                           arg=viewer.element_handle())
    assert viewer.get_attribute("data-total") == "40"
    kept = ids(viewer)
    assert all(i % 3 == 2 for i in kept)
    assert [scores[i] for i in kept] == sorted((scores[i] for i in kept), reverse=True)
    assert_thumbnails(page, viewer, kept)

    # The CSV: every row the filter keeps (not only this page), in the order shown.
    rows = list(csv.reader(io.StringIO(download(page, viewer.locator(".jp-nbrun-table-csv")))))
    assert rows[0] == ["id", "image", "label", "score"]
    assert len(rows) == 41
    expected = sorted((i for i in range(120) if i % 3 == 2), key=lambda i: -scores[i])
    assert [float(r[3]) for r in rows[1:]] == [scores[i] for i in expected]
    assert {r[2] for r in rows[1:]} == {"square"}
    with_image = [r for r in rows[1:] if r[1]]
    assert with_image and all(r[1].startswith("media/images/") for r in with_image)
    assert not lab_page.errors and not lab_page.dialogs


def test_histogram_heatmap_and_plot_charts(lab_page: LabPage, media_store):
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("media-tour")
    weights = panel(detail, "weights")
    heat = weights.locator(".jp-nbrun-heatmap")
    assert heat.get_attribute("data-columns") == "10"
    canvas = heat.locator("canvas")
    page.wait_for_function("c => c.width === 10", arg=canvas.element_handle())
    # The values' centre moves up over the steps (the mean grows by 0.5 a step): the
    # brightest row of the last column is higher (a smaller row index) than the first's.
    brightest = canvas.evaluate("""c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const best = col => { let row = 0, top = -1;
            for (let r = 0; r < c.height; r++) {
                const i = (r * c.width + col) * 4, v = d[i] + d[i + 1] + d[i + 2];
                if (d[i + 3] && v > top) { top = v; row = r; } }
            return row; };
        return [best(0), best(c.width - 1)]; }""")
    assert brightest[1] < brightest[0] - 5, brightest
    # The distribution at the last step, then at the step clicked on the heatmap.
    dist = weights.locator(".jp-nbrun-distribution")
    last = dist.get_attribute("data-step")
    assert dist.locator("rect.jp-nbrun-bar").count() == 64
    canvas.click(position={"x": 3, "y": 20})
    expect(dist).not_to_have_attribute("data-step", last)
    first = int(dist.get_attribute("data-step"))
    assert first == int(last) - 9 and shown_step(weights) == str(first)
    assert "20,000 values in 64 bins" in dist.text_content()

    # Confusion matrix: a cell per pair of classes, the counts adding up to the 200 labels.
    matrix = panel(detail, "confusion").locator("table.jp-nbrun-matrix")
    cells = matrix.locator("td.jp-nbrun-matrix-cell")
    expect(cells).to_have_count(9)
    counts = [float(c) for c in cells.evaluate_all("cs => cs.map(c => c.dataset.count)")]
    assert sum(counts) == 200
    assert matrix.locator("thead th").all_text_contents()[1:] == ["background", "disc", "square"]
    # ROC: a curve per class on the uPlot chart, x named after the table's column.
    roc = panel(detail, "roc").locator(".jp-nbrun-chart")
    roc.locator("canvas").first.wait_for()
    legend = roc.locator(".u-legend .u-series .u-label").all_text_contents()
    assert legend == ["False positive rate", "background", "disc", "square"]
    assert roc.locator(".jp-nbrun-chart-caption").text_content() == "x: False positive rate"
    # Bar chart: a bar per class, its height the count.
    bars = panel(detail, "bar").locator("rect.jp-nbrun-bar")
    expect(bars).to_have_count(3)
    assert bars.evaluate_all("bs => bs.map(b => b.dataset.label)") == [
        "background", "disc", "square"]
    assert sum(float(v) for v in bars.evaluate_all(
        "bs => bs.map(b => b.dataset.value)")) == 200
    assert not lab_page.errors and not lab_page.dialogs


def test_media_section_screenshot(lab_page: LabPage, media_store):
    """The README's picture of the Media section: an image with its boxes and mask at a
    chosen step, a gallery, audio and a histogram over steps."""
    page = lab_page.page
    page.set_viewport_size({"width": 1400, "height": 1900})
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("media-tour")
    scene = panel(detail, "scene")
    wait_image(page, scene, 4)
    scene.locator("input.jp-nbrun-step-range").focus()
    page.keyboard.press("ArrowLeft")
    wait_image(page, scene, 3)
    page.wait_for_function("c => !!c.dataset.drawn",
                           arg=scene.locator("canvas.jp-nbrun-mask").element_handle())
    assert scene.locator(".jp-nbrun-box").count() == 2
    # Only what the picture shows stays open.
    for key in ("clip", "report", "samples", "confusion", "roc", "bar"):
        panel(detail, key).locator("summary").click()
    panel(detail, "weights").locator("canvas").wait_for()
    section = detail.locator(".jp-nbrun-media")
    expect(section.locator("details[open]")).to_have_count(4)
    keys = section.locator("details[open]").evaluate_all("ds => ds.map(d => d.dataset.key)")
    assert keys == ["gallery", "scene", "tone", "weights"]
    section.scroll_into_view_if_needed()
    lab_page.screenshot("media-section.png", section)
    assert not lab_page.errors and not lab_page.dialogs


def test_compare_shows_one_key_of_every_run_side_by_side(lab_page: LabPage, media_store):
    page = lab_page.page
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    lab_page.search("cmp-")
    for name in ("cmp-a", "cmp-b"):
        lab_page.row(name).locator('input[type="checkbox"]').check()
    sidebar.locator(".jp-nbrun-compare").click()
    view = page.locator(".jp-nbrun-compare-view:visible")
    side = view.locator(".jp-nbrun-compare-media")
    side.wait_for(timeout=20_000)
    assert view.locator(".jp-nbrun-compare-media-key").input_value() == "scene"
    charts = view.locator(".jp-nbrun-charts .jp-nbrun-chart")
    expect(charts).to_have_count(1)  # loss, not the media key
    assert charts.get_attribute("data-key") == "compare:loss"
    runs = side.locator(".jp-nbrun-compare-media-run")
    assert runs.evaluate_all("rs => rs.map(r => r.dataset.run)") == ["cmp-a", "cmp-b"]

    def shown() -> list[tuple[str, str]]:
        page.wait_for_function(
            "s => [...s.querySelectorAll('img.jp-nbrun-media-img')].every("
            "i => i.complete && i.naturalWidth > 0)", arg=side.element_handle())
        return [(r.get_attribute("data-shown-step"),
                 r.locator(".jp-nbrun-media-caption").text_content())
                for r in runs.all()]

    # The steps of both runs on one slider, the last (4) first: cmp-b's latest is step 1.
    expect(side).to_have_attribute("data-step", "4")
    assert shown() == [("4", "cmp-a at 4"), ("1", "cmp-b at 1")]
    assert "(step 1)" in runs.nth(1).locator(".jp-nbrun-compare-media-head").text_content()
    slider = view.locator(".jp-nbrun-compare-media-section input.jp-nbrun-step-range")
    slider.focus()
    page.keyboard.press("ArrowLeft")  # steps 0, 1, 2, 4: now 2
    expect(side).to_have_attribute("data-step", "2")
    assert shown() == [("2", "cmp-a at 2"), ("1", "cmp-b at 1")]
    page.keyboard.press("ArrowLeft")
    expect(side).to_have_attribute("data-step", "1")
    assert shown() == [("0", "cmp-a at 0"), ("1", "cmp-b at 1")]
    lab_page.screenshot("compare-media.png", view.locator(".jp-nbrun-compare-media-section"))
    assert not lab_page.errors and not lab_page.dialogs
