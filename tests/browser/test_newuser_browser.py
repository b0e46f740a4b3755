"""What a new user meets first, in a real JupyterLab and headless Chromium (issue 13, point 5):
every form control labelled, tags typed with a comma, Copy code, the offline notice as a quiet
line of the run card, and the card's "+N more" and chart scales."""

from __future__ import annotations

from .conftest import LabPage, write_notebook

FORM_CELL = "%load_ext nbrun\n%runinit"

# A fresh kernel with the default mode (no NBRUN_MODE), as a new user has, starts a run with
# %%runinit (through run_cell_magic, so that one cell does it all) and logs 12 keys, two of them
# with ranges 100x apart.
CARD_CELL = """\
import os
os.environ.pop("NBRUN_MODE", None)
%load_ext nbrun
get_ipython().run_cell_magic("runinit", "", "project: newuser\\n")
for step in range(20):
    run.log({"wide": step / 19, "narrow": step / 1900,
             **{f"extra{i:02d}": step * i for i in range(10)}})
"""


def test_every_form_control_has_a_visible_label(lab_page: LabPage):
    write_notebook(lab_page.lab.root / "labels.ipynb", FORM_CELL)
    notebook = lab_page.run_first_cell("labels.ipynb")
    form = notebook.locator(".nbrun-form")
    form.wait_for(timeout=60_000)
    fields = form.locator(".nbrun-form-field")
    fields.first.wait_for()
    # the label of each field is the argument's name, visible and not a blank box
    shown = lab_page.page.evaluate("""(form) => [...form.querySelectorAll('.nbrun-form-field')]
        .map((field) => {
          const labels = [...field.querySelectorAll('.widget-label, label')].filter((el) => {
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            return box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
                   && style.display !== 'none' && el.textContent.trim();
          });
          return [field.className, labels.map((el) => el.textContent.trim())];
        })""", form.element_handle())
    unlabelled = [cls for cls, labels in shown if not labels]
    assert len(shown) >= 20 and not unlabelled, unlabelled
    names = {label for _, labels in shown for label in labels}
    assert {"tags", "config_include_keys", "config_exclude_keys"} <= names
    placeholder = form.locator(".nbrun-form-tags input").get_attribute("placeholder")
    assert "Enter or comma" in placeholder  # the hint of how to add one
    assert not lab_page.errors and not lab_page.dialogs


def test_tags_with_a_comma_then_tab_are_two_tags_and_copy_code_copies(lab_page: LabPage):
    page = lab_page.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=lab_page.lab.url.rstrip("/"))
    write_notebook(lab_page.lab.root / "commas.ipynb", FORM_CELL)
    notebook = lab_page.run_first_cell("commas.ipynb")
    form = notebook.locator(".nbrun-form")
    form.wait_for(timeout=60_000)
    code = form.locator(".nbrun-form-code-text textarea")
    tags = form.locator(".nbrun-form-tags input")
    tags.fill("beta,gamma")
    tags.press("Tab")
    page.wait_for_function("([el, text]) => el.value.includes(text)",
                           arg=[code.element_handle(), "tags=['beta', 'gamma']"],
                           timeout=10_000)
    chips = form.locator(".nbrun-form-tags .nbrun-tag-text")
    page.wait_for_function("(box) => box.querySelectorAll("
                           "'.nbrun-tag-text').length == 2",
                           arg=form.locator(".nbrun-form-tags").element_handle(),
                           timeout=10_000)
    assert chips.all_text_contents() == ["beta", "gamma"]

    page.evaluate("navigator.clipboard.writeText('nothing yet')")
    form.locator(".nbrun-form-code button").click()
    page.wait_for_function("async () => (await navigator.clipboard.readText())"
                           ".includes('nbrun.init(')", timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "tags=['beta', 'gamma']" in copied
    form.locator(".nbrun-form-status", has_text="copied").wait_for(timeout=10_000)
    assert not lab_page.errors and not lab_page.dialogs


def test_first_runinit_has_no_stderr_and_the_card_shows_scales_and_more(lab_page: LabPage):
    write_notebook(lab_page.lab.root / "card.ipynb", CARD_CELL)
    notebook = lab_page.run_first_cell("card.ipynb")
    card = notebook.locator(".nbrun-card")
    card.wait_for(timeout=60_000)
    notice = card.locator(".nbrun-card-notice")
    notice.wait_for(timeout=10_000)
    assert "no tracking server is configured" in notice.text_content()
    assert notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    more = card.locator(".nbrun-card-more")
    more.wait_for(timeout=15_000)
    assert more.text_content() == "+4 more"   # 12 keys, 8 charts shown
    assert card.locator(".nbrun-card-chart:visible").count() == 8
    more.click()
    assert card.locator(".nbrun-card-chart:visible").count() == 12
    wide = card.locator(".nbrun-card-chart[data-key='wide'] .nbrun-card-max")
    narrow = card.locator(".nbrun-card-chart[data-key='narrow'] .nbrun-card-max")
    lab_page.page.wait_for_function(
        "(el) => el.textContent.includes('0.01')", arg=narrow.element_handle(), timeout=10_000)
    assert wide.text_content() == "max 1.00" and narrow.text_content() == "max 0.0100"
    lab_page.screenshot("run-card-scales.png", card)
    assert not lab_page.errors and not lab_page.dialogs
