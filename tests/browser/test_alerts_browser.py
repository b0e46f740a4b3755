"""Issue 22 points 3 and 4 in the sidebar, in a real JupyterLab: a key define_metric gave a step
metric is charted against it (an epoch x axis) and a hidden key is not charted by default; a
run's alerts are listed in its detail view, marked in the runs list (legible in both themes),
and an alert recorded while the page is open (by a real process) becomes a JupyterLab
notification, while those recorded before the page loaded never do."""

from __future__ import annotations

from .contrast import SOLID_RATIO_JS
from .conftest import LabPage, make_runs, scratch_store
from .test_compare_theme import switch_theme

EPOCH_RUN = """
run = nbrun.init(dir=ROOT_DIR, project="defs", name="epoch-run")
run.define_metric("val/acc", step_metric="epoch")
run.define_metric("lr", hidden=True)
for epoch in range(5):
    for _ in range(10):
        run.log({"loss": 1.0, "lr": 0.1})
    run.log({"epoch": epoch, "val/acc": 0.5 + epoch / 10})
run.finish()
"""

ALERT_RUN = """
run = nbrun.init(dir=ROOT_DIR, project="alerting", name="alerting-run")
for i in range(200):
    run.alert(f"filler {i}", "old news", level="INFO")
run.log({"loss": 1.0})
run.alert("heads up", "lr is high", level="INFO")
run.log({"loss": 2.0})
run.alert("slow epoch", "epoch 1 took 3 min", level="WARN")
run.log({"loss": float("nan")})
run.alert("diverged", "loss is NaN", level="ERROR")
run.finish()
"""

CONTRAST = "(nodes) => {" + SOLID_RATIO_JS + """
  return nodes.map((el) => [el.className.baseVal ?? el.className, ratio(el)]);
}"""


def test_a_key_is_charted_against_its_step_metric_and_a_hidden_key_is_not(
        lab_page: LabPage, lab):
    with scratch_store(lab, "epochs", EPOCH_RUN):
        lab_page.open()
        lab_page.open_sidebar()
        detail = lab_page.open_run("epoch-run")
        acc = detail.locator('.jp-nbrun-chart[data-key="val/acc"]')
        acc.wait_for(timeout=15_000)
        page = lab_page.page
        page.wait_for_function(
            "el => el.dataset.points === '5' && el.dataset.xTicks", arg=acc.element_handle())
        assert acc.locator(".jp-nbrun-chart-caption").text_content().startswith("x: epoch")
        # The x axis runs over the epochs (0..4), not over the steps (10..54).
        low, high = (float(v) for v in acc.get_attribute("data-x-range").split("|"))
        assert low >= 0 and high <= 4
        assert acc.get_attribute("data-last-step") == "4"
        loss = detail.locator('.jp-nbrun-chart[data-key="loss"]')
        assert loss.locator(".jp-nbrun-chart-caption").text_content().startswith("x: step")
        # The hidden key is not charted, and the picker offers it marked hidden.
        assert detail.locator('.jp-nbrun-chart[data-key="lr"]').count() == 0
        detail.locator(".jp-nbrun-keys-toggle").click()
        option = detail.locator(".jp-nbrun-column-option", has_text="lr")
        assert option.get_attribute("data-hidden") == "true"
        assert "hidden" in option.text_content()
        assert not lab_page.errors and not lab_page.dialogs


def test_alerts_are_listed_marked_and_legible_in_both_themes(lab_page: LabPage, lab):
    with scratch_store(lab, "alerting", ALERT_RUN):
        lab_page.open()
        sidebar = lab_page.open_sidebar()
        lab_page.search("alerting-run")
        mark = lab_page.row("alerting-run").locator(".jp-nbrun-alert-mark")
        mark.wait_for(timeout=15_000)
        assert mark.get_attribute("data-level") == "ERROR"
        assert mark.get_attribute("aria-label") == "203 alerts; the newest is error"
        detail = lab_page.open_run("alerting-run")
        section = detail.locator(".jp-nbrun-section", has=lab_page.page.locator(
            "h2", has_text="Alerts"))
        section.wait_for(timeout=10_000)
        assert section.locator("h2").text_content() == "Alerts (203)"
        items = section.locator(".jp-nbrun-alert")
        assert items.count() == 200
        first = items.nth(0)  # the newest first
        assert first.get_attribute("data-level") == "ERROR"
        assert first.locator(".jp-nbrun-alert-title").text_content() == "diverged"
        assert first.locator(".jp-nbrun-alert-text").text_content() == "loss is NaN"
        assert first.locator(".jp-nbrun-alert-step").text_content() == "step 2"
        assert first.locator(".jp-nbrun-alert-time").text_content().startswith("20")
        assert first.locator("svg").get_attribute("aria-label") == "error"
        second, third = items.nth(1), items.nth(2)
        assert (second.get_attribute("data-level"),
                second.locator(".jp-nbrun-alert-title").text_content()) == ("WARN", "slow epoch")
        assert second.locator("svg").get_attribute("aria-label") == "warning"
        assert third.locator("svg").get_attribute("aria-label") == "information"
        # Three distinct icons, not one icon in three colours.
        shapes = {items.nth(i).locator("svg").inner_html() for i in range(3)}
        assert len(shapes) == 3
        assert section.locator(".jp-nbrun-alerts-more").text_content() == (
            "3 more (older) not shown")
        texts = (".jp-nbrun-alert-level, .jp-nbrun-alert-title, .jp-nbrun-alert-text, "
                 ".jp-nbrun-alert-time, .jp-nbrun-alert-step")
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            if theme != "JupyterLab Light":
                switch_theme(lab_page.page, theme)
            ratios = section.locator(texts).evaluate_all(CONTRAST)[:15]
            ratios += sidebar.locator(".jp-nbrun-alert-mark").evaluate_all(CONTRAST)
            low = [r for r in ratios if r[1] < 4.5]
            assert not low, (theme, low)
        switch_theme(lab_page.page, "JupyterLab Light")
        assert not lab_page.errors and not lab_page.dialogs


def test_an_alert_recorded_while_the_page_is_open_is_a_notification(lab_page: LabPage, lab):
    with scratch_store(lab, "notify", """
run = nbrun.init(dir=ROOT_DIR, project="notify", name="already-alerted")
run.alert("from before", "recorded before the page loaded", level="ERROR")
run.finish()
""") as path:
        lab_page.open()
        page = lab_page.page
        # The watcher's first answer (the server's time) is in once it asked a second time.
        with page.expect_response(lambda r: "/nbrun/api/alerts?after=" in r.url,
                                  timeout=30_000):
            pass
        make_runs(path, """
run = nbrun.init(dir=ROOT_DIR, project="notify", name="live-run")
run.log({"loss": float("nan")})
run.alert("loss diverged", "loss is NaN at step 0", level="ERROR")
run.finish()
""")
        toast = page.locator(".jp-Notification-Toast-error", has_text="live-run: loss diverged")
        toast.wait_for(timeout=30_000)
        assert "loss is NaN at step 0" in toast.text_content()
        assert toast.get_by_role("button", name="Open run").count() == 1
        assert page.locator(".Toastify__toast", has_text="from before").count() == 0
        # Its button opens the run.
        toast.get_by_role("button", name="Open run").click()
        page.locator(".jp-nbrun-detail:visible .jp-nbrun-detail-name",
                     has_text="live-run").wait_for(timeout=15_000)
        assert page.locator(".Toastify__toast", has_text="from before").count() == 0
        assert not lab_page.errors and not lab_page.dialogs
