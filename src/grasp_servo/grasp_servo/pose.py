"""Top-down gripper poses and the motions between them.

A grasp pose is the pinch point (x, y, z) in ``base_link`` plus the yaw of a gripper that points straight
down. A motion is expressed in the *yaw-aligned tool frame* of the pose it starts from: z is ``base_link`` z,
x is the gripper's closing direction projected on the horizontal plane. Expressing motions in that frame
makes what the wrist camera sees and what the motion does independent of where the arm is and how it is
turned, which is what lets one network score motions anywhere in the workspace.

Units are metres and radians. A parallel-jaw gripper is symmetric under a half turn, so yaw differences
are wrapped to [-pi/2, pi/2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def wrap_half_turn(angle: np.ndarray | float) -> np.ndarray | float:
    """Wrap an angle to [-pi/2, pi/2): equivalent rotations of a two-finger gripper."""
    return (np.asarray(angle) + np.pi / 2) % np.pi - np.pi / 2


def wrap_full_turn(angle: np.ndarray | float) -> np.ndarray | float:
    """Wrap an angle to [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


@dataclass(frozen=True)
class GripperPose:
    """Pinch point position in base_link (m) and yaw about base_link z (rad) of a down-pointing gripper."""

    x: float
    y: float
    z: float
    yaw: float

    @property
    def position(self) -> np.ndarray:
        return np.array([self.x, self.y, self.z])

    def as_array(self) -> np.ndarray:
        return np.array([self.x, self.y, self.z, self.yaw])

    @classmethod
    def from_array(cls, values: np.ndarray) -> GripperPose:
        x, y, z, yaw = (float(v) for v in values)
        return cls(x, y, z, yaw)

    def quaternion_wxyz(self) -> np.ndarray:
        """Orientation of the tool frame (z pointing down, x along the closing direction) as w, x, y, z."""
        # Rotation = Rz(yaw) * Rx(pi): tool z points down, tool x along yaw.
        half = self.yaw / 2
        return np.array([0.0, np.cos(half), np.sin(half), 0.0])


def yaw_from_quaternion_wxyz(quaternion: np.ndarray) -> float:
    """Yaw of a down-pointing tool frame, from its orientation quaternion (w, x, y, z)."""
    w, x, y, z = (float(v) for v in quaternion)
    # Tool x axis in the world frame is the first column of the rotation matrix.
    x_axis_x = 1 - 2 * (y * y + z * z)
    x_axis_y = 2 * (x * y + w * z)
    return float(np.arctan2(x_axis_y, x_axis_x))


def motion_between(start: GripperPose, end: GripperPose) -> np.ndarray:
    """The motion (dx, dy, dz, dyaw) in the yaw-aligned frame of ``start`` that takes ``start`` to ``end``."""
    delta = end.position - start.position
    cos_yaw, sin_yaw = np.cos(start.yaw), np.sin(start.yaw)
    local_x = cos_yaw * delta[0] + sin_yaw * delta[1]
    local_y = -sin_yaw * delta[0] + cos_yaw * delta[1]
    dyaw = float(wrap_half_turn(end.yaw - start.yaw))
    return np.array([local_x, local_y, delta[2], dyaw])


def apply_motion(start: GripperPose, motion: np.ndarray) -> GripperPose:
    """The pose reached from ``start`` by ``motion`` (dx, dy, dz, dyaw in the yaw-aligned frame of ``start``)."""
    dx, dy, dz, dyaw = (float(v) for v in motion)
    cos_yaw, sin_yaw = np.cos(start.yaw), np.sin(start.yaw)
    return GripperPose(
        x=start.x + cos_yaw * dx - sin_yaw * dy,
        y=start.y + sin_yaw * dx + cos_yaw * dy,
        z=start.z + dz,
        yaw=float(wrap_full_turn(start.yaw + dyaw)),
    )
