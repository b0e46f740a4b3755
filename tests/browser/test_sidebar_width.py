"""The sidebar at JupyterLab's default width (issue 13, point 5): generated run names and a
project name of usual length are shown whole, not cut with an ellipsis."""

from __future__ import annotations

from .conftest import LabPage, scratch_store

NAMED_RUNS = """
for i in range(3):
    run = nbrun.init(dir=ROOT_DIR, project="image-classification", reinit="create_new",
                     tags=["baseline"])
    run.log({"loss": 1.0})
    run.finish()
"""

# How many pixels of each text are hidden: by its own ellipsis, or by its line or cell, which
# clip what passes their right edge.
CUT = """(row) => [...row.querySelectorAll('.jp-nbrun-row-name, .jp-nbrun-row-project')]
  .map((el) => {
    const right = Math.min(...[el.parentElement, el.closest('.jp-nbrun-cell-run')]
      .map((box) => box.getBoundingClientRect().right));
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect().right;
    return [el.textContent, Math.max(el.scrollWidth - el.clientWidth, text - right)];
  })"""


def test_names_and_project_fit_at_the_default_width(lab_page: LabPage):
    with scratch_store(lab_page.lab, "widths", NAMED_RUNS):
        names = [r["name"] for r in lab_page.lab.runs(project="image-classification")]
        check_widths(lab_page, names)


def check_widths(lab_page: LabPage, names: list[str]) -> None:
    assert len(names) == 3
    lab_page.open()
    sidebar = lab_page.open_sidebar()
    width = sidebar.evaluate("(el) => el.getBoundingClientRect().width")
    lab_page.search("")
    for name in names:
        row = lab_page.row(name).first
        row.wait_for(timeout=15_000)
        cut = [(text, extra) for text, extra in row.evaluate(CUT) if extra > 0.5]
        assert not cut, f"cut at the default sidebar width ({width:.0f}px): {cut}"
    lab_page.screenshot("sidebar-default-width.png", sidebar)
    assert not lab_page.errors and not lab_page.dialogs
