"""From the form into the notebook (issue 13, point 4), in a real JupyterLab: "Insert cell"
writes the %%runinit cell below the form's cell at once, through the lab extension (no other
cell executed), and Enter commits a tag."""

from __future__ import annotations

import json

from .conftest import LabPage

FORM_CELL = "%load_ext nbrun\n%runinit"


def write_cells(path, sources: list[str]) -> None:
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}",
                     "metadata": {}, "outputs": [], "source": src}
                    for i, src in enumerate(sources)],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                      "name": "python3"}, "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1))


def test_insert_cell_appears_below_the_form_at_once(lab_page: LabPage):
    page = lab_page.page
    write_cells(lab_page.lab.root / "insert.ipynb", [FORM_CELL, "print('left alone')"])
    notebook = lab_page.run_first_cell("insert.ipynb")
    form = notebook.locator(".nbrun-form")
    form.wait_for(timeout=60_000)
    code = form.locator(".nbrun-form-code-text textarea")
    form.locator(".nbrun-form-project input").fill("inserted")
    page.wait_for_function("([el, text]) => el.value.includes(text)",
                           arg=[code.element_handle(), "project='inserted'"], timeout=10_000)
    prompts_before = notebook.locator(".jp-Cell .jp-InputPrompt").all_text_contents()
    form.locator(".nbrun-form-insert button").click()
    cells = notebook.locator(".jp-Cell")
    page.wait_for_function("(nb) => nb.querySelectorAll('.jp-Cell').length === 3",
                           arg=notebook.element_handle(), timeout=5_000)
    second = "\n".join(cells.nth(1).locator(".cm-line").all_text_contents())
    assert second.startswith("%%runinit\n") and "project: inserted" in second
    assert "left alone" in cells.nth(2).text_content()
    prompts = notebook.locator(".jp-Cell .jp-InputPrompt").all_text_contents()
    assert prompts[0] == prompts_before[0] and prompts[2].strip() in ("[ ]:", "")  # none run
    form.locator(".nbrun-form-status", has_text="written below this form").wait_for(
        timeout=10_000)
    assert not lab_page.errors and not lab_page.dialogs


def test_enter_commits_a_tag(lab_page: LabPage):
    page = lab_page.page
    write_cells(lab_page.lab.root / "enter.ipynb", [FORM_CELL])
    notebook = lab_page.run_first_cell("enter.ipynb")
    form = notebook.locator(".nbrun-form")
    form.wait_for(timeout=60_000)
    code = form.locator(".nbrun-form-code-text textarea")
    form.locator(".nbrun-form-tags").click()
    tags = form.locator(".nbrun-form-tags input")
    tags.fill("first")
    tags.press("Enter")
    page.wait_for_function("([el, text]) => el.value.includes(text)",
                           arg=[code.element_handle(), "tags=['first']"], timeout=5_000)
    assert form.locator(".nbrun-form-tags input").evaluate(
        "(el) => document.activeElement === el")  # still typing in the tags
    page.keyboard.type("second")
    page.keyboard.press("Enter")
    page.wait_for_function("([el, text]) => el.value.includes(text)",
                           arg=[code.element_handle(), "tags=['first', 'second']"],
                           timeout=5_000)
    assert not lab_page.errors and not lab_page.dialogs
