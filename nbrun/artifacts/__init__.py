"""Artifacts: versioned, deduplicated files (datasets, models...) with lineage between runs.

``Artifact`` is the draft a run logs and the version it uses; versions are by content (the
digest of the manifest), files are stored once per content in ``.nbrun/objects/``, and the
store records which run logged and which runs used each version (see ``store/artifact_*.py``).
"""

from .artifact import Artifact
from .entries import ArtifactFile

__all__ = ["Artifact", "ArtifactFile"]
