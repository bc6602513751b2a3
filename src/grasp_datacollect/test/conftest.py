"""Fixtures for the grasp_datacollect tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from grasp_datacollect.episode import Episode
from synthetic_episodes import make_episodes, write_episodes


@pytest.fixture
def episodes() -> list[Episode]:
    return make_episodes()


@pytest.fixture
def bag_path(tmp_path: Path, episodes: list[Episode]) -> Path:
    return write_episodes(tmp_path / "bag", episodes)
