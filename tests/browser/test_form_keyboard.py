"""The run form (``%runinit``) by keyboard alone and to a screen reader (issue 23, point 8),
in a notebook of a real JupyterLab: the tags field stays a Tab stop once it holds tags, each
tag's remove button is reached by Tab and works with Enter, the two config-keys fields have
names of their own, and each True/False toggle is a group named for its argument whose
buttons say which is pressed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, write_notebook

pytestmark = pytest.mark.slow

FORM_CELL = "%load_ext nbrun\n%runinit"

TOGGLES = ("allow_val_change", "force", "save_code", "tensorboard", "sync_tensorboard",
           "monitor_gym", "mode", "anonymous")


def active(page) -> str:
    """What has the focus, as a screen reader would name it: role and name."""
    return page.evaluate("""() => {
      const el = document.activeElement;
      const label = el.getAttribute('aria-label') || (el.labels && el.labels[0]
        ? el.labels[0].textContent : '') || el.textContent;
      return `${el.tagName.toLowerCase()} ${label.trim()}`;
    }""")


@pytest.fixture
def form(lab_page: LabPage):
    write_notebook(lab_page.lab.root / "keys.ipynb", FORM_CELL)
    notebook = lab_page.run_first_cell("keys.ipynb")
    form = notebook.locator(".nbrun-form")
    form.wait_for(timeout=60_000)
    return form


def synced(page, form, fragment: str) -> None:
    """Wait for the kernel's code text to show ``fragment`` (each change is then applied)."""
    code = form.locator(".nbrun-form-code-text textarea")
    page.wait_for_function("([el, text]) => el.value.includes(text)",
                           arg=[code.element_handle(), fragment], timeout=10_000)


def test_tags_field_is_edited_by_keyboard_alone(lab_page: LabPage, form):
    page = lab_page.page
    notes = form.get_by_role("textbox", name="notes", exact=True)
    notes.focus()
    page.keyboard.press("Tab")
    assert active(page) == "input tags"
    for tag in ("alpha", "beta"):
        page.keyboard.type(tag)
        page.keyboard.press("Enter")
    synced(page, form, "tags=['alpha', 'beta']")
    # With tags, Tab from the field before still reaches each tag, then the input.
    notes.focus()
    page.keyboard.press("Tab")
    assert active(page) == "button Remove alpha from tags"
    page.keyboard.press("Tab")
    assert active(page) == "button Remove beta from tags"
    page.keyboard.press("Tab")
    assert active(page) == "input tags"
    page.keyboard.type("gamma")
    page.keyboard.press("Enter")
    synced(page, form, "tags=['alpha', 'beta', 'gamma']")
    # Enter on a tag's button removes it; the focus stays in the field.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert active(page) == "button Remove alpha from tags"
    page.keyboard.press("Enter")
    synced(page, form, "tags=['beta', 'gamma']")
    assert active(page) == "button Remove beta from tags"
    expect(form.locator(".nbrun-form-tags")).to_match_aria_snapshot("""
      - text: tags
      - group "tags":
        - text: beta
        - button "Remove beta from tags"
        - text: gamma
        - button "Remove gamma from tags"
        - combobox "tags"
    """)
    lab_page.screenshot("run-form-tags-keyboard.png", form.locator(".nbrun-form-tags"))
    assert not lab_page.errors and not lab_page.dialogs


def test_config_keys_fields_have_names_of_their_own(lab_page: LabPage, form):
    for name in ("config_include_keys", "config_exclude_keys"):
        expect(form.get_by_role("combobox", name=name, exact=True)).to_have_count(1)
    expect(form.locator(".nbrun-form-config-exclude-keys")).to_match_aria_snapshot("""
      - group "config_exclude_keys":
        - combobox "config_exclude_keys"
    """)


def test_toggles_are_named_groups_with_a_pressed_state(lab_page: LabPage, form):
    page = lab_page.page
    for name in TOGGLES:
        group = form.get_by_role("group", name=name, exact=True)
        expect(group).to_have_count(1)
        expect(group.get_by_role("button", name="(default)")).to_have_attribute(
            "aria-pressed", "true")
    force = form.get_by_role("group", name="force", exact=True)
    # One Tab stop per group (the pressed button); arrows move, Space presses.
    force.get_by_role("button", name="(default)").focus()
    page.keyboard.press("ArrowRight")
    assert active(page) == "button True"
    page.keyboard.press("Space")
    synced(page, form, "force=True")
    expect(force).to_match_aria_snapshot("""
      - group "force":
        - button "(default)" [pressed=false]
        - button "True" [pressed]
        - button "False" [pressed=false]
    """)
    page.keyboard.press("Tab")
    assert not force.evaluate("(g) => g.contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert active(page) == "button True"
    assert not lab_page.errors and not lab_page.dialogs
