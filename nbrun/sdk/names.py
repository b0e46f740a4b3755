"""Run ids (8 characters of [a-z0-9] from a cryptographic source) and readable run names."""

from __future__ import annotations

import secrets

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

_ADJECTIVES = (
    "amber", "ancient", "autumn", "bold", "brave", "bright", "calm", "clever", "cool", "crisp",
    "dainty", "dark", "dawn", "deep", "eager", "easy", "fancy", "fast", "fiery", "fresh",
    "gentle", "glad", "golden", "grand", "green", "happy", "hardy", "honest", "icy", "jolly",
    "keen", "kind", "lively", "lucky", "lunar", "merry", "misty", "noble", "odd", "olive",
    "polar", "proud", "quick", "quiet", "rapid", "rare", "royal", "rustic", "sandy", "sharp",
    "shy", "silent", "silver", "solar", "spring", "steady", "still", "stormy", "sunny", "swift",
    "tidy", "twilight", "vivid", "warm", "wild", "wise", "young", "zesty",
)
_NOUNS = (
    "bay", "bird", "breeze", "brook", "butterfly", "cloud", "comet", "cosmos", "dawn", "dew",
    "dream", "dune", "eagle", "ember", "field", "fire", "firefly", "flower", "fog", "forest",
    "frost", "galaxy", "glade", "grass", "harbor", "haze", "hill", "lake", "leaf", "meadow",
    "moon", "morning", "mountain", "night", "oak", "ocean", "pine", "planet", "pond", "rain",
    "river", "sea", "shadow", "sky", "snow", "sound", "star", "stone", "stream", "sun",
    "sunset", "surf", "thunder", "tree", "valley", "violet", "water", "wave", "wind", "wood",
)


def generate_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def generate_name(number: int) -> str:
    """``"quiet-river-7"``: a readable two-word name plus the run's number in its project."""
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{number}"
