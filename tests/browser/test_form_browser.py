"""The run form in a real JupyterLab and headless Chromium: show it, fill project, tags and a
config value, click Start; the run card appears and the run is in the store."""

from __future__ import annotations

from .conftest import LabPage, write_notebook

FORM_CELL = "%load_ext nbrun\n%runinit"


def test_form_starts_a_run_with_the_chosen_arguments(lab_page: LabPage):
    lab = lab_page.lab
    page = lab_page.page
    write_notebook(lab.root / "form.ipynb", FORM_CELL)
    notebook = lab_page.run_first_cell("form.ipynb")

    form = notebook.locator(".nbrun-form")
    form.wait_for(timeout=60_000)
    start = form.locator(".nbrun-form-start")
    # The kernel's state shows in the (hidden) code text, updated after each change it
    # receives: waiting for it keeps each action from racing the previous one's sync.
    code = form.locator(".nbrun-form-code-text textarea")

    def synced(fragment: str) -> None:
        page.wait_for_function("([el, text]) => el.value.includes(text)",
                               arg=[code.element_handle(), fragment], timeout=10_000)

    form.locator(".nbrun-form-project input").fill("form-demo")
    synced("project='form-demo'")
    tags = form.locator(".nbrun-form-tags input")
    chips = form.locator(".nbrun-form-tags .nbrun-tag-text")
    for count, tag in enumerate(("browser", "form"), start=1):
        tags.fill(tag)
        tags.press("Enter")  # adds the tag; the input stays, empty, for the next one
        chips.nth(count - 1).wait_for()
        assert chips.count() == count
    synced("tags=['browser', 'form']")
    assert chips.all_text_contents() == ["browser", "form"]
    config = form.locator(".nbrun-form-config textarea")
    config.fill("lr: [unclosed")
    # an invalid field shows its message beside it and Start is disabled
    form.locator(".nbrun-form-error-config .nbrun-form-error-text").wait_for(timeout=10_000)
    lab_page.screenshot("run-form-invalid.png", form)
    assert config.input_value() == "lr: [unclosed"   # the typed text stays
    assert chips.all_text_contents() == ["browser", "form"]
    assert start.is_disabled()
    config.fill("lr: 0.3\nepochs: 2")
    page.wait_for_function(
        "() => !document.querySelector('.nbrun-form-start').disabled", timeout=10_000)
    lab_page.screenshot("run-form.png", form)
    start.click()

    card = form.locator(".nbrun-form-output .nbrun-card")
    card.wait_for(timeout=30_000)
    assert card.locator(".nbrun-card-state").text_content() == "running"
    runs = lab.runs(project="form-demo")
    assert len(runs) == 1
    detail = lab.request(f"nbrun/api/runs/{runs[0]['id']}")
    assert detail["tags"] == ["browser", "form"]
    assert detail["config"] == {"lr": 0.3, "epochs": 2}
    lab_page.screenshot("run-form-started.png", notebook)
    assert not lab_page.errors and not lab_page.dialogs
