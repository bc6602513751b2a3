"""The cross-entropy method over grasp motions (seed 004, appendix A).

Sample N candidate motions from a Gaussian (the first iteration centred on the current pose, i.e. zero mean),
score them in one batch, refit the Gaussian to the M best, repeat. Candidates whose end point would leave the
workspace, or that rotate more than the rotation limit, are rejected and redrawn. As in seed 004 every
candidate's end point is projected to the grasp height (the table) before it is scored, so the search is over
(dx, dy, dyaw) and dz follows from the current height.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from grasp_servo.pose import GripperPose
from grasp_servo.workspace import Workspace, require_usable_pose

ScoreFunction = Callable[[np.ndarray], np.ndarray]
"""Maps motions (N, 4) = (dx, dy, dz, dyaw) to success probabilities (N,)."""


def checked_scores(raw: np.ndarray, count: int) -> np.ndarray:
    """A score function's answer for ``count`` motions as (count,) floats.

    Raises:
        ValueError: the answer has the wrong number of values, or a non-finite one (NaN, +-inf): a broken model
            must stop the step rather than steer it (a NaN compares false with everything, so it would otherwise
            pass as an ordinary score).
    """
    scores = np.asarray(raw, dtype=float).reshape(-1)
    if scores.shape[0] != count:
        raise ValueError(f"score function returned {scores.shape[0]} values for {count} motions")
    finite = np.isfinite(scores)
    if not np.all(finite):
        raise ValueError(
            f"score function returned {int(np.sum(~finite))} non-finite values of {count} "
            f"(first: {scores[~finite][0]})"
        )
    return scores


@dataclass(frozen=True)
class CEMConfig:
    """CEM parameters; the defaults are seed 004's (N = 64, M = 6, 3 iterations)."""

    samples: int = 64
    elites: int = 6
    iterations: int = 3
    initial_std_xy: float = 0.06  # metres
    initial_std_yaw: float = 0.6  # radians
    min_std_xy: float = 0.002
    min_std_yaw: float = 0.02
    rotation_limit: float = np.pi / 2  # |dyaw| allowed; a two-finger gripper repeats every half turn
    max_rejection_rounds: int = 20

    def __post_init__(self) -> None:
        if self.samples < 2:
            raise ValueError(f"CEM samples must be >= 2, got {self.samples}")
        if not 1 <= self.elites < self.samples:
            raise ValueError(
                f"CEM elites must be between 1 and samples - 1 ({self.samples - 1}), got {self.elites}"
            )
        if self.iterations < 1:
            raise ValueError(f"CEM iterations must be >= 1, got {self.iterations}")
        if not 0 < self.rotation_limit <= np.pi:
            raise ValueError(f"rotation_limit must be in (0, pi], got {self.rotation_limit}")


@dataclass(frozen=True)
class CEMResult:
    """The best motion found, its score, and where the time went."""

    motion: np.ndarray  # (4,) projected to the grasp height
    score: float
    scored: int  # how many candidates were scored
    scoring_seconds: float  # time inside the score function (perception)
    total_seconds: float

    @property
    def optimisation_seconds(self) -> float:
        return self.total_seconds - self.scoring_seconds


class CrossEntropyMotionOptimizer:
    """Finds the motion a scoring model likes best, under workspace and rotation constraints."""

    def __init__(self, config: CEMConfig, workspace: Workspace, grasp_height: float | None = None):
        self.config = config
        self.workspace = workspace
        self.grasp_height = workspace.z_min if grasp_height is None else grasp_height
        if not workspace.z_min <= self.grasp_height <= workspace.z_max:
            raise ValueError(
                f"grasp height {self.grasp_height} m is outside the workspace z range "
                f"[{workspace.z_min}, {workspace.z_max}]"
            )

    def project_to_grasp_height(self, start: GripperPose, planar: np.ndarray) -> np.ndarray:
        """Motions (N, 4) from planar candidates (N, 3) = (dx, dy, dyaw), ending at the grasp height."""
        dz = np.full((planar.shape[0], 1), self.grasp_height - start.z)
        return np.concatenate([planar[:, :2], dz, planar[:, 2:3]], axis=1)

    def _feasible(self, start: GripperPose, planar: np.ndarray) -> np.ndarray:
        """Candidates whose end point lies inside the workspace and whose rotation is within the limit.

        Every end point is at the grasp height, which is inside the workspace (checked once, in __init__), so
        only x and y are tested: recomputing z as ``start.z + dz`` can land a rounding error below the floor
        and reject every candidate.
        """
        ends = self.workspace.motion_endpoints(start, self.project_to_grasp_height(start, planar))[:, :2]
        inside = np.all((ends >= self.workspace.lower[:2]) & (ends <= self.workspace.upper[:2]), axis=1)
        return inside & (np.abs(planar[:, 2]) <= self.config.rotation_limit)

    def _sample(
        self, start: GripperPose, mean: np.ndarray, std: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """N feasible planar candidates by rejection sampling (clamped into bounds if rejection runs out)."""
        n = self.config.samples
        kept = np.empty((0, 3))
        for _ in range(self.config.max_rejection_rounds):
            draws = mean + std * rng.standard_normal((2 * n, 3))
            kept = np.concatenate([kept, draws[self._feasible(start, draws)]])[:n]
            if len(kept) == n:
                return kept
        filler = mean + std * rng.standard_normal((n - len(kept), 3))
        filler[:, 2] = np.clip(filler[:, 2], -self.config.rotation_limit, self.config.rotation_limit)
        motions = self.project_to_grasp_height(start, filler)
        for i, motion in enumerate(motions):
            clipped = self.workspace.motion_into(start, motion)
            filler[i, :2] = clipped[:2]
        return np.concatenate([kept, filler])

    def optimise(self, start: GripperPose, score: ScoreFunction, rng: np.random.Generator) -> CEMResult:
        """Run CEM from ``start``; ``score`` is called once per iteration with a batch of N motions.

        Raises:
            ValueError: ``start`` is not usable (require_usable_pose), or ``score`` returned non-finite values
                or the wrong number of them.
        """
        require_usable_pose(start)
        cfg = self.config
        began = time.perf_counter()
        scoring = 0.0
        mean = np.zeros(3)
        std = np.array([cfg.initial_std_xy, cfg.initial_std_xy, cfg.initial_std_yaw])
        floor = np.array([cfg.min_std_xy, cfg.min_std_xy, cfg.min_std_yaw])
        best_motion, best_score = None, -np.inf
        for _ in range(cfg.iterations):
            planar = self._sample(start, mean, std, rng)
            motions = self.project_to_grasp_height(start, planar)
            t0 = time.perf_counter()
            raw = score(motions)
            scoring += time.perf_counter() - t0
            scores = checked_scores(raw, motions.shape[0])
            order = np.argsort(scores)[::-1]
            if scores[order[0]] > best_score:
                best_score, best_motion = float(scores[order[0]]), motions[order[0]].copy()
            elites = planar[order[: cfg.elites]]
            mean = elites.mean(axis=0)
            std = np.maximum(elites.std(axis=0), floor)
        return CEMResult(
            motion=best_motion,
            score=best_score,
            scored=cfg.iterations * cfg.samples,
            scoring_seconds=scoring,
            total_seconds=time.perf_counter() - began,
        )
