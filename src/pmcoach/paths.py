"""Where pmcoach keeps its data: ``PMCOACH_HOME`` or the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path

BUILTIN_DATA = Path(__file__).parent / "data"
BUILTIN_SCENARIOS = BUILTIN_DATA / "scenarios"
BUILTIN_ARCHETYPES = BUILTIN_DATA / "archetypes"


def home() -> Path:
    """The data directory; not created until something is written."""
    env = os.environ.get("PMCOACH_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("pmcoach", appauthor=False))


def user_scenarios() -> Path:
    return home() / "scenarios"


def database() -> Path:
    return home() / "pmcoach.db"


def cache_dir() -> Path:
    return home() / "cache"


def all_paths() -> dict[str, Path]:
    return {
        "home": home(),
        "database": database(),
        "user_scenarios": user_scenarios(),
        "cache": cache_dir(),
        "builtin_scenarios": BUILTIN_SCENARIOS,
    }
