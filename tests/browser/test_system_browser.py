"""The System section of a run's detail view: the system metrics sampled while the run ran,
charted against the time since it started, related metrics in one chart."""

from __future__ import annotations

from .conftest import LabPage, scratch_store

SAMPLED_RUN = """
import time
run = nbrun.init(dir=ROOT_DIR, project="sys", name="sampled",
                 settings={"system_metrics_interval": 1})
deadline = time.monotonic() + 3.3
while time.monotonic() < deadline:
    run.log({"loss": 1.0})
    time.sleep(0.05)
run.finish()
print(len(nbrun.Api(ROOT_DIR).run(run.id).history(stream="system")))
"""


def test_the_system_section_charts_the_samples_against_time(lab_page: LabPage, lab):
    with scratch_store(lab, "system", SAMPLED_RUN):
        lab_page.open()
        lab_page.open_sidebar()
        detail = lab_page.open_run("sampled")
        section = detail.locator(".jp-nbrun-section", has=lab_page.page.locator(
            "h2", has_text="System"))
        section.wait_for(timeout=10_000)
        cpu = section.locator('[data-key="system:CPU (%)"]')
        cpu.wait_for(timeout=10_000)
        assert cpu.get_attribute("data-x-axis") == "relative"
        # Two lines (the system's and the process's CPU) of at least 3 samples each.
        assert int(cpu.get_attribute("data-points")) >= 6
        titles = section.locator("[data-key]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.key)")
        assert titles[:4] == ["system:CPU (%)", "system:Memory (MB)", "system:Memory (%)",
                              "system:Disk I/O since start (MB)"]
        assert not any("GPU" in t for t in titles)  # no GPU on this machine
        # The run's own charts hold no system key.
        charts = detail.locator(".jp-nbrun-section", has=lab_page.page.locator(
            "h2", has_text="Charts"))
        assert "system/" not in charts.text_content()
        assert not lab_page.errors and not lab_page.dialogs
