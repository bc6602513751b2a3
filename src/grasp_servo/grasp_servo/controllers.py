"""Controllers that turn a wrist frame and the gripper pose into the next command.

Every controller (the closed-loop CEM servo, the open-loop baseline, the collection policies) has the same
shape: ``begin_episode(hints)`` then ``decide(depth, pose, step, rng) -> ServoDecision`` once per frame.
The runner (embedded or ROS) executes the decision. Nothing here touches a simulator or ROS.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from grasp_servo.cem import ScoreFunction
from grasp_servo.finger_clearance import FingerClearance, guarded
from grasp_servo.pose import GripperPose, apply_motion, motion_between
from grasp_servo.servo import CLOSE, MOVE, CEMServo, ServoDecision, limit_translation
from grasp_servo.workspace import require_usable_pose


class FrameScorer(Protocol):
    """A scoring model g(I, v): preprocess a frame once, then score batches of motions against it.

    A scorer whose scores depend on the gripper's state (a Q-function) says so with ``needs_state = True`` and
    takes the pinch point's height above the grasp height as a third argument of ``score_preprocessed``.
    """

    def preprocess(self, depth: np.ndarray) -> Any: ...

    def score_preprocessed(self, image: Any, motions: np.ndarray, *state: float) -> np.ndarray: ...


def frame_score_function(scorer: FrameScorer, image: Any, pose: GripperPose, grasp_height: float) -> ScoreFunction:
    """Motions (N, 4) -> scores (N,) for one preprocessed frame, with the state when the scorer needs it."""
    if getattr(scorer, "needs_state", False):
        height = pose.z - grasp_height
        return lambda motions: scorer.score_preprocessed(image, motions, height)
    return lambda motions: scorer.score_preprocessed(image, motions)


@dataclass(frozen=True)
class ObjectHint:
    """Privileged knowledge of an object (simulation ground truth), used only by scripted policies."""

    position: np.ndarray
    yaw: float
    height: float


class Controller(Protocol):
    name: str

    def begin_episode(self, hints: Sequence[ObjectHint]) -> None: ...

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision: ...


class ClosedLoopController:
    """Seed 004's servo: re-plans with CEM on every frame.

    With ``clearance``, a motion whose end pose would set a finger down on a surface the frame shows, or close a
    pad on a face too steep to hold, scores 0 (``FingerClearance``): CEM looks elsewhere, and a close there becomes
    a raise.
    """

    name = "cem"

    def __init__(self, scorer: FrameScorer, servo: CEMServo, clearance: FingerClearance | None = None):
        self.scorer = scorer
        self.servo = servo
        self.clearance = clearance

    def begin_episode(self, hints: Sequence[ObjectHint]) -> None:
        del hints  # the learned controller sees only the camera

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        require_usable_pose(pose)
        t0 = time.perf_counter()
        image = self.scorer.preprocess(depth)
        score = frame_score_function(self.scorer, image, pose, self.servo.grasp_height)
        score = guarded(score, self.clearance, depth, blocked_score=0.0)
        preprocessing = time.perf_counter() - t0
        decision = self.servo.decide(pose, score, step, rng)
        return _with_extra_perception(decision, preprocessing)


class OpenLoopController:
    """Baseline: one CEM prediction from the first frame, then move there blind and close.

    ``clearance`` checks the first frame's candidates as the closed loop checks every frame's.
    """

    name = "open_loop"

    def __init__(
        self,
        scorer: FrameScorer,
        servo: CEMServo,
        arrive_tolerance: float = 0.005,
        clearance: FingerClearance | None = None,
        blocked_score: float = 0.0,
    ):
        self.scorer = scorer
        self.servo = servo
        self.arrive_tolerance = arrive_tolerance
        self.clearance = clearance
        self.blocked_score = blocked_score
        self._target: GripperPose | None = None

    def begin_episode(self, hints: Sequence[ObjectHint]) -> None:
        self._target = None

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        require_usable_pose(pose)
        best_motion, best_score, perception, optimisation = None, float("nan"), 0.0, 0.0
        if self._target is None:  # the one look: plan from the first frame
            t0 = time.perf_counter()
            image = self.scorer.preprocess(depth)
            preprocessing = time.perf_counter() - t0
            score = frame_score_function(self.scorer, image, pose, self.servo.grasp_height)
            score = guarded(score, self.clearance, depth, self.blocked_score)
            result = self.servo.optimizer.optimise(pose, score, rng)
            self._target = apply_motion(pose, result.motion)
            best_motion, best_score = result.motion, result.score
            perception, optimisation = result.scoring_seconds + preprocessing, result.optimisation_seconds
        remaining = motion_between(pose, self._target)
        cfg = self.servo.config
        budget_spent = step + 1 >= cfg.step_budget
        above = pose.z - self.servo.grasp_height <= cfg.close_height + self.arrive_tolerance
        arrived = float(np.linalg.norm(remaining[:2])) < self.arrive_tolerance and abs(remaining[3]) < 0.05
        # Over the target and at most close_height above the table: descend and close. At the step budget: close
        # straight down from here, as the servo does. Otherwise move toward the point close_height above the
        # target, blind, one capped step at a time.
        if budget_spent:
            command, motion, reason = CLOSE, np.array([0.0, 0.0, remaining[2], 0.0]), "step_budget"
        elif arrived and above:
            command, motion, reason = CLOSE, remaining.copy(), "servo_close"
        else:
            hover = remaining.copy()
            hover[2] = max(remaining[2], self.servo.grasp_height + cfg.close_height - pose.z)
            command, reason = MOVE, "open_loop"
            motion = self.servo.workspace.clip_motion(pose, limit_translation(hover, cfg.max_step_translation))
        motion[3] = np.clip(motion[3], -cfg.cem.rotation_limit, cfg.cem.rotation_limit)
        return ServoDecision(
            command,
            motion,
            remaining if best_motion is None else best_motion,
            best_score,
            float("nan"),
            reason,
            perception,
            optimisation,
        )


def _with_extra_perception(decision: ServoDecision, seconds: float) -> ServoDecision:
    return replace(decision, perception_seconds=decision.perception_seconds + seconds)
