"""Segmentation masks and bounding boxes of an ``Image``, in the contract's tracker's form:

``masks={"name": {"mask_data": HxW int array, "class_labels": {id: name}}}`` (or ``"path"`` of a
mask image), ``boxes={"name": {"box_data": [{"position": {...}, "class_id": id, "box_caption":
text, "scores": {name: number}, "domain": "pixel"}], "class_labels": {id: name}}}``; a box
position is ``{"minX", "maxX", "minY", "maxY"}`` or ``{"middle": [x, y], "width", "height"}``,
fractions of the image unless ``domain`` is ``"pixel"``. Checked (and copied) when the image is
made; the masks are stored as PNG files next to the image, the boxes in its descriptor."""

from __future__ import annotations

import io
import numbers
from typing import Any

from ..errors import UsageError
from . import arrays
from .base import read_source, type_name

_CORNERS = ("minX", "maxX", "minY", "maxY")
_CENTRE = ("middle", "width", "height")


def class_labels(labels: Any, where: str) -> dict[int, str]:
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise UsageError(f"{where}: class_labels must be a dict of int id: name, got "
                         f"{type_name(labels)}")
    out = {}
    for k, v in labels.items():
        if isinstance(k, str) and k.lstrip("-").isdigit():  # read back from JSON
            k = int(k)
        if not isinstance(k, numbers.Integral) or isinstance(k, bool):
            raise UsageError(f"{where}: class_labels key {k!r} is not an int class id")
        out[int(k)] = str(v)
    return out


def labels_json(labels: dict[int, str]) -> dict[str, str]:
    return {str(k): v for k, v in labels.items()}


def _number(value: Any, where: str) -> float | int:
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{where}: {value!r} is not a number")
    return value


def check_masks(masks: Any, size: tuple[int, int]) -> dict[str, dict[str, Any]]:
    """``{name: {"data": uint8 HxW copy | None, "png": bytes | None, "class_labels"}}``."""
    if masks is None:
        return {}
    if not isinstance(masks, dict):
        raise UsageError(f"Image: masks must be a dict of name: mask, got {type_name(masks)}")
    np = arrays.numpy()
    out = {}
    for name, mask in masks.items():
        where = f"Image: masks[{name!r}]"
        if not isinstance(name, str) or not isinstance(mask, dict):
            raise UsageError(f"{where}: each mask is a dict with 'mask_data' (an HxW array of "
                             "class ids) or 'path', and optional 'class_labels'")
        labels = class_labels(mask.get("class_labels"), where)
        if "mask_data" in mask:
            arr = arrays.as_array(mask["mask_data"], where)
            if arr.ndim != 2 or arr.dtype.kind not in "biu":
                raise UsageError(f"{where}: mask_data is {arrays.describe(arr)}; it must be an "
                                 f"HxW array of integer class ids matching the image ({size[1]}x"
                                 f"{size[0]})")
            if (arr.shape[1], arr.shape[0]) != size:
                raise UsageError(f"{where}: mask_data is {arr.shape[0]}x{arr.shape[1]} but the "
                                 f"image is {size[1]}x{size[0]} (height x width)")
            if arr.size and (int(arr.min()) < 0 or int(arr.max()) > 255):
                raise UsageError(f"{where}: mask_data holds class ids outside 0..255")
            out[name] = {"data": np.array(arr, dtype=np.uint8), "png": None,
                         "class_labels": labels}
        elif "path" in mask:
            data, ext = read_source(mask["path"], where, ("png",))
            out[name] = {"data": None, "png": data, "class_labels": labels}
        else:
            raise UsageError(f"{where}: give 'mask_data' (an HxW array of class ids) or 'path'")
    return out


def check_boxes(boxes: Any) -> dict[str, dict[str, Any]]:
    """The boxes as plain JSON data (NumPy numbers converted)."""
    if boxes is None:
        return {}
    if not isinstance(boxes, dict):
        raise UsageError(f"Image: boxes must be a dict of name: boxes, got {type_name(boxes)}")
    out = {}
    for name, group in boxes.items():
        where = f"Image: boxes[{name!r}]"
        if not isinstance(name, str) or not isinstance(group, dict) or \
                not isinstance(group.get("box_data"), (list, tuple)):
            raise UsageError(f"{where}: each entry is a dict with 'box_data' (a list of boxes) "
                             "and optional 'class_labels'")
        labels = class_labels(group.get("class_labels"), where)
        out[name] = {"box_data": [_box(b, f"{where}['box_data'][{i}]")
                                  for i, b in enumerate(group["box_data"])],
                     "class_labels": labels_json(labels)}
    return out


def _box(box: Any, where: str) -> dict[str, Any]:
    if not isinstance(box, dict) or not isinstance(box.get("position"), dict):
        raise UsageError(f"{where}: a box is a dict with 'position' and 'class_id'")
    pos = box["position"]
    if all(k in pos for k in _CORNERS):
        position: dict[str, Any] = {k: _number(pos[k], f"{where}.position.{k}") for k in _CORNERS}
    elif all(k in pos for k in _CENTRE):
        middle = pos["middle"]
        if not isinstance(middle, (list, tuple)) and hasattr(middle, "tolist"):
            middle = middle.tolist()
        if not isinstance(middle, (list, tuple)) or len(middle) != 2:
            raise UsageError(f"{where}.position.middle must be [x, y]")
        position = {"middle": [_number(v, f"{where}.position.middle") for v in middle],
                    "width": _number(pos["width"], f"{where}.position.width"),
                    "height": _number(pos["height"], f"{where}.position.height")}
    else:
        raise UsageError(f"{where}.position needs minX, maxX, minY, maxY or middle, width, "
                         f"height; got keys {sorted(pos)}")
    class_id = box.get("class_id")
    if hasattr(class_id, "item"):
        class_id = class_id.item()
    if not isinstance(class_id, int) or isinstance(class_id, bool):
        raise UsageError(f"{where}.class_id must be an int, got {class_id!r}")
    out: dict[str, Any] = {"position": position, "class_id": class_id}
    if box.get("box_caption") is not None:
        out["box_caption"] = str(box["box_caption"])
    if box.get("scores") is not None:
        if not isinstance(box["scores"], dict):
            raise UsageError(f"{where}.scores must be a dict of name: number")
        out["scores"] = {str(k): _number(v, f"{where}.scores[{k!r}]")
                         for k, v in box["scores"].items()}
    if box.get("domain") is not None:
        if box["domain"] != "pixel":
            raise UsageError(f"{where}.domain must be 'pixel' or absent (fractions)")
        out["domain"] = "pixel"
    return out


def store_masks(masks: dict[str, dict[str, Any]], files: Any) -> dict[str, Any]:
    """Encode the masks as PNG files (background); their part of the descriptor."""
    out = {}
    for name, mask in masks.items():
        data = mask["png"]
        if data is None:
            from PIL import Image as PILImage

            buf = io.BytesIO()
            PILImage.fromarray(mask["data"]).save(buf, format="PNG")
            data = buf.getvalue()
        stored = files.put(data, "masks", "png")
        out[name] = {"path": stored["path"], "sha256": stored["sha256"],
                     "class_labels": labels_json(mask["class_labels"])}
    return out
