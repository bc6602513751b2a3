"""Straight Cartesian paths of the pinch point, solved waypoint by waypoint with the arm's IK.

One implementation for both executors of a goal: the embedded world (``GraspWorld.move``) and the ROS motion
node's built-in IK backend (``grasp_servo.ros.builtin_ik``).

Every gripper of the worlds is a two-finger parallel gripper on the tool axis, so a grasp and the same grasp
turned by a half turn are one grasp. When the arm cannot turn its wrist to the goal's yaw (the last joint at its
+-2 pi limit: a servo that keeps turning one way gets there within a few steps), the path turns the other way,
to the goal's yaw + or - pi, instead of stopping at the start with the same goal asked again on every frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from grasp_servo.pose import GripperPose, apply_motion, motion_between

from grasp_sim.arm_ik import ArmIK, IKFailedError

WAYPOINT_SPACING = 0.02  # metres between IK waypoints
WAYPOINT_ROTATION = 0.3  # radians of yaw between IK waypoints at most


@dataclass(frozen=True)
class CartesianPath:
    """Joint waypoints along the straight line from a start pose; fewer than ``planned`` when the IK failed."""

    motion: np.ndarray  # (4,) the motion followed, in the start's yaw-aligned frame (dyaw as turned)
    joints: list[np.ndarray]  # the solved waypoints, in order
    planned: int  # waypoints of the whole line
    half_turn: bool  # the goal was turned by a half turn (the same grasp for a parallel gripper)
    error: str | None  # why the path stops short; None when it reaches the goal

    @property
    def complete(self) -> bool:
        return self.error is None

    def duration(self, linear_speed: float, angular_speed: float) -> float:
        """Seconds for the whole line at ``linear_speed`` (m/s) and ``angular_speed`` (rad/s), the slower of both."""
        return max(float(np.linalg.norm(self.motion[:3])) / linear_speed, abs(float(self.motion[3])) / angular_speed)


def waypoint_count(motion: np.ndarray) -> int:
    """Waypoints on the line of ``motion``: one per 2 cm and per 0.3 rad, at least one."""
    distance = float(np.linalg.norm(motion[:3]))
    return max(1, math.ceil(max(distance / WAYPOINT_SPACING, abs(float(motion[3])) / WAYPOINT_ROTATION)))


def other_way_round(motion: np.ndarray) -> np.ndarray:
    """The same motion ending a half turn from its goal's yaw, turning the other way (dyaw - pi sign(dyaw))."""
    turned = np.asarray(motion, dtype=float).copy()
    turned[3] -= math.copysign(math.pi, turned[3]) if turned[3] != 0 else math.pi
    return turned


def straight_line_path(
    ik: ArmIK, joints: np.ndarray, start: GripperPose, goal: GripperPose, parallel_gripper: bool = True
) -> CartesianPath:
    """The joint waypoints that move the pinch point on a straight line from ``start`` to ``goal``.

    Each waypoint is solved from the one before (the first from ``joints``). Where the line cannot be followed
    to the goal and ``parallel_gripper`` holds, the goal turned by a half turn is tried too, and the path that
    gets further is returned (the goal's own on a tie).
    """
    motion = motion_between(start, goal)
    path = _solve(ik, joints, start, motion, half_turn=False)
    if path.complete or not parallel_gripper:
        return path
    turned = _solve(ik, joints, start, other_way_round(motion), half_turn=True)
    if turned.complete or len(turned.joints) / turned.planned > len(path.joints) / path.planned:
        return turned
    return path


def _solve(ik: ArmIK, joints: np.ndarray, start: GripperPose, motion: np.ndarray, half_turn: bool) -> CartesianPath:
    planned = waypoint_count(motion)
    solved: list[np.ndarray] = []
    current = np.asarray(joints, dtype=float)
    for i in range(1, planned + 1):
        try:
            current = ik.solve(apply_motion(start, motion * (i / planned)), current)
        except IKFailedError as error:
            return CartesianPath(motion, solved, planned, half_turn, f"waypoint {i} of {planned}: {error}")
        solved.append(current)
    return CartesianPath(motion, solved, planned, half_turn, None)
