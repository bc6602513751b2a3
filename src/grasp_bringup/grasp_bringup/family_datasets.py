"""Labelled frames for the geometric-label families, rendered in the embedded world.

A bag holds what the robot saw and did, not the scene's geometry, so the families whose labels come from the
geometry (seed 001's distance to the nearest grasp, seed 003's motion to the taught pregrasp pose) get their
frames here: a scene is dropped as in an episode, its antipodal grasps are computed from its height map
(``grasp_sim.antipodal``), the gripper is placed at sampled poses (IK, no physics) and the wrist camera's frame is
preprocessed as the model's contract says. Datasets are saved as npz with their provenance.

- ``distance_dataset`` (seed 001, III-B): images at random camera poses above the scene (x, y, yaw uniform,
  camera 0.15-0.30 m above the table), each with actions (half uniform over the view, half in the servo's
  neighbourhood), labelled with the distance of the displaced hand to the nearest grasp (0.001 m/deg).
- ``grasp_map_dataset`` (seed 002): the same camera poses; every antipodal grasp whose centre the camera sees
  becomes a grasp rectangle in the image (centre, angle, opening plus the pads, jaw width), projected with the
  camera's intrinsics at the depth of the surface under it.
- ``pregrasp_dataset`` (seed 003, Algorithm 1): poses at the pregrasp height sampled uniformly or from a
  Gaussian around an object's taught pregrasp pose; the label is the motion (dx, dy, dyaw) from the pose to
  the taught pregrasp pose of the object nearest the pinch point, in the pose's yaw-aligned frame. With
  ``taught_part`` (the seed's own setting: one known part, its grasp shown once), every scene holds that one part
  and its one pregrasp pose is fixed to the part (``part_pregrasp``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from grasp_perception.preprocess import DepthPreprocessing
from grasp_servo.pose import GripperPose, apply_motion, motion_between, wrap_half_turn
from grasp_sim.antipodal import PlanarGrasps, grasp_distance, taught_grasp
from grasp_sim.arm_ik import IKFailedError
from grasp_sim.heightmap import Heightmap
from grasp_sim.scene_grasps import scene_grasps
from grasp_sim.world import GraspWorld
from grasp_sim.world_config import WorldConfig
from tqdm.auto import tqdm

CAMERA_ABOVE_PINCH = 0.058  # m, every gripper of the world (grasp_sim.arms.gripper)
PREGRASP_HEIGHT = 0.12  # m above the grasp height: clear of the tallest objects (0.094 m) with the fingertips
SAMPLING_MODES = ("uniform", "gaussian")
PART_DEMONSTRATION_SEED = 2_990_000  # the one scene in which a taught part's grasp is demonstrated


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset was generated from (saved beside the arrays)."""

    kind: str  # distance or pregrasp
    object_set: str
    scenes: int
    seed: int
    robot: str = "ur5"
    camera_px: int = 64
    sampling: str = "uniform"
    images_per_scene: int = 0
    actions_per_image: int = 0
    taught_part: bool = False  # pregrasp: one part (object_set SET:NAME), one pregrasp pose fixed to it


def _world(spec: DatasetSpec, min_objects: int = 1, max_objects: int = 5) -> GraspWorld:
    from grasp_sim.depth_camera import CameraConfig

    config = WorldConfig(
        camera=CameraConfig(width=spec.camera_px, height=spec.camera_px), object_set=spec.object_set,
        min_objects=min_objects, max_objects=max_objects,
    )
    return GraspWorld(config, robot=spec.robot)


def _frame(world: GraspWorld, pose: GripperPose, preprocessing: DepthPreprocessing) -> tuple[np.ndarray, GripperPose]:
    reached = world.place_gripper(pose)
    return preprocessing(world.depth_frame()), reached


def _random_view(
    world: GraspWorld, rng: np.random.Generator, region: tuple[tuple[float, float], tuple[float, float]],
    preprocessing: DepthPreprocessing,
) -> tuple[np.ndarray, GripperPose, float] | None:
    """A frame from a random camera pose above the scene (seed 001's: x, y, yaw uniform, camera 0.15-0.30 m up):
    (image, pose reached, camera height), or None when the arm cannot reach the pose."""
    camera_height = rng.uniform(0.15, 0.30)
    pose = GripperPose(rng.uniform(*region[0]), rng.uniform(*region[1]), camera_height - CAMERA_ABOVE_PINCH,
                       rng.uniform(-np.pi / 2, np.pi / 2))
    try:
        image, reached = _frame(world, pose, preprocessing)
    except IKFailedError:
        return None
    return image, reached, camera_height


def distance_dataset(
    spec: DatasetSpec, preprocessing: DepthPreprocessing, progress: bool = True
) -> dict[str, np.ndarray]:
    """Seed 001's data: images, and per sample its image index, motion (4,) and distance label (m)."""
    world = _world(spec)
    rng = np.random.default_rng(spec.seed)
    grasp_z = world.profile.workspace.z_min
    x_range, y_range = world.config.object_region(spec.robot)
    images, image_index, motions, distances, scene_keys = [], [], [], [], []
    for scene in tqdm(range(spec.scenes), desc="distance data", unit="scene", disable=not progress):
        world.reset(spec.seed * 100_000 + scene)
        _, grasps = scene_grasps(world, rng)
        if len(grasps) == 0:
            continue
        for _ in range(spec.images_per_scene):
            view = _random_view(world, rng, (x_range, y_range), preprocessing)
            if view is None:
                continue
            image, reached, camera_height = view
            half_view = camera_height * math.tan(math.radians(35.0)) * 0.8
            n = spec.actions_per_image
            planar = np.concatenate([
                rng.uniform([-half_view, -half_view, -np.pi / 2], [half_view, half_view, np.pi / 2], (n - n // 2, 3)),
                rng.normal(0.0, [0.03, 0.03, 0.3], (n // 2, 3)),
            ])
            motion = np.column_stack([planar[:, :2], np.full(n, grasp_z - reached.z), planar[:, 2]])
            ends = np.array([apply_motion(reached, m).as_array()[[0, 1, 3]] for m in motion])
            distance, _ = grasp_distance(ends, grasps)
            image_index += [len(images)] * n
            images.append(image)
            motions.append(motion)
            distances.append(distance)
            scene_keys += [scene] * n
    return {
        "images": np.asarray(images, dtype=np.float32),
        "image_index": np.asarray(image_index, dtype=np.int64),
        "motions": np.concatenate(motions) if motions else np.zeros((0, 4)),
        "distances": np.concatenate(distances).astype(np.float32) if distances else np.zeros(0, np.float32),
        "scene_keys": np.asarray(scene_keys, dtype=np.int64),
    }


def grasp_rectangles_in_view(
    pose: GripperPose, grasps: PlanarGrasps, heightmap: Heightmap, width_px: int, height_px: int,
    fov_deg: float = 70.0, pad: float = 0.010, jaw: float = 0.024,
) -> list[tuple[float, float, float, float, float]]:
    """Grasps as image rectangles (row, col, angle, width, height) in px, seen by the wrist camera at ``pose``.

    The tool frame points down (x along the closing direction, y = z x x), the optical frame is the tool
    frame ``CAMERA_ABOVE_PINCH`` above the pinch point; a rectangle's opening is the grasp width plus both pads.
    """
    fx = (width_px / 2) / math.tan(math.radians(fov_deg) / 2)
    cx, cy = (width_px - 1) / 2, (height_px - 1) / 2
    x_axis = np.array([math.cos(pose.yaw), math.sin(pose.yaw)])
    y_axis = np.array([math.sin(pose.yaw), -math.cos(pose.yaw)])
    camera_z = pose.z + CAMERA_ABOVE_PINCH
    rows, cols = heightmap.cell_of(np.column_stack([grasps.x, grasps.y]))
    inside = heightmap.inside(rows, cols)
    surface = np.where(inside, heightmap.heights[np.clip(rows, 0, heightmap.shape[0] - 1),
                                                 np.clip(cols, 0, heightmap.shape[1] - 1)], 0.0)
    rectangles = []
    for i in range(len(grasps)):
        depth = camera_z - float(surface[i])
        relative = np.array([grasps.x[i] - pose.x, grasps.y[i] - pose.y])
        u = fx * float(relative @ x_axis) / depth + cx
        v = fx * float(relative @ y_axis) / depth + cy
        if not (0 <= u <= width_px - 1 and 0 <= v <= height_px - 1):
            continue
        closing = np.array([math.cos(grasps.yaw[i]), math.sin(grasps.yaw[i])])
        angle = math.atan2(float(closing @ y_axis), float(closing @ x_axis))
        rectangles.append((v, u, angle, fx * (float(grasps.width[i]) + 2 * pad) / depth, fx * jaw / depth))
    return rectangles


def grasp_map_dataset(spec: DatasetSpec, preprocessing: DepthPreprocessing, progress: bool = True
                      ) -> dict[str, np.ndarray]:
    """Seed 002's data: frames from random camera poses above the scenes and their true grasp rectangles.

    Returns images (N, h, w), rectangles (M, 5) row, col, angle, width, height in network pixels, and
    ``rectangle_image`` (M,) the frame each belongs to; frames without a grasp in view are kept (no rectangle).
    """
    world = _world(spec)
    rng = np.random.default_rng(spec.seed)
    x_range, y_range = world.config.object_region(spec.robot)
    scale = preprocessing.width / spec.camera_px
    images, rectangles, owners, scene_keys = [], [], [], []
    for scene in tqdm(range(spec.scenes), desc="grasp map data", unit="scene", disable=not progress):
        world.reset(spec.seed * 100_000 + scene)
        heightmap, grasps = scene_grasps(world, rng)
        for _ in range(spec.images_per_scene):
            view = _random_view(world, rng, (x_range, y_range), preprocessing)
            if view is None:
                continue
            image, reached, _ = view
            for row, col, angle, width, height in grasp_rectangles_in_view(
                reached, grasps, heightmap, spec.camera_px, spec.camera_px
            ):
                rectangles.append((row * scale, col * scale, angle, width * scale, height * scale))
                owners.append(len(images))
            images.append(image)
            scene_keys.append(scene)
    return {
        "images": np.asarray(images, dtype=np.float32),
        "rectangles": np.asarray(rectangles, dtype=np.float32).reshape(-1, 5),
        "rectangle_image": np.asarray(owners, dtype=np.int64),
        "scene_keys": np.asarray(scene_keys, dtype=np.int64),
    }


@dataclass(frozen=True)
class TaughtObject:
    """An object's taught pregrasp poses: above its grasps near its footprint's centre (equivalent by symmetry).

    A round object has such grasps at every yaw, a box only across its narrow side: the servo goes for the one
    that needs the least rotation from where the gripper is (then the one nearest the centre), so the label is a
    function of what the camera sees, not an arbitrary pick among equivalent grasps.
    """

    centroid: np.ndarray  # (2,) x, y of the footprint centre
    poses: np.ndarray  # (K, 4) x, y, z, yaw of the pregrasp poses, the best-quality one first

    @property
    def primary(self) -> GripperPose:
        return GripperPose.from_array(self.poses[0])

    def pregrasp_for(self, pose: GripperPose, yaw_tolerance: float = math.radians(10.0)) -> GripperPose:
        """The pregrasp pose the servo goes for from ``pose``: least rotation (within the tolerance), then nearest
        the centre."""
        turn = np.abs(wrap_half_turn(self.poses[:, 3] - pose.yaw))
        near_yaw = np.flatnonzero(turn <= turn.min() + yaw_tolerance)
        offset = np.hypot(self.poses[near_yaw, 0] - self.centroid[0], self.poses[near_yaw, 1] - self.centroid[1])
        return GripperPose.from_array(self.poses[near_yaw[np.argmin(offset)]])


def taught_pregrasps(world: GraspWorld, rng: np.random.Generator, pregrasp_height: float = PREGRASP_HEIGHT,
                     radius: float = 0.01) -> list[TaughtObject]:
    """Every object of the scene that has a grasp, with its taught pregrasp poses (``pregrasp_height`` above its
    grasps within ``radius`` of the footprint centre; the object's ``taught_grasp`` when none is that near)."""
    heightmap, grasps = scene_grasps(world, rng)
    z = world.profile.workspace.z_min + pregrasp_height
    objects = []
    for index in np.unique(grasps.object_index):
        chosen = taught_grasp(grasps, int(index), heightmap, radius)
        if chosen is None:
            continue
        rows, cols = np.nonzero(heightmap.object_index == index)
        centroid = heightmap.cell_xy(rows, cols).mean(axis=0)
        mine = np.flatnonzero(grasps.object_index == index)
        near = mine[np.hypot(grasps.x[mine] - centroid[0], grasps.y[mine] - centroid[1]) <= radius]
        order = [chosen, *[i for i in near if i != chosen]]
        poses = np.column_stack([grasps.x[order], grasps.y[order], np.full(len(order), z), grasps.yaw[order]])
        objects.append(TaughtObject(centroid, poses))
    return objects


def nearest_pregrasp(pose: GripperPose, objects: list[TaughtObject]) -> GripperPose:
    """The pregrasp pose the servo goes for: on the object whose centre is nearest the pinch point."""
    nearest = min(objects, key=lambda o: math.hypot(o.centroid[0] - pose.x, o.centroid[1] - pose.y))
    return nearest.pregrasp_for(pose)


def demonstrated_part_yaw(world: GraspWorld) -> float:
    """Seed 003's one demonstration: the yaw of the part's taught grasp relative to the part's own yaw (rad),
    taken once, in the scene ``PART_DEMONSTRATION_SEED``.

    Raises:
        ValueError: the world's object set is not one part (``SET:NAME``), or the part has no grasp.
    """
    if len(world.object_pool) != 1 or world.config.max_objects != 1:
        raise ValueError(f"a taught part needs an object set of one object (SET:NAME, e.g. heldout:heldout_box_120) "
                         f"and one object per scene; {world.config.object_set!r} has {len(world.object_pool)}, "
                         f"max_objects {world.config.max_objects}")
    world.reset(PART_DEMONSTRATION_SEED)
    taught = taught_pregrasps(world, np.random.default_rng(PART_DEMONSTRATION_SEED))
    if not taught:
        raise ValueError(f"{world.objects[0].name} has no antipodal grasp to demonstrate")
    (part,) = world.object_states()
    return float(wrap_half_turn(taught[0].primary.yaw - part.yaw))


def part_pregrasp(world: GraspWorld, part_yaw: float, pregrasp_height: float = PREGRASP_HEIGHT
                  ) -> list[TaughtObject]:
    """The taught part's one pregrasp pose in this scene: over the part's origin, ``part_yaw`` from its yaw.

    Unlike ``taught_pregrasps`` (every grasp near the centre of an unknown object, ~mm apart), this pose is fixed
    to the part, as seed 003's taught pose was: what makes a sub-millimetre target well defined.
    """
    (part,) = world.object_states()
    pose = [part.position[0], part.position[1], world.profile.workspace.z_min + pregrasp_height, part.yaw + part_yaw]
    return [TaughtObject(part.position[:2].copy(), np.array([pose]))]


def pregrasp_label(pose: GripperPose, objects: list[TaughtObject]) -> np.ndarray:
    """(dx, dy, dyaw) from ``pose`` to its taught pregrasp pose (``nearest_pregrasp``), in its yaw-aligned frame."""
    motion = motion_between(pose, nearest_pregrasp(pose, objects))
    return motion[[0, 1, 3]]


def pregrasp_dataset(
    spec: DatasetSpec,
    preprocessing: DepthPreprocessing,
    spread: tuple[float, float] = (0.06, math.pi / 2),
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Seed 003's Algorithm 1: images at poses sampled around taught pregrasp poses, labelled with the motion.

    ``spread``: the half-width of the uniform box (m, rad), or the Gaussian's standard deviation is half of it.
    """
    if spec.sampling not in SAMPLING_MODES:
        raise ValueError(f"sampling must be one of {', '.join(SAMPLING_MODES)}, got {spec.sampling!r}")
    world = _world(spec, max_objects=1 if spec.taught_part else 5)
    part_yaw = demonstrated_part_yaw(world) if spec.taught_part else 0.0
    rng = np.random.default_rng(spec.seed)
    images, labels, scene_keys = [], [], []
    for scene in tqdm(range(spec.scenes), desc=f"pregrasp data ({spec.sampling})", unit="scene",
                      disable=not progress):
        world.reset(spec.seed * 100_000 + scene)
        pregrasps = part_pregrasp(world, part_yaw) if spec.taught_part else taught_pregrasps(world, rng)
        if not pregrasps:
            continue
        for _ in range(spec.images_per_scene):
            centre = pregrasps[rng.integers(len(pregrasps))].primary
            half = np.array([spread[0], spread[0], spread[1]])
            offset = rng.uniform(-half, half) if spec.sampling == "uniform" else rng.normal(0.0, half / 2)
            pose = GripperPose(centre.x + offset[0], centre.y + offset[1], centre.z, centre.yaw + offset[2])
            try:
                image, reached = _frame(world, pose, preprocessing)
            except IKFailedError:
                continue
            images.append(image)
            labels.append(pregrasp_label(reached, pregrasps))
            scene_keys.append(scene)
    return {
        "images": np.asarray(images, dtype=np.float32),
        "labels": np.asarray(labels, dtype=np.float32).reshape(-1, 3),
        "scene_keys": np.asarray(scene_keys, dtype=np.int64),
    }


def save_dataset(path: Path, arrays: dict[str, np.ndarray], spec: DatasetSpec) -> Path:
    """Arrays and the spec they came from, in one npz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays, spec=np.array(repr(asdict(spec))))
    return path


def make_dataset(spec: DatasetSpec, out: Path) -> str:
    """Generate the dataset ``spec`` describes into ``out`` (npz); one line saying what was written."""
    from grasp_bringup.factory import UsageError

    if out.exists():
        raise UsageError(f"{out} exists: choose a new file")
    preprocessing = DepthPreprocessing()
    if spec.kind == "distance":
        arrays = distance_dataset(spec, preprocessing)
        what = f"{len(arrays['images'])} frames, {len(arrays['distances'])} labelled actions"
    elif spec.kind == "grasp_map":
        arrays = grasp_map_dataset(spec, preprocessing)
        what = f"{len(arrays['images'])} frames, {len(arrays['rectangles'])} grasp rectangles"
    else:
        arrays = pregrasp_dataset(spec, preprocessing)
        around = f"the taught pose of {spec.object_set}" if spec.taught_part else "the taught pregrasp poses"
        what = f"{len(arrays['images'])} frames ({spec.sampling} around {around})"
    save_dataset(out, arrays, spec)
    return f"wrote {out}: {what} from {spec.scenes} scenes of {spec.object_set}"
