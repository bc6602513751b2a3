"""Joint trajectories for the simulated arm: validation and sampling, as a joint trajectory controller does.

A trajectory is a list of points (positions, time from start, optionally velocities) for named joints. It is
checked against the arm (names: exactly the arm's joints, in any order; finite numbers; times increasing;
positions within the joint limits; no joint faster than its speed limit) and then sampled: from the current
positions at time 0 to the first point, then point to point. Positions only: linear interpolation (what
ros2_controllers' joint trajectory controller does without velocities); with velocities at every point: cubic
Hermite splines (velocity 0 at the start, where the arm is at rest or held).

Numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: control_msgs/action/FollowJointTrajectory result codes (Result.error_code).
SUCCESSFUL = 0
INVALID_GOAL = -1
INVALID_JOINTS = -2
OLD_HEADER_TIMESTAMP = -3
PATH_TOLERANCE_VIOLATED = -4
GOAL_TOLERANCE_VIOLATED = -5
ERROR_NAMES = {
    SUCCESSFUL: "SUCCESSFUL",
    INVALID_GOAL: "INVALID_GOAL",
    INVALID_JOINTS: "INVALID_JOINTS",
    OLD_HEADER_TIMESTAMP: "OLD_HEADER_TIMESTAMP",
    PATH_TOLERANCE_VIOLATED: "PATH_TOLERANCE_VIOLATED",
    GOAL_TOLERANCE_VIOLATED: "GOAL_TOLERANCE_VIOLATED",
}
#: Largest joint speed (rad/s): the UR5's, every joint (ur_description's joint_limits.yaml: 3.15).
UR5_MAX_JOINT_SPEED = 3.15
#: A first point at time 0 may differ from the current position by this much (rad).
START_TOLERANCE = 0.01


class TrajectoryError(ValueError):
    """A trajectory the arm refuses; ``code`` is the FollowJointTrajectory error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TrajectoryPoint:
    """One point: joint positions (rad) reached ``time_from_start`` seconds after the start."""

    positions: tuple[float, ...]
    time_from_start: float
    velocities: tuple[float, ...] | None = None


def as_point(point: Any) -> TrajectoryPoint:
    """A ``TrajectoryPoint`` from one, or from a tuple (positions, time) or (positions, time, velocities)."""
    if isinstance(point, TrajectoryPoint):
        return point
    try:
        positions, time_from_start, *rest = point
    except (TypeError, ValueError):
        raise TrajectoryError(
            INVALID_GOAL, f"a trajectory point must be (positions, time_from_start[, velocities]), got {point!r}"
        ) from None
    velocities = rest[0] if rest and rest[0] is not None and len(rest[0]) > 0 else None
    return TrajectoryPoint(tuple(positions), time_from_start, None if velocities is None else tuple(velocities))


class JointTrajectory:
    """A checked trajectory in the arm's joint order, starting at ``start`` (the positions when it began)."""

    def __init__(self, start: np.ndarray, times: np.ndarray, positions: np.ndarray, velocities: np.ndarray | None):
        self.start = start
        self.times = times  # (n,) increasing, seconds after the start
        self.positions = positions  # (n, joints)
        self.velocities = velocities  # (n, joints) or None: linear

    @property
    def duration(self) -> float:
        return float(self.times[-1])

    @property
    def final(self) -> np.ndarray:
        return self.positions[-1].copy()

    @classmethod
    def build(
        cls,
        joint_names: Sequence[str],
        points: Sequence[Any],
        arm_joints: Sequence[str],
        start: np.ndarray,
        limits: np.ndarray,
        max_speed: float = UR5_MAX_JOINT_SPEED,
    ) -> JointTrajectory:
        """Check a trajectory for the arm (``arm_joints`` with ``limits`` (n, 2)) and reorder it to its joints.

        ``start`` holds the joint positions now. Raises ``TrajectoryError`` (INVALID_JOINTS or INVALID_GOAL)
        with one line saying what is wrong.
        """
        order = _joint_order(list(joint_names), list(arm_joints))
        if len(points) == 0:
            raise TrajectoryError(INVALID_GOAL, "the trajectory has no points")
        parsed = [as_point(point) for point in points]
        n_joints = len(arm_joints)
        times = np.empty(len(parsed))
        positions = np.empty((len(parsed), n_joints))
        with_velocities = all(point.velocities is not None for point in parsed)
        velocities = np.zeros((len(parsed), n_joints)) if with_velocities else None
        for k, point in enumerate(parsed):
            times[k] = _finite_time(point.time_from_start, k)
            positions[k] = _vector(point.positions, n_joints, f"point {k} positions")[order]
            if velocities is not None:
                velocities[k] = _vector(point.velocities, n_joints, f"point {k} velocities")[order]
        if np.any(np.diff(times) <= 0):
            k = int(np.argmax(np.diff(times) <= 0)) + 1
            raise TrajectoryError(
                INVALID_GOAL,
                f"time_from_start must increase from point to point: point {k} at {times[k]:g} s follows "
                f"{times[k - 1]:g} s",
            )
        low, high = limits[:, 0], limits[:, 1]
        outside = (positions < low - 1e-9) | (positions > high + 1e-9)
        if outside.any():
            k, j = (int(i) for i in np.argwhere(outside)[0])
            raise TrajectoryError(
                INVALID_GOAL,
                f"point {k}: {arm_joints[j]} = {positions[k, j]:.4f} rad is outside its limits "
                f"[{low[j]:.4f}, {high[j]:.4f}]",
            )
        start = np.asarray(start, dtype=float)
        if times[0] == 0.0:
            jump = np.abs(positions[0] - start)
            if jump.max() > START_TOLERANCE:
                j = int(np.argmax(jump))
                raise TrajectoryError(
                    INVALID_GOAL,
                    f"point 0 at time 0 puts {arm_joints[j]} {jump[j]:.3f} rad from where it is: the arm cannot "
                    "jump (give the first point a time_from_start > 0, or start at the current positions)",
                )
        _check_speeds(start, times, positions, velocities, arm_joints, max_speed)
        return cls(start.copy(), times, positions, velocities)

    def sample(self, t: float) -> np.ndarray:
        """Joint positions ``t`` seconds after the start (held at the last point afterwards)."""
        if t >= self.times[-1]:
            return self.final
        t = max(t, 0.0)
        k = int(np.searchsorted(self.times, t, side="right"))  # segment k: from point k - 1 (or start) to point k
        t0 = 0.0 if k == 0 else float(self.times[k - 1])
        p0 = self.start if k == 0 else self.positions[k - 1]
        p1 = self.positions[k]
        duration = float(self.times[k]) - t0
        if duration <= 0:
            return p1.copy()
        s = (t - t0) / duration
        if self.velocities is None:
            return p0 + (p1 - p0) * s
        v0 = np.zeros_like(p0) if k == 0 else self.velocities[k - 1]
        v1 = self.velocities[k]
        h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
        return h00 * p0 + h10 * duration * v0 + h01 * p1 + h11 * duration * v1


def _joint_order(names: list[str], arm_joints: list[str]) -> np.ndarray:
    """Index into ``names`` for each arm joint; INVALID_JOINTS unless ``names`` are the arm's joints."""
    problems = []
    duplicates = sorted({name for name in names if names.count(name) > 1})
    unknown = [name for name in names if name not in arm_joints]
    missing = [name for name in arm_joints if name not in names]
    if duplicates:
        problems.append(f"repeated: {', '.join(duplicates)}")
    if unknown:
        problems.append(f"unknown: {', '.join(unknown)}")
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    if problems:
        raise TrajectoryError(
            INVALID_JOINTS,
            f"joint_names must be the arm's {len(arm_joints)} joints ({', '.join(arm_joints)}) in any order; "
            + "; ".join(problems),
        )
    return np.array([names.index(name) for name in arm_joints])


def _finite_time(value: Any, k: int) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise TrajectoryError(INVALID_GOAL, f"point {k}: time_from_start {value!r} is not a number") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise TrajectoryError(INVALID_GOAL, f"point {k}: time_from_start must be finite and >= 0, got {value!r}")
    return seconds


def _vector(values: Any, n: int, what: str) -> np.ndarray:
    try:
        vector = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TrajectoryError(INVALID_GOAL, f"{what} must be {n} numbers, got {values!r}") from None
    if vector.shape != (n,):
        raise TrajectoryError(INVALID_GOAL, f"{what} must be {n} numbers (one per joint), got {vector.size}")
    if not np.all(np.isfinite(vector)):
        raise TrajectoryError(INVALID_GOAL, f"{what} must be finite, got {vector.tolist()}")
    return vector


def _check_speeds(
    start: np.ndarray,
    times: np.ndarray,
    positions: np.ndarray,
    velocities: np.ndarray | None,
    arm_joints: Sequence[str],
    max_speed: float,
) -> None:
    """No joint faster than ``max_speed``: the given velocities, and each segment's average speed."""
    limit = max_speed * (1 + 1e-6)
    previous, t_previous = start, 0.0
    for k in range(len(times)):
        duration = times[k] - t_previous
        if duration > 0:
            speed = np.abs(positions[k] - previous) / duration
            if speed.max() > limit:
                j = int(np.argmax(speed))
                raise TrajectoryError(
                    INVALID_GOAL,
                    f"point {k}: {arm_joints[j]} would move at {speed[j]:.2f} rad/s on average to reach it "
                    f"(limit {max_speed:g} rad/s): give it more time",
                )
        if velocities is not None and np.abs(velocities[k]).max() > limit:
            j = int(np.argmax(np.abs(velocities[k])))
            raise TrajectoryError(
                INVALID_GOAL,
                f"point {k}: velocity of {arm_joints[j]} {velocities[k, j]:.2f} rad/s exceeds the limit "
                f"{max_speed:g} rad/s",
            )
        previous, t_previous = positions[k], times[k]
