"""Message -> plain-type readers of the collector node, by attribute access only (no rclpy needed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from grasp_servo.ros.conversions import stamp_ns

from grasp_datacollect.bag_convert import command_and_motion
from grasp_datacollect.step_assembler import CommandSample


def command_sample(msg: Any) -> CommandSample:
    """CommandSample of a grasp_interfaces/MotionCommand; ValueError for an unknown command value."""
    kind, motion = command_and_motion(msg)
    return CommandSample(
        stamp_ns=stamp_ns(msg.header.stamp),
        episode_id=int(msg.episode_id),
        step=int(msg.step),
        command=kind,
        motion=motion,
        predicted_success=float(msg.predicted_success),
        close_score=float(msg.close_score),
    )


def default_bag_path(now: datetime, root: Path = Path("grasp_bags")) -> Path:
    """``grasp_bags/episodes_<YYYYmmdd_HHMMSS>``: where the collector records when no bag_path is given."""
    return root / f"episodes_{now:%Y%m%d_%H%M%S}"
