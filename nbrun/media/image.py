"""``nbrun.Image``: an image from a NumPy array, a torch tensor, a PIL image, a matplotlib figure
or a file, with optional masks and boxes; stored as PNG (or the file's own format)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from typing import Any

from ..errors import UsageError
from . import arrays, overlays
from .base import Media, Stored, check_caption, read_source, type_name

# Pillow refuses to open images past twice this as decompression bombs and warns past it;
# nothing larger is stored, so every stored image reads back.
MAX_PIXELS = 89_478_485
MAX_SIDE = 65_500
FILE_TYPES = ("png", "jpg", "jpeg")
READ_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff")
MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I", "F", "CMYK", "YCbCr", "HSV", "I;16")
_ACCEPTED = ("images are HxW (grey) or HxWxC arrays with C = 1, 3 or 4 (uint8 0..255, floats "
             "0..1), CxHxW torch tensors, PIL images, matplotlib figures or image files")


class Image(Media):
    """An image logged with ``log()``; read back, ``path`` is its file on this machine."""

    kind = "image"

    def __init__(self, data_or_path: Any, mode: str | None = None, caption: str | None = None,
                 grouping: int | None = None, classes: Any = None, boxes: Any = None,
                 masks: Any = None, file_type: str | None = None) -> None:
        self.caption = check_caption(caption, "Image")
        if mode is not None and mode not in MODES:
            raise UsageError(f"Image: mode {mode!r} is not a Pillow mode; use one of "
                             f"{', '.join(MODES)}")
        if file_type is not None and file_type not in FILE_TYPES:
            raise UsageError(f"Image: file_type {file_type!r}; accepted are "
                             f"{', '.join(FILE_TYPES)}")
        self._mode = mode
        self._file_type = "jpg" if file_type == "jpeg" else (file_type or "png")
        self._grouping = grouping
        self._array: Any = None  # HxW or HxWxC, a private copy
        self._pil: Any = None  # a private copy
        self._bytes: bytes | None = None  # an encoded file (a path's content, a figure)
        self.path: str | None = None
        self.format = self._file_type
        self._stored: dict[str, Any] | None = None
        if isinstance(data_or_path, Image):
            self._copy_from(data_or_path)
        elif isinstance(data_or_path, (str, os.PathLike)):
            self._from_file(data_or_path)
        elif is_pil(data_or_path):
            self._from_pil(data_or_path)
        elif is_figure(data_or_path):
            self._from_figure(data_or_path)
        else:
            self._from_array(data_or_path)
        size = (self.width, self.height)
        self._classes = _classes(classes)
        self._boxes = overlays.check_boxes(boxes)
        self._masks = overlays.check_masks(masks, size)

    # -- construction (the caller's thread: check and copy) ------------------------------------
    def _copy_from(self, other: "Image") -> None:
        if self.caption is None:
            self.caption = other.caption
        self._array, self._pil, self._bytes = other._array, other._pil, other._bytes
        self.width, self.height, self.format = other.width, other.height, other.format
        if other._stored is not None and other.path is not None and self._bytes is None:
            self._from_file(other.path)

    def _from_file(self, path: Any) -> None:
        data, ext = read_source(path, "Image", READ_TYPES)
        from PIL import Image as PILImage

        try:
            with PILImage.open(io.BytesIO(data)) as img:  # the header only: no decoding
                width, height = img.size
        except Exception as exc:
            raise UsageError(f"Image: {os.fspath(path)!r} is not an image Pillow can read "
                             f"({exc})") from None
        self._check_size(width, height, f"the image file {os.fspath(path)!r}")
        self._bytes, self.format = data, "jpg" if ext == "jpeg" else ext
        self.width, self.height = width, height

    def _from_pil(self, img: Any) -> None:
        self._check_size(*img.size, f"a PIL image ({img.mode})")
        img.load()
        self._pil = img.copy()
        self.width, self.height = img.size

    def _from_figure(self, fig: Any) -> None:
        fig = _figure_of(fig)
        np = arrays.numpy()
        buf = io.BytesIO()
        # Raw pixels now (the figure may change after log()); the PNG is made later.
        fig.savefig(buf, format="rgba", dpi=fig.dpi)
        width, height = int(round(fig.bbox.width)), int(round(fig.bbox.height))
        raw = buf.getvalue()
        if width * height * 4 != len(raw):  # a backend that sizes otherwise: let it say
            png = io.BytesIO()
            fig.savefig(png, format="png")
            self._bytes, self.format = png.getvalue(), "png"
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(self._bytes)) as img:
                self.width, self.height = img.size
            return
        self._array = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 4)
        self.width, self.height = width, height

    def _from_array(self, data: Any) -> None:
        if not arrays.is_array_like(data):
            raise UsageError(f"Image: a {type_name(data)} is not an image; {_ACCEPTED}")
        torch = arrays.is_torch(data)
        arr = arrays.as_array(data, "Image")
        shape = arr.shape
        if torch and arr.ndim == 3:
            arr = arr.transpose(1, 2, 0)  # CxHxW -> HxWxC
        while arr.ndim > 3 and arr.shape[0] == 1:
            arr = arr[0]  # a batch of one
        if arr.ndim == 3 and arr.shape[0] == 1 and arr.shape[2] not in (1, 3, 4):
            arr = arr[0]  # 1xHxW
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
            shown = "x".join(map(str, shape))
            raise UsageError(f"Image: a {shown} {'tensor' if torch else 'array'} of "
                             f"{arr.dtype} is not an image; {_ACCEPTED}")
        arrays.check_real(arr, "Image", _ACCEPTED)
        self._check_size(arr.shape[1], arr.shape[0], arrays.describe(arr))
        np = arrays.numpy()
        self._array = np.array(arr, order="C", copy=True)
        self.height, self.width = arr.shape[:2]

    @staticmethod
    def _check_size(width: int, height: int, what: str) -> None:
        if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE or not width * height:
            raise UsageError(
                f"Image: {what} is {width}x{height} pixels ({width * height / 1e6:.1f} "
                f"megapixels); images have 1 to {MAX_PIXELS:,} pixels and sides of at most "
                f"{MAX_SIDE:,} (resize it, or save it with run.dir)")

    # -- reading ------------------------------------------------------------------------------
    @property
    def image(self) -> Any:
        """The image as a PIL image (read from its file when the image was read back)."""
        from PIL import Image as PILImage

        if self._pil is not None:
            return self._pil
        if self._array is not None:
            return PILImage.fromarray(arrays.to_uint8(self._array))
        source = io.BytesIO(self._bytes) if self._bytes is not None else self.path
        if source is None:
            return None
        img = PILImage.open(source)
        img.load()
        return img

    @property
    def masks(self) -> dict[str, dict[str, Any]]:
        """Each mask's ``class_labels`` and, read back, its ``path``."""
        return {name: {k: v for k, v in m.items() if k in ("class_labels", "path")}
                for name, m in self._masks.items()}

    @property
    def boxes(self) -> dict[str, dict[str, Any]]:
        return self._boxes

    @property
    def classes(self) -> list[dict[str, Any]] | None:
        return self._classes

    @property
    def nbytes(self) -> int:
        if self._array is not None:
            return int(self._array.nbytes)
        if self._bytes is not None:
            return len(self._bytes)
        return self.width * self.height * 4

    def cache_key(self) -> bytes | None:
        if self._array is None and self._bytes is None:
            return None
        digest = hashlib.sha256()
        digest.update(self._bytes if self._bytes is not None else self._array.data)
        if self._array is not None:
            digest.update(f"{self._array.shape}{self._array.dtype}".encode())
        for mask in self._masks.values():
            digest.update(mask["data"].data if mask["data"] is not None else mask["png"])
        digest.update(json.dumps([self._mode, self._file_type, self.caption, self._grouping,
                                  self._classes, self._boxes, sorted(self._masks),
                                  [overlays.labels_json(m["class_labels"])
                                   for m in self._masks.values()]],
                                 default=str).encode())
        return digest.digest()

    # -- storing (the encoder's thread) -------------------------------------------------------
    def serialize(self, files: Any) -> dict[str, Any]:
        data, ext = self._encoded()
        stored = files.put(data, "images", ext)
        out: dict[str, Any] = {"_type": "image", **stored, "format": ext,
                               "width": self.width, "height": self.height}
        if self.caption is not None:
            out["caption"] = self.caption
        if self._grouping is not None:
            out["grouping"] = self._grouping
        if self._classes:
            out["classes"] = self._classes
        if self._boxes:
            out["boxes"] = self._boxes
        if self._masks:
            out["masks"] = overlays.store_masks(self._masks, files)
        return out

    def _encoded(self) -> tuple[bytes, str]:
        from PIL import Image as PILImage

        if self._bytes is None and self._array is None and self._pil is None:
            self._bytes = Stored.content(self.path, "Image")  # read back, logged again
        if self._bytes is not None:
            # Checked whole here (log() read only its header): a damaged file is set aside,
            # never stored as an image that cannot be shown.
            with PILImage.open(io.BytesIO(self._bytes)) as img:
                img.load()
            return self._bytes, self.format

        img = self._pil if self._pil is not None else \
            PILImage.fromarray(arrays.to_uint8(self._array))
        if self._mode is not None and img.mode != self._mode:
            img = img.convert(self._mode)
        fmt = self._file_type
        if fmt == "jpg" and img.mode not in ("RGB", "L", "CMYK"):
            img = img.convert("RGB")
        buf = io.BytesIO()
        try:
            img.save(buf, format="JPEG" if fmt == "jpg" else "PNG")
        except OSError:  # a mode PNG cannot hold (CMYK, HSV...)
            buf = io.BytesIO()
            img.convert("RGBA").save(buf, format="PNG")
        return buf.getvalue(), fmt

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Image":
        img = cls.__new__(cls)
        img.caption = descriptor.get("caption")
        img._mode, img._file_type = None, descriptor.get("format", "png")
        img._grouping = descriptor.get("grouping")
        img._array = img._pil = img._bytes = None
        img.path = Stored.local(run_dir, descriptor)
        img.format = descriptor.get("format", "png")
        img.width, img.height = descriptor.get("width"), descriptor.get("height")
        img._stored = descriptor
        img._classes = descriptor.get("classes")
        img._boxes = {name: {**group, "class_labels": overlays.class_labels(
            group.get("class_labels"), "boxes")} for name, group in
            descriptor.get("boxes", {}).items()}
        img._masks = {name: {"path": Stored.local(run_dir, m), "data": None, "png": None,
                             "class_labels": overlays.class_labels(m.get("class_labels"),
                                                                   "masks")}
                      for name, m in descriptor.get("masks", {}).items()}
        return img

    def __repr__(self) -> str:
        where = f" path={self.path!r}" if self.path else ""
        return f"<nbrun.Image {self.width}x{self.height}{where}>"


def _classes(classes: Any) -> list[dict[str, Any]] | None:
    if classes is None:
        return None
    out = []
    for item in classes:
        if not isinstance(item, dict) or "id" not in item or "name" not in item:
            raise UsageError("Image: classes is a list of {'id': int, 'name': str}")
        out.append({"id": int(item["id"]), "name": str(item["name"])})
    return out


def is_pil(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "getbands")


def is_figure(value: Any) -> bool:
    """A matplotlib figure, or the pyplot module (its current figure)."""
    if getattr(value, "__name__", None) == "matplotlib.pyplot":
        return True
    return type(value).__module__.startswith("matplotlib") and hasattr(value, "savefig")


def _figure_of(value: Any) -> Any:
    if getattr(value, "__name__", None) == "matplotlib.pyplot":
        return value.gcf()
    return value
