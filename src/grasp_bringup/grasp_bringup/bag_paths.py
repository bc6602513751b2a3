"""Finding rosbag2 folders under the paths a user names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def find_bags(paths: Sequence[Path], allow_empty: bool = False) -> list[Path]:
    """Every bag folder (one holding metadata.yaml) at or below the given paths, sorted.

    A path with no bag below it is an error (naming unfinished bags there, if any) unless ``allow_empty``.
    """
    bags: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no such bag or folder: {path}")
        if (path / "metadata.yaml").is_file():
            bags.append(path)
            continue
        found = sorted(p.parent for p in path.rglob("metadata.yaml") if not p.parent.name.startswith("."))
        if not found and not allow_empty:
            from grasp_datacollect.bag_repair import find_unfinished_bags

            unfinished = find_unfinished_bags(path)
            if unfinished:
                raise FileNotFoundError(
                    f"no finished bag under {path}, but {len(unfinished)} unfinished one(s) (a killed run): "
                    f"recover them with `grasp bag-repair {path}`"
                )
            raise FileNotFoundError(f"no rosbag2 folder (with metadata.yaml) under {path}")
        bags.extend(found)
    return bags
