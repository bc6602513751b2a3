"""Message -> plain-type readers of the collector node, by attribute access only (no rclpy needed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from grasp_datacollect.step_assembler import command_sample as command_sample  # re-exported for the node


def default_bag_path(now: datetime, root: Path = Path("grasp_bags")) -> Path:
    """``grasp_bags/episodes_<YYYYmmdd_HHMMSS>``: where the collector records when no bag_path is given."""
    return root / f"episodes_{now:%Y%m%d_%H%M%S}"
