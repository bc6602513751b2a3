"""Where a servo leaves the hand, measured against the scene's true grasps (seed 001 Fig. 5, seed 003 Sec. IV).

These experiments stop before the grasp: they measure the pose the servo converges to, as the seeds did.

- ``threshold_trials`` (seed 003): single-object scenes, the gripper placed at the pregrasp height at a random
  offset from the object's taught pregrasp pose (or far enough that the object is only partly in view); the
  threshold servo runs until it would grasp; the final translation and rotation error to the taught pose and
  the number of iterations it took.
- ``distance_trials`` (seed 001): 1-5 objects, the gripper at the world's start pose; seed 001's controller
  runs its descent (``approach_steps`` frames, step ratio r), or the one-shot baseline moves once to the best
  motion of the first frame; the distance of the final pose to the nearest true grasp (0.001 m/deg), with and
  without the kinematic-noise model (0.4 in the seed).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from grasp_servo.pose import GripperPose, motion_between
from grasp_servo.servo import CLOSE
from grasp_sim.antipodal import grasp_distance
from grasp_sim.scene_grasps import scene_grasps
from grasp_sim.world import GraspWorld
from tqdm.auto import tqdm

from grasp_bringup.factory import RunSettings, build_controller, world_config
from grasp_bringup.family_datasets import demonstrated_part_yaw, nearest_pregrasp, part_pregrasp, taught_pregrasps

PRECISION_SEED_BASE = 3_000_000  # scenes no dataset generator uses (they use seed * 100_000 + scene, seed < 30)


@dataclass
class ThresholdTrial:
    seed: int
    start_offset_m: float
    start_offset_deg: float
    iterations: int  # moves executed before the servo decided to grasp (or the budget ran out)
    converged: bool
    translation_error_mm: float
    rotation_error_deg: float


def threshold_trials(
    model: str, trials: int, object_set: str = "heldout", partial_view: bool = False, max_iterations: int = 10,
    robot: str = "ur5", progress: bool = True, taught_part: bool = False, camera_px: int = 64,
) -> list[ThresholdTrial]:
    """Seed 003's precision test of the threshold servo over ``model`` (a pregrasp-motion or GG-CNN model).

    ``taught_part``: the seed's own setting: ``object_set`` is one part (``SET:NAME``) and the goal is its one
    pregrasp pose fixed to it (``family_datasets.part_pregrasp``), as the model was trained with
    ``grasp dataset --taught-part``; otherwise the goal is the nearest of an object's taught pregrasp poses.
    ``camera_px``: the wrist camera's resolution (frames are resized to the model's, as a real camera's are).
    """
    settings = RunSettings(controller="threshold", model=model, object_set=object_set, min_objects=1, max_objects=1,
                           robot=robot, step_budget=max_iterations + 1, camera_px=camera_px)
    controller = build_controller(settings)
    world = GraspWorld(world_config(settings), robot=robot)
    part_yaw = demonstrated_part_yaw(world) if taught_part else 0.0
    results = []
    for i in tqdm(range(trials), desc="threshold trials", unit="trial", disable=not progress):
        seed = PRECISION_SEED_BASE + i
        world.reset(seed)
        rng = np.random.default_rng(seed)
        pregrasps = part_pregrasp(world, part_yaw) if taught_part else taught_pregrasps(world, rng)
        if not pregrasps:
            continue
        goal = pregrasps[0].primary
        radius = rng.uniform(0.07, 0.09) if partial_view else rng.uniform(0.0, 0.06)
        direction = rng.uniform(0, 2 * math.pi)
        start = GripperPose(goal.x + radius * math.cos(direction), goal.y + radius * math.sin(direction), goal.z,
                            goal.yaw + rng.uniform(-math.pi / 2, math.pi / 2))
        world.place_gripper(start)
        world.step(50)  # let the joints settle on the new targets
        controller.begin_episode([])
        iterations, converged = 0, False
        for step in range(max_iterations + 1):
            observation = world.observe()
            decision = controller.decide(observation.depth, observation.pose, step, rng)
            if decision.command == CLOSE:
                converged = decision.reason == "servo_close"
                break
            world.move(decision.motion)
            iterations += 1
        error = motion_between(world.gripper_pose(), nearest_pregrasp(world.gripper_pose(), pregrasps))
        offset = motion_between(start, nearest_pregrasp(start, pregrasps))
        results.append(ThresholdTrial(seed, float(np.hypot(*offset[:2])), float(np.degrees(abs(offset[3]))),
                                      iterations, converged, float(np.hypot(*error[:2]) * 1000),
                                      float(np.degrees(abs(error[3])))))
    return results


def threshold_summary(trials: list[ThresholdTrial], translation_mm: float = 0.5, rotation_deg: float = 0.5) -> dict:
    """Medians, 90th percentiles and shares within the thresholds (the seed's figures)."""
    if not trials:
        return {"trials": 0}
    t = np.array([x.translation_error_mm for x in trials])
    r = np.array([x.rotation_error_deg for x in trials])
    it = np.array([x.iterations for x in trials])
    return {
        "trials": len(trials),
        "converged": int(sum(x.converged for x in trials)),
        "translation_error_mm_median": float(np.median(t)),
        "translation_error_mm_p90": float(np.percentile(t, 90)),
        "rotation_error_deg_median": float(np.median(r)),
        "rotation_error_deg_p90": float(np.percentile(r, 90)),
        f"within_{translation_mm}mm_and_{rotation_deg}deg": float(np.mean((t <= translation_mm) & (r <= rotation_deg))),
        "within_1mm_and_1deg": float(np.mean((t <= 1.0) & (r <= 1.0))),
        "iterations_median": float(np.median(it)),
        "iterations_p90": float(np.percentile(it, 90)),
        "within_3_iterations": float(np.mean(it <= 3)),
        "per_trial": [asdict(x) for x in trials],
    }


@dataclass
class DistanceTrial:
    seed: int
    initial_distance_m: float
    final_distance_m: float


def distance_trials(
    model: str, trials: int, mode: str, kinematic_noise: float = 0.0, approach_steps: int = 25,
    object_set: str = "heldout", robot: str = "ur5", progress: bool = True,
) -> list[DistanceTrial]:
    """Seed 001's Fig. 5 for ``mode`` ``closed_loop`` (CTR) or ``one_shot`` (move once to the first frame's best)."""
    if mode not in ("closed_loop", "one_shot"):
        raise ValueError(f"mode must be closed_loop or one_shot, got {mode!r}")
    settings = RunSettings(controller="cem" if mode == "closed_loop" else "open_loop", model=model,
                           object_set=object_set, robot=robot, approach_steps=approach_steps,
                           kinematic_noise=kinematic_noise)
    controller = build_controller(settings)
    world = GraspWorld(world_config(settings), robot=robot)
    results = []
    for i in tqdm(range(trials), desc=f"distance trials ({mode}, noise {kinematic_noise:g})", unit="trial",
                  disable=not progress):
        seed = PRECISION_SEED_BASE + 10_000 + i
        world.reset(seed)
        rng = np.random.default_rng(seed)
        _, grasps = scene_grasps(world, rng)
        if len(grasps) == 0:
            continue
        initial = _planar_distance(world.gripper_pose(), grasps)
        controller.begin_episode([])
        for step in range(approach_steps):
            observation = world.observe()
            decision = controller.decide(observation.depth, observation.pose, step, rng)
            motion = np.asarray(decision.motion, dtype=float)
            if mode == "one_shot":  # the first frame's best motion, in one move, at the current height
                best = np.asarray(decision.best_motion, dtype=float)
                world.move(replace_z(best, 0.0))
                break
            if decision.command == CLOSE:
                break
            world.move(motion)
        results.append(DistanceTrial(seed, initial, _planar_distance(world.gripper_pose(), grasps)))
    return results


def replace_z(motion: np.ndarray, dz: float) -> np.ndarray:
    out = motion.copy()
    out[2] = dz
    return out


def _planar_distance(pose: GripperPose, grasps: object) -> float:
    distance, _ = grasp_distance(np.array([[pose.x, pose.y, pose.yaw]]), grasps)
    return float(distance[0])


def distance_summary(trials: list[DistanceTrial]) -> dict:
    if not trials:
        return {"trials": 0}
    final = np.array([t.final_distance_m for t in trials])
    initial = np.array([t.initial_distance_m for t in trials])
    return {
        "trials": len(trials),
        "initial_median_m": float(np.median(initial)),
        "final_median_m": float(np.median(final)),
        "final_p90_m": float(np.percentile(final, 90)),
        "final_within_1cm": float(np.mean(final <= 0.01)),
        "final_within_2cm": float(np.mean(final <= 0.02)),
        "per_trial": [asdict(t) for t in trials],
    }

