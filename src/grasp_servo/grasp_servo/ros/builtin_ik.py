"""The motion node's built-in IK backend: straight Cartesian paths of the pinch point -> joint trajectories.

Needs no MoveIt: it solves inverse kinematics with mink on the arm model the embedded world uses
(``grasp_sim.arm_ik.ArmIK``: the UR5 built from Universal Robots' published kinematics with the 2F-85-like
gripper, the pinch point as the IK frame), waypoint by waypoint along the line from the current pose to the
goal, exactly as the embedded world moves its arm (one implementation: ``grasp_sim.cartesian_path``, which also
turns a goal the wrist cannot reach by a half turn). The times follow the same linear and angular speeds. No ROS
here: the node turns the plan into a control_msgs/FollowJointTrajectory goal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grasp_servo.pose import GripperPose

MIN_SEGMENT_S = 0.02
#: Segments are timed at this share of max_joint_speed: the arm may drift a little between planning and the
#: controller's start, and a controller refuses a first segment faster than the limit.
SPEED_MARGIN = 0.9


class PlanningError(RuntimeError):
    """No joint path reaches the goal (IK failed on the way)."""


@dataclass(frozen=True)
class JointPlan:
    """Joint positions (N, 6) at times (N,) from the start of the motion, in ``joint_names`` order."""

    joint_names: tuple[str, ...]
    positions: np.ndarray
    times_s: np.ndarray


class BuiltinArmPlanner:
    """Plans pinch-point goals for a simulated arm's model with mink IK (lazy: MuJoCo and mink load on first use)."""

    def __init__(
        self,
        home_joints: Sequence[float],
        robot: str = "ur5",
        linear_speed: float = 0.3,
        angular_speed: float = 2.0,
        max_joint_speed: float = 1.5,
    ):
        if min(linear_speed, angular_speed, max_joint_speed) <= 0:
            raise ValueError("linear_speed, angular_speed and max_joint_speed must be > 0")
        self.max_joint_speed = float(max_joint_speed)
        self.robot = robot
        self.home_joints = np.asarray(home_joints, dtype=float)
        self.linear_speed = float(linear_speed)
        self.angular_speed = float(angular_speed)
        self._ik = None
        self._names: tuple[str, ...] = ()

    def _solver(self) -> Any:  # grasp_sim.arm_ik.ArmIK, imported lazily
        if self._ik is None:
            from grasp_sim.arm_ik import ArmIK

            self._ik = ArmIK(self.home_joints, self.robot)
            self._names = tuple(self._ik.joint_names)
        return self._ik

    @property
    def joint_names(self) -> tuple[str, ...]:
        self._solver()
        return self._names

    def forward(self, joints: np.ndarray) -> GripperPose:
        """The pinch pose at ``joints``."""
        return self._solver().forward(np.asarray(joints, dtype=float))

    def plan(self, joints: np.ndarray, goal: GripperPose) -> JointPlan:
        """A straight-line path of the pinch point from where ``joints`` put it to ``goal``, or to the same grasp
        a half turn round where the wrist cannot turn to the goal's yaw (``grasp_sim.cartesian_path``)."""
        from grasp_sim.cartesian_path import straight_line_path

        ik = self._solver()
        joints = np.asarray(joints, dtype=float)
        if joints.shape != (len(self._names),) or not np.all(np.isfinite(joints)):
            raise PlanningError(f"current joint positions must be {len(self._names)} finite numbers, got {joints}")
        path = straight_line_path(ik, joints, ik.forward(joints), goal)
        if not path.complete:
            raise PlanningError(str(path.error))
        segment = max(path.duration(self.linear_speed, self.angular_speed) / path.planned, MIN_SEGMENT_S)
        times, current, elapsed = [], joints, 0.0
        for solved in path.joints:
            # No joint faster than max_joint_speed: a segment where the IK swings a wrist takes longer.
            elapsed += max(segment, float(np.max(np.abs(solved - current))) / (SPEED_MARGIN * self.max_joint_speed))
            current = solved
            times.append(elapsed)
        return JointPlan(self._names, np.array(path.joints), np.array(times))


def joints_by_name(names: Sequence[str], positions: Sequence[float], wanted: Sequence[str]) -> np.ndarray | None:
    """Positions of ``wanted`` joints from a JointState's names and positions; None when one is missing."""
    index = {name: i for i, name in enumerate(names)}
    if any(name not in index for name in wanted):
        return None
    return np.array([float(positions[index[name]]) for name in wanted])
