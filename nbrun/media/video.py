"""``nbrun.Video``: frames from a (T, C, H, W) or (B, T, C, H, W) array, stored as GIF (by
Pillow) or MP4 (by imageio-ffmpeg, the optional ``video`` extra), or a video file."""

from __future__ import annotations

import importlib.util
import io
import os
import tempfile
from typing import Any

from ..errors import UsageError
from . import arrays
from .base import Media, Stored, check_caption, data_key, read_source, type_name
from .image import MAX_PIXELS

FORMATS = ("gif", "mp4")
FILE_TYPES = ("gif", "mp4", "webm", "ogg", "mov")
MAX_FRAMES_PIXELS = 4 * MAX_PIXELS  # every frame together, after tiling a batch
_ACCEPTED = ("videos are (frames, channels, height, width) or (batch, frames, channels, "
             "height, width) arrays with 1, 3 or 4 channels, or video files")


class Video(Media):
    """A video logged with ``log()``; read back, ``path`` is its file on this machine."""

    kind = "video"

    def __init__(self, data_or_path: Any, caption: str | None = None, fps: int | None = None,
                 format: str | None = None) -> None:
        self.caption = check_caption(caption, "Video")
        self._array: Any = None
        self._bytes: bytes | None = None
        self.path: str | None = None
        self.width = self.height = self.frames = None
        if fps is not None and (isinstance(fps, bool) or not isinstance(fps, (int, float))
                                or not 0 < fps <= 1000):
            raise UsageError(f"Video: fps must be a number of frames per second (0 < fps <= "
                             f"1000), got {fps!r}")
        self.fps = fps or 4
        if isinstance(data_or_path, (str, os.PathLike)):
            self._bytes, self.format = read_source(data_or_path, "Video", FILE_TYPES)
            return
        if format is not None and format not in FORMATS:
            raise UsageError(f"Video: format {format!r}; arrays are stored as "
                             f"{' or '.join(FORMATS)}")
        self.format = format or "gif"
        if self.format == "mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
            raise UsageError("Video: format='mp4' needs imageio-ffmpeg (pip install "
                             "'nbrun[video]'); format='gif' needs nothing more")
        if not arrays.is_array_like(data_or_path):
            raise UsageError(f"Video: a {type_name(data_or_path)} is not a video; {_ACCEPTED}")
        arr = arrays.as_array(data_or_path, "Video")
        arrays.check_real(arr, "Video", _ACCEPTED)
        if arr.ndim == 4:
            arr = arr[None]
        if arr.ndim != 5 or arr.shape[2] not in (1, 3, 4) or 0 in arr.shape:
            raise UsageError(f"Video: {arrays.describe(arr)}; {_ACCEPTED}")
        b, t, _, h, w = arr.shape
        if b * t * h * w > MAX_FRAMES_PIXELS:
            raise UsageError(f"Video: {arrays.describe(arr)} holds {b * t * h * w:,} pixels; "
                             f"a video holds at most {MAX_FRAMES_PIXELS:,} (all frames)")
        np = arrays.numpy()
        self._array = np.array(arr, copy=True)
        self.frames = t

    @property
    def nbytes(self) -> int:
        return int(self._array.nbytes) if self._array is not None else len(self._bytes or b"")

    def cache_key(self) -> bytes | None:
        return data_key(self._bytes, self._array, self.caption, self.fps, self.format,
                        getattr(self._array, "shape", None))

    def frames_rgb(self) -> Any:
        """The frames as (T, H, W, C) uint8, a batch tiled into a grid as the contract's
        tracker does."""
        np = arrays.numpy()
        video = arrays.to_uint8(self._array)
        b, t, c, h, w = video.shape
        rows = 2 ** ((b.bit_length() - 1) // 2)
        cols = -(-b // rows)
        if rows * cols != b:
            video = np.concatenate([video, np.zeros((rows * cols - b, t, c, h, w), np.uint8)])
        video = video.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
        video = video.reshape(t, rows * h, cols * w, c)
        if c == 1:
            video = np.repeat(video, 3, axis=3)
        return video

    def encode_file(self) -> bytes:
        if self._bytes is None and self._array is None:
            self._bytes = Stored.content(self.path, "Video")  # read back, logged again
        if self._bytes is not None:
            return self._bytes
        frames = self.frames_rgb()
        self.height, self.width = int(frames.shape[1]), int(frames.shape[2])
        if self.format == "gif":
            return _gif(frames, self.fps)
        return _mp4(frames, self.fps)

    def serialize(self, files: Any) -> dict[str, Any]:
        stored = files.put(self.encode_file(), "videos", self.format)
        out: dict[str, Any] = {"_type": "video", **stored, "format": self.format}
        for name in ("width", "height", "frames", "caption"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self._array is not None:
            out["fps"] = self.fps
        return out

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Video":
        video = cls.__new__(cls)
        video.caption = descriptor.get("caption")
        video._array = video._bytes = None
        video.path = Stored.local(run_dir, descriptor)
        video.format = descriptor.get("format")
        video.fps = descriptor.get("fps")
        video.width, video.height = descriptor.get("width"), descriptor.get("height")
        video.frames = descriptor.get("frames")
        return video

    def __repr__(self) -> str:
        return f"<nbrun.Video {self.format} path={self.path!r}>"


def _gif(frames: Any, fps: float) -> bytes:
    from PIL import Image as PILImage

    images = [PILImage.fromarray(frame[:, :, :3] if frame.shape[2] == 4 else frame)
              for frame in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=max(1, round(1000 / fps)), loop=0)
    return buf.getvalue()


def _mp4(frames: Any, fps: float) -> bytes:
    import imageio_ffmpeg

    np = arrays.numpy()
    frames = np.ascontiguousarray(frames[:, :, :, :3])
    t, h, w, _ = frames.shape
    # H.264 in yuv420p needs even sides: pad by one row/column where needed.
    if h % 2 or w % 2:
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)))
        h, w = h + h % 2, w + w % 2
    fd, path = tempfile.mkstemp(suffix=".mp4", prefix="nbrun-video-")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(path, (w, h), fps=fps, macro_block_size=1,
                                             ffmpeg_log_level="error")
        writer.send(None)
        for frame in frames:
            writer.send(frame)
        writer.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
