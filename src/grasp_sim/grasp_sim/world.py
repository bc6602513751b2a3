"""The embedded grasping world: a UR5-class arm over a table of objects, in MuJoCo.

``GraspWorld`` is the only place that touches MuJoCo state during an episode. It gives the wrist depth frame
and the gripper pose, executes Cartesian motions through IK and position-controlled joints (real physics:
fingers push objects, grasps slip), closes the gripper, and runs the lift test that labels an attempt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np
from grasp_servo.pose import GripperPose, apply_motion, motion_between
from grasp_servo.robot_profiles import get_profile

from grasp_sim.arm_ik import ArmIK, IKFailedError
from grasp_sim.arm_model import ARM_JOINTS, CAMERA_SITE, FINGER_JOINTS, PINCH_SITE, GripperGeometry, arm_mjcf
from grasp_sim.depth_camera import RayCastDepthCamera
from grasp_sim.objects import ObjectSpec, add_object, load_mesh_folder, sample_objects
from grasp_sim.world_config import WorldConfig

WAYPOINT_SPACING = 0.02  # metres between IK waypoints on a Cartesian path
SETTLE_TIME = 0.06  # seconds of physics after the last waypoint


@dataclass
class Observation:
    """What the robot knows at one instant."""

    stamp_ns: int
    depth: np.ndarray  # (H, W) float32 metres, inf where nothing was hit
    pose: GripperPose
    opening: float
    closed: bool
    rgb: np.ndarray | None = None


@dataclass(frozen=True)
class ObjectState:
    """Ground truth about one object (for scripted collection policies and for labels)."""

    name: str
    position: np.ndarray
    yaw: float
    height: float


@dataclass(frozen=True)
class LiftResult:
    """Outcome of the lift test."""

    success: bool
    label_method: str
    detail: str
    lifted_object: str | None


class GraspWorld:
    """One MuJoCo scene, rebuilt for every episode."""

    def __init__(self, config: WorldConfig | None = None, robot: str = "ur5"):
        self.config = config or WorldConfig()
        profile = get_profile(robot)
        if not profile.embedded:
            raise ValueError(
                f"the embedded world models the ur5 only; '{robot}' runs through ROS 2 and MoveIt"
            )
        self.profile = profile
        self.gripper = GripperGeometry()
        self._home = np.array(profile.home_joints)
        self.ik = ArmIK(self._home)
        self._mesh_objects: list[ObjectSpec] | None = None
        if self.config.object_set not in ("train", "heldout"):
            folder = Path(self.config.object_set).expanduser()
            cache = Path(self.config.mesh_cache_dir) if self.config.mesh_cache_dir else None
            self._mesh_objects = load_mesh_folder(folder, cache_dir=cache)
        self._clock_offset_ns = 0
        self.model: mujoco.MjModel | None = None
        self.data: mujoco.MjData | None = None
        self.objects: list[ObjectSpec] = []
        self._object_body_ids: list[int] = []
        self._rng = np.random.default_rng(0)
        self._closed = False

    # ----------------------------------------------------------------- scene
    def reset(self, seed: int) -> list[str]:
        """Build a new scene from ``seed``: objects dropped at random, arm at a jittered start pose.

        Returns the object names.
        """
        if self.data is not None:
            self._clock_offset_ns = self.stamp_ns() + 1_000_000
        self._rng = np.random.default_rng(seed)
        cfg = self.config
        count = int(self._rng.integers(cfg.min_objects, cfg.max_objects + 1))
        if self._mesh_objects is None:
            self.objects = sample_objects(cfg.object_set, count, self._rng)
        else:
            count = min(count, len(self._mesh_objects))
            picks = self._rng.choice(len(self._mesh_objects), size=count, replace=False)
            self.objects = [self._mesh_objects[i] for i in picks]
        spec = mujoco.MjSpec.from_string(arm_mjcf(self.gripper))
        table = spec.worldbody.add_geom(
            name="table",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[0.5, 0.5, 0.02],
            pos=[0.5, 0, -0.02],
            rgba=[0.55, 0.45, 0.35, 1],
        )
        table.group = 0
        positions = self._object_positions(self.objects)
        names = []
        for index, (obj, (x, y)) in enumerate(zip(self.objects, positions, strict=True)):
            yaw = self._rng.uniform(-np.pi, np.pi)
            quat = [math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)]
            name = f"{obj.name}__{index}"
            add_object(spec, obj, name, pos=[x, y, 0.002], quat=quat)
            names.append(name)
        self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        self._object_body_ids = [self.model.body(name).id for name in names]
        self._arm_qpos = np.array([self.model.joint(j).qposadr[0] for j in ARM_JOINTS])
        self._finger_qpos = np.array([self.model.joint(j).qposadr[0] for j in FINGER_JOINTS])
        self._arm_actuators = np.arange(len(ARM_JOINTS))
        self._finger_actuators = np.array(
            [self.model.actuator("left_finger").id, self.model.actuator("right_finger").id]
        )
        self.camera = RayCastDepthCamera(self.model, CAMERA_SITE, cfg.camera)
        self._pinch_id = self.model.site(PINCH_SITE).id
        start = GripperPose(
            0.5 * sum(cfg.object_x_range) + self._rng.uniform(-cfg.start_xy_jitter, cfg.start_xy_jitter),
            0.5 * sum(cfg.object_y_range) + self._rng.uniform(-cfg.start_xy_jitter, cfg.start_xy_jitter),
            cfg.start_height,
            self._rng.uniform(-np.pi / 2, np.pi / 2),
        )
        joints = self.ik.solve(start, self._home)
        self.data.qpos[self._arm_qpos] = joints
        self.data.ctrl[self._arm_actuators] = joints
        self._set_fingers(open_=True)
        self.data.qpos[self._finger_qpos] = self.gripper.max_opening / 2
        self._closed = False
        mujoco.mj_forward(self.model, self.data)
        self._simulate(0.4)  # let the objects settle
        return names

    def _object_positions(self, objects: list[ObjectSpec]) -> list[tuple[float, float]]:
        """Random non-overlapping drop positions in the object region."""
        cfg = self.config
        placed: list[tuple[float, float, float]] = []
        for obj in objects:
            radius = footprint_radius(obj)
            for _attempt in range(200):
                x = self._rng.uniform(*cfg.object_x_range)
                y = self._rng.uniform(*cfg.object_y_range)
                if all(math.hypot(x - px, y - py) > radius + pr + 0.005 for px, py, pr in placed):
                    break
            placed.append((x, y, radius))
        return [(x, y) for x, y, _ in placed]

    # ----------------------------------------------------------- observation
    def stamp_ns(self) -> int:
        """Simulation time of this episode plus all earlier ones, in nanoseconds (monotonic)."""
        return self._clock_offset_ns + round(self.data.time * 1e9)

    def gripper_pose(self) -> GripperPose:
        x, y, z = self.data.site_xpos[self._pinch_id]
        rotation = self.data.site_xmat[self._pinch_id].reshape(3, 3)
        return GripperPose(float(x), float(y), float(z), float(np.arctan2(rotation[1, 0], rotation[0, 0])))

    def gripper_opening(self) -> float:
        return float(np.sum(self.data.qpos[self._finger_qpos]))

    def observe(self) -> Observation:
        """The current wrist depth frame, gripper pose and status."""
        rgb = self.camera.render_rgb(self.data) if self.config.camera.rgb else None
        return Observation(
            stamp_ns=self.stamp_ns(),
            depth=self.camera.render_depth(self.data),
            pose=self.gripper_pose(),
            opening=self.gripper_opening(),
            closed=self._closed,
            rgb=rgb,
        )

    def object_states(self) -> list[ObjectState]:
        """Ground-truth object positions (for the biased collection policy and for tests)."""
        states = []
        for obj, body in zip(self.objects, self._object_body_ids, strict=True):
            rotation = self.data.xmat[body].reshape(3, 3)
            states.append(
                ObjectState(
                    name=self.model.body(body).name,
                    position=self.data.xpos[body].copy(),
                    yaw=float(np.arctan2(rotation[1, 0], rotation[0, 0])),
                    height=obj.height,
                )
            )
        return states

    # ---------------------------------------------------------------- motion
    def move(self, motion: np.ndarray) -> GripperPose:
        """Execute a motion (dx, dy, dz, dyaw in the yaw-aligned frame) from the current pose.

        The kinematic-noise model, if on, perturbs the commanded displacement; the goal is kept inside the
        workspace. Returns the pose actually reached (measured, not commanded).
        """
        motion = np.asarray(motion, dtype=float)
        if motion.shape != (4,) or not np.all(np.isfinite(motion)):
            raise ValueError(f"motion must be 4 finite numbers (dx, dy, dz, dyaw), got {motion!r}")
        if self.config.kinematic_noise > 0:
            noise = self._rng.standard_normal(4)
            motion = motion + self.config.kinematic_noise * noise * np.abs(motion)
        start = self.gripper_pose()
        goal = self.profile.workspace.clip_pose(apply_motion(start, motion))
        self._move_cartesian(start, goal)
        return self.gripper_pose()

    def move_to(self, goal: GripperPose) -> GripperPose:
        """Move along a straight Cartesian path to ``goal`` (kept inside the workspace)."""
        start = self.gripper_pose()
        self._move_cartesian(start, self.profile.workspace.clip_pose(goal))
        return self.gripper_pose()

    def _move_cartesian(self, start: GripperPose, goal: GripperPose, speed_scale: float = 1.0) -> None:
        delta = motion_between(start, goal)
        distance = float(np.linalg.norm(delta[:3]))
        n_waypoints = max(1, math.ceil(max(distance / WAYPOINT_SPACING, abs(delta[3]) / 0.3)))
        duration = (
            max(distance / self.config.linear_speed, abs(delta[3]) / self.config.angular_speed) / speed_scale
        )
        joints = self.data.qpos[self._arm_qpos].copy()
        for i in range(1, n_waypoints + 1):
            waypoint = apply_motion(start, delta * (i / n_waypoints))
            try:
                target = self.ik.solve(waypoint, joints)
            except IKFailedError:
                break  # stop short rather than jump: the next servo step sees where the arm is
            self._track(joints, target, max(duration / n_waypoints, 0.02))
            joints = target
        self._simulate(SETTLE_TIME)

    def _track(self, joints_from: np.ndarray, joints_to: np.ndarray, duration: float) -> None:
        """Interpolate the joint position targets over ``duration`` seconds of physics."""
        steps = max(1, round(duration / self.model.opt.timestep))
        for k in range(1, steps + 1):
            self.data.ctrl[self._arm_actuators] = joints_from + (joints_to - joints_from) * (k / steps)
            mujoco.mj_step(self.model, self.data)

    def _simulate(self, seconds: float) -> None:
        for _ in range(max(1, round(seconds / self.model.opt.timestep))):
            mujoco.mj_step(self.model, self.data)

    def _set_fingers(self, open_: bool) -> None:
        self.data.ctrl[self._finger_actuators] = self.gripper.max_opening / 2 if open_ else -0.03

    # ---------------------------------------------------------- grasp, lift
    def close_gripper(self) -> float:
        """Close the fingers with the gripper's force; returns the opening after closing."""
        self._set_fingers(open_=False)
        self._simulate(0.35)
        self._closed = True
        return self.gripper_opening()

    def raise_gripper(self, height: float) -> GripperPose:
        """Move the pinch point up by ``height`` (kept inside the workspace)."""
        pose = self.gripper_pose()
        return self.move_to(GripperPose(pose.x, pose.y, pose.z + height, pose.yaw))

    def lift_test(self) -> LiftResult:
        """Lift, hold, and label: success when an object's centre stays above ``success_height``."""
        cfg = self.config
        pose = self.gripper_pose()
        goal = GripperPose(pose.x, pose.y, pose.z + cfg.lift_distance, pose.yaw)
        self._move_cartesian(pose, goal)
        self._simulate(cfg.hold_time)
        heights = {self.model.body(b).name: float(self.data.xpos[b][2]) for b in self._object_body_ids}
        best_name = max(heights, key=heights.get)
        best = heights[best_name]
        success = best >= cfg.success_height
        relation = ">=" if success else "<"
        opening = max(0.0, self.gripper_opening())  # fingers closed on nothing overshoot a hair below 0
        detail = (
            f"{best_name} at {best:.3f} m {relation} {cfg.success_height:.3f} m after lifting "
            f"{cfg.lift_distance:.2f} m and holding {cfg.hold_time:.1f} s; opening {opening:.4f} m"
        )
        return LiftResult(success, "lift_test", detail, best_name if success else None)

    # ----------------------------------------------------------- disturbance
    def disturb(self) -> str:
        """Move the object nearest the gripper by a random horizontal distance; returns its name."""
        pose = self.gripper_pose()
        states = self.object_states()
        nearest = min(
            range(len(states)), key=lambda i: np.hypot(*(states[i].position[:2] - pose.position[:2]))
        )
        body = self._object_body_ids[nearest]
        joint = self.model.body_jntadr[body]
        qpos_adr = self.model.jnt_qposadr[joint]
        dof_adr = self.model.jnt_dofadr[joint]
        distance = self._rng.uniform(*self.config.disturbance_distance)
        direction = self._rng.uniform(-np.pi, np.pi)
        x = self.data.qpos[qpos_adr] + distance * math.cos(direction)
        y = self.data.qpos[qpos_adr + 1] + distance * math.sin(direction)
        margin = 0.03
        self.data.qpos[qpos_adr] = float(
            np.clip(x, self.config.object_x_range[0] - margin, self.config.object_x_range[1] + margin)
        )
        self.data.qpos[qpos_adr + 1] = float(
            np.clip(y, self.config.object_y_range[0] - margin, self.config.object_y_range[1] + margin)
        )
        self.data.qpos[qpos_adr + 2] += 0.003
        self.data.qvel[dof_adr : dof_adr + 6] = 0.0
        mujoco.mj_forward(self.model, self.data)
        self._simulate(0.1)
        return self.model.body(body).name


def footprint_radius(obj: ObjectSpec) -> float:
    """Radius of a vertical cylinder around the object's origin that contains all its parts (m)."""
    radius = 0.0
    for part in obj.parts:
        centre = float(np.hypot(part.pos[0], part.pos[1]))
        if part.kind == "mesh":
            reach = float(np.max(np.hypot(part.vertices[:, 0], part.vertices[:, 1])))
        elif part.kind == "box":
            reach = centre + float(np.hypot(part.size[0], part.size[1]))
        elif part.kind == "capsule":
            reach = centre + part.size[0] + part.size[1]
        else:
            reach = centre + part.size[0]
        radius = max(radius, reach)
    return radius
