"""Settings of the server extension, read from the server's config (``c.NbrunServerConfig``)."""

from __future__ import annotations

from traitlets import Bool, Float, Int, List, Unicode
from traitlets.config import Configurable


class NbrunServerConfig(Configurable):
    """Where the server extension looks for stores.

    In ``jupyter_server_config.py``::

        c.NbrunServerConfig.store_paths = ["/data/experiments"]
        c.NbrunServerConfig.search_depth = 2
    """

    store_paths = List(
        Unicode(), default_value=[],
        help="Extra folders holding a .nbrun/ store, e.g. outside the server's root folder. "
             "Relative paths are taken from the root folder.",
    ).tag(config=True)

    search_depth = Int(
        3, min=0,
        help="How many folder levels below the server's root folder are searched for .nbrun/ "
             "stores (0: the root folder only).",
    ).tag(config=True)

    search_upward = Bool(
        True,
        help="Also list the store the root folder lies in: the one nbrun.init() picks when "
             "started in the root folder (the nearest .nbrun/ upwards, else the git root's), "
             "so `jupyter lab` opened in a project's subfolder shows that project's runs.",
    ).tag(config=True)

    max_folders = Int(
        2000, min=1,
        help="At most this many folders are read per search, so a huge root folder stays "
             "cheap; the search goes breadth first, so the shallowest stores are found first.",
    ).tag(config=True)

    cache_seconds = Float(
        2.0, min=0.0,
        help="How long a store search is reused before the folders are searched again.",
    ).tag(config=True)

    reap_seconds = Float(
        2.0, min=0.0,
        help="How often, at most, a listing checks a store for runs whose process died.",
    ).tag(config=True)
