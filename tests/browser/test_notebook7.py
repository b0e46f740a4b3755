"""The Runs panel in Notebook 7 (issue 23, point 2): a real Notebook 7 server (the ``notebook``
package's pages, whose shell keeps one document in its main area) with this checkout's build of
the extension, driven in Chromium. The panel opens from its icon in the notebook's toolbar; a
click on a run, Enter on its row and Compare open their views below the notebook (they did
nothing at all before)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from .conftest import VIEWPORT, LabPage, baseline_runs, is_lab_noise, make_runs, write_notebook
from .labserver import LabError, start_notebook7, stop_lab
from .writtencell import init_arguments

NOTEBOOK = "sweep.ipynb"
# Notebook 7.6.5's shortcuts plugin reads the schema of a plugin it has not loaded while the
# page loads: the same page error shows with nbrun's extension disabled. Any other page error
# still fails the tests.
NOTEBOOK7_NOISE = "Cannot read properties of undefined (reading 'schema')"


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory) -> Iterator[Any]:
    """A Notebook 7 server whose root folder holds five finished runs sweep-0 .. sweep-4 and a
    notebook."""
    home = tmp_path_factory.mktemp("notebook7")
    root = home / "root"
    root.mkdir()
    make_runs(root, baseline_runs("sweep"))
    write_notebook(root / NOTEBOOK, "print('training')")
    try:
        server = start_notebook7(root, home)
    except LabError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def nb_page(notebook7, browser) -> Iterator[LabPage]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(20_000)
    wrapper = LabPage(page=page, lab=notebook7)
    page.on("dialog", lambda dialog: (wrapper.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: None if is_lab_noise(str(exc)) or str(exc) == NOTEBOOK7_NOISE
            else wrapper.errors.append(str(exc)))
    try:
        yield wrapper
    finally:
        context.close()
    assert not wrapper.errors, wrapper.errors
    assert not wrapper.dialogs, wrapper.dialogs


def open_runs_panel(nb: LabPage) -> Any:
    """Open the notebook's Notebook 7 page and the Runs panel from its toolbar icon; the
    panel's locator."""
    page = nb.page
    page.goto(nb.lab.notebook_url(NOTEBOOK))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)
    button = page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="nbrun-runs"]')
    try:
        button.wait_for(timeout=20_000)
    except Exception:
        pytest.fail("the notebook's toolbar has no Runs icon (data-jp-item-name=nbrun-runs)")
    sidebar = page.locator("#nbrun-sidebar")
    assert not sidebar.is_visible()
    button.locator("button").click()
    sidebar.wait_for(state="visible")
    return sidebar


def below_notebook(nb: LabPage) -> Any:
    """The area under the notebook (Notebook 7's down area), which must be shown."""
    area = nb.page.locator("#jp-down-stack")
    area.wait_for(state="visible")
    return area


def test_runs_icon_shows_and_hides_the_panel(nb_page: LabPage):
    page = nb_page.page
    sidebar = open_runs_panel(nb_page)
    sidebar.locator(".jp-nbrun-row-name", has_text="sweep-0").wait_for()
    icon = page.locator('[data-jp-item-name="nbrun-runs"] button')
    assert icon.get_attribute("aria-label") == "Show or hide Runs (nbrun)"
    page.wait_for_function("el => el.getAttribute('aria-pressed') === 'true'",
                           arg=icon.element_handle())
    icon.click()
    sidebar.wait_for(state="hidden")
    page.wait_for_function("el => el.getAttribute('aria-pressed') === 'false'",
                           arg=icon.element_handle())
    # Closed by the side panel's own button, the icon follows too.
    icon.click()
    sidebar.wait_for(state="visible")
    page.locator("#jp-left-stack .jp-SidePanel-collapse").click()
    sidebar.wait_for(state="hidden")
    page.wait_for_function("el => el.getAttribute('aria-pressed') === 'false'",
                           arg=icon.element_handle())


def test_click_on_a_run_opens_its_detail_below_the_notebook(nb_page: LabPage):
    page = nb_page.page
    open_runs_panel(nb_page)
    detail = nb_page.open_run("sweep-1")
    assert detail.locator(".jp-nbrun-detail-name").text_content() == "sweep-1"
    area = below_notebook(nb_page)
    assert area.locator(".jp-nbrun-detail").count() == 1
    assert area.locator(".lm-TabBar-tabLabel").all_text_contents() == ["Run: sweep-1"]
    # The notebook keeps the main area, and the detail gets half the page, not a strip.
    assert page.locator("#main-panel .jp-NotebookPanel").is_visible()
    height = area.bounding_box()["height"]
    assert height > 0.4 * VIEWPORT["height"], height
    # A second run takes the first one's place, as in JupyterLab.
    nb_page.open_run("sweep-2")
    page.locator(".lm-TabBar-tabLabel", has_text="Run: sweep-2").wait_for()
    assert area.locator(".lm-TabBar-tabLabel").all_text_contents() == ["Run: sweep-2"]


def test_enter_on_a_row_opens_its_detail(nb_page: LabPage):
    open_runs_panel(nb_page)
    nb_page.search("sweep-3")
    row = nb_page.row("sweep-3").first
    row.wait_for()
    row.press("Enter")
    name = below_notebook(nb_page).locator(".jp-nbrun-detail .jp-nbrun-detail-name")
    name.wait_for()
    assert name.text_content() == "sweep-3"


def test_compare_of_two_runs_opens_below_the_notebook(nb_page: LabPage):
    page = nb_page.page
    sidebar = open_runs_panel(nb_page)
    nb_page.search("sweep-")
    for name in ("sweep-0", "sweep-4"):
        nb_page.row(name).locator('input[type="checkbox"]').check()
    compare = sidebar.locator(".jp-nbrun-compare")
    expect(compare).to_have_text("Compare (2)")
    compare.click()
    view = below_notebook(nb_page).locator(".jp-nbrun-compare-view")
    view.locator(".jp-nbrun-config-diff").wait_for()
    assert "jp-nbrun-diff" in view.locator('tr[data-key="lr"]').get_attribute("class")
    chart = view.locator('.jp-nbrun-chart[data-key="compare:loss"]')
    chart.locator("canvas").wait_for()
    page.wait_for_function("el => el.dataset.points === '100'", arg=chart.element_handle())
    # one legend for the page, none under each chart (compare at sweep scale, issue 23.4)
    legend = view.locator(".jp-nbrun-run-legend li").all_text_contents()
    assert legend == ["sweep-0", "sweep-4"]
    assert chart.locator(".u-legend").count() == 0
    assert page.locator(".lm-TabBar-tabLabel", has_text="Compare 2 runs").is_visible()
    assert page.locator("#main-panel .jp-NotebookPanel").is_visible()
    nb_page.screenshot("notebook7-runs.png")


def test_resume_in_the_detail_below_writes_the_cell_into_the_notebook_above(nb_page: LabPage):
    page = nb_page.page
    run = nb_page.lab.run_named("sweep-2")
    open_runs_panel(nb_page)
    detail = nb_page.open_run("sweep-2")
    detail.locator(".jp-nbrun-resume").click()
    notebook = page.locator("#main-panel .jp-NotebookPanel")
    cell = notebook.locator(".jp-Cell", has_text="nbrun.init(")
    cell.wait_for()
    text = "\n".join(cell.locator(".cm-line").all_text_contents())
    arguments = init_arguments(text)
    assert arguments["id"] == run["id"] and arguments["resume"] == "must", text
