"""``nbrun.Histogram``: counts over bins, from a sequence (binned in the background) or from
``np.histogram``'s result; held inline in the history (no file)."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from . import arrays
from .base import Media, type_name

MAX_BINS = 512
MAX_VALUES = 100_000_000


class Histogram(Media):
    """``histogram`` (the counts) and ``bins`` (the ``len(histogram) + 1`` edges)."""

    kind = "histogram"

    def __init__(self, sequence: Any = None, np_histogram: Any = None,
                 num_bins: int = 64) -> None:
        self._values: Any = None  # the sequence to bin, a private float64 copy
        self._counts: list[float] | None = None
        self._bins: list[float] | None = None
        self.dropped = 0  # non-finite values of the sequence, left out of the bins
        if np_histogram is not None:
            self._from_counts(np_histogram)
            return
        if sequence is None:
            raise UsageError("Histogram: give a sequence of numbers, or np_histogram=(counts, "
                             "bin_edges)")
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or \
                not 1 <= num_bins <= MAX_BINS:
            raise UsageError(f"Histogram: num_bins must be an int from 1 to {MAX_BINS}, got "
                             f"{num_bins!r}")
        self._num_bins = num_bins
        accepted = "a histogram is made of a sequence of real numbers"
        if not arrays.is_array_like(sequence):
            raise UsageError(f"Histogram: a {type_name(sequence)} is not a sequence; {accepted}")
        arr = arrays.as_array(sequence, "Histogram")
        arrays.check_real(arr, "Histogram", accepted)
        if arr.size > MAX_VALUES:
            raise UsageError(f"Histogram: {arr.size:,} values; at most {MAX_VALUES:,}")
        np = arrays.numpy()
        self._values = np.array(arr, dtype=np.float64).ravel()  # a copy

    def _from_counts(self, np_histogram: Any) -> None:
        if not isinstance(np_histogram, (tuple, list)) or len(np_histogram) != 2:
            raise UsageError("Histogram: np_histogram is a pair (counts, bin_edges), as "
                             "numpy.histogram returns")
        counts, bins = (list(v.tolist() if hasattr(v, "tolist") else v) for v in np_histogram)
        if len(counts) > MAX_BINS:
            raise UsageError(f"Histogram: {len(counts)} bins; at most {MAX_BINS}")
        if len(bins) != len(counts) + 1:
            raise UsageError(f"Histogram: {len(counts)} counts need {len(counts) + 1} bin "
                             f"edges, got {len(bins)}")
        for name, values in (("counts", counts), ("bin edges", bins)):
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                raise UsageError(f"Histogram: the {name} must be numbers")
        self._counts, self._bins = counts, [float(b) for b in bins]

    def _compute(self) -> None:
        np = arrays.numpy()
        values = self._values
        if values is None:  # binned meanwhile by another thread (the encoder, the caller)
            return
        finite = values[np.isfinite(values)]
        self.dropped = int(values.size - finite.size)
        counts, edges = np.histogram(finite, bins=self._num_bins)
        self._counts, self._bins = counts.tolist(), edges.tolist()
        self._values = None  # binned: the copy is no longer needed

    @property
    def histogram(self) -> list[float]:
        if self._counts is None:
            self._compute()
        return self._counts  # type: ignore[return-value]

    @property
    def bins(self) -> list[float]:
        if self._bins is None:
            self._compute()
        return self._bins  # type: ignore[return-value]

    @property
    def nbytes(self) -> int:
        return int(self._values.nbytes) if self._values is not None else 8 * MAX_BINS

    def serialize(self, files: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"_type": "histogram", "values": self.histogram,
                               "bins": self.bins}
        if self.dropped:
            out["dropped"] = self.dropped
        return out

    @classmethod
    def from_stored(cls, descriptor: dict[str, Any], run_dir: str) -> "Histogram":
        hist = cls.__new__(cls)
        hist._values = None
        hist._counts, hist._bins = descriptor.get("values"), descriptor.get("bins")
        hist.dropped = descriptor.get("dropped", 0)
        return hist

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Histogram) and self.histogram == other.histogram and \
            self.bins == other.bins

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<nbrun.Histogram {len(self.histogram)} bins>"
