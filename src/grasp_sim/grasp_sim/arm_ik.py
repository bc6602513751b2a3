"""Inverse kinematics for the simulated arms with mink (differential IK on the MuJoCo model).

IK runs on a separate arm-only model so that object free joints never enter the solve.
"""

from __future__ import annotations

import mink
import mujoco
import numpy as np
from grasp_servo.pose import GripperPose

from grasp_sim.arm_model import PINCH_SITE, arm_mjcf
from grasp_sim.arms import robot_model


class IKFailedError(RuntimeError):
    """The goal pose could not be reached within tolerance."""


class ArmIK:
    """Solves joint positions that put the pinch site of ``robot``'s arm at a top-down ``GripperPose``."""

    def __init__(
        self,
        home_joints: np.ndarray,
        robot: str = "ur5",
        position_tolerance: float = 1e-3,
        orientation_tolerance: float = 1e-2,
        max_iterations: int = 60,
    ):
        model = robot_model(robot)
        self.joint_names = model.arm.joint_names
        self.model = mujoco.MjModel.from_xml_string(arm_mjcf(model.gripper, arm=model.arm))
        self._joint_qpos = np.array([self.model.joint(name).qposadr[0] for name in self.joint_names])
        self.configuration = mink.Configuration(self.model)
        self._task = mink.FrameTask(PINCH_SITE, "site", position_cost=1.0, orientation_cost=1.0)
        self._posture = mink.PostureTask(self.model, cost=1e-3)
        self._posture.set_target(self._arm_to_model_q(home_joints))
        self._limits = [mink.ConfigurationLimit(self.model)]
        self.position_tolerance = position_tolerance
        self.orientation_tolerance = orientation_tolerance
        self.max_iterations = max_iterations

    def _arm_to_model_q(self, arm_joints: np.ndarray) -> np.ndarray:
        q = np.zeros(self.model.nq)
        q[self._joint_qpos] = arm_joints
        return q

    def forward(self, arm_joints: np.ndarray) -> GripperPose:
        """The top-down pose of the pinch site for the given arm joints (yaw from the tool x axis)."""
        self.configuration.update(self._arm_to_model_q(arm_joints))
        transform = self.configuration.get_transform_frame_to_world(PINCH_SITE, "site")
        x, y, z = transform.translation()
        rotation = transform.rotation().as_matrix()
        return GripperPose(float(x), float(y), float(z), float(np.arctan2(rotation[1, 0], rotation[0, 0])))

    def solve(self, goal: GripperPose, seed_joints: np.ndarray) -> np.ndarray:
        """Arm joints reaching ``goal`` from ``seed_joints``; raises IKFailedError when out of reach."""
        self.configuration.update(self._arm_to_model_q(seed_joints))
        rotation = mink.SO3(goal.quaternion_wxyz())
        self._task.set_target(mink.SE3.from_rotation_and_translation(rotation, goal.position))
        dt = 0.5
        error = np.inf
        for _ in range(self.max_iterations):
            velocity = mink.solve_ik(
                self.configuration, [self._task, self._posture], dt, "daqp", damping=1e-4, limits=self._limits
            )
            self.configuration.integrate_inplace(velocity, dt)
            error_vector = self._task.compute_error(self.configuration)
            position_error = float(np.linalg.norm(error_vector[:3]))
            orientation_error = float(np.linalg.norm(error_vector[3:]))
            error = position_error
            if position_error < self.position_tolerance and orientation_error < self.orientation_tolerance:
                return self.configuration.q[self._joint_qpos].copy()
        raise IKFailedError(f"IK did not reach {goal} (position error {error * 1000:.1f} mm)")
