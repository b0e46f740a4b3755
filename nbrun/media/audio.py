"""``nbrun.Audio``: a sound from a NumPy array (stored as WAV by the standard library's
``wave``, no other dependency) or from an audio file."""

from __future__ import annotations

import io
import os
import wave
from typing import Any

from ..errors import UsageError
from . import arrays
from .base import Media, Stored, check_caption, data_key, read_source, type_name

FILE_TYPES = ("wav", "mp3", "ogg", "flac", "m4a", "aac", "opus", "webm")
MAX_CHANNELS = 32
_ACCEPTED = ("audio arrays are (samples,) or (samples, channels) of floats in -1..1 or "
             "int16/int32 samples, with sample_rate=")


class Audio(Media):
    """A sound logged with ``log()``; read back, ``path`` is its file on this machine."""

    kind = "audio"

    def __init__(self, data_or_path: Any, sample_rate: int | None = None,
                 caption: str | None = None) -> None:
        self.caption = check_caption(caption, "Audio")
        self._array: Any = None
        self._bytes: bytes | None = None
        self.path: str | None = None
        self.channels: int | None = None
        self.duration: float | None = None
        self._sample_rate = sample_rate
        if isinstance(data_or_path, (str, os.PathLike)):
            self._bytes, self.format = read_source(data_or_path, "Audio", FILE_TYPES)
            if self.format == "wav":
                self._read_wav_header(data_or_path)
            return
        if not arrays.is_array_like(data_or_path):
            raise UsageError(f"Audio: a {type_name(data_or_path)} is not audio; "
                             f"{_ACCEPTED}, or a path to an audio file")
        if sample_rate is None or isinstance(sample_rate, bool) or \
                not isinstance(sample_rate, int) or not 0 < sample_rate <= 10_000_000:
            raise UsageError(f"Audio: sample_rate must be a positive int (samples per second) "
                             f"for an array, got {sample_rate!r}")
        arr = arrays.as_array(data_or_path, "Audio")
        arrays.check_real(arr, "Audio", _ACCEPTED)
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] > MAX_CHANNELS):
            hint = " (a channels x samples array: pass its transpose, .T)" if arr.ndim == 2 \
                else ""
            raise UsageError(f"Audio: {arrays.describe(arr)}{hint}; {_ACCEPTED}, up to "
                             f"{MAX_CHANNELS} channels")
        np = arrays.numpy()
        self._array = np.array(arr, copy=True)
        self.format = "wav"
        self.channels = 1 if arr.ndim == 1 else int(arr.shape[1])
        self.duration = arr.shape[0] / sample_rate

    def _read_wav_header(self, path: Any) -> None:
        try:
            with wave.open(io.BytesIO(self._bytes or b"")) as wav:
                self._sample_rate, self.channels = wav.getframerate(), wav.getnchannels()
                self.duration = wav.getnframes() / self._sample_rate
        except (wave.Error, EOFError, ZeroDivisionError) as exc:
            raise UsageError(f"Audio: {os.fspath(path)!r} is not a WAV file wave can read "
                             f"({exc})") from None

    @property
    def sample_rate(self) -> int | None:
        return self._sample_rate

    @property
    def nbytes(self) -> int:
        return int(self._array.nbytes) if self._array is not None else len(self._bytes or b"")

    def cache_key(self) -> bytes | None:
        return data_key(self._bytes, self._array, self.caption, self._sample_rate,
                        getattr(self._array, "shape", None),
                        str(getattr(self._array, "dtype", "")))

    def to_wav(self) -> bytes:
        """The samples as a WAV file: floats as 16-bit PCM, int16/int32 kept as they are."""
        if self._bytes is None and self._array is None:
            self._bytes = Stored.content(self.path, "Audio")  # read back, logged again
        if self._bytes is not None:
            return self._bytes
        np = arrays.numpy()
        arr = self._array
        if arr.dtype.kind == "f":
            arr = (np.clip(np.nan_to_num(arr), -1.0, 1.0) * 32767).round().astype("<i2")
        elif arr.dtype.kind == "b" or arr.dtype.itemsize <= 2:
            arr = arr.astype("<i2")
        else:
            arr = np.clip(arr, -2**31, 2**31 - 1).astype("<i4")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as wav:
            wav.setnchannels(self.channels or 1)
            wav.setsampwidth(arr.dtype.itemsize)
            wav.setframerate(self._sample_rate or 1)
            wav.writeframes(np.ascontiguousarray(arr).tobytes())
        return buf.getvalue()

    def serialize(self, files: Any) -> dict[str, Any]:
        stored = files.put(self.to_wav(), "audio", self.format)
        out: dict[str, Any] = {"_type": "audio", **stored, "format": self.format}
        for name, value in (("sample_rate", self._sample_rate), ("channels", self.channels),
                            ("duration", self.duration), ("caption", self.caption)):
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Audio":
        audio = cls.__new__(cls)
        audio.caption = descriptor.get("caption")
        audio._array = audio._bytes = None
        audio.path = Stored.local(run_dir, descriptor)
        audio.format = descriptor.get("format", "wav")
        audio._sample_rate = descriptor.get("sample_rate")
        audio.channels = descriptor.get("channels")
        audio.duration = descriptor.get("duration")
        return audio

    def to_numpy(self) -> Any:
        """The samples of a WAV read back (ints as stored), shape (samples,) or (samples,
        channels)."""
        np = arrays.numpy()
        if self._array is not None:
            return self._array
        with wave.open(self.path if self._bytes is None else io.BytesIO(self._bytes)) as wav:
            width, channels = wav.getsampwidth(), wav.getnchannels()
            raw = wav.readframes(wav.getnframes())
        dtype = {1: "u1", 2: "<i2", 4: "<i4"}[width]
        data = np.frombuffer(raw, dtype=dtype)
        return data if channels == 1 else data.reshape(-1, channels)

    def __repr__(self) -> str:
        return f"<nbrun.Audio {self.format} {self.duration or 0:.2f}s path={self.path!r}>"
