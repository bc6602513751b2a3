"""Output folders of runs: new or empty, never overwritten."""

from __future__ import annotations

from pathlib import Path


def refuse_existing(path: Path) -> None:
    """Never overwrite recorded data: ``path`` must not exist, or be an empty folder (a failed start)."""
    path = Path(path)
    if path.is_dir() and not any(path.iterdir()):
        return
    if path.exists():
        raise FileExistsError(
            f"{path} already exists and is not empty: choose a new output path (recorded data is never overwritten)"
        )


def claim_output_folder(path: Path) -> None:
    """Create the output folder of a run after ``refuse_existing`` says it is free."""
    refuse_existing(path)
    path.mkdir(parents=True, exist_ok=True)
