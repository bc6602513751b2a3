"""Workspace constraints for gripper poses: the box the pinch point must stay in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grasp_servo.pose import GripperPose, apply_motion, motion_between, wrap_half_turn

MAX_ABS_POSITION = 1e3
"""Largest |x|, |y|, |z| (m) of a gripper pose a controller accepts. Far beyond, centimetre steps drown in
rounding (at 1e16 m one ulp is 2 m) and motions overflow the network's float32 input."""
MAX_ABS_YAW = 1e4
"""Largest |yaw| (rad) a controller accepts. A measured yaw lies in [-pi, pi] (a few turns more where it is
accumulated); far beyond, the yaw has lost the digits that say where the gripper points (at 3e16 rad one ulp is
4 rad), so no rotation planned from it would be the one executed."""


def require_usable_pose(pose: GripperPose) -> GripperPose:
    """``pose`` itself, if a controller can plan from it; refused with a ValueError that says why otherwise.

    Refused: a NaN or infinite coordinate or yaw, a coordinate beyond MAX_ABS_POSITION, a yaw beyond
    MAX_ABS_YAW. Every controller calls this before it decides anything: with an unknown pose no motion is
    safe, and NaN would slip through every workspace comparison.
    """
    if not np.all(np.isfinite(pose.as_array())):
        raise ValueError(f"gripper pose must be finite, got x={pose.x}, y={pose.y}, z={pose.z}, yaw={pose.yaw}")
    if np.max(np.abs(pose.position)) > MAX_ABS_POSITION:
        raise ValueError(
            f"gripper position ({pose.x}, {pose.y}, {pose.z}) m is not a usable pose "
            f"(beyond {MAX_ABS_POSITION:g} m of base_link)"
        )
    if abs(pose.yaw) > MAX_ABS_YAW:
        raise ValueError(
            f"gripper yaw {pose.yaw} rad is not a usable angle (|yaw| > {MAX_ABS_YAW:g} rad); wrap it to [-pi, pi]"
        )
    return pose


@dataclass(frozen=True)
class Workspace:
    """Axis-aligned box in base_link (metres) that the pinch point may occupy."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    z_min: float
    z_max: float

    def __post_init__(self) -> None:
        for axis in "xyz":
            low, high = getattr(self, f"{axis}_min"), getattr(self, f"{axis}_max")
            if not low < high:
                raise ValueError(f"workspace {axis}_min ({low}) must be below {axis}_max ({high})")

    @property
    def lower(self) -> np.ndarray:
        return np.array([self.x_min, self.y_min, self.z_min])

    @property
    def upper(self) -> np.ndarray:
        return np.array([self.x_max, self.y_max, self.z_max])

    def contains(self, points: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether each (..., 3) point lies inside the box (shrunk by ``margin``)."""
        points = np.asarray(points)
        return np.all((points >= self.lower + margin) & (points <= self.upper - margin), axis=-1)

    def clip_pose(self, pose: GripperPose) -> GripperPose:
        """The pose with its position clamped into the box."""
        x, y, z = np.clip(pose.position, self.lower, self.upper)
        return GripperPose(float(x), float(y), float(z), pose.yaw)

    def clip_motion(self, start: GripperPose, motion: np.ndarray) -> np.ndarray:
        """The motion from ``start`` changed so that its end stays inside the box, for executing as one step.

        From a start outside the box the end is kept inside the box grown just enough to hold the start, so a
        step never takes the gripper further out on any axis and never jumps back in: every axis of the
        translation only shrinks toward the start, so a capped step stays capped. The rotation is kept (wrapped
        to a half turn).
        """
        lower, upper = np.minimum(self.lower, start.position), np.maximum(self.upper, start.position)
        x, y, z = np.clip(apply_motion(start, motion).position, lower, upper)
        clipped = motion_between(start, GripperPose(float(x), float(y), float(z), start.yaw))
        clipped[3] = float(wrap_half_turn(motion[3]))
        return clipped

    def motion_into(self, start: GripperPose, motion: np.ndarray) -> np.ndarray:
        """The motion from ``start`` changed so that its end lies inside the box, however far that is."""
        return motion_between(start, self.clip_pose(apply_motion(start, motion)))

    def motion_endpoints(self, start: GripperPose, motions: np.ndarray) -> np.ndarray:
        """World positions (N, 3) reached from ``start`` by each motion row (dx, dy, dz, dyaw)."""
        cos_yaw, sin_yaw = np.cos(start.yaw), np.sin(start.yaw)
        dx, dy, dz = motions[:, 0], motions[:, 1], motions[:, 2]
        return np.stack(
            [start.x + cos_yaw * dx - sin_yaw * dy, start.y + sin_yaw * dx + cos_yaw * dy, start.z + dz],
            axis=1,
        )
