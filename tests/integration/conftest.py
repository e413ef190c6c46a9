"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.settings import Settings
from tests.conftest import FixedClock


@pytest.fixture
def rt(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on SQLite or PostgreSQL, with its own evidence directory."""
    settings = Settings(database_url=database_url, evidence_dir=str(tmp_path / "evidence"))
    runtime = open_runtime(settings, clock=clock)
    try:
        yield runtime
    finally:
        runtime.close()
