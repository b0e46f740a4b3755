"""NVIDIA GPUs through NVML (the ``nvidia-ml-py`` package, imported as ``pynvml``): utilization,
memory, temperature and power of each, under the names MLflow's own system metrics give them
(``gpu_0_utilization_percentage``...; temperature is nbrun's addition, as the contract tracker
records it).

Without the package, or without a driver and a GPU, ``open_gpus`` says why and the run samples
the rest. This code has run only against NVML without a GPU (``nvmlInit`` failing): the readings
below follow NVML's documented calls and have not been checked on a GPU.
"""

from __future__ import annotations

import importlib.util
from typing import Any


class Gpus:
    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self.nvml = nvml
        self.handles = handles

    def read(self, out: dict[str, float]) -> None:
        """Add each GPU's readings to ``out``; a reading NVML refuses (a GPU without a power
        sensor, say) is left out."""
        nvml = self.nvml
        for i, handle in enumerate(self.handles):
            name = f"system/gpu_{i}_"
            try:
                memory = nvml.nvmlDeviceGetMemoryInfo(handle)
                out[name + "memory_usage_megabytes"] = round(memory.used / 1e6, 1)
                out[name + "memory_usage_percentage"] = round(
                    memory.used / memory.total * 100, 2)
            except nvml.NVMLError:
                pass
            try:
                rates = nvml.nvmlDeviceGetUtilizationRates(handle)
                out[name + "utilization_percentage"] = float(rates.gpu)
            except nvml.NVMLError:
                pass
            try:
                out[name + "temperature_celsius"] = float(
                    nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
            except nvml.NVMLError:
                pass
            try:
                milliwatts = nvml.nvmlDeviceGetPowerUsage(handle)
                out[name + "power_usage_watts"] = round(milliwatts / 1000, 2)
                limit = nvml.nvmlDeviceGetEnforcedPowerLimit(handle)
                if limit:
                    out[name + "power_usage_percentage"] = round(milliwatts / limit * 100, 2)
            except nvml.NVMLError:
                pass

    def close(self) -> None:
        try:
            self.nvml.nvmlShutdown()
        except self.nvml.NVMLError:
            pass


def open_gpus() -> tuple[Gpus | None, str]:
    """The machine's NVIDIA GPUs, or None and why there are none to sample."""
    try:
        missing = importlib.util.find_spec("pynvml") is None
    except ValueError:  # a module entry of None: imports of it are blocked
        missing = True
    if missing:
        return None, "nvidia-ml-py is not installed"
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return None, f"NVML found no GPU ({exc})"
    try:
        count = pynvml.nvmlDeviceGetCount()
        handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
    except pynvml.NVMLError as exc:
        Gpus(pynvml, []).close()
        return None, f"NVML found no GPU ({exc})"
    if not handles:
        Gpus(pynvml, []).close()
        return None, "NVML found no GPU"
    return Gpus(pynvml, handles), f"{len(handles)} GPU(s)"
