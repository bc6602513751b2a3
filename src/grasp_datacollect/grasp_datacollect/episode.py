"""Plain records of one grasp attempt: what happened at each step and how the episode ended.

These are the transport-free types the recorder writes to a bag, the ROS collector node fills from
messages, and the loader reads back. Times are nanoseconds; poses are ``GripperPose`` (base_link, m, rad).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from grasp_servo.pose import GripperPose


class Command(IntEnum):
    """What a step asked the arm to do (values match grasp_interfaces/MotionCommand)."""

    MOVE = 0
    CLOSE = 1
    RAISE = 2


@dataclass
class EpisodeInfo:
    """Known when an attempt starts."""

    episode_id: int
    seed: int
    policy: str
    robot: str
    object_set: str
    object_names: list[str]
    stamp_ns: int
    disturbance: bool = False
    kinematic_noise: float = 0.0
    model: str = ""


@dataclass
class StepRecord:
    """One servo step: the depth frame taken at ``pose`` and the motion commanded from it."""

    episode_id: int
    step: int
    stamp_ns: int
    depth: np.ndarray  # (H, W) float32, metres along the optical axis; 0 or inf where nothing was hit
    pose: GripperPose
    opening: float
    closed: bool
    command: Command
    motion: np.ndarray  # (4,) dx, dy, dz, dyaw in the yaw-aligned frame of ``pose``
    predicted_success: float = float("nan")
    close_score: float = float("nan")
    camera_frame: str = "wrist_camera_optical_frame"


@dataclass
class EpisodeOutcome:
    """Known when an attempt ends."""

    episode_id: int
    stamp_ns: int
    final_pose: GripperPose
    success: bool
    label_method: str
    label_detail: str
    termination: str
    steps: int


@dataclass
class Episode:
    """A whole attempt, as read back from a bag."""

    info: EpisodeInfo
    steps: list[StepRecord] = field(default_factory=list)
    outcome: EpisodeOutcome | None = None
