"""Seed 001's controller over a distance model d(I, a), as a configuration of the CEM servo.

Every frame: CEM samples planar candidate motions in a neighbourhood of the current pose (projected to the grasp
height, like every scoring model's candidates) and finds the one with the least predicted distance to the
nearest grasp; the gripper moves a constant fraction r of the way toward it (r = 0.2 in the seed) and one step
down a linear descent (the seed: camera 0.30 m -> 0.15 m above the table). Once the descent is done the gripper
goes straight down to the grasp height and closes. Sampling near the origin makes the controller follow the
local gradient of d, so it grasps the object nearest the hand (seed 001, Fig. 4).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from grasp_servo.cem import CEMConfig, CrossEntropyMotionOptimizer, ScoreFunction
from grasp_servo.controllers import FrameScorer, frame_score_function
from grasp_servo.finger_clearance import FingerClearance, guarded
from grasp_servo.pose import GripperPose
from grasp_servo.servo import CLOSE, MOVE, ServoDecision
from grasp_servo.workspace import Workspace, require_usable_pose


def _neighbourhood() -> CEMConfig:
    return CEMConfig(initial_std_xy=0.03, initial_std_yaw=0.3)


@dataclass(frozen=True)
class DistanceServoConfig:
    """Seed 001's step rule: step fraction r, the descent, and the candidates' neighbourhood (CEM)."""

    cem: CEMConfig = field(default_factory=_neighbourhood)
    step_fraction: float = 0.2  # r: move this fraction of the way to the best candidate
    end_height: float = 0.077  # pinch metres above the grasp height where the descent ends (camera 0.15 m)
    approach_steps: int = 25  # frames over which the descent runs (the seed: 75)

    def __post_init__(self) -> None:
        if not 0 < self.step_fraction <= 1:
            raise ValueError(f"step_fraction must be in (0, 1], got {self.step_fraction}")
        if not (math.isfinite(self.end_height) and self.end_height >= 0):
            raise ValueError(f"end_height must be >= 0 metres, got {self.end_height}")
        if self.approach_steps < 1:
            raise ValueError(f"approach_steps must be >= 1, got {self.approach_steps}")


def distance_servo_config(approach_steps: int, samples: int, elites: int, iterations: int) -> DistanceServoConfig:
    """Seed 001's servo with the descent length and CEM sizes a user set (the neighbourhood stays seed 001's)."""
    base = DistanceServoConfig()
    cem = replace(base.cem, samples=samples, elites=elites, iterations=iterations)
    return replace(base, cem=cem, approach_steps=approach_steps)


class DistanceServo:
    """Descends the predicted distance to the nearest grasp (seed 001, Algorithm 1)."""

    def __init__(self, config: DistanceServoConfig, workspace: Workspace):
        self.config = config
        self.workspace = workspace
        self.optimizer = CrossEntropyMotionOptimizer(config.cem, workspace)
        self._start_z: float | None = None

    @property
    def grasp_height(self) -> float:
        return self.optimizer.grasp_height

    def begin_episode(self) -> None:
        self._start_z = None

    def target_height(self, step: int) -> float:
        """Pinch height after ``step`` (0-based): linear from the first frame's height to the end height, reached
        by the last move (the frame after it only decides to grasp)."""
        start = self._start_z if self._start_z is not None else self.grasp_height + self.config.end_height
        end = self.grasp_height + self.config.end_height
        fraction = min(1.0, (step + 1) / max(1, self.config.approach_steps - 1))
        return start + (end - start) * fraction

    def decide(
        self, pose: GripperPose, distance: ScoreFunction, step: int, rng: np.random.Generator
    ) -> ServoDecision:
        """The next command at ``step`` (0-based); ``distance`` maps motions (N, 4) to metres (N,).

        Raises:
            ValueError: the pose is not usable, or the model returned non-finite values.
        """
        require_usable_pose(pose)
        if step == 0 or self._start_z is None:
            self._start_z = pose.z
        began = time.perf_counter()
        result = self.optimizer.optimise(pose, lambda motions: -np.asarray(distance(motions), dtype=float), rng)
        best = result.motion
        if step + 1 >= self.config.approach_steps:
            command, reason = CLOSE, "servo_close"
            motion = np.array([0.0, 0.0, self.grasp_height - pose.z, 0.0])
        else:
            command, reason = MOVE, "distance_step"
            r = self.config.step_fraction
            motion = np.array([r * best[0], r * best[1], self.target_height(step) - pose.z, r * best[3]])
            motion = self.workspace.clip_motion(pose, motion)
        total = time.perf_counter() - began
        return ServoDecision(
            command=command,
            motion=motion,
            best_motion=best,
            best_score=-result.score,  # the least predicted distance, metres
            close_score=float("nan"),
            reason=reason,
            perception_seconds=result.scoring_seconds,
            optimisation_seconds=total - result.scoring_seconds,
        )


#: The distance a motion blocked by ``FingerClearance`` is given: farther than any grasp in view (metres).
BLOCKED_DISTANCE = 1.0


class DistanceController:
    """Closed loop over a distance model: one ``DistanceServo`` step per frame (the ``Controller`` shape).

    With ``clearance``, a motion whose end pose would set a finger down on a surface the frame shows, or close a
    pad on a face too steep to hold, gets ``BLOCKED_DISTANCE`` (``FingerClearance``), so the descent steers toward
    grasps the fingers can reach.
    """

    name = "cem"

    def __init__(self, scorer: FrameScorer, servo: DistanceServo, clearance: FingerClearance | None = None):
        self.scorer = scorer
        self.servo = servo
        self.clearance = clearance

    def begin_episode(self, hints: Sequence[object]) -> None:
        del hints  # the learned controller sees only the camera
        self.servo.begin_episode()

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        require_usable_pose(pose)
        t0 = time.perf_counter()
        image = self.scorer.preprocess(depth)
        distance = frame_score_function(self.scorer, image, pose, self.servo.grasp_height)
        distance = guarded(distance, self.clearance, depth, blocked_score=BLOCKED_DISTANCE)
        preprocessing = time.perf_counter() - t0
        decision = self.servo.decide(pose, distance, step, rng)
        return replace(decision, perception_seconds=decision.perception_seconds + preprocessing)
