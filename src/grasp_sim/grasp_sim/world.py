"""The embedded grasping world: an arm (UR5, ABB IRB 120, Kinova Jaco 2 or Gen3) over a table of objects, in MuJoCo.

``GraspWorld`` is the only place that touches MuJoCo state during an episode. It gives the wrist depth frame
and the gripper pose, executes Cartesian motions through IK and position-controlled joints (real physics:
fingers push objects, grasps slip), closes the gripper, and labels an attempt the way a real robot can: lift,
shake, and read the gripper opening (seed 004). The simulation's ground truth (which object is held, which
was lifted, what went wrong) is computed beside the label as an audit, never as the label.
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np
from grasp_servo.pose import GripperPose, apply_motion, motion_between
from grasp_servo.robot_profiles import get_profile

from grasp_sim.arm_ik import ArmIK, IKFailedError
from grasp_sim.arm_model import CAMERA_SITE, FINGER_JOINTS, FINGER_SHUT, PINCH_SITE, ROBOT_GEOM_GROUP, arm_mjcf
from grasp_sim.arms import robot_model
from grasp_sim.cartesian_path import straight_line_path
from grasp_sim.depth_camera import RayCastDepthCamera
from grasp_sim.objects import ObjectSpec, add_object, draw_objects, place_objects, resolve_object_set
from grasp_sim.objects.placement import footprint_radius
from grasp_sim.world_config import WorldConfig

SETTLE_TIME = 0.06  # seconds of physics after the last waypoint
MONITOR_EVERY = 5  # physics steps between checks of the approach (late push trigger, contact forces)
LABEL_METHOD = "gripper_opening"
#: m: a squeezing contact lies at most this far outside the gap between the pads' inner faces
SQUEEZE_CONTACT_TOLERANCE = 0.002
#: m: pads closer than this are shut: nothing lies between them (a sphere caged on closed fingertips, a mug handle
#: threaded over closed fingers are carried, not held between the pads)
PADS_SHUT_OPENING = 0.0005
#: Why a failed episode failed (decided from simulation state, for analysis only).
FAILURE_CATEGORIES = ("missed", "slipped", "pushed", "collision", "budget", "flipped", "other")
_PHYSICS_STREAM = 1  # child seeds of the episode seed: object physics
_PUSH_STREAM = 2  # ... and the late push
_DEPTH_NOISE_STREAM = 3  # ... and the depth sensor's noise


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
class Disturbance:
    """A disturbance that happened: which object, how, how far it was sent and how far it went."""

    name: str
    mode: str  # "early" (teleported) or "late" (pushed)
    planned: float  # m
    moved: float  # m, horizontal displacement of the object from the start to the end of the disturbance
    fingertip_height: float  # m, fingertips above the object's top when it began (late)
    stamp_ns: int


@dataclass(frozen=True)
class GroundTruth:
    """What the simulation knows about a grasp: the audit of the label and the cause of a failure."""

    held_object: str | None  # after the shake: between the pads, touching both, lifted off the table
    held_after_close: str | None  # touching both pads right after closing (before the lift)
    lifted_object: str | None  # the object raised highest, if any rose by lifted_rise and left the table
    lifted_rise: float  # m, rise of the lifted object's centre of mass since closing (0 if none)
    lifted_tilt_deg: float  # rotation of the lifted object since closing (0 if none)
    target: str | None  # the object nearest the pinch point in the last frame before closing
    target_moved: float  # m, how far the target moved between that frame and closing
    target_pushed: bool  # target_moved is at least the world's pushed_distance
    max_approach_force: float  # N, largest contact force of arm or gripper on the table or an object
    collision_with: str | None  # e.g. "left_finger on table": pressed on with at least collision_force

    @property
    def success(self) -> bool:
        return self.held_object is not None

    @property
    def flipped(self) -> bool:
        """An object was lifted but is not held between the pads (e.g. tipped over onto a finger)."""
        return self.lifted_object is not None and self.held_object is None


@dataclass(frozen=True)
class LiftResult:
    """The automatic label (gripper opening after lift and shake) and the ground truth beside it."""

    success: bool  # the label: the opening after the shake is above the threshold
    label_method: str
    detail: str  # the evidence, readable; ends with the simulation's audit
    lifted_object: str | None  # ground truth: which object was lifted (None if none)
    opening_closed: float
    opening_lifted: float
    opening_shaken: float
    truth: GroundTruth

    @property
    def agrees(self) -> bool:
        """Whether the automatic label equals the ground truth's."""
        return self.success == self.truth.success


def failure_category(truth: GroundTruth, success: bool, termination: str) -> str | None:
    """Why an attempt failed, from simulation state (analysis only); None when both labels say success.

    flipped: an object was lifted but is not held by the pads; slipped: held after closing, lost during the
    lift or shake; collision: the arm or gripper pressed hard on the table or an object before closing;
    pushed: the target moved away between the last frame and closing; budget: the step budget ran out;
    missed: the fingers closed on nothing; other: anything else (e.g. held but closed to under the threshold).
    """
    if success and truth.success:
        return None
    if truth.success:
        return "other"  # held, yet the opening reads closed: an object thinner than the threshold
    if truth.flipped:
        return "flipped"
    if truth.held_after_close is not None:
        return "slipped"
    if truth.collision_with is not None:
        return "collision"
    if truth.target_pushed:
        return "pushed"
    if termination == "step_budget":
        return "budget"
    return "missed"


class GraspWorld:
    """One MuJoCo scene, rebuilt for every episode."""

    def __init__(self, config: WorldConfig | None = None, robot: str = "ur5"):
        self.config = config or WorldConfig()
        profile = get_profile(robot)
        self.profile = profile
        model = robot_model(robot)
        self.arm = model.arm
        self.joint_names = model.arm.joint_names
        self._object_x_range, self._object_y_range = self.config.object_region(robot)
        # The pads' (and the table's) friction is the floor of the objects' range: MuJoCo's maximum rule then
        # gives every contact the object's own coefficient.
        floor = min(model.gripper.pad_friction[0], self.config.sliding_friction_range[0])
        self.gripper = dataclasses.replace(model.gripper, pad_friction=(floor, *model.gripper.pad_friction[1:]))
        self._home = np.array(profile.home_joints)
        self.ik = ArmIK(self._home, robot)
        # A named set (grasp_sim.objects.OBJECT_SETS: train, heldout, shapes_*, everyday, urdf_*, ...) or a folder
        # of meshes; train and heldout draw exactly as sample_objects did.
        cache = Path(self.config.mesh_cache_dir) if self.config.mesh_cache_dir else None
        self._pool = resolve_object_set(self.config.object_set, cache_dir=cache)
        self._volumes: weakref.WeakKeyDictionary[ObjectSpec, float] = weakref.WeakKeyDictionary()
        self._clock_offset_ns = 0
        self.model: mujoco.MjModel | None = None
        self.data: mujoco.MjData | None = None
        self.objects: list[ObjectSpec] = []
        self._object_body_ids: list[int] = []
        self._rng = np.random.default_rng(0)
        self._closed = False
        self.disturbance: Disturbance | None = None

    # ----------------------------------------------------------------- scene
    def reset(self, seed: int, objects: Sequence[ObjectSpec] | None = None) -> list[str]:
        """Build a new scene from ``seed``: objects dropped at random, arm at a jittered start pose.

        Each object's density and sliding friction are drawn from the configured ranges (seeded by ``seed``).
        ``objects`` replaces the draw from the object set: these objects, with their own mass and friction.
        Returns the object names.
        """
        if self.data is not None:
            self._clock_offset_ns = self.stamp_ns() + 1_000_000
        self._rng = np.random.default_rng(seed)
        cfg = self.config
        count = int(self._rng.integers(cfg.min_objects, cfg.max_objects + 1))
        if objects is not None:
            self.objects = list(objects)
        else:
            self.objects = self._with_sampled_physics(draw_objects(self._pool, count, self._rng), seed)
        spec = mujoco.MjSpec.from_string(arm_mjcf(self.gripper, arm=self.arm))
        table = spec.worldbody.add_geom(
            name="table",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[0.5, 0.5, 0.02],
            pos=[0.5, 0, -0.02],
            rgba=[0.55, 0.45, 0.35, 1],
            # A floor like the pads': MuJoCo takes the larger of two frictions, so objects slide on the
            # table with their own coefficient.
            friction=list(self.gripper.pad_friction),
        )
        table.group = 0
        # Footprints that do not overlap; an object with no room left is not dropped at all. Scenes that always
        # fitted draw the same positions and yaws as before.
        placements = place_objects(self.objects, self._rng, self._object_x_range, self._object_y_range)
        self.objects = [self.objects[p.index] for p in placements]
        self._footprints = [footprint_radius(obj) for obj in self.objects]
        names = []
        for index, (obj, placement) in enumerate(zip(self.objects, placements, strict=True)):
            name = f"{obj.name}__{index}"
            add_object(spec, obj, name, pos=[placement.x, placement.y, 0.002], quat=list(placement.quat))
            names.append(name)
        self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        self._object_body_ids = [self.model.body(name).id for name in names]
        self._arm_qpos = np.array([self.model.joint(j).qposadr[0] for j in self.joint_names])
        self._arm_dofs = np.array([self.model.joint(j).dofadr[0] for j in self.joint_names])
        self._finger_qpos = np.array([self.model.joint(j).qposadr[0] for j in FINGER_JOINTS])
        self._finger_qvel = np.array([self.model.joint(j).dofadr[0] for j in FINGER_JOINTS])
        self._arm_actuators = np.arange(len(self.joint_names))
        self._finger_actuators = np.array(
            [self.model.actuator("left_finger").id, self.model.actuator("right_finger").id]
        )
        self._pad_geoms = (self.model.geom("left_pad").id, self.model.geom("right_pad").id)
        self._table_geom = self.model.geom("table").id
        self._robot_geom = self.model.geom_group == ROBOT_GEOM_GROUP
        # Geom id -> index of the object it belongs to (-1: not an object).
        self._geom_object = np.full(self.model.ngeom, -1)
        body_index = {body: i for i, body in enumerate(self._object_body_ids)}
        for geom in range(self.model.ngeom):
            self._geom_object[geom] = body_index.get(int(self.model.geom_bodyid[geom]), -1)
        self.camera = RayCastDepthCamera(self.model, CAMERA_SITE, cfg.camera)
        self._pinch_id = self.model.site(PINCH_SITE).id
        start = GripperPose(
            0.5 * sum(self._object_x_range) + self._rng.uniform(-cfg.start_xy_jitter, cfg.start_xy_jitter),
            0.5 * sum(self._object_y_range) + self._rng.uniform(-cfg.start_xy_jitter, cfg.start_xy_jitter),
            cfg.start_height,
            self._rng.uniform(-np.pi / 2, np.pi / 2),
        )
        joints = self.ik.solve(start, self._home)
        self.data.qpos[self._arm_qpos] = joints
        self.data.ctrl[self._arm_actuators] = joints
        self._set_fingers(open_=True)
        self.data.qpos[self._finger_qpos] = self.gripper.max_opening / 2
        # Per-episode monitors: the late push, contact forces of the approach, the last frame's object positions.
        self.disturbance = None
        self._push_rng = np.random.default_rng([seed, _PUSH_STREAM])
        self._depth_rng = np.random.default_rng([seed, _DEPTH_NOISE_STREAM])  # noise on or off changes no other draw
        self._late_armed = cfg.disturbance == "late"
        self._push: dict | None = None
        self._monitor_approach = False  # off while the scene settles
        self._step_count = 0
        mujoco.mj_forward(self.model, self.data)
        self._simulate(0.4)  # let the objects settle
        self.begin_attempt()
        self._observed_xy = self._object_xy()
        self._com_at_close = self._object_com()
        self._zaxis_at_close = self._object_zaxes()
        return names

    def _with_sampled_physics(self, objects: list[ObjectSpec], seed: int) -> list[ObjectSpec]:
        """Density and sliding friction per object, from the episode's own stream (the layout is unchanged)."""
        rng = np.random.default_rng([seed, _PHYSICS_STREAM])
        cfg = self.config
        sampled = []
        for obj in objects:
            volume = self._volumes.get(obj)
            if volume is None:
                volume = self._volumes[obj] = obj.volume
            density = rng.uniform(*cfg.density_range)
            friction = rng.uniform(*cfg.sliding_friction_range)
            sampled.append(obj.with_physics(density, friction, volume=volume))
        return sampled

    @property
    def object_pool(self) -> tuple[ObjectSpec, ...]:
        """Every object the scenes draw from (the resolved ``config.object_set``)."""
        return tuple(self._pool)

    # ------------------------------------------------------------------- bin
    # A bin grasped from attempt after attempt (seed 004's evaluation without replacement): a grasped object is
    # taken out, and the arm goes back to a start pose without the scene being rebuilt.
    def object_names(self) -> list[str]:
        """Names of the objects in the scene (bodies "<object>__<i>"), removed ones excluded."""
        return [self.model.body(body).name for body in self._object_body_ids]

    def remove_object(self, name: str) -> None:
        """Take object ``name`` out of the scene (e.g. the one just lifted): the world no longer has it.

        Its free joint is parked 10 m under the table with its velocity zeroed and heavily damped (it cannot
        drift), its geoms collide with nothing and move to geom group 5 (neither ray-cast nor rendered), and it
        leaves ``objects``: frames, ground truth and hints no longer see it.

        Raises:
            KeyError: no object of that name is in the scene.
        """
        names = self.object_names()
        if name not in names:
            raise KeyError(f"no object {name!r} in the scene (objects: {', '.join(names) or 'none'})")
        index = names.index(name)
        body = self._object_body_ids[index]
        joint = self.model.body_jntadr[body]
        qpos, dof = self.model.jnt_qposadr[joint], self.model.jnt_dofadr[joint]
        self.data.qpos[qpos : qpos + 7] = (0.0, 0.0, -10.0, 1.0, 0.0, 0.0, 0.0)
        self.data.qvel[dof : dof + 6] = 0.0
        self.model.dof_damping[dof : dof + 6] = 1e6  # implicit damping: it sinks microns per simulated hour
        geoms = np.flatnonzero(self.model.geom_bodyid == body)
        self.model.geom_contype[geoms] = 0
        self.model.geom_conaffinity[geoms] = 0
        self.model.geom_group[geoms] = 5
        del self.objects[index], self._object_body_ids[index], self._footprints[index]
        body_index = {b: i for i, b in enumerate(self._object_body_ids)}
        self._geom_object = np.array([body_index.get(int(b), -1) for b in self.model.geom_bodyid])
        self._push = None
        self._target = None
        self._held_after_close = None
        mujoco.mj_forward(self.model, self.data)
        self._observed_xy = self._object_xy()
        self._com_at_close = self._object_com()
        self._zaxis_at_close = self._object_zaxes()

    def return_to_start(self, seed: int, settle: float = 0.4) -> list[str]:
        """Open the gripper and move the arm back to a start pose above the bin, the objects kept where they lie.

        The next attempt on the same scene: the start pose is drawn as ``reset`` draws it (the centre of the
        object region, jittered, a random yaw) from ``seed``, which also seeds the attempt's kinematic noise,
        push and depth noise; the gripper first rises straight up (anything still in it drops), then moves there
        (placed at once, solved from the home posture as ``reset`` does, if the path stops short), and the objects
        settle for ``settle`` seconds. Returns the object names.
        """
        cfg = self.config
        self._monitor_approach = False
        self._late_armed = False
        self._push = None
        self._set_fingers(open_=True)
        self._simulate(0.3)
        self._rng = np.random.default_rng(seed)
        start = GripperPose(
            0.5 * sum(self._object_x_range) + self._rng.uniform(-cfg.start_xy_jitter, cfg.start_xy_jitter),
            0.5 * sum(self._object_y_range) + self._rng.uniform(-cfg.start_xy_jitter, cfg.start_xy_jitter),
            cfg.start_height,
            self._rng.uniform(-np.pi / 2, np.pi / 2),
        )
        pose = self.gripper_pose()
        self.move_to(GripperPose(pose.x, pose.y, max(pose.z, cfg.start_height), pose.yaw))
        reached = self.move_to(start)
        if np.linalg.norm(reached.position - start.position) > 0.005 or abs(motion_between(reached, start)[3]) > 0.02:
            joints = self.ik.solve(start, self._home)  # as reset places it: from the home posture
            self.data.qpos[self._arm_qpos] = joints
            self.data.qvel[self._arm_dofs] = 0.0
            self.data.ctrl[self._arm_actuators] = joints
            mujoco.mj_forward(self.model, self.data)
        self.disturbance = None
        self._push_rng = np.random.default_rng([seed, _PUSH_STREAM])
        self._depth_rng = np.random.default_rng([seed, _DEPTH_NOISE_STREAM])
        self._late_armed = cfg.disturbance == "late"
        self._simulate(settle)
        self.begin_attempt()
        self._observed_xy = self._object_xy()
        self._com_at_close = self._object_com()
        self._zaxis_at_close = self._object_zaxes()
        return self.object_names()

    @property
    def closed(self) -> bool:
        """The gripper was closed for a grasp (and not opened for another attempt since)."""
        return self._closed

    def reopen_gripper(self, settle: float = 0.3) -> None:
        """Open the fingers where the gripper is, for another attempt in the same scene (a regrasp).

        Anything still between the fingers drops and everything settles for ``settle`` seconds; then
        ``begin_attempt``.
        """
        self._monitor_approach = False
        self._set_fingers(open_=True)
        self._simulate(settle)
        self.begin_attempt()

    def begin_attempt(self) -> None:
        """Another grasp attempt in the same scene: the attempt's audit (target, contact forces of the approach,
        what was squeezed) starts afresh, as after ``reset`` and ``return_to_start``. The late push is not armed
        again: a scene is disturbed once."""
        self._closed = False
        self._max_approach_force = 0.0
        self._collision_with: str | None = None
        self._monitor_approach = True
        self._target: int | None = None
        self._target_moved = 0.0
        self._held_after_close: int | None = None

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
        self._observed_xy = self._object_xy()
        return Observation(
            stamp_ns=self.stamp_ns(),
            depth=self.camera.render_depth(self.data, self._depth_rng),
            pose=self.gripper_pose(),
            opening=self.gripper_opening(),
            closed=self._closed,
            rgb=rgb,
        )

    def depth_frame(self) -> np.ndarray:
        """The current wrist depth frame alone (as ``observe`` renders it; the same noise stream).

        Like ``observe``, it is the last frame before a close: the target of a grasp is the object nearest the
        pinch point in it.
        """
        self._observed_xy = self._object_xy()
        return self.camera.render_depth(self.data, self._depth_rng)

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

    def object_masses(self) -> dict[str, float]:
        """Mass (kg) of every object body in the scene, by name."""
        return {self.model.body(b).name: float(self.model.body_mass[b]) for b in self._object_body_ids}

    def _object_xy(self) -> np.ndarray:
        return self.data.xpos[self._object_body_ids, :2].copy()

    def _object_com(self) -> np.ndarray:
        return self.data.xipos[self._object_body_ids].copy()

    def _object_zaxes(self) -> np.ndarray:
        return self.data.xmat[self._object_body_ids].reshape(-1, 3, 3)[:, :, 2].copy()

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

    def place_gripper(self, pose: GripperPose) -> GripperPose:
        """Put the gripper at ``pose`` at once (IK, no physics, objects untouched): for rendering labelled frames.

        Used by the dataset generators of the geometric-label families (poses sampled around a grasp, as seed 003's
        Algorithm 1 and seed 001's data do), never during an episode. Returns the pose reached.

        Raises:
            IKFailedError: the pose is out of the arm's reach.
        """
        joints = self.ik.solve(self.profile.workspace.clip_pose(pose), self.arm_joint_positions())
        self.data.qpos[self._arm_qpos] = joints
        self.data.qvel[self._arm_dofs] = 0.0
        self.data.ctrl[self._arm_actuators] = joints
        mujoco.mj_kinematics(self.model, self.data)
        return self.gripper_pose()

    def move_to(self, goal: GripperPose) -> GripperPose:
        """Move along a straight Cartesian path to ``goal`` (kept inside the workspace)."""
        start = self.gripper_pose()
        self._move_cartesian(start, self.profile.workspace.clip_pose(goal))
        return self.gripper_pose()

    def _move_cartesian(self, start: GripperPose, goal: GripperPose, speed_scale: float = 1.0) -> None:
        """Follow the straight line to ``goal`` (or, for the wrist's sake, to the same grasp a half turn round:
        ``cartesian_path``); where the IK fails on the way, stop short rather than jump: the next servo step sees
        where the arm is."""
        joints = self.data.qpos[self._arm_qpos].copy()
        path = straight_line_path(self.ik, joints, start, goal)
        duration = path.duration(self.config.linear_speed, self.config.angular_speed) / speed_scale
        for target in path.joints:
            self._track(joints, target, max(duration / path.planned, 0.02))
            joints = target
        self._simulate(SETTLE_TIME)

    def _track(self, joints_from: np.ndarray, joints_to: np.ndarray, duration: float) -> None:
        """Interpolate the joint position targets over ``duration`` seconds of physics."""
        steps = max(1, round(duration / self.model.opt.timestep))
        for k in range(1, steps + 1):
            self.data.ctrl[self._arm_actuators] = joints_from + (joints_to - joints_from) * (k / steps)
            self._step()

    def _simulate(self, seconds: float) -> None:
        for _ in range(max(1, round(seconds / self.model.opt.timestep))):
            self._step()

    def _step(self) -> None:
        """One physics step, with the approach's monitors: the late push, contact forces of arm and gripper."""
        if self._push is not None:
            self._drive_push()
        mujoco.mj_step(self.model, self.data)
        self._step_count += 1
        if self._monitor_approach and self._step_count % MONITOR_EVERY == 0:
            self._check_contacts()
            if self._late_armed:
                self._maybe_start_push()

    # ------------------------------------------------------- stepping API
    # For a robot driven from outside step by step (grasp_sim.sim_robot): the caller sets the actuator targets
    # and advances physics; the blocking methods above do the same internally.
    @property
    def timestep(self) -> float:
        """Seconds of one physics step."""
        return float(self.model.opt.timestep)

    def step(self, steps: int = 1) -> None:
        """Advance physics by ``steps`` steps, with the approach's monitors (late push, contact forces)."""
        for _ in range(steps):
            self._step()

    def arm_joint_positions(self) -> np.ndarray:
        """The six arm joints' positions (rad), in ``joint_names`` order."""
        return self.data.qpos[self._arm_qpos].copy()

    def arm_joint_velocities(self) -> np.ndarray:
        return self.data.qvel[self._arm_dofs].copy()

    def arm_joint_efforts(self) -> np.ndarray:
        """Torques (N m) of the arm's position servos."""
        return self.data.actuator_force[self._arm_actuators].copy()

    def arm_joint_limits(self) -> np.ndarray:
        """(6, 2) lower and upper position limits (rad) of the arm joints."""
        return np.array([self.model.joint(name).range for name in self.joint_names], dtype=float)

    def set_arm_targets(self, joints: np.ndarray) -> None:
        """Position targets of the arm's servos (rad, ``joint_names`` order), applied from the next step."""
        self.data.ctrl[self._arm_actuators] = joints

    def finger_positions(self) -> np.ndarray:
        """Each finger's travel from closed (m); the opening is their sum."""
        return self.data.qpos[self._finger_qpos].copy()

    def finger_velocities(self) -> np.ndarray:
        return self.data.qvel[self._finger_qvel].copy()

    def finger_forces(self) -> np.ndarray:
        """Force (N) of each finger's drive (negative: closing)."""
        return self.data.actuator_force[self._finger_actuators].copy()

    def set_finger_targets(self, targets: np.ndarray) -> None:
        """Position targets of the two fingers (m from closed; ``FINGER_SHUT`` squeezes with the grip force)."""
        self.data.ctrl[self._finger_actuators] = targets

    def set_finger_force_limit(self, force: float) -> None:
        """Most force (N) each finger's drive applies (the grip force; the model's own limit at most)."""
        force = min(float(force), self.gripper.grip_force)
        self.model.actuator_forcerange[self._finger_actuators] = (-force, force)

    def _set_fingers(self, open_: bool) -> None:
        self.data.ctrl[self._finger_actuators] = self.gripper.max_opening / 2 if open_ else FINGER_SHUT

    # ------------------------------------------------ approach monitors
    def _check_contacts(self) -> None:
        """Record the largest normal force of the arm or gripper on the table or an object."""
        n = self.data.ncon
        if n == 0:
            return
        contacts = self.data.contact
        geom1, geom2 = contacts.geom1[:n], contacts.geom2[:n]
        robot1, robot2 = self._robot_geom[geom1], self._robot_geom[geom2]
        mask = (robot1 != robot2) & (contacts.efc_address[:n] >= 0)
        if not mask.any():
            return
        forces = self.data.efc_force[contacts.efc_address[:n][mask]]
        i = int(np.argmax(forces))
        force = float(forces[i])
        if force > self._max_approach_force:
            self._max_approach_force = force
            if force >= self.config.collision_force:
                other = np.where(robot1[mask], geom2[mask], geom1[mask])[i]
                robot = np.where(robot1[mask], geom1[mask], geom2[mask])[i]
                obj = self._geom_object[other]
                what = "table" if obj < 0 else self.model.body(self._object_body_ids[obj]).name
                part = self.model.body(self.model.geom_bodyid[robot]).name
                self._collision_with = f"{part} on {what}"

    def _maybe_start_push(self) -> None:
        """Late disturbance: start pushing the object under the gripper once the fingertips are near its top."""
        cfg = self.config
        pinch = self.data.site_xpos[self._pinch_id]
        tips_z = pinch[2] - self.gripper.pinch_above_tips
        best = None
        for index, (obj, body) in enumerate(zip(self.objects, self._object_body_ids, strict=True)):
            horizontal = float(np.hypot(*(self.data.xpos[body][:2] - pinch[:2])))
            if horizontal > max(cfg.disturbance_radius, self._footprints[index]):
                continue
            above = tips_z - (self.data.xpos[body][2] + obj.height)
            if 0.0 <= above <= cfg.disturbance_height and (best is None or horizontal < best[1]):
                best = (index, horizontal, above)
        if best is None:
            return
        index, _, above = best
        self._late_armed = False
        rng = self._push_rng
        distance = float(rng.uniform(*cfg.disturbance_distance))
        start = self.data.xpos[self._object_body_ids[index]][:2].copy()
        margin = 0.03
        low = np.array([self._object_x_range[0], self._object_y_range[0]]) - margin
        high = np.array([self._object_x_range[1], self._object_y_range[1]]) + margin
        direction = None
        for _attempt in range(20):  # a random direction that keeps the object near the object region
            angle = rng.uniform(-np.pi, np.pi)
            candidate = np.array([math.cos(angle), math.sin(angle)])
            if np.all((start + distance * candidate >= low) & (start + distance * candidate <= high)):
                direction = candidate
                break
        if direction is None:  # towards the centre of the region
            centre = 0.5 * (low + high)
            direction = (centre - start) / max(float(np.linalg.norm(centre - start)), 1e-9)
        body = self._object_body_ids[index]
        self._push = {
            "index": index,
            "dof": int(self.model.jnt_dofadr[self.model.body_jntadr[body]]),
            "direction": direction,
            "distance": distance,
            "start_xy": start,
            "t0": float(self.data.time),
            "above": float(above),
            "stamp_ns": self.stamp_ns(),
        }

    def _drive_push(self) -> None:
        """Drive the pushed object's horizontal velocity along a smooth profile that integrates to the distance.

        A scripted pusher: the object's horizontal velocity follows (d / T)(1 - cos(2 pi t / T)) for T seconds,
        corrected towards the planned path (vertical motion stays free, rotation is held), so it slides d along
        the table whatever its friction, shoving whatever is in its way; physics runs throughout.
        """
        push = self._push
        duration = self.config.push_duration
        t = float(self.data.time) - push["t0"] + self.model.opt.timestep
        dof = push["dof"]
        if t > duration:
            self.data.qvel[dof : dof + 2] = 0.0
            body = self._object_body_ids[push["index"]]
            moved = float(np.linalg.norm(self.data.xpos[body][:2] - push["start_xy"]))
            self.disturbance = Disturbance(
                self.model.body(body).name, "late", push["distance"], moved, push["above"], push["stamp_ns"]
            )
            self._push = None
            return
        phase = 2 * math.pi * t / duration
        speed = push["distance"] / duration * (1.0 - math.cos(phase))
        travelled = push["distance"] * (t / duration - math.sin(phase) / (2 * math.pi))
        body = self._object_body_ids[push["index"]]
        # Track the planned path: what friction took in the last step is made up (20 ms time constant).
        error = push["start_xy"] + travelled * push["direction"] - self.data.xpos[body][:2]
        self.data.qvel[dof : dof + 2] = speed * push["direction"] + error / 0.02
        self.data.qvel[dof + 3 : dof + 6] = 0.0

    # ---------------------------------------------------------- grasp, lift
    def close_gripper(self) -> float:
        """Close the fingers at the gripper's speed until they stop (squeezing with its force, or shut).

        Returns the opening after closing.
        """
        self.begin_close()
        # Like the 2F-85: the fingers move at the closing speed; a finger that falls 2 mm behind its target is
        # blocked (an object), and from then on both targets are past closed: squeeze with the grip force.
        chunk = 0.01
        step = self.gripper.closing_speed / 2 * chunk
        targets = self.data.qpos[self._finger_qpos].copy()
        elapsed, still = 0.0, 0.0
        while elapsed < self.gripper.close_timeout and still < 0.05:  # shut, or blocked and still for 50 ms
            blocked = np.any(self.data.qpos[self._finger_qpos] - targets > 0.002)
            targets = np.full(2, FINGER_SHUT) if blocked else np.maximum(targets - step, FINGER_SHUT)
            self.data.ctrl[self._finger_actuators] = targets
            self._simulate(chunk)
            elapsed += chunk
            moving = np.abs(self.data.qvel[self._finger_qvel]).max() > 0.002
            still = 0.0 if moving or targets[0] > FINGER_SHUT else still + chunk
        self._set_fingers(open_=False)  # the command stays "closed": a finger set free closes further
        self.end_close()
        return self.gripper_opening()

    def begin_close(self) -> None:
        """The start of a close (``close_gripper``, or a stepped one): the approach ends here.

        Records the target (the object nearest the pinch point in the last frame) and how far it moved since
        that frame, and stops the approach's monitors (contact forces, the late push).
        """
        pinch = self.data.site_xpos[self._pinch_id][:2]
        if self.objects:
            distances = np.linalg.norm(self._observed_xy - pinch, axis=1)
            self._target = int(np.argmin(distances))
            moved = self._object_xy()[self._target] - self._observed_xy[self._target]
            self._target_moved = float(np.linalg.norm(moved))
        self._monitor_approach = False
        self._late_armed = False

    def end_close(self) -> None:
        """The end of a close: records what is squeezed between the pads and where the objects are now."""
        self._closed = True
        self._held_after_close = self._squeezed_object()
        self._com_at_close = self._object_com()
        self._zaxis_at_close = self._object_zaxes()

    def raise_gripper(self, height: float) -> GripperPose:
        """Move the pinch point up by ``height`` (kept inside the workspace)."""
        pose = self.gripper_pose()
        return self.move_to(GripperPose(pose.x, pose.y, pose.z + height, pose.yaw))

    def lift_test(self) -> LiftResult:
        """Lift, hold, shake, and label from the gripper opening; the simulation's ground truth beside it."""
        cfg = self.config
        self._monitor_approach = False
        opening_closed = self.gripper_opening()
        pose = self.gripper_pose()
        goal = GripperPose(pose.x, pose.y, pose.z + cfg.lift_distance, pose.yaw)
        self._move_cartesian(pose, goal)
        self._simulate(cfg.hold_time)
        opening_lifted = self.gripper_opening()
        self.shake()
        self._simulate(cfg.hold_time)
        opening_shaken = self.gripper_opening()
        success = opening_shaken > cfg.held_opening_threshold
        truth = self.ground_truth()
        relation = ">" if success else "<="
        shake = (
            f"shaking {cfg.shake_cycles} x {cfg.shake_amplitude * 1000:.0f} mm up-down and sideways at "
            f"{cfg.shake_frequency:g} Hz"
        )
        detail = (
            f"gripper opening {_mm(opening_closed)} mm after closing, {_mm(opening_lifted)} mm after lifting "
            f"{cfg.lift_distance:.2f} m, {_mm(opening_shaken)} mm after {shake}: "
            f"{relation} {cfg.held_opening_threshold * 1000:g} mm, {'held' if success else 'not held'}"
            f" | audit (simulation): {_audit_text(truth, success)}"
        )
        return LiftResult(
            success,
            LABEL_METHOD,
            detail,
            truth.lifted_object,
            max(0.0, opening_closed),
            max(0.0, opening_lifted),
            max(0.0, opening_shaken),
            truth,
        )

    def shake(self) -> None:
        """A few short fast motions of the lifted gripper: up-down, then sideways (along the pads)."""
        cfg = self.config
        if cfg.shake_cycles == 0 or cfg.shake_amplitude == 0:
            return
        pose = self.gripper_pose()
        centre = self.data.qpos[self._arm_qpos].copy()
        for motion in (np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0, 0.0])):
            try:
                extreme = self.ik.solve(apply_motion(pose, motion * cfg.shake_amplitude), centre)
            except IKFailedError:
                continue
            # Joint-space sinusoid between -extreme and +extreme (a 15 mm motion is straight to within microns).
            steps = max(1, round(cfg.shake_cycles / cfg.shake_frequency / self.model.opt.timestep))
            for k in range(1, steps + 1):
                phase = math.sin(2 * math.pi * cfg.shake_frequency * k * self.model.opt.timestep)
                self.data.ctrl[self._arm_actuators] = centre + phase * (extreme - centre)
                self._step()
            self.data.ctrl[self._arm_actuators] = centre

    # ----------------------------------------------------------- ground truth
    def _pad_contacts(self, squeeze_only: bool) -> tuple[set[int], set[int], set[int]]:
        """Objects touching the left pad, the right pad, and the table.

        ``squeeze_only`` counts a pad contact only when it pushes along the closing axis (within 60 degrees) on
        the pad's inner face, in the gap between the pads: a squeeze, not a fingertip resting on top of an object
        nor a handle hooked round the outside of a closed finger.
        """
        left, right, table = set(), set(), set()
        n = self.data.ncon
        if n == 0:
            return left, right, table
        contacts = self.data.contact
        closing_axis = self.data.site_xmat[self._pinch_id].reshape(3, 3)[:, 0]
        pinch = self.data.site_xpos[self._pinch_id]
        half_gap = max(0.0, self.gripper_opening()) / 2 + SQUEEZE_CONTACT_TOLERANCE
        for g1, g2, frame, point in zip(contacts.geom1[:n], contacts.geom2[:n], contacts.frame[:n], contacts.pos[:n],
                                        strict=True):
            for a, b in ((g1, g2), (g2, g1)):
                obj = self._geom_object[b]
                if obj < 0:
                    continue
                if a == self._table_geom:
                    table.add(int(obj))
                elif a in self._pad_geoms and (
                    not squeeze_only
                    or (abs(frame[:3] @ closing_axis) > 0.5 and abs((point - pinch) @ closing_axis) <= half_gap)
                ):
                    (left if a == self._pad_geoms[0] else right).add(int(obj))
        return left, right, table

    def _between_pads(self) -> list[int]:
        """Objects touching both pads (any contact) whose centre of mass lies between them (along the closing
        axis); none when the pads are shut."""
        if self.gripper_opening() < PADS_SHUT_OPENING:
            return []
        left, right, _ = self._pad_contacts(squeeze_only=False)
        rotation = self.data.site_xmat[self._pinch_id].reshape(3, 3)
        pinch = self.data.site_xpos[self._pinch_id]
        half_gap = max(0.0, self.gripper_opening()) / 2 + 0.01  # + a pad's thickness
        return [
            i
            for i in sorted(left & right)
            if abs(rotation[:, 0] @ (self.data.xipos[self._object_body_ids[i]] - pinch)) <= half_gap
        ]

    def _squeezed_objects(self) -> list[int]:
        """Objects both pads push on along the closing axis, wherever their centre of mass lies: a tee held by
        its bar or an L bracket by one leg is squeezed although its mass sits centimetres off the closing line."""
        if self.gripper_opening() < PADS_SHUT_OPENING:
            return []
        left, right, _ = self._pad_contacts(squeeze_only=True)
        return sorted(left & right)

    def _squeezed_object(self) -> int | None:
        """The object squeezed between the pads (right after closing), if any."""
        squeezed = self._squeezed_objects()
        return squeezed[0] if squeezed else None

    def ground_truth(self) -> GroundTruth:
        """What the simulation knows now about the grasp (after the lift and shake)."""
        cfg = self.config
        _, _, on_table = self._pad_contacts(squeeze_only=False)
        rise = self._object_com()[:, 2] - self._com_at_close[:, 2]
        lifted = [i for i in range(len(self.objects)) if rise[i] >= cfg.lifted_rise and i not in on_table]
        lifted_index = max(lifted, key=lambda i: rise[i]) if lifted else None
        # Held: lifted, and squeezed by both pads, or touching both (at any angle: a lifted object is not resting
        # on a fingertip) with its centre of mass between them.
        held_up = [i for i in sorted(set(self._between_pads()) | set(self._squeezed_objects()))
                   if i in lifted]
        held = max(held_up, key=lambda i: rise[i]) if held_up else None
        tilt = 0.0
        if lifted_index is not None:
            cosine = float(self._object_zaxes()[lifted_index] @ self._zaxis_at_close[lifted_index])
            tilt = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
        return GroundTruth(
            held_object=self._name(held),
            held_after_close=self._name(self._held_after_close),
            lifted_object=self._name(lifted_index),
            lifted_rise=float(rise[lifted_index]) if lifted_index is not None else 0.0,
            lifted_tilt_deg=tilt,
            target=self._name(self._target),
            target_moved=self._target_moved,
            target_pushed=self._target is not None and self._target_moved >= cfg.pushed_distance,
            max_approach_force=self._max_approach_force,
            collision_with=self._collision_with,
        )

    def _name(self, index: int | None) -> str | None:
        return None if index is None else self.model.body(self._object_body_ids[index]).name

    # ----------------------------------------------------------- disturbance
    def disturb(self) -> str:
        """Early disturbance: move (teleport) the object nearest the gripper by a random horizontal distance.

        Returns its name.
        """
        pose = self.gripper_pose()
        states = self.object_states()
        nearest = min(
            range(len(states)), key=lambda i: np.hypot(*(states[i].position[:2] - pose.position[:2]))
        )
        body = self._object_body_ids[nearest]
        joint = self.model.body_jntadr[body]
        qpos_adr = self.model.jnt_qposadr[joint]
        dof_adr = self.model.jnt_dofadr[joint]
        before = self.data.xpos[body][:2].copy()
        distance = self._rng.uniform(*self.config.disturbance_distance)
        direction = self._rng.uniform(-np.pi, np.pi)
        x = self.data.qpos[qpos_adr] + distance * math.cos(direction)
        y = self.data.qpos[qpos_adr + 1] + distance * math.sin(direction)
        margin = 0.03
        self.data.qpos[qpos_adr] = float(
            np.clip(x, self._object_x_range[0] - margin, self._object_x_range[1] + margin)
        )
        self.data.qpos[qpos_adr + 1] = float(
            np.clip(y, self._object_y_range[0] - margin, self._object_y_range[1] + margin)
        )
        self.data.qpos[qpos_adr + 2] += 0.003
        self.data.qvel[dof_adr : dof_adr + 6] = 0.0
        mujoco.mj_forward(self.model, self.data)
        self._simulate(0.1)
        name = self.model.body(body).name
        moved = float(np.linalg.norm(self.data.xpos[body][:2] - before))
        self.disturbance = Disturbance(name, "early", float(distance), moved, float("nan"), self.stamp_ns())
        return name


def _mm(metres: float) -> str:
    return f"{max(0.0, metres) * 1000:.1f}"  # fingers closed on nothing overshoot a hair below 0


def _audit_text(truth: GroundTruth, success: bool) -> str:
    """The ground truth as key=value words (readable, and parseable from a bag's label_detail)."""
    parts = [
        f"truth={'held' if truth.success else 'not_held'}",
        f"agrees={'yes' if truth.success == success else 'no'}",
        f"held={truth.held_object or '-'}",
        f"held_after_close={truth.held_after_close or '-'}",
        f"lifted={truth.lifted_object or '-'}",
        f"rise={truth.lifted_rise:.3f}m",
        f"tilt={truth.lifted_tilt_deg:.0f}deg",
        f"target={truth.target or '-'}",
        f"target_moved={truth.target_moved:.3f}m",
        f"max_contact_force={truth.max_approach_force:.0f}N",
        f"collision={(truth.collision_with or '-').replace(' ', '_')}",
    ]
    return " ".join(parts)
