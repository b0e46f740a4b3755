"""The run engine: ``init()``, ``Run``, config and summary, run lifecycle, reading runs back."""

from .api import Api, RunRecord
from .initialize import init
from .run import Run

__all__ = ["Api", "Run", "RunRecord", "init"]
