"""After the servo closes: wait for the gripper, lift, shake, hold, and label from the gripper's opening.

The automatic label of seeds 000 and 004, as a real robot computes it: an attempt succeeded when, after the
lift and a short shake, the fingers are not fully closed (an object keeps them apart). ``PostGrasp`` is fed
the gripper states (pose, opening, closed) the motion node reports and answers what to do next: send a goal,
wait, label, or give up. It moves nothing itself and imports no ROS; the servo node publishes its goals.

The defaults equal the embedded world's (grasp_sim.world_config.WorldConfig): lift 0.15 m, shake 2 cycles of
15 mm up-down then sideways (along the tool y axis), hold 0.3 s, held when the opening exceeds 5 mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.ros.conversions import GripperSample
from grasp_servo.workspace import Workspace

LABEL_METHOD = "gripper_opening"
NS_PER_S = 1_000_000_000
CLOSING, MOVING, HOLDING, DONE = "closing", "moving", "holding", "done"


@dataclass(frozen=True)
class LabelConfig:
    """The lift test: how far to lift, how to shake, how long to hold, and the opening that means held."""

    lift_distance: float = 0.15
    shake_amplitude: float = 0.015
    shake_cycles: int = 2
    hold_time_s: float = 0.3
    held_opening_threshold: float = 0.001  # m, as grasp_sim's WorldConfig (3 counts of a 2F-85's position)
    close_timeout_s: float = 5.0  # the gripper must report closed within this
    goal_timeout_s: float = 5.0  # a lift or shake goal not reached in time: go on from where the arm is
    arrive_tolerance: float = 0.005

    def __post_init__(self) -> None:
        if self.lift_distance < 0 or self.shake_amplitude < 0 or self.shake_cycles < 0:
            raise ValueError("lift_distance, shake_amplitude and shake_cycles must be >= 0")
        if self.held_opening_threshold <= 0 or self.arrive_tolerance <= 0:
            raise ValueError("held_opening_threshold and arrive_tolerance must be > 0")
        if min(self.hold_time_s, self.close_timeout_s, self.goal_timeout_s) <= 0:
            raise ValueError("hold_time_s, close_timeout_s and goal_timeout_s must be > 0")


@dataclass(frozen=True)
class SendGoal:
    """Publish this goal pose (lift or shake) now."""

    goal: GripperPose
    phase: str  # lifting, shaking


@dataclass(frozen=True)
class Label:
    """The attempt's automatic label."""

    success: bool
    detail: str
    final_pose: GripperPose  # where the gripper closed
    opening_closed: float
    opening_lifted: float
    label_method: str = LABEL_METHOD


@dataclass(frozen=True)
class GiveUp:
    """The lift test could not run (the gripper never reported closed): no label."""

    reason: str


@dataclass
class _Progress:
    goals: list[tuple[GripperPose, str]] = field(default_factory=list)
    index: int = 0
    issued_ns: int = 0
    held_since_ns: int | None = None


def shake_goals(centre: GripperPose, config: LabelConfig) -> list[GripperPose]:
    """Up-down then sideways (tool y) extremes around ``centre``, ``shake_cycles`` times each, back to centre."""
    if config.shake_cycles == 0 or config.shake_amplitude == 0:
        return []
    goals = []
    for axis in (np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0, 0.0])):
        for _ in range(config.shake_cycles):
            goals.append(apply_motion(centre, axis * config.shake_amplitude))
            goals.append(apply_motion(centre, -axis * config.shake_amplitude))
        goals.append(centre)
    return goals


class PostGrasp:
    """closing -> moving (lift, then the shake goals, one at a time) -> holding -> done (label)."""

    def __init__(self, config: LabelConfig, workspace: Workspace, close_issued_ns: int) -> None:
        self.config = config
        self.workspace = workspace
        self.phase = CLOSING
        self._close_issued_ns = int(close_issued_ns)
        self._closed_pose: GripperPose | None = None
        self._opening_closed = float("nan")
        self._opening_lifted = float("nan")
        self._progress = _Progress()
        self._notes: list[str] = []

    @property
    def closed_pose(self) -> GripperPose | None:
        return self._closed_pose

    def on_state(self, stamp_ns: int, sample: GripperSample, now_ns: int) -> SendGoal | Label | GiveUp | None:
        """The next thing to do given the newest gripper state; None = keep waiting."""
        cfg = self.config
        if self.phase == CLOSING:
            if sample.closed and stamp_ns >= self._close_issued_ns:
                self._closed_pose = sample.pose
                self._opening_closed = sample.opening
                lift = self._inside(GripperPose(sample.pose.x, sample.pose.y, sample.pose.z + cfg.lift_distance,
                                                sample.pose.yaw))
                goals = [(lift, "lifting")] + [(self._inside(g), "shaking") for g in shake_goals(lift, cfg)]
                self._progress = _Progress(goals=goals)
                self.phase = MOVING
                return self._issue(now_ns)
            if now_ns - self._close_issued_ns > cfg.close_timeout_s * NS_PER_S:
                self.phase = DONE
                return GiveUp(f"the gripper did not report closed within {cfg.close_timeout_s:.1f} s")
            return None
        if self.phase == MOVING:
            progress = self._progress
            goal, phase = progress.goals[progress.index]
            arrived = stamp_ns >= progress.issued_ns and _distance(sample.pose, goal) <= cfg.arrive_tolerance
            late = now_ns - progress.issued_ns > cfg.goal_timeout_s * NS_PER_S
            if not (arrived or late):
                return None
            if late and not arrived:
                self._notes.append(f"{phase} goal {progress.index} not reached in {cfg.goal_timeout_s:.1f} s")
            if progress.index == 0:
                self._opening_lifted = sample.opening
            progress.index += 1
            if progress.index < len(progress.goals):
                return self._issue(now_ns)
            self.phase = HOLDING
            progress.held_since_ns = now_ns
            return None
        if self.phase == HOLDING:
            assert self._progress.held_since_ns is not None
            since = self._progress.held_since_ns
            if now_ns - since < cfg.hold_time_s * NS_PER_S or stamp_ns < since:
                return None
            self.phase = DONE
            return self._label(sample.opening)
        return None

    def _issue(self, now_ns: int) -> SendGoal:
        goal, phase = self._progress.goals[self._progress.index]
        self._progress.issued_ns = now_ns
        return SendGoal(goal, phase)

    def _inside(self, goal: GripperPose) -> GripperPose:
        return self.workspace.clip_pose(goal)

    def _label(self, opening_shaken: float) -> Label:
        cfg = self.config
        success = bool(opening_shaken > cfg.held_opening_threshold)
        relation = ">" if success else "<="
        shake = (
            f"shaking {cfg.shake_cycles} x {cfg.shake_amplitude * 1000:.0f} mm up-down and sideways"
            if cfg.shake_cycles and cfg.shake_amplitude else "no shake"
        )
        detail = (
            f"gripper opening {_mm(self._opening_closed)} mm after closing, {_mm(self._opening_lifted)} mm after "
            f"lifting {cfg.lift_distance:.2f} m, {_mm(opening_shaken)} mm after {shake}: {relation} "
            f"{cfg.held_opening_threshold * 1000:g} mm, {'held' if success else 'not held'}"
        )
        if self._notes:
            detail += " (" + "; ".join(self._notes) + ")"
        assert self._closed_pose is not None
        return Label(success, detail, self._closed_pose, self._opening_closed, self._opening_lifted)


def _distance(pose: GripperPose, goal: GripperPose) -> float:
    return float(np.linalg.norm(pose.position - goal.position))


def _mm(metres: float) -> str:
    return f"{metres * 1000:.1f}" if np.isfinite(metres) else "?"
