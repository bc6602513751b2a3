"""One closed-loop servo step over a scoring model: CEM, then seed 004's close / raise heuristics.

``CEMServo.decide`` takes the current gripper pose and a score function for the current frame and returns
what to do next. It never moves anything itself: the caller (embedded runner or ROS node) executes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from grasp_servo.cem import CEMConfig, CrossEntropyMotionOptimizer, ScoreFunction, checked_scores
from grasp_servo.pose import GripperPose
from grasp_servo.workspace import Workspace, require_usable_pose


@dataclass(frozen=True)
class ServoConfig:
    """Heuristics of seed 004 plus the limits of one executed step."""

    cem: CEMConfig = field(default_factory=CEMConfig)
    close_ratio: float = 0.9  # close when g(I, no motion) >= close_ratio * g(I, v*)
    raise_ratio: float = 0.5  # raise the gripper when g(I, no motion) <= raise_ratio * g(I, v*)
    raise_height_range: tuple[float, float] = (0.04, 0.10)  # metres above the grasp height (seed 004)
    max_step_translation: float = 0.06  # metres executed per step at most
    # Close only from at most this far above the grasp height. Higher up, a close verdict (no motion is as good
    # as v*) moves one step straight down, i.e. executes the no-motion command itself, and decides again on the
    # next frame: the descent stays closed loop instead of a blind drop.
    close_height: float = 0.05
    step_budget: int = 20  # after this many steps the gripper closes anyway

    def __post_init__(self) -> None:
        if not 0 < self.raise_ratio < self.close_ratio <= 1:
            raise ValueError(
                f"need 0 < raise_ratio < close_ratio <= 1, got raise {self.raise_ratio}, close {self.close_ratio}"
            )
        if self.max_step_translation <= 0:
            raise ValueError(f"max_step_translation must be > 0, got {self.max_step_translation}")
        if self.step_budget < 1:
            raise ValueError(f"step_budget must be >= 1, got {self.step_budget}")
        if self.close_height < 0:
            raise ValueError(f"close_height must be >= 0, got {self.close_height}")


MOVE, CLOSE, RAISE = "move", "close", "raise"


@dataclass(frozen=True)
class ServoDecision:
    """What one servo step decided, and why."""

    command: str  # "move", "raise" (move with the height lifted) or "close" (descend, then close)
    motion: np.ndarray  # (4,) to execute now, in the yaw-aligned frame of the current pose
    best_motion: np.ndarray  # v*, projected to the grasp height
    best_score: float  # g(I, v*)
    close_score: float  # g(I, no motion)
    reason: str  # servo_close / step_budget / descend / raise / move
    perception_seconds: float
    optimisation_seconds: float


def limit_translation(motion: np.ndarray, max_translation: float) -> np.ndarray:
    """Scale the translation part of ``motion`` down to at most ``max_translation`` metres (rotation too)."""
    norm = float(np.linalg.norm(motion[:3]))
    if norm <= max_translation:
        return motion.copy()
    return motion * (max_translation / norm)


class CEMServo:
    """Seed 004's servoing mechanism f(I_t) over any scoring model g(I, v)."""

    def __init__(self, config: ServoConfig, workspace: Workspace):
        self.config = config
        self.workspace = workspace
        self.optimizer = CrossEntropyMotionOptimizer(config.cem, workspace)

    @property
    def grasp_height(self) -> float:
        return self.optimizer.grasp_height

    def null_motion(self, pose: GripperPose) -> np.ndarray:
        """The "no motion" command: straight down to the grasp height, no rotation."""
        return np.array([0.0, 0.0, self.grasp_height - pose.z, 0.0])

    def decide(
        self, pose: GripperPose, score: ScoreFunction, step: int, rng: np.random.Generator
    ) -> ServoDecision:
        """Choose the next command at ``step`` (0-based) from the pose and the current frame's scorer.

        Raises:
            ValueError: the pose is not usable (require_usable_pose), or the scorer returned non-finite values
                or the wrong number of them; nothing is to be executed then.
        """
        require_usable_pose(pose)
        began = time.perf_counter()
        result = self.optimizer.optimise(pose, score, rng)
        null = self.null_motion(pose)
        t0 = time.perf_counter()
        close_score = float(checked_scores(score(null[None, :]), 1)[0])
        perception = result.scoring_seconds + (time.perf_counter() - t0)
        best_score = max(result.score, 1e-9)
        ratio = close_score / best_score
        cfg = self.config
        if step + 1 >= cfg.step_budget:
            command, motion, reason = CLOSE, null, "step_budget"
        elif ratio >= cfg.close_ratio and pose.z - self.grasp_height > cfg.close_height:
            command, reason = MOVE, "descend"
            motion = limit_translation(null, cfg.max_step_translation)
        elif ratio >= cfg.close_ratio:
            command, motion, reason = CLOSE, null, "servo_close"
        elif ratio <= cfg.raise_ratio:
            command, reason = RAISE, "raise"
            height = rng.uniform(*cfg.raise_height_range)
            motion = result.motion.copy()
            motion[2] = self.grasp_height + height - pose.z
            motion = limit_translation(motion, cfg.max_step_translation)
        else:
            command, reason = MOVE, "move"
            motion = limit_translation(result.motion, cfg.max_step_translation)
        total = time.perf_counter() - began
        return ServoDecision(
            command=command,
            motion=self.workspace.clip_motion(pose, motion) if command != CLOSE else motion,
            best_motion=result.motion,
            best_score=result.score,
            close_score=close_score,
            reason=reason,
            perception_seconds=perception,
            optimisation_seconds=total - perception,
        )
