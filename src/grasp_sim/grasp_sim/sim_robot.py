"""A simulated arm + gripper + wrist depth camera, driven step by step from outside (the ROS sim node's core).

``SimRobot`` wraps a ``GraspWorld``: the same scenes, physics, camera, monitors and ground truth, but nothing
moves unless commanded. Joint trajectories are tracked by setting the arm's position servos every physics step
(as a joint trajectory controller does), the gripper is driven as a GripperActionController drives it, on the
profile's gripper joint in its units (``GripperDrive``: the world's own close logic), and ``step`` advances
physics with the world's monitors (the late push, contact forces). Joint names, frames and the gripper's units
are the robot profile's (grasp_servo.robot_profiles). Frames and transforms follow REP 103: base_link is the
world frame (table top at z = 0), the profile's tool frame the flange (z along the tool axis), the pinch point
and the camera's optical frame are fixed in it (taken from the MJCF geometry).

The automatic label is not computed here (the servo lifts, shakes and reads the opening itself);
``check_grasp`` gives the simulation's audit of it. Imports MuJoCo, never rclpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mujoco
import numpy as np

from grasp_sim.arm_model import FINGER_SHUT, PINCH_SITE
from grasp_sim.gripper_drive import GripperDrive, GripperJointScale, GripperStatus
from grasp_sim.objects import ObjectSpec
from grasp_sim.trajectory import (
    GOAL_TOLERANCE_VIOLATED,
    INVALID_GOAL,
    PATH_TOLERANCE_VIOLATED,
    SUCCESSFUL,
    JointTrajectory,
)
from grasp_sim.world import SETTLE_TIME, GraspWorld, _audit_text, failure_category
from grasp_sim.world_config import WorldConfig

PINCH_FRAME = "grasp_pinch"
CAMERA_FRAME = "wrist_camera_depth_optical_frame"
#: Trajectory states.
IDLE, ACTIVE, SUCCEEDED, ABORTED, CANCELED = "idle", "active", "succeeded", "aborted", "canceled"
MIN_GRIP_FORCE = 20.0  # N: the least grip force a command may set (the 2F-85's datasheet: 20-235 N)


@dataclass(frozen=True)
class Transform:
    """A rigid transform: translation (m) and unit quaternion (x, y, z, w), ROS order."""

    translation: tuple[float, float, float]
    rotation_xyzw: tuple[float, float, float, float]

    @classmethod
    def from_matrix(cls, position: np.ndarray, rotation: np.ndarray) -> Transform:
        quat = np.zeros(4)
        mujoco.mju_mat2Quat(quat, np.asarray(rotation, dtype=float).reshape(-1))
        quat /= np.linalg.norm(quat)
        if quat[0] < 0:
            quat = -quat
        w, x, y, z = (float(v) for v in quat)
        return cls(tuple(float(v) for v in position), (x, y, z, w))  # type: ignore[arg-type]

    def matrix(self) -> np.ndarray:
        """The 4x4 homogeneous matrix."""
        x, y, z, w = self.rotation_xyzw
        rotation = np.zeros(9)
        mujoco.mju_quat2Mat(rotation, np.array([w, x, y, z]))
        out = np.eye(4)
        out[:3, :3] = rotation.reshape(3, 3)
        out[:3, 3] = self.translation
        return out


@dataclass(frozen=True)
class CameraIntrinsics:
    """A sensor_msgs/CameraInfo's numbers: rectified pinhole, plumb_bob distortion all zero."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    distortion_model: str = "plumb_bob"

    @property
    def k(self) -> list[float]:
        return [self.fx, 0.0, self.cx, 0.0, self.fy, self.cy, 0.0, 0.0, 1.0]

    @property
    def p(self) -> list[float]:
        return [self.fx, 0.0, self.cx, 0.0, 0.0, self.fy, self.cy, 0.0, 0.0, 0.0, 1.0, 0.0]

    @property
    def d(self) -> list[float]:
        return [0.0] * 5


@dataclass(frozen=True)
class TrajectoryState:
    """Where the last trajectory stands: status (idle, active, succeeded, aborted, canceled) and why."""

    status: str
    error_code: int  # FollowJointTrajectory Result.error_code
    message: str
    goal_id: int  # counts trajectories (0: none yet)
    desired: np.ndarray | None = None  # joint targets now (active)


@dataclass(frozen=True)
class GraspCheck:
    """The simulation's audit of an automatic label (grasp_interfaces/srv/CheckGrasp's response)."""

    truth_success: bool
    agrees: bool
    failure: str | None
    lifted_object: str | None
    target_object: str | None
    target_family: str | None
    detail: str


class SimRobot:
    """The embedded world as a robot: commands in (trajectories, gripper), physics step by step, readouts out.

    Not thread-safe: one caller at a time (the ROS node holds a lock around it).
    """

    def __init__(
        self,
        config: WorldConfig | None = None,
        robot: str = "ur5",
        goal_tolerance: float = 0.01,
        path_tolerance: float = 0.2,
        goal_time: float = 1.0,
    ) -> None:
        self.world = GraspWorld(config, robot)
        profile = self.world.profile
        self.profile = profile
        self.arm_joints = self.world.joint_names
        self.joint_names = (*self.arm_joints, profile.gripper.joint)  # /joint_states order
        self.base_frame = profile.base_frame
        self.tool_frame = profile.tool_frame
        self.goal_tolerance = goal_tolerance  # rad, every joint, at the end
        self.path_tolerance = path_tolerance  # rad, every joint, while moving: more is a collision (aborted)
        self.goal_time = goal_time  # s after the last point to be within goal_tolerance
        g = self.world.gripper
        binding = profile.gripper
        self.scale = GripperJointScale(g.max_opening, binding.open_position, binding.closed_position)
        self.drive = GripperDrive(self.scale, g.closing_speed, FINGER_SHUT, timeout=g.close_timeout)
        self.names: list[str] = []
        self.episode = 0  # counts resets
        self._goal_id = 0
        self._trajectory: JointTrajectory | None = None
        self._state = TrajectoryState(IDLE, SUCCESSFUL, "no trajectory yet", 0)
        self._t0 = 0.0

    @property
    def config(self) -> WorldConfig:
        return self.world.config

    # --------------------------------------------------------------- episode
    def reset(self, seed: int, objects: Sequence[ObjectSpec] | None = None) -> list[str]:
        """A new scene from ``seed`` (objects, arm at the world's jittered start pose, gripper open).

        ``objects`` replaces the draw from the object set (``GraspWorld.reset``). A running trajectory is
        aborted and a gripper command ends. Returns the object names.
        """
        if self._state.status == ACTIVE:
            self._finish(ABORTED, INVALID_GOAL, "aborted: the episode was reset")
        self._trajectory = None
        self.names = self.world.reset(seed, objects)
        self.episode += 1
        world = self.world
        self.drive.reset(world.finger_positions())
        self._successes = 0
        self._disturbed = False
        # Fixed transforms in the tool frame, from the model's geometry.
        tool = world.model.body(world.arm.tool_link).id
        self._tool_id = tool
        tool_pos, tool_rot = world.data.xpos[tool], world.data.xmat[tool].reshape(3, 3)
        pinch = world.model.site(PINCH_SITE).id
        self._pinch = _relative(tool_pos, tool_rot, world.data.site_xpos[pinch], world.data.site_xmat[pinch])
        camera_pos, camera_rot = world.camera.pose(world.data)
        self._camera = _relative(tool_pos, tool_rot, camera_pos, camera_rot)
        return list(self.names)

    def time_ns(self) -> int:
        """Simulation time (ns), monotonic across episodes."""
        return self.world.stamp_ns()

    # ------------------------------------------------------------------- arm
    def start_trajectory(self, joint_names: Sequence[str], points: Sequence[Any]) -> int:
        """Start following a joint trajectory now (points: (positions, time_from_start[, velocities])).

        Replaces a running one (that one is aborted). Raises ``TrajectoryError`` (``.code`` INVALID_JOINTS or
        INVALID_GOAL, one-line message) for a trajectory the arm refuses; the arm then keeps what it was doing.
        Returns the trajectory's id.
        """
        world = self.world
        trajectory = JointTrajectory.build(
            joint_names, points, self.arm_joints, world.arm_joint_positions(), world.arm_joint_limits(),
            self.profile.max_joint_speed,
        )
        if self._state.status == ACTIVE:
            self._finish(ABORTED, INVALID_GOAL, "aborted: replaced by a newer trajectory")
        self._goal_id += 1
        self._trajectory = trajectory
        self._t0 = float(world.data.time)
        self._state = TrajectoryState(ACTIVE, SUCCESSFUL, "following", self._goal_id, trajectory.start)
        return self._goal_id

    def trajectory_state(self) -> TrajectoryState:
        return self._state

    def cancel_trajectory(self) -> None:
        """Stop a running trajectory: the arm holds where it is."""
        if self._state.status == ACTIVE:
            self._finish(CANCELED, SUCCESSFUL, "canceled")

    def _finish(self, status: str, code: int, message: str, hold: bool = True) -> None:
        if hold:
            self.world.set_arm_targets(self.world.arm_joint_positions())
        self._trajectory = None
        self._state = TrajectoryState(status, code, message, self._state.goal_id)

    # --------------------------------------------------------------- gripper
    def command_gripper(self, position: float, max_effort: float = 0.0) -> int:
        """Move the fingers towards a gripper joint position (the profile's units, e.g. the 2F-85's knuckle:
        0.0 rad open .. 0.8 closed) at the gripper's speed.

        ``max_effort`` (N) limits the squeeze, between 20 N and the modelled grip force;
        0 (or less) means the modelled grip force. A command to close starts a grasp (the approach's monitors
        stop; the target is the object nearest the pinch point in the last frame); one to open after a grasp starts
        another attempt (``GraspWorld.begin_attempt``). Returns the command's id.
        """
        if not np.isfinite(position) or not np.isfinite(max_effort):
            raise ValueError(f"gripper command must be finite, got position {position!r}, max_effort {max_effort!r}")
        world = self.world
        force = world.gripper.grip_force if max_effort <= 0 else max(MIN_GRIP_FORCE, float(max_effort))
        world.set_finger_force_limit(force)
        if self.drive.command(position, world.finger_positions()):
            world.begin_close()
        elif world.closed:  # opened after a grasp: another attempt in the same scene (a regrasp)
            world.begin_attempt()
        return self.drive.command_id

    def cancel_gripper(self) -> None:
        """Stop the fingers where they are."""
        self.drive.cancel(self.world.finger_positions())
        self.world.set_finger_targets(self.drive.targets(self.world.finger_positions(), 0.0))

    def gripper_state(self) -> GripperStatus:
        return self.drive.status(self.world.gripper_opening(), self._squeeze())

    def _squeeze(self) -> float:
        return float(np.abs(self.world.finger_forces()).mean())

    # --------------------------------------------------------------- physics
    def step(self, steps: int = 1) -> None:
        """Advance physics by ``steps`` steps, following the trajectory and the gripper command."""
        world = self.world
        dt = world.timestep
        for _ in range(steps):
            trajectory = self._trajectory
            if trajectory is not None:
                desired = trajectory.sample(float(world.data.time) + dt - self._t0)
                world.set_arm_targets(desired)
            world.set_finger_targets(self.drive.targets(world.finger_positions(), dt))
            world.step()
            if trajectory is not None:
                self._check_trajectory(trajectory, desired)
            if self.drive.after_step(world.finger_velocities(), dt) and self.drive.closing:
                world.end_close()

    def _check_trajectory(self, trajectory: JointTrajectory, desired: np.ndarray) -> None:
        world = self.world
        t = float(world.data.time) - self._t0
        joints = world.arm_joint_positions()
        error = np.abs(joints - desired)
        if t <= trajectory.duration:
            if error.max() > self.path_tolerance:
                j = int(np.argmax(error))
                self._finish(
                    ABORTED, PATH_TOLERANCE_VIOLATED,
                    f"{self.arm_joints[j]} is {error[j]:.3f} rad from its path (tolerance {self.path_tolerance:g}): "
                    "blocked (a collision?); the arm holds where it is",
                )
            else:
                self._state = TrajectoryState(ACTIVE, SUCCESSFUL, "following", self._state.goal_id, desired)
            return
        final_error = float(np.abs(joints - trajectory.final).max())
        if t >= trajectory.duration + SETTLE_TIME and final_error <= self.goal_tolerance:
            self._finish(SUCCEEDED, SUCCESSFUL, f"reached the goal within {final_error:.4f} rad", hold=False)
            self._successes += 1
            self._maybe_disturb()
        elif t > trajectory.duration + self.goal_time:
            self._finish(
                ABORTED, GOAL_TOLERANCE_VIOLATED,
                f"{final_error:.3f} rad from the goal {self.goal_time:g} s after the last point "
                f"(tolerance {self.goal_tolerance:g})",
            )

    def _maybe_disturb(self) -> None:
        """Early disturbance: after the arm's ``disturbance_step``-th motion, before the next frame."""
        cfg = self.config
        if cfg.disturbance == "early" and not self._disturbed and self._successes == cfg.disturbance_step:
            self._disturbed = True
            self.world.disturb()

    # -------------------------------------------------------------- readouts
    def joint_positions(self) -> np.ndarray:
        """The arm joints (rad) and the gripper joint (from the opening), in ``joint_names`` order."""
        return np.append(self.world.arm_joint_positions(), self.scale.position(self.world.gripper_opening()))

    def joint_velocities(self) -> np.ndarray:
        gripper_velocity = self.scale.per_metre * float(self.world.finger_velocities().sum())
        return np.append(self.world.arm_joint_velocities(), gripper_velocity)

    def joint_efforts(self) -> np.ndarray:
        """Arm servo torques (N m) and the fingers' squeeze (N)."""
        return np.append(self.world.arm_joint_efforts(), self._squeeze())

    def tool_pose(self) -> Transform:
        """base_link -> the tool frame (the flange)."""
        data = self.world.data
        return Transform.from_matrix(data.xpos[self._tool_id], data.xmat[self._tool_id].reshape(3, 3))

    def pinch_transform(self) -> Transform:
        """tool frame -> grasp_pinch (fixed): the point between the fingertips, axes as the tool frame's."""
        return self._pinch

    def camera_transform(self) -> Transform:
        """tool frame -> wrist_camera_depth_optical_frame (fixed): z along the view, x along columns, y rows."""
        return self._camera

    def render_depth(self) -> np.ndarray:
        """The wrist depth frame now: (height, width) float32 metres; inf / NaN / -inf where none (REP 118)."""
        return self.world.depth_frame()

    def camera_info(self) -> CameraIntrinsics:
        camera = self.config.camera
        k = camera.intrinsics()
        return CameraIntrinsics(camera.width, camera.height, float(k[0, 0]), float(k[1, 1]), float(k[0, 2]),
                                float(k[1, 2]))

    # ---------------------------------------------------------- ground truth
    def check_grasp(self, label_success: bool, termination: str) -> GraspCheck:
        """The simulation's audit of a label decided elsewhere (after the servo's lift and shake)."""
        truth = self.world.ground_truth()
        failure = failure_category(truth, label_success, termination)
        by_body = dict(zip(self.names, self.world.objects, strict=True))
        target = by_body.get(truth.target) if truth.target else None
        detail = f"audit (simulation): {_audit_text(truth, label_success)} failure={failure or '-'}"
        disturbance = self.world.disturbance
        if disturbance is not None:
            detail += f" disturbed={disturbance.name}:{disturbance.mode}:{disturbance.moved:.3f}m"
        return GraspCheck(
            truth_success=truth.success,
            agrees=truth.success == bool(label_success),
            failure=failure,
            lifted_object=truth.lifted_object,
            target_object=target.name if target else None,
            target_family=target.family if target else None,
            detail=detail,
        )


def _relative(
    parent_pos: np.ndarray, parent_rot: np.ndarray, child_pos: np.ndarray, child_rot: np.ndarray
) -> Transform:
    """The child frame in the parent frame."""
    parent_rot = np.asarray(parent_rot).reshape(3, 3)
    child_rot = np.asarray(child_rot).reshape(3, 3)
    translation = parent_rot.T @ (np.asarray(child_pos) - np.asarray(parent_pos))
    rotation = parent_rot.T @ child_rot
    translation[np.abs(translation) < 1e-12] = 0.0
    return Transform.from_matrix(translation, rotation)
