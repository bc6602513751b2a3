"""Finding rosbag2 folders under the paths a user names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def find_bags(paths: Sequence[Path]) -> list[Path]:
    """Every bag folder (one holding metadata.yaml) at or below the given paths, sorted."""
    bags: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no such bag or folder: {path}")
        if (path / "metadata.yaml").is_file():
            bags.append(path)
            continue
        found = sorted(p.parent for p in path.rglob("metadata.yaml"))
        if not found:
            raise FileNotFoundError(f"no rosbag2 folder (with metadata.yaml) under {path}")
        bags.extend(found)
    return bags
