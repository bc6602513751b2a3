"""Servo-step latency on recorded-like frames: perception (preprocess + 3 x 64 scores + the null motion)
and CEM optimisation, timed separately, in one process on one onnxruntime thread."""

from __future__ import annotations

import os

import numpy as np
from grasp_servo.cem import CEMConfig
from grasp_servo.controllers import ClosedLoopController
from grasp_servo.finger_clearance import FingerClearance
from grasp_servo.robot_profiles import get_profile
from grasp_servo.servo import CEMServo, ServoConfig

from grasp_bringup.evaluation_stats import percentiles_ms


def _frames(count: int, seed: int = 0) -> list[tuple[np.ndarray, object]]:
    """Real wrist frames and poses from the embedded world (a few scenes, gripper at several heights)."""
    from grasp_servo.pose import GripperPose
    from grasp_sim.world import GraspWorld
    from grasp_sim.world_config import WorldConfig

    world = GraspWorld(WorldConfig(object_set="heldout"))
    rng = np.random.default_rng(seed)
    frames = []
    for scene in range(max(1, count // 10)):
        world.reset(50_000 + scene)
        for _ in range(10):
            pose = world.gripper_pose()
            goal = GripperPose(
                pose.x + rng.normal(0, 0.02),
                pose.y + rng.normal(0, 0.02),
                float(rng.uniform(0.05, 0.28)),
                pose.yaw,
            )
            world.move_to(goal)
            observation = world.observe()
            frames.append((observation.depth, observation.pose))
    return frames[:count]


def benchmark_servo_step(
    model: str, steps: int, threads: int, samples: int, elites: int, iterations: int, finger_clearance: bool = True
) -> dict:
    """Time ``steps`` servo decisions; returns p50 / p95 of total, perception and optimisation in ms.

    With ``finger_clearance`` the check runs as in ``grasp evaluate``; its time counts as perception.
    """
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from grasp_perception.scorer import OnnxGraspScorer

    scorer = OnnxGraspScorer(model, threads=threads)
    cem = CEMConfig(samples=samples, elites=elites, iterations=iterations)
    servo = CEMServo(ServoConfig(cem=cem), get_profile("ur5").workspace)
    clearance = FingerClearance(scorer.contract.camera) if finger_clearance else None  # with its default angle
    controller = ClosedLoopController(scorer, servo, clearance)
    frames = _frames(min(steps, 100))
    rng = np.random.default_rng(0)
    for depth, pose in frames[:10]:  # warm-up
        controller.decide(depth, pose, 0, rng)
    perception, optimisation = [], []
    for i in range(steps):
        depth, pose = frames[i % len(frames)]
        decision = controller.decide(depth, pose, 0, rng)
        perception.append(decision.perception_seconds)
        optimisation.append(decision.optimisation_seconds)
    total = [p + o for p, o in zip(perception, optimisation, strict=True)]
    return {
        "model": model,
        "steps": steps,
        "threads": threads,
        "cem": f"{iterations} x {samples} (elites {elites})",
        "finger_clearance": finger_clearance,
        "total_ms": percentiles_ms(total),
        "perception_ms": percentiles_ms(perception),
        "optimisation_ms": percentiles_ms(optimisation),
    }
