"""A run file never runs as Jupyter's origin: an HTML or SVG file in a run's folder whose script
reads the cookies and starts a kernel with the XSRF token, opened from the server extension in
a logged-in Chromium, reads no cookie, calls no API and starts no kernel."""

from __future__ import annotations

import json

import pytest

from .conftest import LabPage, scratch_store

pytestmark = pytest.mark.slow

# What the script tries, then reports twice: in the page's text and as a request the test sees.
PROBE = """
(async () => {
  const report = {};
  try { report.cookie = document.cookie; } catch (e) { report.cookie = "refused: " + e.name; }
  const xsrf = (/(?:^|; )_xsrf=([^;]*)/.exec(report.cookie) || [])[1] || "";
  try {
    const reply = await fetch("/api/kernels", {
      method: "POST", credentials: "include", body: "{}",
      headers: {"X-XSRFToken": decodeURIComponent(xsrf), "Content-Type": "application/json"}});
    report.kernels = reply.status;
  } catch (e) { report.kernels = "refused: " + e.name; }
  document.getElementById("out").textContent = JSON.stringify(report);
  new Image().src = "/nbrun/api/probe-report?r=" + encodeURIComponent(JSON.stringify(report));
})();
"""
HTML = f"<html><body><p id='out'>not run</p><script>{PROBE}</script></body></html>"
SVG = (f"<svg xmlns='http://www.w3.org/2000/svg'><text id='out' y='20'>not run</text>"
       f"<script><![CDATA[{PROBE}]]></script></svg>")

MAKE_RUN = f"""
import os
run = nbrun.init(dir=ROOT_DIR, project="sandbox", name="sandbox-probe")
for name, text in (("report.html", {HTML!r}), ("media/chart.svg", {SVG!r})):
    os.makedirs(os.path.dirname(os.path.join(run.dir, name)), exist_ok=True)
    with open(os.path.join(run.dir, name), "w") as fh:
        fh.write(text)
run.finish()
"""


@pytest.mark.parametrize("path", ["report.html", "media/chart.svg"])
def test_a_run_files_script_reads_no_cookie_and_calls_no_api(lab_page: LabPage, path):
    lab = lab_page.lab
    with scratch_store(lab, f"sandbox-{path.replace('/', '-')}", MAKE_RUN):
        run_id = lab.run_named("sandbox-probe")["id"]
        lab_page.open()  # logged in: the page holds the login and XSRF cookies
        context = lab_page.page.context
        assert any(c["name"] == "_xsrf" for c in context.cookies())
        kernels_before = {k["id"] for k in lab.request("api/kernels")}
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        try:
            reply = page.goto(f"{lab.url}nbrun/api/runs/{run_id}/files/{path}")
            page.wait_for_load_state("networkidle")
            shown = page.evaluate("() => document.getElementById('out').textContent")
        finally:
            page.close()
            started = [k for k in lab.request("api/kernels") if k["id"] not in kernels_before]
            for kernel in started:
                lab.request(f"api/kernels/{kernel['id']}", method="DELETE", expect=204)
        reports = [u for u in requests if "probe-report" in u]
        assert reports == [], f"the run file's script ran as the server's origin: {reports}"
        assert started == [], "the run file's script started a kernel"
        assert shown == "not run", shown
        assert reply.status == 200  # the file was served, and opened
        assert "sandbox" in reply.headers["content-security-policy"]
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert not lab_page.errors and not lab_page.dialogs


def test_the_probe_would_tell(lab_page: LabPage):
    """The same script in a page of the server's own origin reads the XSRF cookie and reaches
    the API (so the test above would see it if the run file's script ran there)."""
    lab_page.open()
    page = lab_page.page
    report = page.evaluate("""async probe => {
        const out = document.createElement("p");
        out.id = "out";
        document.body.appendChild(out);
        (0, eval)(probe);
        for (let i = 0; i < 100 && !out.textContent; i++) {
            await new Promise(done => setTimeout(done, 100));
        }
        return out.textContent;
    }""", PROBE.replace('method: "POST"', 'method: "GET"').replace(', body: "{}"', ""))
    got = json.loads(report)
    assert "_xsrf=" in got["cookie"] and got["kernels"] == 200
