"""The run detail's Artifacts section and the artifact view (issue 21, point 3), in a real
JupyterLab and Chromium: a run's inputs and outputs with versions, aliases and sizes, a file of
a version downloaded byte for byte, the versions of a name, the lineage graph (the run that
logged a version, the runs that used it and what they logged; its boxes open runs and other
artifacts in the one artifact tab) and the diff of two versions' files and metadata. Takes the
README's screenshot of the lineage view."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, scratch_store

pytestmark = pytest.mark.slow

# A dataset in two versions (v1: train.csv changed, extra.csv added, notes/readme.txt gone, and
# its metadata changed), two training runs that use v1 (one as "latest", one as "v1") and each
# log a version of a model.
ARTIFACT_RUNS = """
import json, os
src = os.path.join(ROOT_DIR, "src")
os.makedirs(os.path.join(src, "notes"))
def write(path, text):
    with open(os.path.join(src, path), "w") as fh:
        fh.write(text)
write("train.csv", "x,y\\n" + "".join(f"{i},{2 * i + 1}\\n" for i in range(200)))
write("test.csv", "x,y\\n" + "".join(f"{i},{2 * i}\\n" for i in range(50)))
write("notes/readme.txt", "first cut of the data\\n")
with nbrun.init(dir=ROOT_DIR, project="lineage", name="prepare") as run:
    data = nbrun.Artifact("toy-data", type="dataset", metadata={"rows": 200, "seed": 0})
    data.add_dir(src)
    run.log_artifact(data)
os.remove(os.path.join(src, "notes/readme.txt"))
os.rmdir(os.path.join(src, "notes"))
write("train.csv", "x,y\\n" + "".join(f"{i},{2 * i + 1}\\n" for i in range(300)))
write("extra.csv", "x,y\\n1,3\\n")
with nbrun.init(dir=ROOT_DIR, project="lineage", name="prepare-2") as run:
    data = nbrun.Artifact("toy-data", type="dataset", metadata={"rows": 300, "seed": 0,
                                                                  "source": "synthetic"})
    data.add_dir(src)
    run.log_artifact(data)
for name, asked, lr, aliases in (("train-a", "toy-data:latest", 0.05, ["lr-0.05"]),
                                 ("train-b", "toy-data:v1", 0.5, ["lr-0.5", "best"])):
    with nbrun.init(dir=ROOT_DIR, project="lineage", name=name, config={"lr": lr}) as run:
        run.use_artifact(asked)
        weights = os.path.join(ROOT_DIR, f"weights-{name}.json")
        with open(weights, "w") as fh:
            json.dump({"w": 2.0, "b": 1.0, "lr": lr}, fh)
        model = nbrun.Artifact("line-model", type="model", metadata={"lr": lr})
        model.add_file(weights, name="weights.json")
        run.log_artifact(model, aliases=aliases)
"""


@pytest.fixture(scope="module")
def artifact_store(lab):
    with scratch_store(lab, "artifacts", ARTIFACT_RUNS) as path:
        yield path


def artifacts_section(detail):
    section = detail.locator(".jp-nbrun-artifacts")
    section.wait_for(timeout=20_000)
    return section


def item(section, role: str, label: str):
    return section.locator(f".jp-nbrun-artifact-{role} .jp-nbrun-artifact-item"
                           f'[data-artifact="{label}"]')


def test_run_artifacts_section_lists_inputs_outputs_and_downloads(lab_page: LabPage,
                                                                    artifact_store: Path):
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("train-a")
    section = artifacts_section(detail)
    data = item(section, "inputs", "toy-data:v1")
    model = item(section, "outputs", "line-model:v0")
    expect(data).to_contain_text("dataset")
    expect(data).to_contain_text("asked as latest")
    expect(data.locator(".jp-nbrun-artifact-alias")).to_have_text(["latest"])
    expect(model.locator(".jp-nbrun-artifact-alias")).to_have_text(["lr-0.05"])
    expect(model).to_contain_text("1 file")
    # The dataset's size: the bytes of its three files.
    size = sum(p.stat().st_size for p in (artifact_store / "src").iterdir())
    shown = f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"
    expect(data).to_contain_text(f"{shown}, 3 files")
    assert section.locator(".jp-nbrun-artifact-item").count() == 2

    data.locator("summary").click()
    files = data.locator("table.jp-nbrun-artifact-files tbody tr")
    expect(files).to_have_count(3)
    expect(files.locator(".jp-nbrun-artifact-path")).to_have_text(
        ["extra.csv", "test.csv", "train.csv"])
    link = data.locator('tr[data-path="train.csv"] a.jp-nbrun-artifact-download')
    expect(link).to_have_accessible_name("Download train.csv")
    with page.expect_download(timeout=20_000) as info:
        link.click()
    got = Path(info.value.path()).read_bytes()
    assert got == (artifact_store / "src" / "train.csv").read_bytes()
    assert info.value.suggested_filename == "train.csv"
    assert not lab_page.errors and not lab_page.dialogs


def node(view, node_id: str):
    return view.locator(f'.jp-nbrun-lineage-node[data-node-id="{node_id}"]')


def edges(view) -> set[tuple[str, str, str]]:
    return {tuple(e) for e in view.locator(".jp-nbrun-lineage-edge").evaluate_all(
        "els => els.map(e => [e.dataset.source, e.dataset.kind, e.dataset.target])")}


def test_artifact_view_versions_lineage_and_diff(lab_page: LabPage, artifact_store: Path):
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("train-b")
    section = artifacts_section(detail)
    item(section, "inputs", "toy-data:v1").get_by_role(
        "button", name="Open artifact toy-data:v1").click()

    view = page.locator(".jp-nbrun-artifact-view:visible")
    versions = view.locator("table.jp-nbrun-artifact-versions tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.locator("td:first-child")).to_have_text(["v1", "v0"])  # newest first
    expect(view.locator('tr[data-version="v1"] .jp-nbrun-artifact-alias')).to_have_text(
        ["latest"])
    expect(view.locator('tr[data-version="v1"]')).to_contain_text("prepare-2")
    expect(view.locator('tr[data-version="v0"]')).to_contain_text("rows=200")
    expect(view.get_by_role("button", name="Show version v1")).to_have_attribute(
        "aria-pressed", "true")
    info = view.locator('.jp-nbrun-artifact-version-info[data-version="v1"]')
    expect(info.locator(".jp-nbrun-artifact-used")).to_contain_text("train-a (as latest)")
    expect(info.locator(".jp-nbrun-artifact-used")).to_contain_text("train-b (as v1)")

    # The lineage of v1, two steps out: who logged it, who used it, what they logged.
    run_ids = {r["name"]: r["id"] for r in lab_page.lab.runs(project="lineage")}
    v1 = "artifact:lineage/toy-data:v1"
    graph = view.locator("svg.jp-nbrun-lineage-graph")
    expect(node(view, v1)).to_have_class("jp-nbrun-lineage-node jp-nbrun-lineage-artifact "
                                         "jp-nbrun-lineage-focus")
    expect(view.locator(".jp-nbrun-lineage-edge")).to_have_count(5)
    assert edges(view) == {
        (f"run:{run_ids['prepare-2']}", "logged", v1),
        (v1, "used", f"run:{run_ids['train-a']}"),
        (v1, "used", f"run:{run_ids['train-b']}"),
        (f"run:{run_ids['train-a']}", "logged", "artifact:lineage/line-model:v0"),
        (f"run:{run_ids['train-b']}", "logged", "artifact:lineage/line-model:v1"),
    }
    expect(node(view, f"run:{run_ids['prepare-2']}")).to_have_accessible_name(
        "Open run prepare-2")
    labels = graph.locator(".jp-nbrun-lineage-edge-label").all_text_contents()
    assert sorted(labels) == ["logged"] * 3 + ["used as latest", "used as v1"]
    # Runs left of the version, users right of it, their models further right.
    x = {name: node(view, f"run:{run_ids[name]}").bounding_box()["x"]
         for name in ("prepare-2", "train-a", "train-b")}
    x_v1 = node(view, v1).bounding_box()["x"]
    x_model = node(view, "artifact:lineage/line-model:v1").bounding_box()["x"]
    assert x["prepare-2"] < x_v1 < x["train-a"] == x["train-b"] < x_model

    # The diff of v0 -> v1 (the pair shown first): files and metadata.
    result = view.locator('.jp-nbrun-artifact-diff-result[data-a="v0"][data-b="v1"]')
    expect(result.locator(".jp-nbrun-artifact-diff-counts")).to_contain_text(
        "1 added, 1 removed, 1 changed, 1 unchanged")
    rows = result.locator("table.jp-nbrun-artifact-diff-files tr[data-path]")
    expect(rows).to_have_count(3)
    assert rows.evaluate_all("rs => rs.map(r => [r.dataset.path, r.cells[1].textContent])") == [
        ["extra.csv", "added"], ["train.csv", "changed"], ["notes/readme.txt", "removed"]]
    meta = result.locator("table.jp-nbrun-artifact-diff-meta tbody tr")
    assert meta.evaluate_all("rs => rs.map(r => [...r.cells].map(c => c.textContent))") == [
        ["rows", "changed", "200", "300"], ["source", "added", "", "synthetic"]]

    page.mouse.move(0, 0)  # no box drawn hovered
    lab_page.screenshot("artifact-lineage.png", view.locator(".jp-nbrun-artifact-lineage"))

    # A box of another artifact shows it in the same tab; a run's box opens its detail.
    node(view, "artifact:lineage/line-model:v1").focus()
    page.keyboard.press("Enter")
    expect(view.locator("h1.jp-nbrun-detail-name")).to_have_text("line-model")
    expect(view.locator('.jp-nbrun-artifact-version-info[data-version="v1"]')).to_contain_text(
        "best")
    tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Artifact:")
    expect(tabs).to_have_count(1)
    expect(tabs).to_have_text("Artifact: line-model")
    node(view, f"run:{run_ids['train-b']}").click()
    expect(page.locator(".jp-nbrun-detail:visible .jp-nbrun-detail-name")).to_have_text(
        "train-b")
    assert not lab_page.errors and not lab_page.dialogs


# Every text of the artifact view against what it is drawn on (a box of the graph, else the
# nearest background), the text's own transparency blended in; disabled controls left out.
CONTRAST = """(root) => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const solid = (c) => c.length === 3 || (c.length === 4 && c[3] > 0);
  const background = (el) => {
    const box = el.closest('.jp-nbrun-lineage-node');
    if (box) {
      const fill = parse(getComputedStyle(box.querySelector('rect')).fill);
      if (solid(fill)) return fill;
    }
    for (let e = el.closest('svg') ? el.closest('svg').parentElement : el; e;
         e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (solid(c)) return c;
    }
    return [255, 255, 255];
  };
  const texts = root.querySelectorAll(
    'svg text, td, th, dt, dd, summary, button:not(:disabled), a, label, p, h1, h2, h3, h4,' +
    ' .jp-nbrun-artifact-alias, .jp-nbrun-artifact-type, .jp-nbrun-artifact-range');
  return [...texts].filter((el) => el.textContent.trim()).map((el) => {
    const style = getComputedStyle(el);
    const fg = parse(el.closest('svg') ? style.fill : style.color);
    const bg = background(el);
    const alpha = fg.length === 4 ? fg[3] : 1;
    const seen = [0, 1, 2].map((i) => alpha * fg[i] + (1 - alpha) * bg[i]);
    const a = lum(seen), b = lum(bg);
    return [el.textContent.trim().slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


def switch_theme(page, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.click()
    page.locator(".lm-Menu-itemLabel", has_text=name).first.click()
    page.wait_for_function(f"() => document.body.dataset.jpThemeName === {name!r}",
                           timeout=20_000)


def test_artifact_view_text_is_legible_in_light_and_dark(lab_page: LabPage,
                                                         artifact_store: Path):
    page = lab_page.page
    lab_page.open()
    lab_page.open_sidebar()
    detail = lab_page.open_run("prepare-2")
    artifacts_section(detail).get_by_role("button", name="Open artifact toy-data:v1").click()
    view = page.locator(".jp-nbrun-artifact-view:visible")
    view.locator(".jp-nbrun-artifact-diff-result").wait_for()
    view.locator(".jp-nbrun-lineage-node").first.wait_for()
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            if theme != "JupyterLab Light":
                switch_theme(page, theme)
            ratios = view.evaluate(CONTRAST)
            texts = {text for text, _ in ratios}
            assert {"prepare-2", "toy-data:v1", "used as latest", "latest", "extra.csv"} <= texts
            low = [(text, round(r, 2)) for text, r in ratios if r < 4.5]
            assert not low, (theme, low)
    finally:
        switch_theme(page, "JupyterLab Light")
    assert not lab_page.errors and not lab_page.dialogs
