"""The run detail endpoint carries the System section of the sidebar: the charts (related
metrics together) and each metric's points against wall time. Fixtures: see test_server.py."""

from __future__ import annotations

import time

from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun

from test_server import (  # noqa: F401  (helpers and fixtures)
    jp_asyncio_loop, jp_server_config, outside, rest)


def test_detail_has_the_system_charts_and_series(rest, jp_root_dir):
    run = nbrun.init(dir=str(jp_root_dir), mode="offline", project="p", id="sys-run",
                     settings={"system_metrics_interval": 1})
    run.log({"loss": 1.0})
    time.sleep(2.3)
    run.finish()
    samples = nbrun.Api(str(jp_root_dir)).run("sys-run").history(stream="system")
    detail = rest("runs", "sys-run")
    system = detail["system"]
    assert system["samples"] == len(samples) >= 2
    titles = [c["title"] for c in system["charts"]]
    assert titles[:4] == ["CPU (%)", "Memory (MB)", "Memory (%)", "Disk I/O since start (MB)"]
    cpu = system["charts"][0]["lines"]
    assert cpu == [{"key": "system/cpu_utilization_percentage", "label": "system"},
                   {"key": "system/process_cpu_utilization_percentage", "label": "process"}]
    series = system["series"]["system/process_memory_usage_megabytes"]
    assert series["times"] == [s["_timestamp"] for s in samples]
    assert series["values"] == [s["system/process_memory_usage_megabytes"] for s in samples]
    # Every key drawn is served, and the history's keys hold none of them.
    drawn = {line["key"] for c in system["charts"] for line in c["lines"]}
    assert drawn == set(system["series"]) and detail["keys"] == ["loss"]


def test_a_run_without_samples_has_no_system_section(rest, jp_root_dir):
    run = nbrun.init(dir=str(jp_root_dir), mode="offline", project="p", id="quiet-run",
                     settings={"system_metrics_interval": 0})
    run.log({"loss": 1.0})
    run.finish()
    assert rest("runs", "quiet-run")["system"] is None
