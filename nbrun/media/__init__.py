"""Rich run data: the media types ``log()`` stores next to the scalars, and ``plot``'s charts.

Importing this package imports no NumPy, Pillow, matplotlib, plotly or pandas: each is loaded
when a value needs it. Encoding happens in the background (``encoder``)."""

from . import plot
from .audio import Audio
from .histogram import Histogram
from .html import Html, Plotly
from .image import Image
from .table import Table
from .video import Video

__all__ = ["Audio", "Histogram", "Html", "Image", "Plotly", "Table", "Video", "plot"]
