"""Shared fixtures.

Third-party example data (COINr's ASEM set, growth data) are *not* shipped: tests read them
from ``../shared/data`` beside the repository, or from ``$CITYMODEL_SHARED_DATA``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    env = os.environ.get("CITYMODEL_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``shared/data``; tests needing it fail with a clear message if it is absent."""
    d = shared_data_dir()
    if not d.is_dir():
        pytest.fail(
            f"third-party test data not found at {d}. Clone the project's 'shared' folder beside "
            "the repository or set CITYMODEL_SHARED_DATA to its data/ directory."
        )
    return d
