"""Arrays from what users pass (NumPy, torch and TensorFlow tensors, nested lists), checked and
copied without importing a framework nbrun does not need."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .base import type_name

REAL_KINDS = "biuf"  # bool, int, uint, float


def numpy() -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with pandas/matplotlib in practice
        raise UsageError("arrays in media values need NumPy: pip install numpy") from None
    return np


def is_torch(value: Any) -> bool:
    return type(value).__module__.startswith("torch")


def is_array_like(value: Any) -> bool:
    return hasattr(value, "__array__") or hasattr(value, "numpy") or isinstance(value,
                                                                                (list, tuple))


def as_array(value: Any, what: str) -> Any:
    """A NumPy view of ``value`` (not yet a copy): torch tensors detached and moved to the
    CPU, TensorFlow tensors through ``.numpy()``; nested lists converted."""
    np = numpy()
    if isinstance(value, np.ndarray):
        return value
    if is_torch(value) and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if hasattr(value, "numpy") and not hasattr(value, "__array__"):
        value = value.numpy()
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise UsageError(f"{what}: a {type_name(value)} that is not a rectangular array "
                         f"({exc})") from None


def describe(arr: Any) -> str:
    shape = "x".join(map(str, arr.shape)) or "0-d"
    return f"a {shape} array of {arr.dtype}"


def check_real(arr: Any, what: str, accepted: str) -> None:
    if arr.dtype.kind not in REAL_KINDS:
        raise UsageError(f"{what}: {describe(arr)}; {accepted} (real numbers: bool, int, "
                         "uint or float; complex, text and objects are refused)")


def to_uint8(arr: Any) -> Any:
    """Pixels as uint8: floats in 0..1 scaled to 0..255 (floats above 1 taken as 0..255,
    negative ones rescaled from their range), NaN as 0, other ints clipped to 0..255."""
    np = numpy()
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind == "b":
        return arr.astype(np.uint8) * 255
    if arr.dtype.kind == "f":
        data = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        if data.size:
            low, high = float(data.min()), float(data.max())
            if low < 0:
                span = high - low
                data = (data - low) / span if span else np.zeros_like(data)
                high = 1.0
            if high <= 1.0:
                data = data * 255.0
        return np.clip(np.rint(data), 0, 255).astype(np.uint8)
    return np.clip(arr, 0, 255).astype(np.uint8)
