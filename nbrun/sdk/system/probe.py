"""One reading of the machine and of this process, under MLflow's system-metric names (so that
MLflow's System metrics tab shows them as they are synced), plus the process's own CPU and
memory and the disk I/O, which the contract tracker records too.

Counters that only grow (disk reads and writes, network traffic) are given since the probe was
made, that is since the run (re)started, as MLflow gives its network metrics.
"""

from __future__ import annotations

import os
from typing import Any

from .gpu import Gpus, open_gpus

MB = 1e6


class Probe:
    def __init__(self, disk_path: str) -> None:
        import psutil  # here, in the sampler's thread: init() never waits for it

        self.psutil = psutil
        self.process = psutil.Process()
        self.disk_path = disk_path if os.path.isdir(disk_path) else os.sep
        # CPU percentages are measured between two calls: these first calls start the clock.
        psutil.cpu_percent(None)
        self.process.cpu_percent(None)
        self.disk_start = psutil.disk_io_counters()  # None where the kernel keeps no counters
        self.net_start = psutil.net_io_counters()
        self.gpus: Gpus | None
        self.gpus, self.gpu_status = open_gpus()

    def read(self) -> dict[str, float]:
        psutil = self.psutil
        out: dict[str, float] = {
            "system/cpu_utilization_percentage": psutil.cpu_percent(None),
            "system/process_cpu_utilization_percentage": round(
                self.process.cpu_percent(None), 2),
        }
        memory = psutil.virtual_memory()
        out["system/system_memory_usage_megabytes"] = round(memory.used / MB, 1)
        out["system/system_memory_usage_percentage"] = round(
            memory.used / memory.total * 100, 2)
        try:
            rss = self.process.memory_info().rss
            out["system/process_memory_usage_megabytes"] = round(rss / MB, 1)
            out["system/process_memory_usage_percentage"] = round(rss / memory.total * 100, 2)
        except psutil.Error:
            pass
        try:
            disk = psutil.disk_usage(self.disk_path)
            out["system/disk_usage_percentage"] = disk.percent
            out["system/disk_usage_megabytes"] = round(disk.used / MB, 1)
            out["system/disk_available_megabytes"] = round(disk.free / MB, 1)
        except OSError:
            pass
        _since(out, "system/disk_read_megabytes", "system/disk_write_megabytes",
               self.disk_start, psutil.disk_io_counters(), "read_bytes", "write_bytes")
        _since(out, "system/network_receive_megabytes", "system/network_transmit_megabytes",
               self.net_start, psutil.net_io_counters(), "bytes_recv", "bytes_sent")
        if self.gpus is not None:
            self.gpus.read(out)
        return out

    def close(self) -> None:
        if self.gpus is not None:
            self.gpus.close()


def _since(out: dict[str, float], name_in: str, name_out: str, start: Any, now: Any,
           field_in: str, field_out: str) -> None:
    if start is None or now is None:
        return
    # A counter that went backwards (a device removed, a wrap) restarts at its new value.
    for name, field in ((name_in, field_in), (name_out, field_out)):
        delta = getattr(now, field) - getattr(start, field)
        out[name] = round(max(delta, 0) / MB, 3)
